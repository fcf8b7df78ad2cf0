"""#21 in a real browser: the WeChat share card (WeChat's user agent, a fake WeChat API on
127.0.0.1 and a stand-in for the JS-SDK, so nothing leaves the machine), the search page's
filters, and the category bar on a phone."""

import hashlib

import pytest

from news.articles.factories import make_article, make_category
from news.articles.models import SiteSettings
from tests.articles.test_wechat import APP_ID, SECRET, FakeWeChat
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_accessibility import axe_script, describe, serious_violations  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN"
)
# Stands in for https://res.wx.qq.com/open/js/jweixin-1.6.0.js: records what the page hands it.
FAKE_SDK = """
window.wx = {
  config: function (c) { window.__wx = {config: c}; },
  ready: function (callback) { setTimeout(callback, 0); },
  updateAppMessageShareData: function (d) { window.__wx.friend = d; },
  updateTimelineShareData: function (d) { window.__wx.timeline = d; }
};
"""


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


@pytest.fixture
def wechat_site(settings):
    fake = FakeWeChat()
    settings.WECHAT_API_BASE = fake.url
    settings.WECHAT_APP_SECRET = SECRET
    site = SiteSettings.current()
    site.wechat_app_id = APP_ID
    site.save()
    yield fake
    fake.close()


def test_inside_wechat_the_page_sets_its_share_card(open_page, browser, seed_article, wechat_site, live_server):
    context = browser.new_context(viewport=PHONE, user_agent=WECHAT_UA)
    sdk_requests = []

    def fake_sdk(route):
        sdk_requests.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=FAKE_SDK)

    context.route("https://res.wx.qq.com/**", fake_sdk)  # allowed by the page's CSP, answered here
    page = open_page(seed_article.get_absolute_url() + "#comments", context=context)
    wx = page.wait_for_function("() => window.__wx && window.__wx.friend && window.__wx").json_value()
    assert sdk_requests == ["https://res.wx.qq.com/open/js/jweixin-1.6.0.js"]
    config = wx["config"]
    page_url = live_server.url + seed_article.get_absolute_url()  # without the #fragment
    string1 = (
        f"jsapi_ticket=TICKET-for-TOKEN-1&noncestr={config['nonceStr']}&timestamp={config['timestamp']}&url={page_url}"
    )
    assert config["appId"] == APP_ID
    assert config["signature"] == hashlib.sha1(string1.encode()).hexdigest()  # noqa: S324 - WeChat's algorithm
    assert set(config["jsApiList"]) == {"updateAppMessageShareData", "updateTimelineShareData"}
    assert wx["friend"]["title"] == seed_article.title
    assert wx["friend"]["link"] == page_url
    assert wx["friend"]["desc"].startswith(seed_article.excerpt[:20])
    assert wx["timeline"] == {"title": seed_article.title, "link": page_url, "imgUrl": wx["friend"]["imgUrl"]}
    # Inside WeChat the 微信 panel points at WeChat's own ··· menu.
    page.locator(".share__wechat summary").click()
    assert page.get_by_text("点右上角").is_visible()
    assert not page.locator(".share__wechat").get_by_role("button", name="复制链接").is_visible()
    context.close()


def test_outside_wechat_nothing_of_wechat_is_requested(open_page, browser, seed_article, wechat_site):
    context = browser.new_context(viewport=PHONE)
    requested = []
    context.route("https://res.wx.qq.com/**", lambda route: (requested.append(route.request.url), route.abort()))
    page = open_page(seed_article.get_absolute_url(), context=context)
    page.wait_for_load_state("networkidle")
    assert requested == []
    assert wechat_site.calls == []
    context.close()


# --- the search page ----------------------------------------------------------------------------


