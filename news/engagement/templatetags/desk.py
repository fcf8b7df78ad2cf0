"""编辑台 (the editors' desk, #20): the admin's home page opens with what the newsroom has to do
today — published today, waiting for review, scheduled, comments waiting and reported, the most
read today — each a link into the admin's list, filtered to exactly those.

It lives here, above the articles, comments and view counts it counts (the apps' layers). What
each person sees follows the lists' own rules: a reporter who works on their own articles counts
only theirs; comments are shown to those who may view them.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django import template
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from news.articles.models import Article
from news.articles.permissions import can_manage_all_articles
from news.comments.models import Comment
from news.viewcounts.models import ArticleDailyViews

register = template.Library()

TOP_TODAY = 5


def _link(name, **params):
    return reverse(name) + ("?" + urlencode(params) if params else "")


@register.inclusion_tag("engagement/desk.html", takes_context=True)
def editors_desk(context):
    request = context["request"]
    user = request.user
    today = timezone.localdate()
    start = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    tiles = []
    top = []
    if user.has_perm("news.view_article") or user.has_perm("news.change_article"):
        articles = Article.objects.all()
        if user.has_perm("news.change_article") and not can_manage_all_articles(user):
            articles = articles.filter(author=user)  # as the article list shows them a reporter's own
        now = timezone.now()
        # As the list's own 发布时间 filter writes "today" (so the list shows it as chosen).
        day = {"published_at__gte": str(start), "published_at__lt": str(start + timedelta(days=1))}
        counts = articles.aggregate(
            today=_count(status=Article.Status.PUBLISHED, published_at__gte=start, published_at__lte=now),
            review=_count(status=Article.Status.REVIEW),
            scheduled=_count(status=Article.Status.PUBLISHED, published_at__gt=now),
        )
        changelist = "admin:news_article_changelist"
        tiles += [
            (_("Published today"), counts["today"], _link(changelist, state="published", **day)),
            (_("Waiting for review"), counts["review"], _link(changelist, state="review")),
            (_("Scheduled"), counts["scheduled"], _link(changelist, state="scheduled")),
        ]
        top = [
            (row.article.title, row.views, reverse("admin:news_article_change", args=[row.article_id]))
            for row in ArticleDailyViews.objects.filter(day=today, article__in=articles.published())
            .select_related("article")
            .only("views", "article_id", "article__title")
            .order_by("-views", "article_id")[:TOP_TODAY]
        ]
    if user.has_perm("comments.view_comment"):
        counts = Comment.objects.aggregate(
            pending=_count(status=Comment.Status.PENDING),
            reported=_count(report_count__gt=0, status=Comment.Status.APPROVED),  # public and reported
        )
        changelist = "admin:comments_comment_changelist"
        tiles += [
            (_("Comments waiting"), counts["pending"], _link(changelist, status__exact=Comment.Status.PENDING)),
            (
                _("Reported comments"),
                counts["reported"],
                _link(changelist, reported="yes", status__exact=Comment.Status.APPROVED),
            ),
        ]
    return {"tiles": tiles, "top": top, "stats_url": reverse("admin:news_article_stats") if top else ""}


def _count(**conditions):
    return Count("pk", filter=Q(**conditions))
