"""图集 (galleries) and the editor's autosaved copies (#20).

A gallery article shows its ordered pictures, each with a caption, above the body: swiped on
a phone, stepped with the arrow keys or the buttons, each picture a labelled group for screen
readers. The first picture is the share card's when the article has no cover.

An autosave is the article form as one editor left it, kept every 30 s while they type, so a
closed tab or a crashed browser loses nothing. It is a copy beside the article, never the
article: restoring puts it back into the form, and the form's save still goes through the
optimistic lock, so an autosave never overwrites someone else's newer save.
"""

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yzgz import images
from yzgz.images import validate_image_upload

from .articles import Article


class GalleryPicture(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="gallery_pictures"
    )
    image = models.ImageField(
        _("picture"),
        upload_to="gallery/%Y/%m/",
        width_field="width",
        height_field="height",
        validators=[validate_image_upload],
        help_text=_("JPEG, PNG, WebP or GIF, up to 10 MB and 40 million pixels."),
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    caption = models.CharField(_("caption"), max_length=500, blank=True, help_text=_("Shown under the picture (图注)."))
    alt = models.CharField(
        _("description for screen readers"),
        max_length=200,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it. Leave empty to use the caption."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("gallery picture")
        verbose_name_plural = _("gallery pictures")

    def __str__(self):
        return self.caption or self.image.name

    def save(self, *args, **kwargs):
        new_image = bool(self.image) and not self.image._committed
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
                if self.image:
                    images.ensure_renditions(self.image.name)
        except OSError as exc:
            if new_image and self.image._committed:
                images.discard_upload(self.image.name, self.width)
            raise images.StorageUnavailable() from exc

    @property
    def alt_text(self):
        return self.alt or self.caption


class ArticleAutosave(models.Model):
    """One editor's unsaved form for one article (or for a new article when ``article`` is empty)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # The article's updated_at when the editor opened the form: restoring over a newer save says so.
    based_on = models.DateTimeField(null=True, blank=True)
    fields = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("autosaved copy")
        verbose_name_plural = _("autosaved copies")
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="autosave_one_per_user_article"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(article__isnull=True), name="autosave_one_new_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.article_id or '-'} · {self.saved_at:%Y-%m-%d %H:%M}"
