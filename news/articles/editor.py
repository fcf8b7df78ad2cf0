"""The body editor (django-prose-editor) and its image uploads.

The editor offers what a news article needs and nothing that ``news.articles.sanitize`` would
remove: paragraphs, h2–h4, bold/italic/underline/strike, lists, quotes, links, images,
tables, a rule and captions under pictures (图注). Pasted Word or WeChat HTML is parsed into that schema by the editor,
which drops fonts, colours and inline styles. Whatever arrives, ``Article.save``
sanitises the body again with nh3 — the editor is a convenience, not a defence.

``static/js/admin-editor.js`` adds the ``YzImages`` extension: a 上传图片 button, image
files pasted or dropped into the body, and WeChat's lazy ``data-src`` images. Files go
to :func:`upload_body_image`, which cleans them like covers (``yzgz.images``).
"""

import uuid

from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from news.articles.sanitize import sanitize_html
from yzgz import images

BODY_IMAGE_DIR = "body"
# Reading time under the editor: Chinese news is read at roughly 300-500 characters a minute.
READING_CHARACTERS_PER_MINUTE = 400


def editor_extensions():
    return {
        "Bold": True,
        "Italic": True,
        "Underline": True,
        "Strike": True,
        "Subscript": True,
        "Superscript": True,
        "Heading": {"levels": [2, 3, 4]},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Blockquote": True,
        "HorizontalRule": True,
        "HardBreak": True,
        "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
        "Image": True,
        # 图注: the image's bubble menu adds or removes a caption (<figure><img><figcaption>).
        "Figure": True,
        "Caption": True,
        "Table": True,
        "TableRow": True,
        "TableHeader": True,
        "TableCell": True,
        "History": True,
        "HTML": True,
        "Placeholder": {"placeholder": str(_("Write the article, or paste it from Word or WeChat…"))},
        "YzImages": {
            "uploadUrl": reverse_lazy("admin:news_article_upload_image"),
            "label": _("Upload image"),
            "uploading": _("Uploading image…"),
            "failed": _("The image could not be uploaded."),
            "accept": "image/jpeg,image/png,image/webp,image/gif",
            "countLabel": _("{count} characters, about {minutes} min to read"),
            "charactersPerMinute": READING_CHARACTERS_PER_MINUTE,
        },
    }


def body_form_field(**kwargs):
    return ProseEditorFormField(
        config={"extensions": editor_extensions()},
        widget=AdminProseEditorWidget,
        sanitize=sanitize_html,
        **kwargs,
    )


def store_body_image(upload):
    """Clean an uploaded body image and store it with its renditions; returns ``(name, image)``.

    Raises :class:`ValidationError` (nothing is stored) for anything refused.
    """
    cleaned = images.clean_image(upload)
    extension = images.EXTENSIONS[cleaned.format]
    name = f"{BODY_IMAGE_DIR}/{timezone.now():%Y/%m}/{uuid.uuid4().hex[:16]}{extension}"
    try:
        name = images.store_with_renditions(name, cleaned.content, cleaned.width)
    except images.StorageUnavailable:
        raise
    except Exception as exc:  # the original is already removed: Pillow could not resize it
        raise ValidationError(_("The file is not an image, or it is damaged."), code="invalid_image") from exc
    return name, cleaned
