"""A reporter's day in the admin, in a real browser: write, paste from WeChat, schedule.

A reporter logs in on a phone, writes an article with a cover, pastes the text and two
pictures of a WeChat-style page into the editor, adds a third picture with 上传图片, and
schedules it a few seconds ahead. Readers get 404 until then and the article page with
responsive renditions after; another reporter never sees it.
"""

import functools
import http.server
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from news.articles.factories import make_image_bytes
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, screenshot
from tests.browser.test_comments_journey import admin_log_in

pytestmark = pytest.mark.django_db(transaction=True)

WECHAT_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>禹州发布</title></head>
<body><div class="rich_media_content" id="js_content" style="visibility: visible;">
<section style="margin: 0px 8px; font-size: 15px; color: rgb(62, 62, 62);">
<p style="text-align: center;"><span style="font-family: 微软雅黑; color: rgb(171, 25, 66);">
<strong>钧瓷文化节开幕</strong></span></p>
<p style="line-height: 1.75em;"><span style="font-size: 15px;">11月26日上午，第十届钧瓷文化节在神垕古镇开幕。</span></p>
<p style="text-align:center"><img class="rich_pages wxw-img" data-src="{base}/mmbiz/kiln.jpg"
  src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
  data-ratio="0.6666" data-w="1200" style="width: 100%; height: auto;"></p>
<p style="line-height: 1.75em;"><span style="font-size: 15px;">开幕式后，游客在老街参观窑炉。</span></p>
<p style="text-align:center"><img class="rich_pages wxw-img" data-src="{base}/mmbiz/street.png"
  src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" style="width: 100%;"></p>
