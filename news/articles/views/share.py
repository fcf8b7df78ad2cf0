"""QR codes made on our server (segno, SVG): 微信 sharing of an article and 手机版 of any page.

No third-party service sees the reader: the code is drawn here from the page's address.
"""

import io
import unicodedata

import segno
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from news.articles.models import Article
from yzgz.siteurl import absolute_url

MAX_PATH_LENGTH = 500

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
