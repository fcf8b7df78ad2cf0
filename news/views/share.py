"""QR codes made on our server (segno, SVG) for sharing to WeChat and for 手机版 (to be completed)."""

import segno
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from news.models import Article


def svg_response(url):
    qr = segno.make(url, error="m")
    response = HttpResponse(qr.svg_inline(scale=4), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def article_qr(request, pk):
    article = get_object_or_404(Article.objects.published(), pk=pk)
    return svg_response(request.build_absolute_uri(article.get_absolute_url()))


def page_qr(request):
    path = request.GET.get("path", "/")
    if not path.startswith("/") or path.startswith("//") or len(path) > 500:
        raise Http404("Only pages of this site")
    return svg_response(request.build_absolute_uri(path))
