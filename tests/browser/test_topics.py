"""专题 (#20) in a real browser: an editor makes a topic on a phone, readers find it everywhere."""

import pytest
from playwright.sync_api import expect

from news.articles.factories import make_article, make_image_bytes
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_comments_journey import admin_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def pick_article(section, title):
    """Select2 (Django's autocomplete) inside the section's inline: type, then choose."""
    section.locator(".field-articles .select2-selection").click()
    search = section.page.locator(".select2-container--open .select2-search__field")
    search.fill(title[:4])
    section.page.locator(".select2-results__option", has_text=title).click()


def test_an_editor_makes_a_topic_and_readers_find_it(
    open_page, browser, editor, reporter, category, seed_article, media_root, settings, tmp_path
):
    settings.SERVE_MEDIA = True
    from news.articles.models import Topic

    story = make_article(title="颍河治理工程全线开工", category=category, author=reporter, tags=["颍河"])
    make_article(title="颍河沿岸绿道规划公示", category=category, author=reporter, tags=["颍河"])
    cover = tmp_path / "ying.jpg"
    cover.write_bytes(make_image_bytes(1600, 700, seed=8))

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    page = admin_log_in(open_page, phone, editor, "/admin/news/topic/add/")
    page.locator("#id_title").fill("颍河治理")
    page.locator("#id_title").press("Tab")
    expect(page.locator("#id_slug")).to_have_value("颍河治理")  # the address follows the title, in Chinese
    page.locator("#id_status").select_option("active")
    page.locator("#id_introduction").fill("颍河穿城而过。\n\n本专题跟踪治理工程的进展。")
    page.locator("#id_cover").set_input_files(str(cover))
    section = page.locator("#sections-0")
    section.locator("input[name='sections-0-title']").fill("工程进展")
    pick_article(section, story.title)
    page.locator(".add-row a").click()  # 添加另一个 板块
    second = page.locator("#sections-1")
    second.locator("input[name='sections-1-title']").fill("相关报道")
    second.locator(".field-tag .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("颍河")
    page.locator(".select2-results__option", has_text="颍河").first.click()
    screenshot(page, "topic-admin-phone")
    page.locator("input[name=_save]").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("颍河治理")

    topic = Topic.objects.get()
    assert [s.title for s in topic.sections.all()] == ["工程进展", "相关报道"]

    reader = open_page("/", viewport=PHONE)
    reader.locator(".topic-card__title", has_text="颍河治理").click()
    reader.wait_for_url(f"**{topic.get_absolute_url()}")
    expect(reader.locator(".topic__title")).to_have_text("颍河治理")
    expect(reader.locator(".topic__cover img")).to_be_visible()
    sections = reader.locator(".topic__section")
    expect(sections.nth(0).locator(".item__title")).to_have_text([story.title])
    expect(sections.nth(1).locator(".item__title")).to_have_text(["颍河沿岸绿道规划公示", story.title])
    width = reader.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the topic page is {width} px wide on a {PHONE['width']} px phone"
    screenshot(reader, "topic-phone")

    reader.locator(".item__title a", has_text=story.title).first.click()
    expect(reader.locator(".article__topics a")).to_have_text(["颍河治理"])

    desktop = open_page(topic.get_absolute_url(), viewport=DESKTOP)
    assert desktop.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    screenshot(desktop, "topic-desktop")
