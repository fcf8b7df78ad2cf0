"""Rankings (排行榜) and the 热门 block, built from the daily view buckets and approved comments.

Each list is one aggregate query over one period's buckets (never over individual views,
which are not stored), cached for a few minutes: a ranking may be up to five minutes old.
"""

from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from news.articles.models import Article
from news.comments.models import Comment
from news.viewcounts.models import ArticleDailyViews
from yzgz import pagecache

RANK_SIZE = 20
HOT_SIZE = 10
HOT_DAYS = 7
RANK_CACHE_SECONDS = 5 * 60
HOT_CACHE_SECONDS = 2 * 60

# period -> (label, days of buckets including today; None for all time)
PERIODS = {
    "today": (_("Today"), 1),
    "week": (_("This week"), 7),
    "month": (_("This month"), 30),
    "all": (_("All time"), None),
}


def period_start(days):
    """The first day of a period of ``days`` days ending today (Asia/Shanghai)."""
    return timezone.localdate() - timedelta(days=days - 1)


def _with_articles(pairs):
    """[(article, n)] in the order of ``pairs`` [(article id, n)], public articles only."""
    ids = [article_id for article_id, _n in pairs]
    articles = Article.objects.published().only("id", "title", "published_at", "view_count", "comment_count")
    by_id = {a.pk: a for a in articles.filter(pk__in=ids)}
    return [(by_id[article_id], n) for article_id, n in pairs if article_id in by_id]


def top_by_views(days, limit=RANK_SIZE, articles=None):
    """Most viewed public articles over the last ``days`` days (all time when None)."""
    public = articles if articles is not None else Article.objects.published()
    if days is None:
        top = public.filter(view_count__gt=0).order_by("-view_count", "-published_at")
        top = top.values_list("pk", "view_count")[:limit]
        return _with_articles(list(top))
    top = (
        ArticleDailyViews.objects.filter(day__gte=period_start(days), article__in=public.values("pk"))
        .values("article")
        .annotate(n=Sum("views"))
        .order_by("-n", "-article")
        .values_list("article", "n")[:limit]
    )
    return _with_articles(list(top))


def top_by_comments(days, limit=RANK_SIZE):
    """Most commented public articles: approved comments written in the period."""
    if days is None:
        top = Article.objects.published().order_by("-comment_count", "-published_at")
        return _with_articles(list(top.filter(comment_count__gt=0).values_list("pk", "comment_count")[:limit]))
    since = timezone.make_aware(datetime.combine(period_start(days), time.min))
    top = (
        Comment.objects.approved()
        .filter(created_at__gte=since, article__in=Article.objects.published().values("pk"))
        .values("article")
        .annotate(n=Count("pk"))
        .order_by("-n", "-article")
        .values_list("article", "n")[:limit]
    )
    return _with_articles(list(top))


def rankings(period):
    """Both lists of one period, cached; ``period`` is a key of PERIODS."""
    _label, days = PERIODS[period]

    def build():
        return {"views": top_by_views(days), "comments": top_by_comments(days)}

    return cache.get_or_set(f"news:rankings:{period}", build, RANK_CACHE_SECONDS)


def public_key(article_id):
    return f"news:public:{article_id}"


def forget_article_lists(article_ids=()):
    """Drop the cached rankings, 热门 and visibility of articles whose status or time changed."""
    keys = [f"news:rankings:{period}" for period in PERIODS] + [f"news:hot:{HOT_SIZE}"]
    cache.delete_many(keys + [public_key(pk) for pk in article_ids])
    pagecache.bump_on_commit()


def forget_changed_articles(sender, article_ids, fields=None, **kwargs):
    """Receiver of ``article_changed``: rankings and 热门 list titles, covers and who may see them."""
    if fields is not None and not {"status", "published_at", "title", "cover"} & fields:
        return  # headline pins and other flags do not change the rankings
    forget_article_lists(article_ids)


def hot_articles(limit=HOT_SIZE):
    """热门: the most viewed articles of the last seven days, cached for two minutes."""

    def build():
        hot = []
        for article, views in top_by_views(HOT_DAYS, limit):
            article.recent_views = views  # the number the block is ranked by
            hot.append(article)
        return hot

    return cache.get_or_set(f"news:hot:{limit}", build, HOT_CACHE_SECONDS)
