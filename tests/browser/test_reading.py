"""A resident reads the news in a real browser, on a phone and on a desktop."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(seed_article, settings, media_root):
    settings.SERVE_MEDIA = True
    from news.articles.factories import make_article, make_cover
    from news.articles.models import Topic

    festival = make_article(
        title="神垕古镇钧瓷文化节开幕",
        category=seed_article.category,
        author=seed_article.author,
        cover=make_cover(seed=3),
        is_featured=True,
    )
    # An active 专题 (#20): the home page's 专题 box is in the screenshots too.
    topic = Topic.objects.create(
        title="钧瓷文化节", slug="junci", status=Topic.Status.ACTIVE, cover=make_cover(seed=4), introduction="导语。"
    )
    topic.sections.create(title="开幕", order=0).articles.add(festival)
    return seed_article


@pytest.mark.parametrize(("viewport", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_article_page_reads_well_without_sideways_scrolling(open_page, site, viewport, label):
    page = open_page(site.get_absolute_url(), viewport=viewport)
    assert page.locator("h1").inner_text() == "禹州夏都街道开展2021年第三季度党建观摩活动"
    assert "查看: 630" in page.locator(".article__meta").inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px at {viewport['width']}px"
    screenshot(page, f"article-{label}")


@pytest.mark.parametrize(("viewport", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_home_page_shows_headline_with_cover(open_page, site, viewport, label):
    page = open_page("/", viewport=viewport)
    lead = page.locator(".headline--lead")
    assert lead.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("#latest-title").inner_text() == "最新"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, f"home-{label}")


def test_quick_login_box_logs_in_and_returns_to_the_article(open_page, site):
    page = open_page(site.get_absolute_url(), viewport=PHONE)
    page.get_by_text("快捷登录").click()
    page.get_by_label("用户名").fill("yzgz006")
    page.get_by_label("密码").fill("yzgz-demo-2021")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{site.get_absolute_url()}")
    assert page.locator(".user-menu").inner_text().startswith("yzgz006")


def test_quick_navigation_opens_and_leads_to_a_category(open_page, site):
    page = open_page(site.get_absolute_url(), viewport=PHONE)
    page.get_by_text("快捷导航").click()
    page.locator(".quick-nav__panel").get_by_role("link", name="最新资讯").click()
    page.wait_for_url("**/category/latest/")
    assert page.locator("h1").inner_text() == "最新资讯"


def test_back_to_top_returns_to_the_top(open_page, site):
    page = open_page(site.get_absolute_url(), viewport=PHONE)
    page.get_by_role("link", name="返回顶部").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 0
    page.get_by_role("link", name="返回顶部").click()
    page.wait_for_function("() => window.scrollY === 0")  # a function: the CSP forbids eval()


def test_copy_link_confirms_visibly(open_page, site, browser, live_server):
    context = browser.new_context(viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = open_page(site.get_absolute_url(), context=context)
    page.get_by_role("button", name="复制链接").click()
    page.locator(".share__status", has_text="链接已复制").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == live_server.url + site.get_absolute_url()
    context.close()
