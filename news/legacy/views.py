"""The old portal's addresses (shared in WeChat groups, held by search engines): 301 to ours.

Old ids are looked up in ``legacy.LegacyId`` (filled by ``import_discuz``); an id that was
never imported, or whose article readers may not see, is a 404.
"""

from django.contrib.auth import get_user_model
from django.http import FileResponse, Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from news.articles.models import Article, Category
from news.legacy.models import Attachment, LegacyId


def _old_id(value):
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise Http404("No such old page")
    return int(value)


def _new_id(kind, value):
    new_id = LegacyId.new_for(kind, _old_id(value))
    if new_id is None:
        raise Http404("This old page was not moved here")
    return new_id


def _article(aid):
    article = get_object_or_404(Article.objects.published().only("pk"), pk=_new_id(LegacyId.Kind.ARTICLE, aid))
    return HttpResponsePermanentRedirect(article.get_absolute_url())


def portal(request):
    """``portal.php``: the portal home, ``mod=view&aid=N[&page=P]`` and ``mod=list&catid=N``."""
    mod = request.GET.get("mod", "index")
    if mod == "view":
        # All pages of an old article are one page here: &page=P lands on the article.
        return _article(request.GET.get("aid"))
    if mod == "attachment":
        attachment = get_object_or_404(Attachment, pk=_new_id(LegacyId.Kind.ATTACHMENT, request.GET.get("id")))
        return HttpResponsePermanentRedirect(attachment.get_absolute_url())
    if mod == "list":
        category = get_object_or_404(Category, pk=_new_id(LegacyId.Kind.CATEGORY, request.GET.get("catid")))
        return HttpResponsePermanentRedirect(category.get_absolute_url())
    if mod == "index":
        return HttpResponsePermanentRedirect(reverse("news:home"))
    raise Http404("No such old page")


def article_html(request, aid, page):
    """``article-N-P.html``, the rewritten form of ``portal.php?mod=view&aid=N&page=P``."""
    return _article(aid)


def member_space(request):
    """``home.php?mod=space&uid=N``: the member's publisher page, or the home page for readers.

    Only publishers have a public page here; a member who only commented lands on the home page.
    """
    if request.GET.get("mod") != "space":
        raise Http404("No such old page")
    user = get_object_or_404(get_user_model(), pk=_new_id(LegacyId.Kind.MEMBER, request.GET.get("uid")))
    if user.is_active and Article.objects.published().filter(author=user).exists():
        return HttpResponsePermanentRedirect(user.get_absolute_url())
    return HttpResponsePermanentRedirect(reverse("news:home"))


@require_http_methods(["GET", "HEAD"])
def attachment(request, pk):
    """A file an old article offered, as a download under its old name (never shown inline)."""
    item = get_object_or_404(Attachment, pk=pk)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The file is gone") from exc
    response = FileResponse(handle, as_attachment=True, filename=item.filename, content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400"
    return response
