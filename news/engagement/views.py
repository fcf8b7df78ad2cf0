"""收藏, 最近浏览 and 消息: the resident's own pages and the buttons that change them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import ListView

from news.articles.models import Article
from news.comments.listing import comment_location
from news.engagement import services
from news.engagement.models import Favourite, HistoryEntry, Notification
from yzgz import counters
from yzgz.net import wants_json

FAVOURITE_LIMIT = 60  # changes a minute per resident: far beyond any person, short of a script
PAGE_SIZE = 20
MAX_ID = 2**63 - 1  # a bigint; larger numbers are no notification of anyone's


def _back(request, fallback):
    """The page a form came from (``next``, a path of this site), else ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


@require_POST
def favourite(request, pk):
    """收藏 / 取消收藏 (``favourite=on|off``); without JavaScript, back to the page with a message."""
    # The article's address without a lookup: no answer tells which unpublished numbers exist
    # (keeping needs a public article, a 404 otherwise; forgetting any number just forgets).
    article_url = reverse("news:article-detail", args=[pk])
    if not request.user.is_authenticated:
        if wants_json(request):
            login = f"{reverse('accounts:login')}?next={article_url}"
            return JsonResponse({"error": _("Log in to keep articles."), "login": login}, status=401)
        return redirect_to_login(f"{article_url}#favourite")
    choice = request.POST.get("favourite")
    if choice not in ("on", "off"):
        return _refused(request, _("Choose to keep or forget the article."), 400)
    if counters.hit(f"favourite:{request.user.pk}", 60) > FAVOURITE_LIMIT:
        return _refused(request, _("Too many changes. Please wait a minute."), 429)
    if choice == "on":
        article = get_object_or_404(Article.objects.published().only("id"), pk=pk)
        kept = services.favourite_keep(user=request.user, article=article)
    else:
        kept = services.favourite_forget(user=request.user, article_id=pk)
    if wants_json(request):
        return JsonResponse({"favourite": kept})
    messages.success(request, _("Added to my favourites.") if kept else _("Removed from my favourites."))
    return HttpResponseRedirect(_back(request, f"{article_url}#favourite"))


def _refused(request, message, status):
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    messages.error(request, message)
    response = HttpResponseRedirect(_back(request, reverse("engagement:favourites")))
    response.status_code = 303
    return response


class OwnPage(LoginRequiredMixin, ListView):
    """One of a resident's own lists (engagement/own_page.html): its heading and tab."""

    paginate_by = PAGE_SIZE
    heading = ""
    here = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.heading, here=self.here, **kwargs)


class FavouritesView(OwnPage):
    """我的收藏: newest first; an article no longer public stays listed, marked, so it can be removed."""

    template_name = "engagement/favourites.html"
    context_object_name = "favourites"
    heading, here = _lazy("My favourites"), "favourites"

    def get_queryset(self):
        return (
            Favourite.objects.filter(user=self.request.user)
            .select_related("article", "article__category")
            .order_by("-created_at", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        public = set(
            Article.objects.published()
            .filter(pk__in=[f.article_id for f in context["favourites"]])
            .values_list("pk", flat=True)
        )
        for entry in context["favourites"]:
            entry.is_public = entry.article_id in public
        return context


class HistoryView(OwnPage):
    """最近浏览: the public articles the resident opened, most recent first."""

    template_name = "engagement/history.html"
    context_object_name = "entries"
    heading, here = _lazy("Recently read"), "history"

    def get_queryset(self):
        public = Article.objects.published().values("pk")
        return (
            HistoryEntry.objects.filter(user=self.request.user, article__in=public)
            .select_related("article", "article__category")
            .order_by("-viewed_at", "-id")[: HistoryEntry.KEEP]
        )


@login_required
@require_POST
def history_clear(request):
    removed = services.history_clear(user=request.user)
    messages.success(request, _("Reading history cleared (%(count)d articles).") % {"count": removed})
    return redirect("engagement:history")


class NotificationsView(OwnPage):
    """消息: newest first, unread ones marked; opening one marks it read."""

    template_name = "engagement/notifications.html"
    context_object_name = "notifications"
    heading, here = _lazy("Messages"), "notifications"

    def get_queryset(self):
        return (
            Notification.objects.filter(recipient=self.request.user)
            .select_related("article", "comment", "actor")
            .order_by("-created_at", "-id")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            email_replies=services.email_replies_wanted(self.request.user),
            has_email=bool(self.request.user.email),
            **kwargs,
        )


def notification_target(notice):
    """Where a notice leads: the comment on the comment page its thread is on, 我的评论 for a
    rejected comment, the article for an update."""
    if notice.kind == Notification.Kind.REJECTED:
        return reverse("comments:mine")
    if notice.comment is not None:
        return comment_location(notice.comment, notice.article.get_absolute_url())
    return notice.article.get_absolute_url()


@login_required
@require_safe
def notification_open(request, pk):
    """Follow a notification's link and mark it read; another resident's is a 404."""
    notice = get_object_or_404(Notification.objects.select_related("article", "comment"), pk=pk, recipient=request.user)
    services.mark_read(user=request.user, ids=[notice.pk])
    return redirect(notification_target(notice))


@login_required
@require_POST
def notifications_read(request):
    """全部已读, or the notices named in ``id`` (the resident's own; others' are ignored)."""
    ids = request.POST.getlist("id")
    if ids:
        try:
            ids = [int(value) for value in ids[:PAGE_SIZE]]
        except ValueError:
            ids = []
        if not ids or not all(0 < value <= MAX_ID for value in ids):
            messages.error(request, _("Unknown notification."))
            return redirect("engagement:notifications")
    changed = services.mark_read(user=request.user, ids=ids or None)
    if wants_json(request):
        return JsonResponse({"marked": changed, "unread": services.unread_count(request.user)})
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": changed})
    return redirect("engagement:notifications")


@login_required
@require_POST
def notification_settings(request):
    """Email when someone replies (off by default); needs an address on the profile."""
    on = request.POST.get("email_replies") == "on"
    if on and not request.user.email:
        messages.error(request, _("Add an email address to your profile first."))
        return redirect("engagement:notifications")
    services.set_email_replies(user=request.user, on=on)
    messages.success(request, _("Email on replies turned on.") if on else _("Email on replies turned off."))
    return redirect("engagement:notifications")
