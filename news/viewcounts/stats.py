"""Figures for the editors' statistics page: views per day and the top articles, sources, publishers."""

from datetime import timedelta

from django.db.models import Max, Sum
from django.utils import timezone

from news.viewcounts.models import ArticleDailyViews


def last_days(days):
    today = timezone.localdate()
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def daily_series(days, articles):
    """[(day, views)] for each of the last ``days`` days (zeros included) over ``articles``."""
    dates = last_days(days)
    totals = dict(
        ArticleDailyViews.objects.filter(day__gte=dates[0], article__in=articles.values("pk"))
        .values("day")
        .annotate(n=Sum("views"))
        .values_list("day", "n")
    )
    return [(day, totals.get(day, 0)) for day in dates]


def top_by(group, label, days, articles, limit=10):
    """[(label, views)] over the last ``days`` days, grouped by ``group`` (an id path) so that
    two articles or sources with the same name stay two rows."""
    start = last_days(days)[0]
    rows = (
        ArticleDailyViews.objects.filter(day__gte=start, article__in=articles.values("pk"))
        .values(group)
        .annotate(n=Sum("views"), label=Max(label))
        .order_by("-n", group)
        .values_list("label", "n")[:limit]
    )
    return [(name if name is not None else "-", n) for name, n in rows]
