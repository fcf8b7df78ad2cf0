"""Page metadata for search engines and share cards: canonical URL, Open Graph, Twitter, JSON-LD.

The data is built here in Python; templates only place it. JSON-LD is written the way
Django's ``json_script`` writes JSON: ``<``, ``>`` and ``&`` become ``\\u003C`` … so no
title or summary can close the ``<script>`` element.
"""

import html
import json
import re
from urllib.parse import quote

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from news.articles import wechat
from news.articles.markup import iso_local
from news.articles.models import SiteSettings, names
from news.articles.video import poster_url
from news.articles.views.share import is_local_path
from yzgz import images
from yzgz.pagecache import without_tracking
from yzgz.siteurl import absolute_url as site_absolute_url

register = template.Library()

DESCRIPTION_LENGTH = 160
JSON_SCRIPT_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    # Valid in JSON, but line terminators in JavaScript: escaped for any reader that evals.
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


def json_ld_script(data):
    """``<script type="application/ld+json">`` with ``data``, safe inside HTML."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - JSON with < > & escaped


def absolute(request, location):
    """On the site's address (``SITE_URL``), never the Host the client sent."""
    return site_absolute_url(location, request)


def description_of(article):
    return Truncator(article.excerpt).chars(DESCRIPTION_LENGTH)


def cover_of(request, article):
    """{"url", "width", "height"} of the cover's largest JPEG rendition (≤ 1200 px), or None.

    Shared previews (WeChat, Weibo, search engines) get a JPEG every client reads, never the
    full-size original; GIFs and covers of unknown size are given as they are.
    """
    if not article.cover:
        return None
    return _shared_picture(request, article.cover, article.cover_width, article.cover_height)


def _shared_picture(request, file, width, height):
    width, height = width or None, height or None
    widths = images.rendition_widths(width)
    if not widths or not height or images.is_animated(file.name):
        return {"url": absolute(request, file.url), "width": width, "height": height}
    top = widths[-1]
    url = file.storage.url(images.rendition_name(file.name, top, "jpg"))
    return {"url": absolute(request, url), "width": top, "height": max(1, round(height * top / width))}


def poster_of(request, article):
    """The poster of the article's video file (its largest JPEG), or None."""
    if not (article.video and article.video_poster):
        return None
    return _shared_picture(request, article.video_poster, article.video_poster_width, article.video_poster_height)


def gallery_picture_of(request, article):
    """The first picture of a 图集 (its largest JPEG), or None."""
    gallery = article.gallery
    if not gallery:
        return None
    first = gallery[0]
    return _shared_picture(request, first.image, first.width, first.height)


_IMG = re.compile(r"<img\s[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'([a-zA-Z][\w-]*)="([^"]*)"')
_SRCSET_ENTRY = re.compile(r"(\S+)\s+(\d+)w")


def _int(value):
    try:
        return int(value) or None
    except (TypeError, ValueError):
        return None


def body_picture_of(request, article):
    """{"url", "width", "height"} of the body's first picture of ours (its largest JPEG), or None.

    Read from the rendered body (``body_html``), whose ``<img>`` carries the original's size
    and the JPEG renditions' ``srcset``: no file is opened and no query is made.
    """
    media = settings.MEDIA_URL
    for tag in _IMG.findall(article.body_html or ""):
        attrs = {name.lower(): html.unescape(value) for name, value in _ATTR.findall(tag)}
        src = attrs.get("src", "")
        if not src.startswith(media) or ".." in src:
            continue  # only our own uploads: the public pages' CSP shows no other picture
        width, height = _int(attrs.get("width")), _int(attrs.get("height"))
        srcset = _SRCSET_ENTRY.findall(attrs.get("srcset", ""))
        candidates = [(int(w), url) for url, w in srcset if url.startswith(media)]
        if candidates and width and height:
            top, url = max(candidates)
            return {"url": absolute(request, url), "width": top, "height": max(1, round(height * top / width))}
        return {"url": absolute(request, src), "width": width, "height": height if width else None}
    return None


def default_picture_of(request, site):
    """The site's default share picture (site settings), or None."""
    picture = getattr(site, "default_share_image", None)
    if not picture:
        return None
    width, height = site.default_share_image_width, site.default_share_image_height
    return {"url": absolute(request, picture.url), "width": width, "height": height if width else None}


def share_picture_of(request, article, site):
    """The picture of an article's share cards: its cover, else its video's poster, else a gallery's
    first picture, else the body's first, else the site's."""
    return (
        cover_of(request, article)
        or poster_of(request, article)
        or gallery_picture_of(request, article)
        or body_picture_of(request, article)
        or default_picture_of(request, site)
    )


def wechat_card(context, site):
    """What the page needs to load the WeChat share card script, or None when not configured."""
    if context.get("is_preview") or not wechat.is_configured(site):
        return None
    return {"endpoint": reverse("news:wechat-jssdk"), "sdk": wechat.SDK_URL, "apis": " ".join(wechat.JS_API_LIST)}


def news_article_data(request, article, site, canonical_url, cover):
    published = article.published_at
    modified = max(article.updated_at or published, published)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": description_of(article),
        "url": canonical_url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical_url},
        "datePublished": iso_local(published),
        "dateModified": iso_local(modified),
        "articleSection": article.category.name,
        "inLanguage": "zh-CN",
        # 记者 when the article names them (署名), else the account that published it.
        "author": [{"@type": "Person", "name": name} for name in names(article.reporters)]
        or [
            {
                "@type": "Person",
                "name": article.author.display_name,
                "url": absolute(request, article.author.get_absolute_url()),
            }
        ],
        "publisher": {
            "@type": "Organization",
            "name": site.site_name,
            "url": absolute(request, reverse("news:home")),
            "logo": {"@type": "ImageObject", "url": absolute(request, static("img/favicon.svg"))},
        },
    }
    contributors = names(article.correspondents) + names(article.photographers)
    if contributors:
        data["contributor"] = [{"@type": "Person", "name": name} for name in dict.fromkeys(contributors)]
    if article.responsible_editor.strip():
        data["editor"] = {"@type": "Person", "name": article.responsible_editor.strip()}
    if cover:
        image = {"@type": "ImageObject", "url": cover["url"]}
        if cover["width"] and cover["height"]:
            image.update(width=cover["width"], height=cover["height"])
        data["image"] = [image]
    video = video_data(request, article, cover)
    if video:
        data["video"] = video
    return data


def iso_duration(duration):
    """A ``timedelta`` as ISO 8601 (``PT1M5S``), to the second."""
    minutes, seconds = divmod(max(1, round(duration.total_seconds())), 60)
    hours, minutes = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{seconds}S"


def video_data(request, article, picture):
    """The VideoObject of the article's lead video (our file, or a platform's player), or None."""
    if article.video:
        thumbnail = poster_url(article.video_poster, article.video_poster_width)
        video = {"contentUrl": absolute(request, article.video.url), "encodingFormat": "video/mp4"}
        if article.video_duration:
            video["duration"] = iso_duration(article.video_duration)
        if article.video_width and article.video_height:
            video.update(width=article.video_width, height=article.video_height)
    elif embed := article.embed:
        thumbnail = picture["url"] if picture else ""
        video = {"embedUrl": embed.player_url}
    else:
        return None
    data = {
        "@type": "VideoObject",
        "name": article.title,
        "description": description_of(article) or article.title,
        "uploadDate": iso_local(article.published_at),
    }
    if thumbnail:
        data["thumbnailUrl"] = [absolute(request, thumbnail)]
    return {**data, **video}


def breadcrumb_data(request, article, site, canonical_url):
    """Site home › parent category › category › article, as the page's breadcrumb reads."""
    trail = [(site.site_name, absolute(request, reverse("news:home")))]
    category = article.category
    if category.parent_id:
        trail.append((category.parent.name, absolute(request, category.parent.get_absolute_url())))
    trail.append((category.name, absolute(request, category.get_absolute_url())))
    trail.append((article.title, canonical_url))
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(trail, start=1)
        ],
    }


