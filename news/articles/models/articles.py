"""Categories, sources (来自) and articles, with the one rule of what the public sees."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Q, Value
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from news.articles.body import render_body
from news.articles.models.site import ModerationMode
from news.articles.sanitize import cut_summary, html_to_text, sanitize_html
from news.articles.video import POSTER_DIR, VIDEO_DIR, embed_or_none, validate_embed
from yzgz import images
from yzgz.images import validate_image_upload
from yzgz.links import object_url


class Category(models.Model):
    """A section of the site. The tree is two levels deep: a category and its children."""

    name = models.CharField(_("name"), max_length=50)
    slug = models.SlugField(
        _("slug"),
        max_length=60,
        unique=True,
        allow_unicode=True,
        help_text=_("The address of the category page, e.g. “latest” for /category/latest/."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("Leave empty for a top-level category. Only two levels are allowed."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller numbers come first."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    in_nav = models.BooleanField(_("show in navigation"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("news:category-detail", self.slug)

    def clean(self):
        if self.parent_id is None:
            return
        if self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A category cannot be its own parent.")})
        if self.parent.parent_id is not None:
            raise ValidationError({"parent": _("Choose a top-level category: only two levels are allowed.")})
        if self.pk and self.children.exists():
            raise ValidationError({"parent": _("This category has sub-categories, so it must stay top-level.")})


class Source(models.Model):
    """Where an article comes from (来自): a station, a paper, a department."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("website"), blank=True, help_text=_("Optional; must start with http:// or https://."))

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("news:source-detail", self.pk)


LIST_FIELDS = (
    "title",
    "excerpt",
    "cover",
    "cover_width",
    "cover_height",
    "category",
    "status",
    "published_at",
    "view_count",
    "comment_count",
)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The single definition of what readers may see: published and due."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def headlines(self):
        """Published articles pinned to the home page's headline area and not expired."""
        return (
            self.published()
            .filter(is_featured=True)
            .filter(Q(headline_until__isnull=True) | Q(headline_until__gt=timezone.now()))
            .order_by("headline_order", "-published_at", "-id")
        )

    def in_category(self, category):
        """Articles of a category and of its sub-categories.

        ``category_id IN (4, 9, 10)`` with the ids from the cached category tree: with the
        literal list PostgreSQL estimates the rows right and walks the publication-time
        index for the first page (0.4 ms on 20,000 articles), where ``IN (subquery)`` was
        estimated at two rows and sorted all 7,500 of a big category's articles (27 ms).
        """
        from news.articles.navigation import category_tree  # here: news.articles.navigation imports the models

        family = [category.pk]
        for top in category_tree():
            if top.pk == category.pk:
                family.extend(child.pk for child in top.subcategories)
        return self.filter(category_id__in=family)

    def for_list(self, *also):
        """What list pages show — title, excerpt, cover, time, counters, category — and ``also``.

        Building a model instance costs per loaded field: the home page's articles load in a
        third of the time with these twelve columns instead of all but the body.
        """
        return self.select_related("category").only(*LIST_FIELDS, *also, "category__name", "category__slug")


_NAME_SEPARATORS = re.compile(r"[\s,，、;；]+")