@pytest.fixture
def searchable(reporter):
    town = make_category("城事", slug="town")
    sport = make_category("体育", slug="sport")
    for i in range(3):
        make_article(title=f"社区城事新闻{i}", category=town, author=reporter)
        make_article(title=f"社区体育新闻{i}", category=sport, author=reporter)
    return town


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_search_page_filters_by_category_with_one_search_box(open_page, searchable, axe_script, viewport):
    page = open_page("/search/?q=社区", viewport=viewport)
    assert page.locator('input[name="q"]').count() == 1
    assert len(page.locator(".item__title").all()) == 6
    page.locator("#search-category").select_option("town")
    page.locator("#search-start").fill("2020-01-01")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**category=town**")
    titles = page.locator(".item__title").all_inner_texts()
    assert len(titles) == 3 and all("城事" in title for title in titles)
    assert page.locator("#search-category").input_value() == "town"
    assert no_sideways_scroll(page)
    violations = serious_violations(page, axe_script)
    assert not violations, "\n".join(map(describe, violations))
    screenshot(page, f"search-filters-{'phone' if viewport == PHONE else 'desktop'}")


def test_search_page_says_what_is_wrong_with_a_date(open_page, searchable):
    page = open_page("/search/?q=社区&start=2024-02-30", viewport=PHONE)
    assert page.get_by_text("“从”不是有效日期").is_visible()
    assert len(page.locator(".item__title").all()) == 6


# --- the category bar on a phone ------------------------------------------------------------------


@pytest.fixture
def many_categories(reporter):
    categories = [make_category(name, slug=f"cat{i}") for i, name in enumerate(
        ["最新资讯", "禹州新闻", "民生热点", "教育资讯", "健康生活", "文化旅游", "体育赛事", "房产家居", "便民服务"]
    )]  # fmt: skip
    for category in categories:
        make_article(title=f"{category.name}的一条新闻", category=category, author=reporter)
    return categories


def edge(page):
    return page.evaluate(
        """() => { const list = document.querySelector('.catnav__list');
                   return {more: document.querySelector('.catnav').dataset.more,
                           scrollable: list.scrollWidth > list.clientWidth, left: list.scrollLeft}; }"""
    )


def test_phone_category_bar_shows_it_scrolls_and_keeps_the_current_one_in_view(open_page, many_categories):
    last = many_categories[-1]
    page = open_page(many_categories[0].get_absolute_url(), viewport=PHONE)
    state = edge(page)
    assert state["scrollable"] and state["more"] == "right"
    assert page.evaluate("getComputedStyle(document.querySelector('.catnav'), '::after').display") == "flex"
    assert page.evaluate("getComputedStyle(document.querySelector('.catnav__list')).maskImage") != "none"

    page = open_page(last.get_absolute_url(), viewport=PHONE)
    current = page.locator('.catnav__list a[aria-current="page"]')
    assert current.inner_text() == last.name
    box, bar = current.bounding_box(), page.locator(".catnav__list").bounding_box()
    assert box["x"] >= bar["x"] and box["x"] + box["width"] <= bar["x"] + bar["width"]  # scrolled into view
    assert "left" in edge(page)["more"]
    assert page.evaluate("window.scrollY") == 0  # only the bar moved, not the page
    assert no_sideways_scroll(page)
    screenshot(page, "catnav-phone")


def test_desktop_category_bar_has_no_fade_when_everything_fits(open_page, many_categories):
    page = open_page(many_categories[-1].get_absolute_url(), viewport=DESKTOP)
    state = edge(page)
    assert not state["scrollable"] and state["more"] == "none" and state["left"] == 0
    assert page.evaluate("getComputedStyle(document.querySelector('.catnav__list')).maskImage") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('.catnav'), '::after').display") == "none"


def test_phone_category_bar_without_javascript_fades_its_right_edge(open_page, browser, many_categories):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = open_page(many_categories[0].get_absolute_url(), context=context)
    assert page.evaluate("getComputedStyle(document.querySelector('.catnav__list')).maskImage") != "none"
    context.close()
