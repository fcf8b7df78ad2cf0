"""Uploaded images: checked, cleaned and re-encoded once, then served as renditions.

* :func:`validate_image_upload` refuses anything that is not a real JPEG, PNG, WebP or
  GIF within the byte and pixel limits (decompression bombs included), SVG, and files
  that carry markup or script next to the picture (polyglots).
* :func:`clean_image` applies the EXIF orientation, drops EXIF and other metadata and
  re-encodes the picture, so what is stored is only pixels we decoded ourselves.
* Renditions are WebP and JPEG copies 400, 800 and 1200 px wide (never wider than the
  original). Their names follow from the original's name, so pages build ``srcset``
  without a database query; :func:`ensure_renditions` writes the missing ones through
  Django's storage API, so S3-compatible storage works the same as the disk.
"""

import io
import logging
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 8000 x 5000
RENDITION_WIDTHS = (400, 800, 1200)
RENDITION_FORMATS = (("webp", "WEBP", "image/webp"), ("jpg", "JPEG", "image/jpeg"))
RENDITION_DIR = "renditions"
# Markup or code inside an image file means someone built a polyglot: refuse it.
logger = logging.getLogger(__name__)
_MARKUP = re.compile(rb"<\s*(script|svg|html|body|iframe|object|embed|\?php|!doctype)|javascript:", re.IGNORECASE)


def _refuse(message, code, **params):
    raise ValidationError(message % params if params else message, code=code)


def validate_image_upload(file):
    """Refuse anything that is not a JPEG, PNG, WebP or GIF within the limits.

    Returns ``(format, width, height)`` of the accepted image, or None for a file already stored.
    """
    if getattr(file, "_committed", False):
        # A model's stored picture, checked when it was uploaded: a form that leaves it as it is must
        # not read it again (its dimensions were just read, and the file closed, by ImageField).
        return None
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        _refuse(
            _("The image is %(size)s; the limit is %(limit)s."),
            "too_large",
            size=filesizeformat(size),
            limit=filesizeformat(MAX_BYTES),
        )
    file.seek(0)
    data = file.read(MAX_BYTES + 1)
    file.seek(0)
    if not data:
        _refuse(_("The file is empty."), "empty")
    if len(data) > MAX_BYTES:
        _refuse(_("The image is larger than %(limit)s."), "too_large", limit=filesizeformat(MAX_BYTES))
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg")) or b"<svg" in head:
        _refuse(_("SVG images are not accepted: use JPEG, PNG, WebP or GIF."), "svg")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            image_format = image.format
            if image_format in ALLOWED_FORMATS and width * height <= MAX_PIXELS:
                image.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError(_("The image has too many pixels."), code="too_many_pixels") from exc
    except Exception as exc:  # Pillow raises many kinds of errors for broken files.
        raise ValidationError(_("The file is not an image, or it is damaged."), code="invalid_image") from exc
    if image_format not in ALLOWED_FORMATS:
        _refuse(_("%(format)s images are not accepted: use JPEG, PNG, WebP or GIF."), "format", format=image_format)
    if width * height > MAX_PIXELS:
        _refuse(
            _("The image is %(width)d×%(height)d pixels; the limit is %(limit)s million pixels."),
            "too_many_pixels",
            width=width,
            height=height,
            limit=MAX_PIXELS // 1_000_000,
        )
    if _MARKUP.search(data):
        _refuse(_("The file hides web page or script code inside the image; it was refused."), "polyglot")
    return image_format, width, height


@dataclass
class CleanImage:
    content: ContentFile
    width: int
    height: int
    format: str


def clean_image(file, name="image"):
    """Validate, orient, strip metadata and re-encode an upload; returns a :class:`CleanImage`.

    Raises :class:`ValidationError` for anything :func:`validate_image_upload` refuses.
    """
    image_format, _width, _height = validate_image_upload(file)
    file.seek(0)
    try:
        with Image.open(file) as image:
            animated = image_format in {"GIF", "WEBP"} and getattr(image, "n_frames", 1) > 1
            buffer = io.BytesIO()
            if animated:
                # Keep the animation; frames are re-encoded and metadata is not copied.
                image.save(buffer, image_format, save_all=True, loop=image.info.get("loop", 0))
                width, height = image.size
            else:
                image.load()
                upright = ImageOps.exif_transpose(image)
                width, height = upright.size
                _save(upright, buffer, image_format)
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(_("The file is not an image, or it is damaged."), code="invalid_image") from exc
    finally:
        file.seek(0)
    stem = PurePosixPath(getattr(file, "name", None) or name).stem[:60] or name
    return CleanImage(ContentFile(buffer.getvalue(), name=stem + EXTENSIONS[image_format]), width, height, image_format)