@register.simple_tag(takes_context=True)
def absolute_url(context, location):
    """``{% absolute_url article.get_absolute_url as url %}``: on the site's address."""
    return absolute(context.get("request"), location)


@register.inclusion_tag("includes/meta.html", takes_context=True)
def article_meta(context, article):
    """Canonical link, Open Graph, Twitter card and JSON-LD of an article page."""
    request = context.get("request")
    site = context.get("site") or SiteSettings.current()
    canonical_url = absolute(request, article.get_absolute_url())
    picture = share_picture_of(request, article, site)
    tags = context.get("article_tags")  # the article page reads them once for the page and this
    if tags is None:
        tags = article.tags.all()
    return {
        "canonical_url": canonical_url,
        "og_type": "article",
        "title": article.title,
        "description": description_of(article) or site.slogan,
        "image": picture,
        "image_alt": article.title,
        "published_time": iso_local(article.published_at),
        "modified_time": iso_local(max(article.updated_at or article.published_at, article.published_at)),
        "section": article.category.name,
        "tags": [tag.name for tag in tags],
        "noindex": context.get("is_preview", False),
        "json_ld": [
            json_ld_script(news_article_data(request, article, site, canonical_url, picture)),
            json_ld_script(breadcrumb_data(request, article, site, canonical_url)),
        ],
        "wechat": wechat_card(context, site),
    }


@register.inclusion_tag("includes/meta.html", takes_context=True)
def page_meta(context, title="", description="", cover=None):
    """The share card of a page that is not an article (home, lists, 专题): ``cover``'s picture (an
    object with a cover: a topic) or the site's default picture, WeChat's card inside WeChat. The
    title is a list's heading unless given; the canonical address is the page's own, tracking
    parameters left out; a preview is not indexed."""
    request = context.get("request")
    site = context.get("site") or SiteSettings.current()
    if not title and context.get("list_kind"):
        title = render_to_string("news/includes/list_heading.html", context.flatten()).strip()
    canonical_url = ""
    if request is not None:
        query = without_tracking(request.META.get("QUERY_STRING", ""))
        canonical_url = absolute(request, f"{escape_uri_path(request.path)}?{query}" if query else request.path)
    return {
        "canonical_url": canonical_url,
        "title": title,
        "description": description or site.slogan,
        "image": (cover_of(request, cover) if cover else None) or default_picture_of(request, site),
        "image_alt": title if cover and cover.cover else site.site_name,
        "noindex": context.get("is_preview", False),
        "wechat": wechat_card(context, site),
    }


@register.simple_tag(takes_context=True)
def page_url(context):
    """手机版: the address of this page on the site's address (with the query a cached page keeps)."""
    request = context.get("request")
    return absolute(request, request.get_full_path()) if request is not None else ""


@register.simple_tag(takes_context=True)
def page_qr_src(context):
    """手机版: the address of this page's QR code (``/qr.svg?path=…``), path and query only.

    A query too long for a QR code falls back to the bare path; "" when neither is accepted.
    """
    request = context.get("request")
    if request is None:
        return ""
    for path in (request.get_full_path(), escape_uri_path(request.path)):
        if is_local_path(path):
            return f"{reverse('news:page-qr')}?path={quote(path, safe='/')}"
    return ""
