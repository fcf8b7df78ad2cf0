"""#20 in Chromium: a reporter captions a picture, loses the tab, gets the work back from autosave
and submits it; an editor publishes it; a 图集 is stepped with buttons, keys and a swipe."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from news.articles.factories import make_article, make_image_bytes, make_video_bytes
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_comments_journey import admin_log_in
from tests.browser.test_newsroom import choose_autocomplete
from tests.browser.test_topics import pick_article

pytestmark = pytest.mark.django_db(transaction=True)

CAPTION = "神垕老街上的钧瓷作坊"


def test_reporter_captions_a_picture_and_adds_a_video_autosave_restores_the_closed_tab_and_an_editor_publishes(
    open_page, browser, live_server, media_root, settings, tmp_path, reporter, editor, category
):
    """The #20 journey: a reporter writes with a 图注 and a video, loses the tab, restores the
    autosaved copy and submits for review; an editor previews, publishes and adds it to a 专题."""
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import REPORTER
    from news.articles.models import Article, ArticleAutosave, Topic

    settings.SERVE_MEDIA = True

    # This newsroom's reporters submit for review (the site took 发布 from them).
    publish = Permission.objects.get(content_type__app_label="news", codename="publish_article")
    Group.objects.get(name=REPORTER).permissions.remove(publish)
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = admin_log_in(open_page, desk, reporter, "/admin/news/article/add/")
    page.locator("#id_title").fill("钧瓷作坊里的年轻人")
    choose_autocomplete(page, "category", category.name)
    body = page.locator(".ProseMirror[contenteditable=true]")
    body.click()
    body.press_sequentially("90 后小伙回到神垕，跟着父亲学烧窑。")
    picture = tmp_path / "workshop.jpg"
    picture.write_bytes(make_image_bytes(width=1200, height=800, seed=12))
    page.locator(".yz-editor-file").set_input_files(str(picture))
    body.locator("img").click()
    page.get_by_role("button", name="添加图注").click()
    page.keyboard.type(CAPTION)
    expect(body.locator("figure figcaption")).to_have_text(CAPTION)

    # Autosave (every 30 s; called here rather than waited for), then the tab is closed unsaved.
    page.evaluate("() => window.yzAutosave()")
    expect(page.locator(".yz-autosave-status")).to_contain_text("已自动保存")
    page.close()
    assert not Article.objects.exists()
    assert ArticleAutosave.objects.get(user=reporter, article=None).fields["title"] == "钧瓷作坊里的年轻人"

    page = open_page("/admin/news/article/add/", context=desk)
    banner = page.locator(".yz-autosave-banner")
    expect(banner).to_contain_text("恢复未保存的内容？")
    screenshot(page, "admin-autosave-offer-desktop")
    banner.get_by_role("link", name="恢复").click()
    expect(page.locator("#id_title")).to_have_value("钧瓷作坊里的年轻人")
    expect(page.locator(".field-category .select2-selection__rendered")).to_contain_text(category.name)
    expect(page.locator(".ProseMirror[contenteditable=true] figcaption")).to_have_text(CAPTION)
    # A file is not part of the copy: the video is chosen now, an H.264/AAC MP4 from a phone.
    clip = tmp_path / "窑口.mp4"
    clip.write_bytes(make_video_bytes(seconds=2, width=320, height=180, seed=6))
    page.locator("#id_video").set_input_files(str(clip))
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url("**/admin/news/article/")
    article = Article.objects.get(title="钧瓷作坊里的年轻人")
    assert article.status == Article.Status.REVIEW
    assert f"<figcaption>{CAPTION}</figcaption>" in article.body
    assert article.video and article.video_poster  # the poster is a frame of the video
    assert not ArticleAutosave.objects.exists()  # the save dropped the copy
    desk.close()

    # The editor previews it (readers still get 404), publishes it and adds it to a 专题.
    topic = Topic.objects.create(title="钧瓷文化节", slug="junci", status=Topic.Status.ACTIVE)
    topic.sections.create(title="现场", order=0)
    office = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = admin_log_in(open_page, office, editor, f"/admin/news/article/{article.pk}/change/")
    page.get_by_role("button", name="预览").click()
    page.wait_for_url(f"**{article.get_absolute_url()}")
    expect(page.locator(".article__body figcaption")).to_have_text(CAPTION)
    expect(page.locator("article video")).to_be_visible()
    page.goto(f"{live_server.url}/admin/news/article/{article.pk}/change/")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_url("**/admin/news/article/")
    page.goto(f"{live_server.url}/admin/news/topic/{topic.pk}/change/")
    pick_article(page.locator("#sections-0"), article.title)
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/news/topic/")
    office.close()
    article.refresh_from_db()
    assert article.is_public and list(topic.sections.get().articles.all()) == [article]

    # Readers, on a phone: the video with its poster, the caption under the picture, the 专题.
    reader = open_page(article.get_absolute_url(), viewport=PHONE)
    expect(reader.locator("article video")).to_have_attribute("preload", "none")
    figure = reader.locator(".article__body figure")
    expect(figure.locator("figcaption")).to_have_text(CAPTION)
    expect(reader.locator(".article__topics")).to_contain_text("钧瓷文化节")
    figure.scroll_into_view_if_needed()
    assert figure.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(reader, "article-caption-phone")


def gallery_article(category, reporter, count=3):
    from news.articles.models import Article, GalleryPicture

    article = make_article(title="图集：神垕古镇", category=category, author=reporter, kind=Article.Kind.GALLERY)
    for index in range(count):
        picture = GalleryPicture(article=article, caption=f"第{index + 1}张的图注", order=index)
        size = (1200, 800) if index % 2 == 0 else (700, 1000)
        picture.image.save(f"g{index}.jpg", ContentFile(make_image_bytes(*size, seed=30 + index)), save=False)
        picture.save()
    return article


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_gallery_steps_with_buttons_keys_and_a_swipe(open_page, media_root, category, reporter, viewport):
    article = gallery_article(category, reporter)
    page = open_page(article.get_absolute_url(), viewport=viewport)
    gallery = page.get_by_role("region", name="图集：图集：神垕古镇")
    status = gallery.locator(".gallery__status")
    expect(status).to_have_text("1 / 3")
    first = gallery.locator(".gallery__slide").first
    assert first.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    expect(gallery.get_by_role("button", name="上一张")).to_be_disabled()
    gallery.scroll_into_view_if_needed()
    name = "phone" if viewport is PHONE else "desktop"
    screenshot(page, f"article-gallery-{name}")

    gallery.get_by_role("button", name="下一张").click()
    expect(status).to_have_text("2 / 3")
    expect(gallery.get_by_role("group", name="第 2 张，共 3 张")).to_be_in_viewport(ratio=0.9)
    gallery.locator(".gallery__track").press("ArrowRight")
    expect(status).to_have_text("3 / 3")
    expect(gallery.get_by_role("button", name="下一张")).to_be_disabled()
    gallery.locator(".gallery__track").press("Home")
    expect(status).to_have_text("1 / 3")
    # A swipe is the browser's own scroll (snapped): the status follows it.
    gallery.locator(".gallery__track").evaluate("track => { track.scrollLeft = track.clientWidth; }")
    expect(status).to_have_text("2 / 3")
    expect(gallery.get_by_role("group", name="第 2 张，共 3 张").locator("img")).to_have_attribute("alt", "第2张的图注")