def clean_form_picture(value):
    """A form's picture field after cleaning: a new upload re-encoded by :func:`clean_image`; the
    stored file (unchanged) or False (cleared) as they are."""
    if not value or not hasattr(value, "content_type"):
        return value
    return clean_image(value).content


def _save(image, buffer, image_format):
    """Encode without any metadata (no EXIF, ICC kept only as pixels converted to sRGB)."""
    if image_format == "JPEG":
        image = image.convert("RGB") if image.mode not in {"RGB", "L"} else image
        image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    elif image_format == "PNG":
        image.save(buffer, "PNG", optimize=True)
    elif image_format == "WEBP":
        image.save(buffer, "WEBP", quality=82, method=4)
    else:
        image.save(buffer, "GIF")


# --- renditions ------------------------------------------------------------------------
def rendition_widths(original_width):
    """The widths made for an original: the standard ones below it, and at most 1200."""
    if not original_width:
        return []
    widths = [w for w in RENDITION_WIDTHS if w < original_width]
    top = min(original_width, RENDITION_WIDTHS[-1])
    if top not in widths:
        widths.append(top)
    return widths


def rendition_name(name, width, extension):
    path = PurePosixPath(name)
    return str(PurePosixPath(RENDITION_DIR) / path.parent / f"{path.stem}-{width}w.{extension}")


def is_animated(name):
    return PurePosixPath(name).suffix.lower() == ".gif"


def srcsets(name, width, storage=None):
    """``{"webp": "url 400w, …", "jpg": "…"}`` for an original, or ``{}`` for GIFs."""
    storage = storage or default_storage
    if not name or not width or is_animated(name):
        return {}
    widths = rendition_widths(width)
    return {
        extension: ", ".join(f"{storage.url(rendition_name(name, w, extension))} {w}w" for w in widths)
        for extension, _format, _mime in RENDITION_FORMATS
    }


def _flatten(image):
    """RGB for JPEG and WebP renditions: transparency becomes white, not black."""
    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def ensure_renditions(name, storage=None, force=False):
    """Write the renditions of ``name`` that are missing (all with ``force``); returns how many."""
    storage = storage or default_storage
    if not name or is_animated(name):
        return 0
    with storage.open(name, "rb") as original, Image.open(original) as image:
        image.load()
        width = image.width
        written = 0
        for target in rendition_widths(width):
            resized = None
            for extension, pillow_format, _mime in RENDITION_FORMATS:
                target_name = rendition_name(name, target, extension)
                if not force and storage.exists(target_name):
                    continue
                if resized is None:
                    height = max(1, round(image.height * target / width))
                    resized = _flatten(image).resize((target, height), Image.Resampling.LANCZOS)
                buffer = io.BytesIO()
                if pillow_format == "WEBP":
                    resized.save(buffer, "WEBP", quality=80, method=4)
                else:
                    resized.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
                if storage.exists(target_name):
                    storage.delete(target_name)
                storage.save(target_name, ContentFile(buffer.getvalue()))
                written += 1
    return written


class StorageUnavailable(ValidationError):
    """The picture was fine but could not be written: a full disk or a failing storage backend.

    Whatever was written for it has been removed. It is a ValidationError so forms show the
    message; views answer 503 (a server problem, not the resident's) when they see its code.
    """

    def __init__(self):
        super().__init__(
            _(
                "The picture could not be stored: the server's storage is full or unavailable. "
                "Nothing was saved; please try again later."
            ),
            code="storage_unavailable",
        )


def store_with_renditions(name, content, width, storage=None):
    """Save an upload and its renditions; on a storage failure remove all of it and raise StorageUnavailable."""
    storage = storage or default_storage
    try:
        name = storage.save(name, content)
    except OSError as exc:
        raise StorageUnavailable() from exc
    try:
        ensure_renditions(name, storage)
    except Exception as exc:
        discard_upload(name, width, storage)
        if isinstance(exc, OSError):
            raise StorageUnavailable() from exc
        raise
    return name


def discard_upload(name, width, storage=None):
    """:func:`delete_with_renditions` that never raises (it runs while handling another failure)."""
    try:
        delete_with_renditions(name, width, storage)
    except OSError:
        logger.exception("could not remove %s after a failed upload", name)


def delete_with_renditions(name, width, storage=None):
    """Remove an upload and the renditions made for it (``width``: the original's, read if None)."""
    storage = storage or default_storage
    if width is None and storage.exists(name):
        try:
            with storage.open(name, "rb") as original, Image.open(original) as image:
                width = image.width
        except Exception:  # not an image after all: only the file itself goes
            width = None
    for target in rendition_widths(width):
        for extension, _format, _mime in RENDITION_FORMATS:
            storage.delete(rendition_name(name, target, extension))
    storage.delete(name)