<section style="color: #888"><p><span style="font-size: 12px;">来源：禹州发布</span></p></section>
</section></div></body></html>"""


@pytest.fixture
def wechat_site(tmp_path):
    """A WeChat-style page and its two pictures, served from 127.0.0.1."""
    (tmp_path / "mmbiz").mkdir()
    (tmp_path / "mmbiz" / "kiln.jpg").write_bytes(make_image_bytes(width=1200, height=800, seed=3))
    (tmp_path / "mmbiz" / "street.png").write_bytes(make_image_bytes(width=900, height=600, seed=4, image_format="PNG"))
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (tmp_path / "article.html").write_text(WECHAT_PAGE.replace("{base}", base), encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def paste_html(page, html):
    """What the browser does on Ctrl+V of copied page content: a paste event with text/html."""
    page.locator(".ProseMirror[contenteditable=true]").click()
    page.evaluate(
        """html => {
            const data = new DataTransfer()
            data.setData("text/html", html)
            data.setData("text/plain", html.replace(/<[^>]+>/g, ""))
            const event = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true})
            document.querySelector(".ProseMirror[contenteditable=true]").dispatchEvent(event)
        }""",
        html,
    )


def choose_autocomplete(page, field, text):
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_reporter_writes_pastes_from_wechat_and_schedules(
    open_page, browser, live_server, settings, media_root, tmp_path, wechat_site, reporter, other_reporter, category
):
    from news.articles.models import Article

    settings.NEWS_FETCH_PRIVATE_IMAGES = True  # the "WeChat" server is on 127.0.0.1
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    page = admin_log_in(open_page, phone, reporter, "/admin/news/article/add/")

    # Copy the WeChat article's content as the browser serialises it.
    wechat = phone.new_page()
    wechat.goto(f"{wechat_site}/article.html")
    copied = wechat.locator("#js_content").evaluate("node => node.innerHTML")
    wechat.close()

    page.locator("#id_title").fill("第十届钧瓷文化节在神垕开幕")
    choose_autocomplete(page, "category", category.name)
    page.locator("#id_tags").fill("钧瓷, 神垕")
    paste_html(page, copied)
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.locator("img").nth(1).wait_for()
    assert editor.locator("strong", has_text="钧瓷文化节开幕").count() == 1
    assert editor.locator("[style]").count() == 0, "pasted styling must be dropped"
    assert all(src.startswith(wechat_site) for src in editor.locator("img").evaluate_all("i => i.map(x => x.src)"))

    # A third picture with the editor's own upload button, at the end of the body.
    editor.press("Control+End")
    third = tmp_path / "crowd.jpg"
    third.write_bytes(make_image_bytes(width=1000, height=750, seed=5))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="上传图片").click()
    chooser.value.set_files(str(third))
    editor.locator("img[src^='/media/body/']").wait_for()
    assert editor.locator("img").count() == 3

    cover = tmp_path / "cover.jpg"
    cover.write_bytes(make_image_bytes(width=1600, height=1000, seed=6))
    page.locator("#id_cover").set_input_files(str(cover))
    due = timezone.localtime() + timedelta(seconds=25)
    page.locator("#id_published_at_0").fill(due.strftime("%Y/%m/%d"))  # as the Chinese admin writes dates
    page.locator("#id_published_at_1").fill(due.strftime("%H:%M:%S"))
    page.locator(".field-body").evaluate("field => field.scrollIntoView({behavior: 'instant'})")
    screenshot(page, "admin-article-form-phone")
    # #20: the button says what it does, and says 定时发布 once the time is in the future.
    publish = page.locator(".yz-workflow button[name=_publish]")
    expect(publish).to_have_text("定时发布")
    publish.scroll_into_view_if_needed()
    screenshot(page, "admin-article-buttons-phone")
    publish.click()
    page.wait_for_url("**/admin/news/article/")
    assert page.locator(".yz-state--scheduled").count() == 1
    screenshot(page, "admin-article-list-phone")

    article = Article.objects.get(title="第十届钧瓷文化节在神垕开幕")
    assert article.author == reporter and article.is_scheduled
    assert article.body.count('src="/media/body/') == 3 and "127.0.0.1" not in article.body
    assert "style=" not in article.body and "钧瓷文化节开幕" in article.body

    # Before its time, readers get 404 (checked without a page, so the 404 is expected).
    reader = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    assert reader.request.get(live_server.url + article.get_absolute_url()).status == 404

    # Another reporter neither lists it nor opens it.
    other = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    others_list = admin_log_in(open_page, other, other_reporter, "/admin/news/article/")
    assert others_list.get_by_text("第十届钧瓷文化节在神垕开幕").count() == 0
    others_list.goto(live_server.url + f"/admin/news/article/{article.pk}/change/")
    assert "/change/" not in others_list.url  # sent back to the admin index
    assert other.request.get(live_server.url + article.get_absolute_url()).status == 404

    # At its time it appears, by itself: poll the home page like an impatient reader.
    home = open_page("/", context=reader)
    deadline = due + timedelta(seconds=30)
    while home.get_by_role("link", name="第十届钧瓷文化节在神垕开幕").count() == 0:
        assert timezone.localtime() < deadline, "the scheduled article did not appear"
        home.wait_for_timeout(1000)
        home.reload()
    home.get_by_role("link", name="第十届钧瓷文化节在神垕开幕").first.click()
    home.wait_for_url(f"**{article.get_absolute_url()}")

    # Cover and body pictures are renditions with srcset, sizes and dimensions.
    pictures = home.locator("article.article picture")
    assert pictures.count() == 4
    for index in range(4):
        picture = pictures.nth(index)
        assert "400w" in picture.locator("source[type='image/webp']").get_attribute("srcset")
        img = picture.locator("img")
        assert img.get_attribute("sizes") and img.get_attribute("width") and img.get_attribute("height")
        assert (img.get_attribute("loading") == "lazy") == (index > 0)  # the cover is not lazy
        img.scroll_into_view_if_needed()
        home.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        assert "/media/renditions/" in img.evaluate("i => i.currentSrc")
    assert home.locator(".article__body strong", has_text="钧瓷文化节开幕").count() == 1
    screenshot(home, "article-with-renditions")
    for name in ("kiln", "street", "crowd"):
        assert not any(name in p.name for p in Path(media_root).rglob("*")), "stored under our own names"
    phone.close()
    reader.close()
    other.close()


def test_reporter_publishes_with_a_cover_and_it_is_on_home_and_its_category(
    open_page, browser, live_server, media_root, tmp_path, reporter, category
):
    """Journey 1 on a desktop: write, add a cover, publish now; readers find it at once."""
    from news.articles.models import Article

    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = admin_log_in(open_page, desk, reporter, "/admin/news/article/add/")
    page.locator("#id_title").fill("禹州市图书馆新馆开放")
    choose_autocomplete(page, "category", category.name)
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.click()
    editor.press_sequentially("新馆藏书三十万册，周一至周日开放。")
    editor.press("Enter")
    editor.press_sequentially("市民凭身份证即可办理借阅证。")
    # #20: 字数 and reading time while writing (every character but spaces; 400 a minute).
    expect(page.locator(".yz-editor-count")).to_have_text("字数 31，阅读约 1 分钟")
    cover = tmp_path / "library.jpg"
    cover.write_bytes(make_image_bytes(width=1400, height=900, seed=8))
    page.locator("#id_cover").set_input_files(str(cover))
    page.locator(".field-body").evaluate("field => field.scrollIntoView({behavior: 'instant'})")
    screenshot(page, "admin-article-form-desktop")
    buttons = page.locator(".yz-workflow button")
    expect(buttons).to_have_text(["保存草稿", "预览", "发布"])
    buttons.last.scroll_into_view_if_needed()
    screenshot(page, "admin-article-buttons-desktop")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_url("**/admin/news/article/")
    # #20: the list fits 1280 px: no column is scrolled out of sight.
    overflow = page.evaluate(
        "() => { const r = document.querySelector('#changelist .results'); return r.scrollWidth - r.clientWidth; }"
    )
    assert overflow <= 0, f"the article list is {overflow}px too wide at 1280 px"
    screenshot(page, "admin-article-list-desktop")

    article = Article.objects.get(title="禹州市图书馆新馆开放")
    assert article.is_public and article.cover and article.body.count("<p>") == 2
    reader = browser.new_context(viewport=PHONE, locale="zh-CN")
    home = open_page("/", context=reader)
    assert home.get_by_role("link", name="禹州市图书馆新馆开放").count() >= 1
    listing = open_page(category.get_absolute_url(), context=reader)
    item = listing.locator(".item", has=listing.get_by_role("link", name="禹州市图书馆新馆开放"))
    assert item.locator("picture source[type='image/webp']").count() == 1
    item.get_by_role("link", name="禹州市图书馆新馆开放").click()
    listing.wait_for_url(f"**{article.get_absolute_url()}")
    assert listing.locator(".article__body p").nth(1).inner_text() == "市民凭身份证即可办理借阅证。"
    screenshot(listing, "article-published-phone")
    desk.close()
    reader.close()


def test_the_body_editor_speaks_chinese(open_page, browser, reporter):
    """django-prose-editor ships no Chinese; it asks window.gettext, filled from our djangojs catalogue."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = admin_log_in(open_page, context, reporter, "/admin/news/article/add/")
    page.locator(".prose-editor").first.wait_for()
    assert page.evaluate("window.gettext('Edit Link')") == "编辑链接"
    assert page.evaluate("window.gettext('Insert Table')") == "插入表格"
    assert page.evaluate("window.gettext('Choose all %s')") == "选择全部%s"
    # Its menu: every button's title and the heading menu, which are literals in its bundle.
    menu = page.evaluate(
        """() => Array.from(document.querySelectorAll('.prose-menubar [title], .prose-menubar h2, .prose-menubar p'))
            .map((e) => e.getAttribute('title') || e.textContent.trim())"""
    )
    assert "加粗" in menu and "插入表格" in menu and "标题 2" in menu
    english = [label for label in menu if re.search(r"[A-Za-z]{3,}", label.replace("HTML", ""))]
    assert english == []
    # The heading menu's drop-down mark needs no glyph (its "⏷" was a box on a Chinese desktop).
    arrow = page.evaluate(
        """() => { const style = getComputedStyle(document.querySelector('.prose-menubar__selected'), '::after');
                   return [style.content, style.borderTopWidth]; }"""
    )
    assert arrow == ['""', "5px"], arrow
    page.screenshot(path=str(ARTIFACTS / "admin-editor-menu-desktop.png"))
    context.close()


