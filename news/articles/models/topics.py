"""专题 (topics, #20): an editor's page gathering the articles of one story or campaign.

A topic has a title, a cover, an introduction and ordered sections. A section lists the
articles an editor picked by hand, the newest articles of a tag, or both (the hand-picked
first). A topic is a draft (staff only), active (public and listed on the home page) or
archived (public, off the home page): old topics stay readable at their address, as a
newspaper's 专题 do.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from yzgz import images
from yzgz.images import validate_image_upload
from yzgz.links import object_url


class TopicQuerySet(models.QuerySet):
    def public(self):
        """What readers may see: active and archived topics."""
        return self.exclude(status=Topic.Status.DRAFT)


class Topic(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (only staff see it)")
        ACTIVE = "active", _("Active (public, listed on the home page)")
        ARCHIVED = "archived", _("Archived (public, off the home page)")

    title = models.CharField(_("title"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=60,
        unique=True,
        allow_unicode=True,
        help_text=_("The address of the topic page, e.g. “flood-2021” for /topic/flood-2021/."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    cover = models.ImageField(
        _("cover image"),
        upload_to="topics/%Y/%m/",
        blank=True,
        width_field="cover_width",
        height_field="cover_height",
        validators=[validate_image_upload],
        help_text=_("Shown at the top of the topic page and on the home page. JPEG, PNG, WebP or GIF."),
    )
    cover_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    introduction = models.TextField(
        _("introduction"), max_length=2000, blank=True, help_text=_("Plain text; an empty line starts a paragraph.")
    )
    order = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Smaller numbers come first on the home page.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["order", "-created_at", "-id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Saved with the cover's WebP/JPEG renditions, or not at all (as an article's cover)."""
        new_cover = bool(self.cover) and not self.cover._committed
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
                if self.cover:
                    images.ensure_renditions(self.cover.name)
        except OSError as exc:  # a full disk or a failing storage: nothing is kept, the caller says why
            if new_cover and self.cover._committed:
                images.discard_upload(self.cover.name, self.cover_width)
            raise images.StorageUnavailable() from exc

    def get_absolute_url(self):
        return object_url("news:topic-detail", self.slug)

    @property
    def is_public(self):
        return self.status != self.Status.DRAFT

    def paragraphs(self):
        return [part.strip() for part in self.introduction.replace("\r\n", "\n").split("\n\n") if part.strip()]


class TopicSection(models.Model):
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller numbers come first."))
    articles = models.ManyToManyField(
        "news.Article",
        verbose_name=_("hand-picked articles"),
        blank=True,
        related_name="topic_sections",
        help_text=_("Shown newest first, before the tag's articles."),
    )
    tag = models.ForeignKey(
        "taggit.Tag",
        verbose_name=_("tag"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Optional: the newest published articles with this tag follow the hand-picked ones."),
    )
    tag_limit = models.PositiveSmallIntegerField(
        _("articles from the tag"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("At most this many of the tag's articles (1–50)."),
    )

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["order", "id"]

    def __str__(self):
        return self.title