def names(value):
    """The names in a 署名 field ("张三、李四" or "张三 李四"), in order, each once."""
    return list(dict.fromkeys(name for name in _NAME_SEPARATORS.split(value or "") if name))


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("Submitted for review")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        GALLERY = "gallery", _("Gallery (图集)")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("story form"),
        max_length=10,
        choices=Kind.choices,
        default=Kind.ARTICLE,
        help_text=_("A gallery shows its pictures, each with a caption, above the text."),
    )
    summary = models.TextField(
        _("summary"),
        blank=True,
        max_length=500,
        help_text=_("Plain text. Leave empty to use the first 120 characters of the body."),
    )
    excerpt = models.TextField(_("excerpt"), blank=True, editable=False)
    body = models.TextField(
        _("body"),
        help_text=_("Paste from Word or WeChat keeps headings, lists and images and drops their styling."),
    )
    # The body as readers get it: our images as responsive renditions (news.articles.body).
    body_html = models.TextField(_("rendered body"), blank=True, editable=False)
    cover = models.ImageField(
        _("cover image"),
        upload_to="covers/%Y/%m/",
        blank=True,
        width_field="cover_width",
        height_field="cover_height",
        validators=[validate_image_upload],
        help_text=_("JPEG, PNG, WebP or GIF, up to 10 MB and 40 million pixels. Shown at the top and in lists."),
    )
    cover_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The lead video (#20), at the top of the article: an MP4 of ours or a 腾讯视频/哔哩哔哩 embed, not both.
    video = models.FileField(
        _("video file"),
        upload_to=f"{VIDEO_DIR}/%Y/%m/",
        blank=True,
        max_length=200,
        help_text=_("MP4 with H.264 video and AAC sound. Shown at the top of the article."),
    )
    video_poster = models.ImageField(
        _("video poster"),
        upload_to=f"{POSTER_DIR}/%Y/%m/",
        blank=True,
        width_field="video_poster_width",
        height_field="video_poster_height",
        validators=[validate_image_upload],
        help_text=_("The picture shown before the video plays. Leave empty to use a frame of the video."),
    )
    video_poster_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    video_poster_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    video_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    video_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    video_duration = models.DurationField(null=True, blank=True, editable=False)
    video_embed = models.CharField(
        _("video on Tencent Video or Bilibili"),
        max_length=300,
        blank=True,
        validators=[validate_embed],
        help_text=_("Instead of a file: the address of the video's page on v.qq.com or bilibili.com."),
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="articles"
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    source_url = models.URLField(
        _("original article"), max_length=500, blank=True, help_text=_("The address of the article at its source.")
    )
    byline = models.CharField(
        _("original author"), max_length=100, blank=True, help_text=_("The writer, when not the publisher (原作者).")
    )
    # 署名, as Chinese news sites print it: 记者, 通讯员 and 摄影 under the title, 责任编辑 at the end.
    # Names are free text (staff or not), separated by spaces or 、; see ``names()``.
    reporters = models.CharField(
        _("reporters"), max_length=200, blank=True, help_text=_("One or more names, separated by spaces or 、.")
    )
    correspondents = models.CharField(
        _("correspondents"), max_length=200, blank=True, help_text=_("One or more names, separated by spaces or 、.")
    )
    photographers = models.CharField(
        _("photographers"), max_length=200, blank=True, help_text=_("One or more names, separated by spaces or 、.")
    )
    responsible_editor = models.CharField(
        _("editor in charge"),
        max_length=50,
        blank=True,
        help_text=_("Filled in with the name of the editor who publishes the article; you may change it."),
    )
    tags = TaggableManager(_("tags"), blank=True, help_text=_("Separate tags with commas."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publisher"),
        on_delete=models.PROTECT,
        related_name="articles",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    withdrawn_reason = models.CharField(
        _("reason for withdrawal"),
        max_length=300,
        blank=True,
        help_text=_("Required when withdrawing. Kept for the newsroom; readers only see that it was withdrawn."),
    )
    published_at = models.DateTimeField(
        _("publication time"),
        default=timezone.now,
        help_text=_("A time in the future schedules the article: it appears then, by itself."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    allow_comments = models.BooleanField(_("allow comments"), default=True)
    comment_moderation = models.CharField(
        _("comment moderation"),
        max_length=16,
        choices=ModerationMode.choices,
        blank=True,
        help_text=_("Empty: as in the site settings."),
    )
    is_featured = models.BooleanField(
        _("headline"), default=False, help_text=_("Pin to the headline area of the home page.")
    )
    headline_order = models.PositiveSmallIntegerField(
        _("headline order"), default=0, help_text=_("Smaller numbers come first among the headlines.")
    )
    headline_until = models.DateTimeField(
        _("headline until"),
        null=True,
        blank=True,
        help_text=_("Optional: the headline ends by itself at this time."),
    )
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    comment_count = models.PositiveIntegerField(_("comments"), default=0, editable=False)
    reaction_count = models.PositiveIntegerField(_("reactions"), default=0, editable=False)
    # {reaction id: count}; written under the article's row lock by news.viewcounts.reactions.
    reaction_counts = models.JSONField(_("reaction counts"), default=dict, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    # Uploaded files and the field with the width of each picture (for its renditions).
    UPLOADS = {"cover": "cover_width", "video_poster": "video_poster_width", "video": None}

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        permissions = [
            ("manage_all_articles", _("Can edit and publish every reporter's articles")),
            ("publish_article", _("Can publish articles without review")),
            ("feature_article", _("Can put articles in the headlines")),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_pub_idx"),
            models.Index(fields=["category", "status", "-published_at"], name="article_category_pub_idx"),
            models.Index(fields=["author", "status", "-published_at"], name="article_author_pub_idx"),
            models.Index(fields=["source", "status", "-published_at"], name="article_source_pub_idx"),
            models.Index(fields=["is_featured", "status", "-published_at"], name="article_featured_pub_idx"),
            models.Index(fields=["-view_count"], name="article_views_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        saving = set(self.UPLOADS) if update_fields is None else set(self.UPLOADS) & set(update_fields)
        content_changed = update_fields is None or bool({"body", "summary", "cover"} & set(update_fields))
        if "video" in saving and not self.video:  # no video, no poster or figures of one
            self.video_poster = None
            self.video_width = self.video_height = self.video_duration = None
        new_files = [
            (file, getattr(self, width) if width else 0)
            for name, width in self.UPLOADS.items()
            if name in saving and (file := getattr(self, name)) and not file._committed
        ]
        try:
            if content_changed:
                self.body = sanitize_html(self.body)
                self.body_html = render_body(self.body)
                self.summary = (self.summary or "").strip()
                self.excerpt = self.summary or cut_summary(self.body)
                if update_fields is not None:
                    kwargs["update_fields"] = set(update_fields) | {"excerpt", "body_html"}
            with transaction.atomic():
                super().save(*args, **kwargs)
                if content_changed and self.cover:
                    images.ensure_renditions(self.cover.name)
                if "video_poster" in saving and self.video_poster:
                    images.ensure_renditions(self.video_poster.name)
        except OSError as exc:  # a full disk or a failing storage: nothing is kept, the caller says why
            for file, width in new_files:
                if file._committed:
                    images.discard_upload(file.name, width)
            raise images.StorageUnavailable() from exc

    def get_absolute_url(self):
        return object_url("news:article-detail", self.pk)

    @property
    def credits(self):
        """The 署名 under the title: ``[(label, [names…]), …]`` for 记者, 通讯员 and 摄影 that are set."""
        rows = [
            (_("Reporters:"), names(self.reporters)),
            (_("Correspondents:"), names(self.correspondents)),
            (_("Photographers:"), names(self.photographers)),
        ]
        return [(label, people) for label, people in rows if people]

    @property
    def embed(self):
        """The :class:`~news.articles.video.Embed` of ``video_embed``, or None."""
        return embed_or_none(self.video_embed)

    @cached_property
    def gallery(self):
        """A 图集's pictures in order (one query, on galleries only); ``[]`` for other articles."""
        if self.kind != self.Kind.GALLERY or self.pk is None:
            return []
        return list(self.gallery_pictures.all())

    @property
    def shows_summary(self):
        """Whether the article page shows the 摘要 box: not when it would only repeat the body.

        An editor's own summary is always shown. One that is the body's opening (cut from it, or
        pasted) is a preview worth showing only before a long body, as the old portal showed it:
        when the body is shorter than twice the summary, readers would read the same words twice.
        """
        summary = (self.excerpt or "").removesuffix("…").strip()
        if not summary:
            return False
        text = html_to_text(self.body)
        return not text.startswith(summary) or len(text) >= 2 * len(summary)

    def clean(self):
        if self.status == self.Status.WITHDRAWN and not (self.withdrawn_reason or "").strip():
            raise ValidationError({"withdrawn_reason": _("Say why the article is withdrawn.")})
        if self.video and self.video_embed:
            raise ValidationError(
                {"video_embed": _("An article has one video: upload a file or give an address, not both.")}
            )

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    @property
    def is_headline(self):
        return self.is_featured and (self.headline_until is None or self.headline_until > timezone.now())

    def comments_open(self, site_settings):
        """Whether residents may comment now: allowed here, and not closed by age."""
        if not self.allow_comments:
            return False
        days = site_settings.comments_close_after_days
        return not days or timezone.now() < self.published_at + timedelta(days=days)

    def moderation_mode(self, site_settings):
        return self.comment_moderation or site_settings.comment_moderation

    def get_neighbours(self):
        """(上一篇, 下一篇): the articles published just before and after this one in its category.

        One query on PostgreSQL (a ``UNION ALL`` of two one-row index ranges); either
        may be ``None``. Ties in publication time are broken by id.
        """
        same = Article.objects.published().filter(category_id=self.category_id)
        before = Q(published_at__lt=self.published_at) | Q(published_at=self.published_at, pk__lt=self.pk)
        after = Q(published_at__gt=self.published_at) | Q(published_at=self.published_at, pk__gt=self.pk)
        previous = same.filter(before).order_by("-published_at", "-pk").annotate(side=Value(0))
        following = same.filter(after).order_by("published_at", "pk").annotate(side=Value(1))
        previous, following = (
            previous.values_list("side", "pk", "title")[:1],
            following.values_list("side", "pk", "title")[:1],
        )
        if connections[Article.objects.db].features.supports_slicing_ordering_in_compound:
            rows = previous.union(following, all=True)
        else:  # SQLite: no LIMIT inside a UNION, so two queries
            rows = [*previous, *following]
        found = {side: Article(pk=pk, title=title) for side, pk, title in rows}
        return found.get(0), found.get(1)


class ArticleRevision(models.Model):
    """The content of a published article as one save left it: who, when and what."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body"))
    cover = models.CharField(_("cover image"), max_length=255, blank=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.SET_NULL, null=True)
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.SET_NULL, null=True)
    tags = models.CharField(_("tags"), max_length=500, blank=True)

    CONTENT_FIELDS = ("title", "summary", "body", "cover", "category", "source", "tags")

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.article_id} @ {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def content_of(article):
        """The article's content as a revision keeps it (read after its tags are saved)."""
        return {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "cover": article.cover.name or "",
            "category_id": article.category_id,
            "source_id": article.source_id,
            "tags": ", ".join(sorted(article.tags.names()))[:500],
        }

    @classmethod
    def snapshot(cls, article, editor):
        """Record the article's current content (call after its tags are saved)."""
        return cls.objects.create(article=article, editor=editor, **cls.content_of(article))

    def restore_into(self, article):
        """Put this revision's content back into ``article`` (saved by the caller)."""
        article.title = self.title
        article.summary = self.summary
        article.body = self.body
        article.cover = self.cover or None
        if self.category_id:
            article.category_id = self.category_id
        article.source_id = self.source_id