def test_a_second_editors_stale_save_gets_the_conflict_message(open_page, browser, editor, reporter, category):
    """#20: two editors open one article; the first saves; the second's save is refused with a message
    that says what happened, and what they typed stays in the form (at 1280 and at 375 px)."""
    from accounts.roles import EDITOR
    from news.articles.factories import make_article, make_user
    from news.articles.models import Article

    article = make_article(title="两位编辑同时打开", category=category, author=reporter)
    url = f"/admin/news/article/{article.pk}/change/"
    first = admin_log_in(open_page, browser.new_context(viewport=DESKTOP, locale="zh-CN"), editor, url)
    second_editor = make_user("editor2", role=EDITOR)
    second = admin_log_in(open_page, browser.new_context(viewport=PHONE, locale="zh-CN"), second_editor, url)
    first.locator("#id_title").fill("第一位编辑改的标题")
    first.get_by_role("button", name="更新").click()
    first.wait_for_url("**/admin/news/article/")
    second.locator("#id_title").fill("第二位编辑改的标题")
    second.get_by_role("button", name="更新").click()
    expect(second.locator("ul.errorlist.nonfield")).to_contain_text("这次没有保存")
    expect(second.locator("#id_title")).to_have_value("第二位编辑改的标题")
    screenshot(second, "admin-article-conflict-phone")
    assert Article.objects.get(pk=article.pk).title == "第一位编辑改的标题"
