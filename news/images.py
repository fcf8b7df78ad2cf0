"""Checks for uploaded images: a real image, an allowed format, within byte and pixel limits."""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 8000 x 5000


def validate_image_upload(file):
    """Refuse anything that is not a JPEG, PNG, WebP or GIF within the limits."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            _("The image is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(MAX_BYTES)},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    try:
        file.seek(0)
        with Image.open(file) as image:
            width, height = image.size
            image_format = image.format
    except Image.DecompressionBombError as exc:
        raise ValidationError(_("The image has too many pixels."), code="too_many_pixels") from exc
    except Exception as exc:  # Pillow raises many kinds of errors for broken files.
        raise ValidationError(_("The file is not an image, or it is damaged."), code="invalid_image") from exc
    finally:
        file.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("%(format)s images are not accepted: use JPEG, PNG, WebP or GIF.") % {"format": image_format},
            code="format",
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _("The image is %(width)d×%(height)d pixels; the limit is %(limit)s million pixels.")
            % {"width": width, "height": height, "limit": MAX_PIXELS // 1_000_000},
            code="too_many_pixels",
        )
