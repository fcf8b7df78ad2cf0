"""In a real browser: the view beacon counts a reader, reactions update in place, 排行榜 and 热门 show."""

import pytest
from django.utils import timezone

from news.articles.models import Article
from news.viewcounts.models import Reaction
from news.viewcounts.viewcount import add_views
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40"
)


@pytest.fixture
def reader_context(browser):
    # Headless Chromium calls itself HeadlessChrome, which the bot list rightly ignores.
    context = browser.new_context(viewport=PHONE, user_agent=PHONE_UA, locale="zh-CN")
    yield context
    context.close()


def test_a_page_view_is_counted_by_the_beacon(open_page, seed_article, reader_context):
    before = Article.objects.get(pk=seed_article.pk).view_count
    with reader_context.expect_event("requestfinished", lambda r: r.url.endswith("/view.gif")):
        open_page(seed_article.get_absolute_url(), context=reader_context)
    assert Article.objects.get(pk=seed_article.pk).view_count == before + 1
    open_page(seed_article.get_absolute_url(), context=reader_context).wait_for_load_state("networkidle")
    assert Article.objects.get(pk=seed_article.pk).view_count == before + 1  # a reload adds nothing


def test_reactions_update_in_place_and_move(open_page, seed_article, reader_context):
    page = open_page(seed_article.get_absolute_url(), context=reader_context)
    flowers = Reaction.objects.get(name="鲜花")
    eggs = Reaction.objects.get(name="鸡蛋")
    url_before = page.url
    page.get_by_role("button", name="鲜花").click()
    page.locator(f'.reaction__count[data-reaction="{flowers.pk}"]', has_text="1").wait_for()
    assert page.url == url_before  # no page load
    assert page.get_by_role("button", name="鲜花").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="鸡蛋").click()
    page.locator(f'.reaction__count[data-reaction="{eggs.pk}"]', has_text="1").wait_for()
    assert page.locator(f'.reaction__count[data-reaction="{flowers.pk}"]').inner_text() == "0"
    screenshot(page, "reactions-phone")
    page.reload()
    assert page.get_by_role("button", name="鸡蛋").get_attribute("aria-pressed") == "true"
    assert Article.objects.get(pk=seed_article.pk).reaction_counts == {str(eggs.pk): 1}


def test_rankings_and_hot_block(open_page, seed_article):
    from news.articles.factories import make_article

    other = make_article(title="钧瓷文化节开幕", category=seed_article.category, author=seed_article.author)
    add_views({(seed_article.pk, timezone.localdate()): 40, (other.pk, timezone.localdate()): 90})
    page = open_page("/rank/")
    rows = page.locator("#rank-views ~ .rank-list li a")
    assert rows.all_inner_texts()[:2] == ["钧瓷文化节开幕", seed_article.title]
    page.get_by_role("link", name="本周").click()
    page.wait_for_url("**/rank/?period=week")
    screenshot(page, "rank-desktop")
    home = open_page("/", viewport=DESKTOP)
    hot = home.locator(".hot__list li a")
    assert hot.all_inner_texts()[:2] == ["钧瓷文化节开幕", seed_article.title]
