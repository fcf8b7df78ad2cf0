"""分享到 and 手机版 in a real browser: the QR codes load and decode, copying confirms itself."""

import io

import pytest
import zxingcpp
from PIL import Image

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_accessibility import axe_script, describe, serious_violations  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"


def wait_loaded(image):
    """Wait until the <img> has loaded a picture (a broken image has naturalWidth 0)."""
    image.page.wait_for_function(IMAGE_LOADED, arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") > 0


def decoded(image):
    """What a phone's camera reads from the code as the browser draws it."""
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))
    assert [r.format for r in results] == [zxingcpp.BarcodeFormat.QRCode]
    return results[0].text


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_wechat_panel_shows_the_articles_code(open_page, seed_article, live_server):
    """On a desktop 微信 shows the code to scan with the phone."""
    page = open_page(seed_article.get_absolute_url(), viewport=DESKTOP)
    wechat = page.locator(".share__wechat")
    qr = wechat.locator("img.share__qr")
    assert not qr.is_visible()
    wechat.locator("summary").click()
    assert qr.is_visible()
    assert not wechat.get_by_text("在微信中打开").is_visible()
    wait_loaded(qr)
    assert decoded(qr) == live_server.url + seed_article.get_absolute_url()
    assert wechat.locator(".share__panel").bounding_box()["x"] >= 0
    assert no_sideways_scroll(page)
    wechat.locator("summary").scroll_into_view_if_needed()
    screenshot(page, "share-desktop")
    # A click elsewhere, or Escape, closes the panel again.
    page.locator("h1").click()
    assert not qr.is_visible()
    wechat.locator("summary").click()
    page.keyboard.press("Escape")
    assert not qr.is_visible()


def test_wechat_panel_works_without_javascript(open_page, browser, seed_article, live_server):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = open_page(seed_article.get_absolute_url(), context=context)
    assert not page.get_by_role("button", name="复制链接").is_visible()  # needs JavaScript
    page.locator(".share__wechat summary").click()
    qr = page.locator("img.share__qr")
    wait_loaded(qr)
    assert decoded(qr) == live_server.url + seed_article.get_absolute_url()
    context.close()


def test_on_a_phone_wechat_says_open_in_wechat_with_the_copy_button(open_page, browser, seed_article, live_server):
    """A phone cannot scan its own screen: 微信 explains 在微信中打开 and copies the link."""
    context = browser.new_context(viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    page = open_page(seed_article.get_absolute_url(), context=context)
    wechat = page.locator(".share__wechat")
    wechat.locator("summary").click()
    panel = wechat.locator(".share__panel")
    assert panel.get_by_text("在微信中打开").is_visible()
    assert panel.get_by_text("粘贴到微信聊天中").is_visible()
    assert not wechat.locator("img.share__qr").is_visible()
    url = live_server.url + seed_article.get_absolute_url()
    assert panel.get_by_label("本文链接").input_value() == url
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert no_sideways_scroll(page)
    panel.scroll_into_view_if_needed()
    screenshot(page, "share-phone")
    panel.get_by_role("button", name="复制链接").click()
    page.locator(".share__status", has_text="链接已复制").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == url
    context.close()


def test_on_a_phone_without_javascript_the_link_can_be_selected(open_page, browser, seed_article, live_server):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = open_page(seed_article.get_absolute_url(), context=context)
    page.locator(".share__wechat summary").click()
    panel = page.locator(".share__wechat .share__panel")
    assert panel.get_by_text("在微信中打开").is_visible()
    assert panel.get_by_label("本文链接").input_value() == live_server.url + seed_article.get_absolute_url()
    assert not panel.get_by_role("button", name="复制链接").is_visible()  # needs JavaScript
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_open_share_panel_has_no_serious_accessibility_problem(open_page, seed_article, axe_script, viewport):
    page = open_page(seed_article.get_absolute_url(), viewport=viewport)
    page.locator(".share__wechat summary").click()
    violations = serious_violations(page, axe_script)
    assert not violations, "\n".join(map(describe, violations))


def test_copy_link_confirms_and_copies_the_canonical_url(open_page, browser, seed_article, live_server):
    context = browser.new_context(viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    page = open_page(seed_article.get_absolute_url() + "?cpage=1", context=context)
    page.get_by_role("button", name="复制链接").click()
    page.locator(".share__status", has_text="链接已复制").wait_for()
    assert page.locator(".share__status").is_visible()
    assert page.evaluate("navigator.clipboard.readText()") == live_server.url + seed_article.get_absolute_url()
    context.close()


def test_native_share_button_only_where_the_browser_can_share(open_page, seed_article):
    page = open_page(seed_article.get_absolute_url(), viewport=PHONE)
    page.wait_for_load_state("load")
    native = page.locator(".js-share-native")
    assert native.count() == 1
    assert native.is_visible() == page.evaluate("'share' in navigator")


def test_native_share_button_shares_title_and_canonical_url(open_page, browser, seed_article, live_server):
    """Where navigator.share exists the button hands it the article (stubbed: no system sheet in tests)."""
    context = browser.new_context(viewport=PHONE)
    context.add_init_script("navigator.share = function (data) { window.__shared = data; return Promise.resolve(); };")
    page = open_page(seed_article.get_absolute_url() + "?cpage=1", context=context)
    native = page.locator(".js-share-native")
    assert native.is_visible()
    native.click()
    shared = page.wait_for_function("() => window.__shared").json_value()
    assert shared["url"] == live_server.url + seed_article.get_absolute_url()
    assert shared["title"] == seed_article.title
    context.close()


def test_footer_mobile_version_shows_this_pages_code(open_page, seed_article, live_server):
    path = "/category/latest/"
    page = open_page(path, viewport=PHONE)
    footer = page.locator(".mobile-version")
    footer.get_by_text("手机版").click()
    qr = footer.locator("img.mobile-version__qr")
    qr.scroll_into_view_if_needed()
    wait_loaded(qr)
    assert decoded(qr) == live_server.url + path
    assert no_sideways_scroll(page)
    screenshot(page, "share-mobile-version-phone")


def test_footer_mobile_version_of_the_article_page(open_page, seed_article, live_server):
    page = open_page(seed_article.get_absolute_url(), viewport=PHONE)
    page.locator(".mobile-version summary").click()
    qr = page.locator("img.mobile-version__qr")
    qr.scroll_into_view_if_needed()
    wait_loaded(qr)
    assert decoded(qr) == live_server.url + seed_article.get_absolute_url()
