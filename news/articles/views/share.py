"""Sharing: QR codes made on our server (segno, SVG) for 微信 and 手机版, and the WeChat JS-SDK
signature for share cards inside WeChat (news.articles.wechat).

No third-party service sees the reader: the code is drawn here from the page's address.
"""

import io
import logging
import unicodedata
from urllib.parse import urlsplit

import segno
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from news.articles import wechat
from news.articles.models import Article
from yzgz.siteurl import absolute_url

logger = logging.getLogger(__name__)

MAX_PATH_LENGTH = 500
MAX_SIGNED_URL_LENGTH = 1000

# A standalone SVG document: the namespace (without it an <img> shows nothing) and a white
# background with the quiet zone, so the code can be scanned on the dark footer too.
SVG_OPTIONS = {"kind": "svg", "scale": 4, "light": "#fff", "dark": "#000", "xmldecl": True, "svgclass": None}


def qr_svg(url):
    """The SVG document of the QR code of ``url`` (error correction M)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, **SVG_OPTIONS)
    return out.getvalue()


def svg_response(url):
    response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def is_local_path(path):
    """A path of this site: "/…", not "//host", no backslash (browsers read it as "/"),
    no control or invisible format characters, and not too long for a QR code."""
    if not path or len(path) > MAX_PATH_LENGTH:
        return False
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return False
    return not any(unicodedata.category(char).startswith("C") for char in path)


@require_safe
def article_qr(request, pk):
    """The canonical address of a published article, for 微信 扫一扫."""
    article = get_object_or_404(Article.objects.published(), pk=pk)
    return svg_response(absolute_url(article.get_absolute_url(), request))


@require_safe
def page_qr(request):
    """手机版: ``?path=/some/page/`` of this site as a QR code; anything else is a 404."""
    path = request.GET.get("path", "/")
    if not is_local_path(path):
        raise Http404("Only pages of this site")
    return svg_response(absolute_url(path, request))


def _json(data, status=200):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"  # a signature holds for one page and a few minutes
    return response


def page_of_this_site(url, request):
    """The page's URL without its fragment when it is a page of this site, else None."""
    if not isinstance(url, str) or not url or len(url) > MAX_SIGNED_URL_LENGTH:
        return None
    url = url.split("#", 1)[0]
    try:
        parts, site = urlsplit(url), urlsplit(absolute_url("/", request))
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or (parts.scheme, parts.netloc.lower()) != (site.scheme, site.netloc):
        return None
    if parts.username or parts.password:
        return None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url if is_local_path(path) and " " not in url else None


@require_safe
def wechat_jssdk(request):
    """``?url=<this page>`` → ``{appId, timestamp, nonceStr, signature}`` for ``wx.config``.

    404 when WeChat is not configured, 400 for a URL that is not a page of this site (we sign
    only our own pages), 503 when WeChat's API fails (the page keeps WeChat's default card).
    """
    appid = wechat.app_id()
    if not appid:
        return _json({"error": _("WeChat sharing is not configured on this site.")}, status=404)
    url = page_of_this_site(request.GET.get("url"), request)
    if url is None:
        return _json({"error": _("Only the address of a page of this site can be signed.")}, status=400)
    try:
        config = wechat.sign(url, appid)
    except wechat.WeChatError as exc:
        logger.warning("WeChat JS-SDK signature unavailable: %s", exc)
        response = _json({"error": _("WeChat is not answering; please try again later.")}, status=503)
        response["Retry-After"] = "30"
        return response
    return _json(config)
