"""``{% cover article sizes %}``: an article's cover as a responsive ``<picture>``."""

from django import template
from django.utils.safestring import mark_safe

from news.articles.body import picture

register = template.Library()


@register.simple_tag
def cover(article, sizes="100vw", lazy=True, alt="", priority=False):
    """WebP and JPEG renditions with ``srcset``/``sizes``/``width``/``height``; no query."""
    if not article.cover:
        return ""
    markup = picture(
        article.cover.name,
        article.cover_width,
        article.cover_height,
        alt=alt,
        sizes=sizes,
        lazy=lazy,
        storage=article.cover.storage,
    )
    if priority:
        markup = markup.replace("<img ", '<img fetchpriority="high" ', 1)
    return mark_safe(markup)  # noqa: S308 - built from escaped parts in news.articles.body.picture


GALLERY_SIZES = "(min-width: 900px) 790px, 100vw"


@register.simple_tag
def gallery_picture(item, lazy=True):
    """One 图集 picture as a responsive ``<picture>``, described by its alt text or caption."""
    markup = picture(
        item.image.name,
        item.width,
        item.height,
        alt=item.alt_text,
        sizes=GALLERY_SIZES,
        lazy=lazy,
        storage=item.image.storage,
    )
    return mark_safe(markup)  # noqa: S308 - built from escaped parts in news.articles.body.picture
