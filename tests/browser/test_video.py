"""#20 video in Chromium: an article's MP4 shows its poster, loads nothing before the reader presses
play, then plays; an embedded player is framed under the CSP. At 375 and 1280 px, with screenshots."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from news.articles import video
from news.articles.factories import make_article, make_cover, make_video_bytes
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_accessibility import axe_script, describe, serious_violations  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def video_article(category, reporter, media_root, settings):
    settings.SERVE_MEDIA = True
    clip = make_video_bytes(seconds=2, width=320, height=180, seed=4)
    info = video.probe(SimpleUploadedFile("clip.mp4", clip))
    return make_article(
        title="钧瓷文化节今日开幕 千余件作品亮相",
        category=category,
        author=reporter,
        cover=make_cover(width=960, height=540, seed=5),
        video=ContentFile(clip, name="opening.mp4"),
        video_poster=video.poster_from_frame(info.frame, "opening.mp4"),
        video_width=info.width,
        video_height=info.height,
        video_duration=info.duration,
    )


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_the_video_shows_its_poster_and_plays(open_page, video_article, axe_script, viewport, name):
    page = open_page(video_article.get_absolute_url(), viewport=viewport)
    player = page.locator("article video")
    expect(player).to_be_visible()
    poster = player.get_attribute("poster")
    assert poster.startswith("/media/renditions/posters/")
    page.wait_for_load_state("load")
    loaded = page.evaluate(
        """(src) => new Promise((done) => {
            const picture = new Image();
            picture.onload = () => done([picture.naturalWidth, picture.naturalHeight]);
            picture.onerror = () => done(null);
            picture.src = src;
        })""",
        poster,
    )
    assert loaded == [320, 180]
    resources = page.evaluate("performance.getEntriesByType('resource').map((entry) => entry.name)")
    assert any(url.endswith(poster) for url in resources), "the poster was not fetched"
    assert not any(url.endswith(".mp4") for url in resources), "preload=none, yet the video was fetched"
    box = player.bounding_box()
    assert box["width"] <= viewport["width"] and abs(box["width"] / box["height"] - 16 / 9) < 0.05
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # NETWORK_IDLE and HAVE_NOTHING: the player waits for the reader, as preload="none" asks.
    assert player.evaluate("(element) => [element.networkState, element.readyState]") == [1, 0]
    page.wait_for_timeout(1000)  # the screenshot after Chromium's controls have faded in (a spinner first)
    screenshot(page, f"video-article-{name}")
    violations = serious_violations(page, axe_script)
    assert not violations, "\n".join(map(describe, violations))

    # The reader presses play: Chromium decodes our H.264 and AAC.
    played = player.evaluate(
        """(element) => new Promise((done) => {
            setTimeout(() => done(["timed out", element.currentTime, element.error && element.error.code]), 10000);
            element.addEventListener("timeupdate", () => {
                if (element.currentTime > 0.3) done([element.videoWidth, element.videoHeight, element.error]);
            });
            element.muted = true;
            element.play();
        })"""
    )
    assert played == [320, 180, None]


def test_an_embedded_player_is_framed_under_the_csp(open_page, browser, category, reporter, axe_script):
    article = make_article(
        title="禹州新闻联播",
        category=category,
        author=reporter,
        video_embed="https://www.bilibili.com/video/BV1xx411c7mD",
    )
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    framed = []

    def player(route):  # no network here: the platform's player is a page of our own making
        framed.append(route.request.url)
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body="<!doctype html><title>player</title><body style='margin:0;background:#222;color:#fff'>"
            "<p style='font:20px sans-serif;padding:1em'>哔哩哔哩播放器</p>",
        )

    context.route("https://player.bilibili.com/**", player)
    page = open_page(article.get_absolute_url(), context=context)
    frame = page.locator(".video-embed iframe")
    frame.scroll_into_view_if_needed()
    expect(page.frame_locator(".video-embed iframe").locator("p")).to_have_text("哔哩哔哩播放器")
    assert framed == ["https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&p=1&autoplay=0"]
    player_frame = next(f for f in page.frames if f.url.startswith("https://player.bilibili.com/"))
    assert player_frame.evaluate("document.fullscreenEnabled"), "the player could not go full screen"
    box = frame.bounding_box()
    assert abs(box["width"] / box["height"] - 16 / 9) < 0.02
    screenshot(page, "video-embed-desktop")
    violations = serious_violations(page, axe_script)
    assert not violations, "\n".join(map(describe, violations))
    context.close()


def test_a_reporter_uploads_a_video_in_the_article_form(open_page, browser, reporter, category, media_root, tmp_path):
    """A wrong codec is refused in Chinese with what was typed kept; the right file is saved, with a poster."""
    from news.articles.models import Article
    from tests.browser.test_comments_journey import admin_log_in
    from tests.browser.test_newsroom import choose_autocomplete

    wrong, right = tmp_path / "会议实况.mp4", tmp_path / "会议.mp4"
    wrong.write_bytes(make_video_bytes(video_codec="libx265"))
    right.write_bytes(make_video_bytes(width=320, height=180, seed=2))
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = admin_log_in(open_page, context, reporter, "/admin/news/article/add/")
    page.locator("#id_title").fill("市人大常委会召开会议")
    choose_autocomplete(page, "category", category.name)
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.click()
    editor.press_sequentially("会议听取了有关工作报告。")
    page.locator("#id_video").set_input_files(str(wrong))
    page.get_by_role("button", name="保存草稿", exact=True).click()
    error = page.locator(".field-video .errorlist")
    expect(error).to_contain_text("视频编码是 H.265 (HEVC)，只有 H.264 能在所有浏览器中播放")
    expect(page.locator("#id_title")).to_have_value("市人大常委会召开会议")
    error.scroll_into_view_if_needed()
    screenshot(page, "video-admin-refused")
    assert not Article.objects.exists()

    page.locator("#id_video").set_input_files(str(right))
    page.get_by_role("button", name="保存草稿", exact=True).click()
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    page.locator(".field-video").scroll_into_view_if_needed()
    screenshot(page, "video-admin-saved")
    article = Article.objects.get()
    assert article.video.name.endswith(".mp4") and article.video_poster and article.video_width == 320
    context.close()
