"""The view beacon (查看), the reaction buttons (表态) and 排行榜."""

import base64

from django.contrib import messages
from django.core.cache import cache
from django.dispatch import Signal
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import TemplateView

from news.articles.models import Article
from news.articles.views.articles import render_refusal
from news.viewcounts import reactions, viewcount
from news.viewcounts.rankings import PERIODS, public_key, rankings
from yzgz.net import client_ip, wants_json

# Sent by the beacon for every counted reader (a person, not staff nor a bot) with ``request``
# and ``article_id``; residents' reading history (news.engagement) listens.
article_viewed = Signal()

# A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def is_public(article_id):
    """Whether an article is public (the beacon must stay cheap).

    The cache keeps when it becomes public (a timestamp, or 0 for never), so a scheduled
    article counts from its first second; saving an article forgets the entry
    (:func:`news.viewcounts.rankings.forget_article_lists`).
    """
    key = public_key(article_id)
    since = cache.get(key)
    if since is None:
        row = Article.objects.filter(pk=article_id, status=Article.Status.PUBLISHED).values("published_at").first()
        since = row["published_at"].timestamp() if row else 0
        cache.set(key, since, 300)
    return bool(since) and since <= timezone.now().timestamp()


@require_http_methods(["GET", "HEAD"])
def article_view_beacon(request, pk):
    """The image every article page loads: counts the view, never cached anywhere."""
    if not is_public(pk):
        raise Http404("No such article")
    visitor = viewcount.visitor_key(request, client_ip(request)) if viewcount.is_countable(request) else None
    if visitor is not None and viewcount.record_view(pk, visitor) is None:
        # Neither Redis nor the database took the view: say so, rather than acknowledge
        # a view nobody kept (the reader sees nothing either way; it is a 1×1 image).
        response = HttpResponse(status=503)
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
    if visitor is not None:
        article_viewed.send(sender=Article, request=request, article_id=pk)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
    response["Expires"] = "0"
    return response


@require_POST
def article_react(request, pk):
    """One visitor's reaction (news.viewcounts.reactions); never starts a session.

    Without JavaScript the reader is sent back to the article with a message naming their
    choice: the messages cookie also keeps the page caches from serving them a copy made
    before their vote.
    """
    article = get_object_or_404(Article.objects.published().only("id", "author_id"), pk=pk)
    try:
        counts, chosen = reactions.react(
            article=article,
            reaction_id=request.POST.get("reaction"),
            visitor=reactions.visitor_for(request),
            user=request.user,
            ip_address=None if request.user.is_authenticated else client_ip(request),
        )
    except reactions.ReactionRefused as refused:
        if wants_json(request):
            return JsonResponse({"error": refused.message}, status=refused.status)
        return render_refusal(request, pk, refused.status, reaction_error=refused.message)
    if wants_json(request):
        return JsonResponse({"counts": counts, "chosen": chosen, "total": sum(counts.values())})
    reaction = next(r for r in reactions.active_reactions() if r.pk == chosen)
    messages.success(request, _("Your reaction: %(icon)s %(name)s") % {"icon": reaction.icon, "name": reaction.name})
    return redirect(f"{article.get_absolute_url()}#reactions")


class RankView(TemplateView):
    """排行榜: the most viewed and most commented articles of a period."""

    template_name = "viewcounts/rank.html"

    def get_context_data(self, **kwargs):
        period = self.request.GET.get("period", "today")
        if period not in PERIODS:
            period = "today"
        lists = rankings(period)
        return super().get_context_data(
            period=period,
            period_label=PERIODS[period][0],
            periods=[(key, label) for key, (label, _days) in PERIODS.items()],
            by_views=lists["views"],
            by_comments=lists["comments"],
            **kwargs,
        )
