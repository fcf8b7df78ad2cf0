"""Search filters: a category (with its sub-categories) and a date range, kept across pages; bad
dates get a message, never a 500; one search box on the search page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html as lxml_html

from news.articles.factories import make_article, make_category

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day, hour=12):
    return datetime(2024, 5, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def site(reporter):
    town = make_category("城事", slug="town")
    street = make_category("街道", slug="street", parent=town)
    sport = make_category("体育", slug="sport")
    return {
        "town": make_article(title="社区town五月一日", category=town, author=reporter, published_at=at(1)),
        "street": make_article(title="社区street五月十日", category=street, author=reporter, published_at=at(10)),
        "sport": make_article(title="社区sport五月二十日", category=sport, author=reporter, published_at=at(20)),
        # 23:30 on 31 May in Shanghai is 15:30 UTC: still "31 May" for a reader here.
        "late": make_article(title="社区late五月末深夜", category=sport, author=reporter, published_at=at(31, 23)),
    }


def search(client, **params):
    response = client.get("/search/", {"q": "社区", **params})
    assert response.status_code == 200
    page = response.content.decode()
    tree = lxml_html.fromstring(page)
    titles = [a.text_content() for a in tree.xpath('//h2[@class="item__title"]/a')]
    return sorted(title.split("五月")[0].removeprefix("社区") for title in titles), page, tree


def test_without_filters_everything_matches(client, site):
    assert search(client)[0] == ["late", "sport", "street", "town"]


def test_a_category_includes_its_sub_categories(client, site):
    assert search(client, category="town")[0] == ["street", "town"]
    assert search(client, category="street")[0] == ["street"]


def test_a_date_range_includes_both_days_in_local_time(client, site):
    assert search(client, start="2024-05-10", end="2024-05-20")[0] == ["sport", "street"]
    assert search(client, start="2024-05-31")[0] == ["late"]
    assert search(client, end="2024-05-30")[0] == ["sport", "street", "town"]


def test_category_and_dates_together(client, site):
    assert search(client, category="sport", end="2024-05-20")[0] == ["sport"]


def test_from_after_to_is_swapped_and_said(client, site):
    found, page, _tree = search(client, start="2024-05-20", end="2024-05-10")
    assert found == ["sport", "street"]
    assert "已将两个日期对调" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2024-13-45"}, "“从”不是有效日期"),
        ({"end": "yesterday"}, "“到”不是有效日期"),
        ({"start": "0001-01-01"}, "1990 年至明年"),
        ({"end": "9999-12-31"}, "1990 年至明年"),
        ({"start": "<script>alert(1)</script>"}, "“从”不是有效日期"),
        ({"category": "no-such-category"}, "没有这个栏目"),
        ({"category": "x" * 5000}, "没有这个栏目"),
    ],
)
def test_bad_filters_get_a_message_and_the_words_are_still_searched(client, site, params, message):
    found, page, _tree = search(client, **params)
    assert message in page
    assert found == ["late", "sport", "street", "town"]  # the bad filter narrows nothing
    assert "<script>alert(1)</script>" not in page


def test_pagination_keeps_the_filters(client, site, reporter):
    sport = site["sport"].category
    for i in range(12):
        make_article(title=f"社区翻页{i}", category=sport, author=reporter, published_at=at(15))
    _found, _page, tree = search(client, category="sport", start="2024-05-11", end="2024-05-19")
    [next_link] = tree.xpath('//nav[@class="pagination"]/a[@rel="next"]/@href')
    assert next_link == "?q=%E7%A4%BE%E5%8C%BA&category=sport&start=2024-05-11&end=2024-05-19&page=2"
    second = client.get("/search/" + next_link)
    titles = lxml_html.fromstring(second.content).xpath('//h2[@class="item__title"]/a/text()')
    assert len(titles) == 2 and all("翻页" in title for title in titles)


def test_the_form_shows_the_chosen_filters(client, site):
    _found, _page, tree = search(client, category="street", start="2024-05-01", end="2024-05-31")
    assert tree.xpath('//select[@name="category"]/option[@selected]/@value') == ["street"]
    assert tree.xpath('//input[@name="start"]/@value') == ["2024-05-01"]
    assert tree.xpath('//input[@name="end"]/@value') == ["2024-05-31"]


def test_the_search_page_has_one_search_box(client, site):
    _found, _page, tree = search(client)
    assert len(tree.xpath('//input[@name="q"]')) == 1
    assert len(tree.xpath('//form[@role="search"]')) == 1
    home = lxml_html.fromstring(client.get("/").content)
    assert len(home.xpath('//input[@name="q"]')) == 1  # the header's, on every other page


def test_filters_are_part_of_the_page_cache_key(client, site, settings):
    settings.PAGE_CACHE_SECONDS = 60
    client.get("/")  # the first request creates the site settings, which renews every cached page
    assert search(client, category="sport")[0] == ["late", "sport"]
    response = client.get("/search/", {"q": "社区", "category": "town"})
    assert response["X-Page-Cache"] == "miss"
    assert "town" in response.content.decode() and "社区sport" not in response.content.decode()
    assert client.get("/search/", {"q": "社区", "category": "sport"})["X-Page-Cache"] == "hit"


def count_queries(client, params):
    client.get("/search/", params)  # warm the site-wide caches (settings, category tree)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/search/", params).status_code == 200
    return len(captured.captured_queries)


def test_filters_add_no_query_and_the_count_does_not_grow(client, site, reporter):
    plain = count_queries(client, {"q": "社区"})
    filtered = count_queries(client, {"q": "社区", "category": "town", "start": "2024-05-01", "end": "2024-05-31"})
    for i in range(15):
        make_article(title=f"社区更多{i}", category=site["town"].category, author=reporter, published_at=at(2))
    more = count_queries(client, {"q": "社区", "category": "town", "start": "2024-05-01", "end": "2024-05-31"})
    assert plain == filtered == more
