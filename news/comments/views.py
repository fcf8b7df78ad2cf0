"""Posting, replying to, liking and reporting comments, 小黑屋 and a resident's own comments.

Posting, liking and reporting are POST only and work without JavaScript; a like sent by
site.js (``Accept: application/json``) is answered with JSON instead of a redirect.

On success the reader goes back to the comment on the article page with a message; on a
refusal the article page is shown again with the text kept, the reason, and a 4xx status.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from accounts.models import Ban
from news.articles.models import Article
from news.articles.views.articles import render_refusal
from news.comments import services
from news.comments.listing import comment_location
from news.comments.models import Comment
from yzgz.net import client_ip, wants_json


def _refused(request, pk, error, *, text="", parent_id=None, report_of=None):
    return render_refusal(
        request,
        pk,
        error.status,
        comment_state={"error": error.message, "text": text, "parent_id": parent_id, "report_of": report_of},
    )


@require_POST
def comment_create(request, pk):
    article = get_object_or_404(Article.objects.published(), pk=pk)
    text = request.POST.get("body", "")
    parent_id = request.POST.get("parent") or None
    try:
        posted = services.comment_post(
            article=article,
            user=request.user,
            text=text,
            parent_id=parent_id,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.CommentRefused as error:
        return _refused(request, pk, error, text=text[: Comment.MAX_LENGTH * 2], parent_id=parent_id)
    comment = posted.comment
    if comment.status == Comment.Status.APPROVED:
        messages.success(request, _("Your comment is published."))
    else:
        messages.info(request, _("Your comment will appear after review."))
    if posted.replaced_words:
        messages.warning(request, _("Some words in your comment were replaced with ＊."))
    if comment.parent_id is None:
        return redirect(f"{article.get_absolute_url()}#comment-{comment.pk}")  # the newest: page 1
    return redirect(comment_location(comment, article.get_absolute_url()))


@require_POST
def comment_report(request, pk, comment_pk):
    article = get_object_or_404(Article.objects.published(), pk=pk)
    comment = get_object_or_404(Comment.objects.approved(), pk=comment_pk, article=article)
    try:
        services.comment_report(
            comment=comment,
            user=request.user,
            reason=request.POST.get("reason", ""),
            detail=request.POST.get("detail", ""),
        )
    except services.CommentRefused as error:
        return _refused(request, pk, error, report_of=comment.pk)
    messages.success(request, _("Thank you. A moderator will look at the comment."))
    return redirect(comment_location(comment, article.get_absolute_url()))


@require_POST
def comment_like(request, pk, comment_pk):
    """点赞: like an approved comment, or take the like back (a toggle, as the button shows)."""
    article = get_object_or_404(Article.objects.published().only("id"), pk=pk)
    comment = get_object_or_404(
        # Approved, in a thread that is on the page (a reply whose first comment was taken down is not).
        Comment.objects.approved()
        .filter(Q(parent__isnull=True) | Q(parent__status=Comment.Status.APPROVED))
        .only("id", "user_id", "status", "article_id", "parent_id"),
        pk=comment_pk,
        article=article,
    )
    anchor = f"{article.get_absolute_url()}#comment-{comment.pk}"
    if not request.user.is_authenticated:
        login = redirect_to_login(anchor)
        if wants_json(request):
            return JsonResponse({"error": _("Please log in to like a comment."), "login": login.url}, status=401)
        return login
    try:
        liked = services.comment_like_toggle(comment=comment, user=request.user)
    except services.CommentRefused as error:
        if wants_json(request):
            return JsonResponse({"error": error.message}, status=error.status)
        return _refused(request, pk, error)
    if wants_json(request):
        return JsonResponse({"liked": liked.liked, "count": liked.count})
    # The message also keeps the page caches from serving this resident a copy from before.
    messages.success(request, _("You liked the comment.") if liked.liked else _("You took back your like."))
    return redirect(comment_location(comment, article.get_absolute_url()))


class BlackroomView(ListView):
    """小黑屋: residents banned from speaking right now, newest ban first."""

    template_name = "comments/blackroom.html"
    context_object_name = "bans"
    paginate_by = 30

    def get_queryset(self):
        return Ban.objects.active().select_related("user").order_by("-created_at", "-id")


class MyCommentsView(LoginRequiredMixin, ListView):
    template_name = "comments/my_comments.html"
    context_object_name = "comments"
    paginate_by = 20

    def get_queryset(self):
        return Comment.objects.filter(user=self.request.user).select_related("article").order_by("-created_at", "-id")
