"""Where each row imported from the old Discuz! portal went (``import_discuz``).

The importer looks here to stay idempotent (a row already imported is updated, not
duplicated) and the old-URL redirects (``portal.php?mod=view&aid=N`` …) to find the new page.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LegacyId(models.Model):
    class Kind(models.TextChoices):
        CATEGORY = "category", _("category")
        ARTICLE = "article", _("article")
        MEMBER = "member", _("member")
        COMMENT = "comment", _("comment")
        # old_id is the file's path under the attachment folder, new_id its storage name.
        IMAGE = "image", _("image")
        # old_id is portal_attachment.attachid (or the file's path), new_id our Attachment's id.
        ATTACHMENT = "attachment", _("attachment")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    old_id = models.CharField(_("old id"), max_length=255)
    new_id = models.CharField(_("new id"), max_length=255)
    # A digest of the old row as last imported: a changed row is imported again.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    class Meta:
        db_table = "news_legacyid"  # moved from the news app; the table kept its name
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        constraints = [models.UniqueConstraint(fields=["kind", "old_id"], name="legacy_id_once_per_kind")]

    def __str__(self):
        return f"{self.kind} {self.old_id} → {self.new_id}"

    @classmethod
    def new_for(cls, kind, old_id):
        """The new id of an imported row as an ``int``, or ``None``."""
        value = cls.objects.filter(kind=kind, old_id=str(old_id)).values_list("new_id", flat=True).first()
        return int(value) if value is not None and value.isdigit() else None


class Attachment(models.Model):
    """A file an old article offered for download (a spreadsheet, a PDF, a Word document).

    Imported by ``import_discuz`` after its type was checked against its first bytes; served
    by :func:`news.legacy.views.attachment` as a download under its original name.
    """

    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("legacy:attachment", args=[self.pk])
