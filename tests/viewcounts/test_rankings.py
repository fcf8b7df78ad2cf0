"""Rankings (排行榜), the 热门 block and the editors' statistics (统计), all read from the daily view buckets."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from news.articles.factories import make_article, make_category, make_source, make_user
from news.articles.models import Article
from news.comments import services
from news.comments.models import Comment
from news.viewcounts import rankings
from news.viewcounts.charts import bar_chart
from news.viewcounts.models import ArticleDailyViews
from news.viewcounts.viewcount import add_views

pytestmark = pytest.mark.django_db

RANK_URL = reverse("viewcounts:rank")
STATS_URL = reverse("admin:news_article_stats")
LINK = re.compile(r'<a href="/article/\d+/">([^<]*)</a>')


def days_ago(n):
    return timezone.localdate() - timedelta(days=n)


def section(page, start_marker):
    start = page.index(start_marker)
    return page[start : page.index("</section>", start)]


def ranked(page, which):
    """[(title, figure)] of one list on /rank/: ``which`` is "views" or "comments"."""
    block = section(page, f'aria-labelledby="rank-{which}"')
    return re.findall(
        r'<li><a href="/article/\d+/">([^<]*)</a> <span class="rank-list__n">(\d+) [^<]*</span></li>', block
    )


def titles(page, which):
    return [title for title, _n in ranked(page, which)]


def hot_titles(page):
    return LINK.findall(section(page, '<section class="box hot">'))


def rank_page(client, period=None):
    response = client.get(RANK_URL, {"period": period} if period else {})
    assert response.status_code == 200
    return response.content.decode()


def comment(article, user, days=0, status=Comment.Status.APPROVED):
    made = Comment.objects.create(article=article, user=user, body="评论", status=status)
    Comment.objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(days=days))
    services._recount([article.pk])


@pytest.fixture
def four(category, reporter):
    """Read today, 3, 20 and 60 days ago, so each period ranks them differently.

    today: 今日 5, 三天前 1; week: 三天前 41, 今日 5; month: 二十天前 100, 三天前 41, 今日 5;
    all time (view_count): 六十天前 500, 二十天前 100, 三天前 41, 今日 5.
    """
    articles = {
        name: make_article(title=name, category=category, author=reporter)
        for name in ("今日热读", "三天前热读", "二十天前热读", "六十天前热读")
    }
    add_views(
        {
            (articles["今日热读"].pk, days_ago(0)): 5,
            (articles["三天前热读"].pk, days_ago(0)): 1,
            (articles["三天前热读"].pk, days_ago(3)): 40,
            (articles["二十天前热读"].pk, days_ago(20)): 100,
            (articles["六十天前热读"].pk, days_ago(60)): 500,
        }
    )
    return articles


@pytest.fixture
def hidden(category, reporter):
    """A draft and a scheduled article, each with more views and comments than anything public."""
    draft = make_article(title="草稿不上榜", category=category, author=reporter, status=Article.Status.DRAFT)
    scheduled = make_article(
        title="定时稿不上榜", category=category, author=reporter, published_at=timezone.now() + timedelta(days=1)
    )
    commenter = make_user()
    for article in (draft, scheduled):
        add_views({(article.pk, days_ago(0)): 9000, (article.pk, days_ago(2)): 9000})
        for _ in range(5):
            comment(article, commenter)
    return draft, scheduled


# --- /rank/: most read ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "label", "expected"),
    [
        ("today", "今日", [("今日热读", "5"), ("三天前热读", "1")]),
        ("week", "本周", [("三天前热读", "41"), ("今日热读", "5")]),
        ("month", "本月", [("二十天前热读", "100"), ("三天前热读", "41"), ("今日热读", "5")]),
        ("all", "总榜", [("六十天前热读", "500"), ("二十天前热读", "100"), ("三天前热读", "41"), ("今日热读", "5")]),
    ],
)
def test_most_read_ranks_each_periods_buckets(client, four, period, label, expected):
    page = rank_page(client, period)
    assert f"查看排行 · {label}" in page
    assert f"评论排行 · {label}" in page
    assert f'<a href="?period={period}" class="tabs__tab" aria-current="page">{label}</a>' in page
    assert ranked(page, "views") == expected


def test_all_time_ranks_by_view_count_not_buckets(client, category, reporter):
    old = make_article(title="老文章", category=category, author=reporter)
    new = make_article(title="新文章", category=category, author=reporter)
    Article.objects.filter(pk=old.pk).update(view_count=800)  # views from before the buckets existed
    add_views({(new.pk, days_ago(0)): 30})
    assert ranked(rank_page(client, "all"), "views") == [("老文章", "800"), ("新文章", "30")]
    assert ranked(rank_page(client, "today"), "views") == [("新文章", "30")]


def test_period_boundaries_are_days_including_today(client, category, reporter):
    edges = {days: make_article(title=f"{days}天前", category=category, author=reporter) for days in (1, 6, 7, 29, 30)}
    add_views({(article.pk, days_ago(days)): 100 - days for days, article in edges.items()})
    assert titles(rank_page(client, "today"), "views") == []
    assert titles(rank_page(client, "week"), "views") == ["1天前", "6天前"]
    assert titles(rank_page(client, "month"), "views") == ["1天前", "6天前", "7天前", "29天前"]


def test_all_time_most_read_skips_articles_never_read(client, category, reporter):
    make_article(title="没人看过", category=category, author=reporter)
    page = rank_page(client, "all")
    assert ranked(page, "views") == []
    assert "这段时间还没有上榜的文章。" in section(page, 'aria-labelledby="rank-views"')


def test_most_read_lists_at_most_twenty(client, category, reporter):
    for n in range(25):
        add_views({(make_article(title=f"文章{n:02d}", category=category, author=reporter).pk, days_ago(0)): n + 1})
    page = rank_page(client, "today")
    assert titles(page, "views") == [f"文章{n:02d}" for n in range(24, 4, -1)]


def test_empty_period_says_nothing_to_rank(client, four):
    ArticleDailyViews.objects.filter(day=days_ago(0)).delete()
    page = rank_page(client, "today")
    assert ranked(page, "views") == []
    assert "这段时间还没有上榜的文章。" in section(page, 'aria-labelledby="rank-views"')


# --- /rank/: most discussed ------------------------------------------------------------------


def test_most_discussed_counts_approved_comments_written_in_the_period(client, category, reporter):
    today = make_article(title="今天热议", category=category, author=reporter)
    week = make_article(title="本周热议", category=category, author=reporter)
    month = make_article(title="本月热议", category=category, author=reporter)
    old = make_article(title="早就热议", category=category, author=reporter)
    user = make_user()
    comment(today, user, days=0)
    comment(today, user, days=0, status=Comment.Status.PENDING)  # not counted
    for _ in range(3):
        comment(week, user, days=3)
    comment(week, user, days=0)
    for _ in range(6):
        comment(month, user, days=20)
    for _ in range(9):
        comment(old, user, days=60)
    assert ranked(rank_page(client, "today"), "comments") == [("本周热议", "1"), ("今天热议", "1")]
    assert ranked(rank_page(client, "week"), "comments") == [("本周热议", "4"), ("今天热议", "1")]
    assert ranked(rank_page(client, "month"), "comments") == [("本月热议", "6"), ("本周热议", "4"), ("今天热议", "1")]
    assert ranked(rank_page(client, "all"), "comments") == [
        ("早就热议", "9"),
        ("本月热议", "6"),
        ("本周热议", "4"),
        ("今天热议", "1"),
    ]
    page = rank_page(client, "all")
    assert "评论排行 · 总榜" in page


def test_all_time_most_discussed_uses_comment_count_and_skips_articles_without_comments(client, category, reporter):
    quiet = make_article(title="没人评论", category=category, author=reporter)
    busy = make_article(title="老帖", category=category, author=reporter)
    Article.objects.filter(pk=busy.pk).update(comment_count=42)
    page = rank_page(client, "all")
    assert ranked(page, "comments") == [("老帖", "42")]
    assert quiet.title not in section(page, 'aria-labelledby="rank-comments"')


# --- what is never listed ----------------------------------------------------------------------


@pytest.mark.parametrize("period", ["today", "week", "month", "all"])
def test_unpublished_articles_are_never_ranked(client, four, hidden, period):
    page = rank_page(client, period)
    assert "草稿不上榜" not in page
    assert "定时稿不上榜" not in page
    assert ranked(page, "comments") == []


@pytest.mark.parametrize("period", ["", "year", "TODAY", "all ", "<script>", "week&x=1"])
def test_unknown_period_falls_back_to_today(client, four, period):
    response = client.get(RANK_URL, {"period": period})
    assert response.status_code == 200
    page = response.content.decode()
    assert "查看排行 · 今日" in page
    assert '<a href="?period=today" class="tabs__tab" aria-current="page">今日</a>' in page
    assert titles(page, "views") == ["今日热读", "三天前热读"]
    assert "<script>" not in section(page, '<nav class="tabs"')


def test_rank_page_without_period_is_today(client, four):
    assert "查看排行 · 今日" in rank_page(client)


# --- caching and cost ------------------------------------------------------------------------


def test_rankings_are_cached_then_refreshed_after_a_cache_clear(client, four):
    with CaptureQueriesContext(connection) as first:
        assert titles(rank_page(client, "today"), "views") == ["今日热读", "三天前热读"]
    add_views({(four["三天前热读"].pk, days_ago(0)): 100})
    with CaptureQueriesContext(connection) as second:
        assert titles(rank_page(client, "today"), "views") == ["今日热读", "三天前热读"]  # up to 5 minutes old
    assert len(second) < len(first)
    assert not any("news_articledailyviews" in q["sql"] for q in second.captured_queries)
    cache.clear()  # what the five-minute expiry does
    assert ranked(rank_page(client, "today"), "views") == [("三天前热读", "101"), ("今日热读", "5")]


def test_each_period_is_cached_separately(client, four):
    assert titles(rank_page(client, "today"), "views") == ["今日热读", "三天前热读"]
    add_views({(four["今日热读"].pk, days_ago(1)): 1000})
    assert titles(rank_page(client, "today"), "views") == ["今日热读", "三天前热读"]
    assert titles(rank_page(client, "week"), "views") == ["今日热读", "三天前热读"]  # not cached yet: fresh
    assert ranked(rank_page(client, "week"), "views")[0] == ("今日热读", "1005")


def test_rank_page_queries_do_not_grow_with_articles(client, category, reporter):
    user = make_user()

    def add(n):
        for _ in range(n):
            article = make_article(category=category, author=reporter)
            add_views({(article.pk, days_ago(0)): 1, (article.pk, days_ago(2)): 2})
            comment(article, user)

    def measure():
        rank_page(client, "week")  # warm-up: site settings, category tree
        cache.delete_many([f"news:rankings:{period}" for period in rankings.PERIODS])
        with CaptureQueriesContext(connection) as queries:
            page = rank_page(client, "week")
        return len(queries), page

    add(5)
    few, page = measure()
    assert len(titles(page, "views")) == 5
    add(55)
    many, page = measure()
    assert len(titles(page, "views")) == 20
    assert len(titles(page, "comments")) == 20
    assert many == few
    assert few <= 8


# --- 热门 --------------------------------------------------------------------------------------


@pytest.fixture
def hot(category, reporter):
    """Twelve articles read this week (热门01 most), one read a lot long ago, one read 7 days ago."""
    articles = [make_article(title=f"热门{n:02d}", category=category, author=reporter) for n in range(1, 13)]
    add_views({(article.pk, days_ago(n % 7)): 200 - n for n, article in enumerate(articles, start=1)})
    long_ago = make_article(title="老新闻", category=category, author=reporter)
    add_views({(long_ago.pk, days_ago(30)): 5000, (long_ago.pk, days_ago(0)): 1})
    last_week = make_article(title="上周新闻", category=category, author=reporter)
    add_views({(last_week.pk, days_ago(7)): 5000})
    return articles


TOP_TEN = [f"热门{n:02d}" for n in range(1, 11)]


def test_hot_block_on_home_lists_top_ten_of_the_last_seven_days(client, hot, hidden):
    page = client.get("/").content.decode()
    assert hot_titles(page) == TOP_TEN
    block = section(page, '<section class="box hot">')
    assert "<h2" in block and "热门" in block
    for absent in ("热门11", "老新闻", "上周新闻", "草稿不上榜", "定时稿不上榜"):
        assert absent not in block


def test_hot_block_on_category_page(client, hot, category):
    page = client.get(category.get_absolute_url()).content.decode()
    assert hot_titles(page) == TOP_TEN


def test_hot_block_on_article_page(client, hot, category, reporter):
    other = make_article(title="别的栏目的文章", category=make_category(), author=reporter)
    page = client.get(other.get_absolute_url()).content.decode()
    assert hot_titles(page) == TOP_TEN


def test_hot_block_is_cached_then_refreshed_after_a_cache_clear(client, hot):
    assert hot_titles(client.get("/").content.decode()) == TOP_TEN
    add_views({(hot[11].pk, days_ago(0)): 1000})
    assert hot_titles(client.get("/").content.decode()) == TOP_TEN
    cache.clear()
    assert hot_titles(client.get("/").content.decode()) == ["热门12", *TOP_TEN[:9]]


def test_no_hot_block_without_views(client, category, reporter):
    make_article(title="没人看", category=category, author=reporter)
    assert '<section class="box hot">' not in client.get("/").content.decode()
    assert '<section class="box hot">' not in client.get(category.get_absolute_url()).content.decode()


# --- the editors' statistics -----------------------------------------------------------------


@pytest.fixture
def newsroom(reporter, other_reporter, category):
    """Views on both reporters' articles, from two sources, spread over 120 days.

    30 days: 别人的稿子 30, 我的稿子 4 + 6; 7 days: 30 + 4; 90 days: adds 100 (50 days ago).
    """
    mine = make_article(title="我的稿子", category=category, author=reporter, source=make_source("融媒中心"))
    theirs = make_article(title="别人的稿子", category=category, author=other_reporter, source=make_source("顺店站"))
    add_views(
        {
            (mine.pk, days_ago(0)): 4,
            (mine.pk, days_ago(10)): 6,
            (theirs.pk, days_ago(1)): 30,
            (theirs.pk, days_ago(50)): 100,
            (mine.pk, days_ago(120)): 1000,
        }
    )
    return mine, theirs


@pytest.fixture
def charted(monkeypatch):
    """Stands in for the chart (tested on its own below) so the figures around it can be checked.

    Records each series drawn and renders a marker with its number of days and total.
    """
    drawn = []

    def fake_chart(points, **kwargs):
        points = list(points)
        drawn.append(points)
        return format_html(
            '<svg class="chart" data-days="{}" data-total="{}">', len(points), sum(n for _d, n in points)
        )

    monkeypatch.setattr("news.viewcounts.charts.bar_chart", fake_chart)
    return drawn


def stats_page(client, days=None):
    response = client.get(STATS_URL, {"days": days} if days is not None else {})
    assert response.status_code == 200
    return response.content.decode()


def table(page, caption):
    start = page.index(f"<caption>{caption}</caption>")
    block = page[start : page.index("</table>", start)]
    return re.findall(r"<tr><td>([^<]*)</td><td>(\d+)</td></tr>", block)


def test_stats_page_shows_totals_and_top_tables_to_an_editor(client, editor, newsroom, charted):
    client.force_login(editor)
    page = stats_page(client)
    assert "近 30 天共 40 次查看" in page
    assert '<svg class="chart" data-days="30" data-total="40">' in page
    assert table(page, "热门文章") == [("别人的稿子", "30"), ("我的稿子", "10")]
    assert table(page, "热门来源") == [("顺店站", "30"), ("融媒中心", "10")]
    assert table(page, "热门发布者") == [("reporter2", "30"), ("reporter1", "10")]
    assert "只统计您自己的文章。" not in page


def test_stats_series_has_every_day_with_zeros(client, editor, newsroom, charted):
    client.force_login(editor)
    stats_page(client, "7")
    assert [day for day, _n in charted[0]] == [days_ago(n) for n in range(6, -1, -1)]
    assert dict(charted[0]) == {**{days_ago(n): 0 for n in range(7)}, days_ago(0): 4, days_ago(1): 30}


@pytest.mark.parametrize(("days", "total"), [("7", 34), ("30", 40), ("90", 140)])
def test_stats_periods(client, editor, newsroom, charted, days, total):
    client.force_login(editor)
    page = stats_page(client, days)
    assert f"近 {days} 天共 {total} 次查看" in page
    assert f'<svg class="chart" data-days="{days}" data-total="{total}">' in page
    assert f'<a href="?days={days}" class="selected" aria-current="page">近 {days} 天</a>' in page


@pytest.mark.parametrize("days", ["abc", "14", "0", "-7", "365", "", "7.0", "99999999999999999999"])
def test_stats_bad_days_fall_back_to_thirty(client, editor, newsroom, charted, days):
    client.force_login(editor)
    page = stats_page(client, days)
    assert "近 30 天共 40 次查看" in page
    assert '<a href="?days=30" class="selected" aria-current="page">近 30 天</a>' in page
    assert len(charted[0]) == 30


def test_reporter_sees_only_their_own_figures(client, reporter, newsroom, charted):
    client.force_login(reporter)
    page = stats_page(client, "90")
    assert "只统计您自己的文章。" in page
    assert "近 90 天共 10 次查看" in page
    assert '<svg class="chart" data-days="90" data-total="10">' in page
    assert table(page, "热门文章") == [("我的稿子", "10")]
    assert table(page, "热门来源") == [("融媒中心", "10")]
    assert table(page, "热门发布者") == [("reporter1", "10")]
    assert "别人的稿子" not in page
    assert "顺店站" not in page


def test_stats_without_views_say_so(client, reporter, newsroom, charted):
    ArticleDailyViews.objects.filter(article=newsroom[0]).delete()
    client.force_login(reporter)
    page = stats_page(client)
    assert "近 30 天共 0 次查看" in page
    assert page.count("这段时间没有查看记录。") == 3


def test_top_articles_keeps_articles_with_the_same_title_apart(client, editor, category, charted):
    weather = [make_article(title="禹州天气预报", category=category) for _ in range(2)]
    big = make_article(title="大新闻", category=category)
    add_views({(weather[0].pk, days_ago(0)): 20, (weather[1].pk, days_ago(1)): 15, (big.pk, days_ago(0)): 30})
    client.force_login(editor)
    page = stats_page(client)
    assert table(page, "热门文章") == [("大新闻", "30"), ("禹州天气预报", "20"), ("禹州天气预报", "15")]


def test_stats_page_is_for_staff_only(client, resident):
    client.force_login(resident)
    response = client.get(STATS_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_article_change_page_charts_only_that_articles_last_thirty_days(client, editor, newsroom, charted):
    client.force_login(editor)
    page = client.get(reverse("admin:news_article_change", args=[newsroom[0].pk])).content.decode()
    assert '<svg class="chart" data-days="30" data-total="10">' in page
    assert dict(charted[0])[days_ago(10)] == 6


def test_stats_page_draws_the_chart(client, editor, newsroom):
    client.force_login(editor)
    client.raise_request_exception = False
    page = stats_page(client)
    assert page.count('<svg class="chart"') == 1
    assert 'aria-label="每日查看"' in page
    assert page.count("<rect ") == 30
    assert f"<title>{days_ago(1):%m-%d}: 30</title>" in page


def test_article_change_page_shows_thirty_days_of_views(client, editor, newsroom):
    client.force_login(editor)
    mine, _theirs = newsroom
    response = client.get(reverse("admin:news_article_change", args=[mine.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg class="chart"' in page
    start = page.index('<svg class="chart"')
    chart = page[start : page.index("</svg>", start) + len("</svg>")]
    assert 'aria-label="近 30 天查看"' in chart
    assert chart.count("<rect ") == 30
    assert f"<title>{days_ago(0):%m-%d}: 4</title>" in chart
    assert f"<title>{days_ago(10):%m-%d}: 6</title>" in chart
    assert ": 30</title>" not in chart  # the other article's views are not in this chart


# --- the chart itself ------------------------------------------------------------------------


def test_bar_chart_of_no_points_is_empty():
    assert bar_chart([]) == ""
    assert bar_chart(iter(())) == ""


def test_bar_chart_draws_one_bar_per_day_and_marks_the_top():
    points = [(days_ago(2), 3), (days_ago(1), 0), (days_ago(0), 12)]
    chart = bar_chart(points, label="每日查看")
    assert isinstance(chart, SafeString)
    assert chart.startswith('<svg class="chart" role="img" aria-label="每日查看"')
    assert chart.endswith("</svg>")
    assert chart.count("<rect ") == 3
    assert ">12</text>" in chart  # the largest value on the axis
    assert f">{days_ago(2):%m-%d}</text>" in chart
    assert f">{days_ago(0):%m-%d}</text>" in chart
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', chart)]
    assert heights[1] == 0
    assert heights[2] == pytest.approx(heights[0] * 4)


def test_bar_chart_of_only_zeros_draws_flat_bars():
    chart = bar_chart([(days_ago(1), 0), (days_ago(0), 0)])
    assert chart.count("<rect ") == 2
    assert all(float(h) == 0 for h in re.findall(r'<rect [^>]*height="([\d.]+)"', chart))


def test_bar_chart_escapes_its_label():
    chart = bar_chart([(days_ago(0), 1)], label='"><script>alert(1)</script>')
    assert "<script>" not in chart
    assert 'aria-label="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in chart
    assert chart.count("<svg") == 1
