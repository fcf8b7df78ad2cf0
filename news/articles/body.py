"""The article body as readers get it: sanitised HTML whose own images become renditions.

``Article.body`` keeps what the editor sent, sanitised. On save, :func:`render_body`
turns every ``<img>`` that points at one of our uploads into a ``<picture>`` with WebP
and JPEG ``srcset``, ``sizes``, ``width``/``height`` and ``loading="lazy"``, making any
missing renditions on the way. The result is stored in ``Article.body_html`` so the
article page needs no query and no image work.
"""

import html
import re

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from yzgz import images

BODY_SIZES = "(min-width: 900px) 790px, 100vw"
_IMG = re.compile(r"<img\s[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'([a-zA-Z][\w-]*)="([^"]*)"')


def local_name(src):
    """The storage name of one of our uploads from its URL, or ``None``."""
    src = html.unescape(src or "")
    prefix = settings.MEDIA_URL
    if not src.startswith(prefix):
        return None
    name = src[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
    if not name or ".." in name.split("/") or name.startswith(images.RENDITION_DIR + "/"):
        return None
    return name


def _dimensions(name, storage):
    try:
        with storage.open(name, "rb") as file, Image.open(file) as image:
            return image.size
    except Exception:  # a missing or broken file keeps its plain <img>
        return None


def picture(name, width, height, alt="", sizes=BODY_SIZES, lazy=True, storage=None):
    """The ``<picture>`` markup for an upload, renditions included."""
    storage = storage or default_storage
    sets = images.srcsets(name, width, storage)
    loading = ' loading="lazy"' if lazy else ""
    alt = html.escape(alt, quote=True)
    if not sets:
        src = html.escape(storage.url(name), quote=True)
        return f'<img src="{src}" alt="{alt}" width="{width}" height="{height}"{loading} decoding="async">'
    widths = images.rendition_widths(width)
    fallback_width = widths[min(1, len(widths) - 1)]
    fallback = storage.url(images.rendition_name(name, fallback_width, "jpg"))
    return (
        f'<picture><source type="image/webp" srcset="{html.escape(sets["webp"], quote=True)}" sizes="{sizes}">'
        f'<img src="{html.escape(fallback, quote=True)}" srcset="{html.escape(sets["jpg"], quote=True)}" '
        f'sizes="{sizes}" alt="{alt}" width="{width}" height="{height}"{loading} decoding="async"></picture>'
    )


def render_body(value, storage=None):
    """Body HTML with our own images as responsive ``<picture>`` elements."""
    storage = storage or default_storage

    def replace(match):
        attrs = dict(_ATTR.findall(match.group(0)))
        name = local_name(attrs.get("src"))
        if name is None:
            return match.group(0)
        size = _dimensions(name, storage)
        if size is None:
            return match.group(0)
        images.ensure_renditions(name, storage)
        return picture(name, size[0], size[1], alt=html.unescape(attrs.get("alt", "")), storage=storage)

    return _IMG.sub(replace, value or "")


def local_images(value):
    """Storage names of our uploads used in a body."""
    names = []
    for tag in _IMG.findall(value or ""):
        name = local_name(dict(_ATTR.findall(tag)).get("src"))
        if name and name not in names:
            names.append(name)
    return names
