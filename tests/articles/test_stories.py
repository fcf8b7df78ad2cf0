"""#20 story forms and autosave: 图注 (captions) in the body, 图集 (galleries), the editor's autosave."""

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from news.articles.editor import editor_extensions
from news.articles.factories import make_article, make_image_bytes
from news.articles.models import Article, ArticleAutosave, GalleryPicture
from tests.articles.admin_forms import article_form

ADD_URL = reverse("admin:news_article_add")
AUTOSAVE_URL = reverse("admin:news_article_autosave")


def change_url(article):
    return reverse("admin:news_article_change", args=[article.pk])


def stored(root):
    return (
        sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()) if root.exists() else []
    )


def photo(name="现场.jpg", width=900, height=600, seed=1):
    return SimpleUploadedFile(name, make_image_bytes(width, height, seed=seed), content_type="image/jpeg")


def gallery_form(category, pictures, **overrides):
    """The article form of a 图集 with ``pictures`` = [(file, caption, order)]."""
    data = article_form(category, title="图集测试", kind="gallery", **overrides)
    data["gallery_pictures-TOTAL_FORMS"] = str(len(pictures))
    for index, (file, caption, order) in enumerate(pictures):
        data[f"gallery_pictures-{index}-image"] = file
        data[f"gallery_pictures-{index}-caption"] = caption
        data[f"gallery_pictures-{index}-alt"] = ""
        data[f"gallery_pictures-{index}-order"] = str(order)
    return data


def og(page, prop):
    match = re.search(rf'<meta property="{prop}" content="([^"]*)"', page)
    return match and match.group(1)


# --- 图注 ------------------------------------------------------------------------------


def test_the_editor_offers_captions():
    extensions = editor_extensions()
    assert extensions["Figure"] and extensions["Caption"]


def test_a_captioned_picture_keeps_its_caption_under_the_picture(client, editor, category, media_root):
    client.force_login(editor)
    upload = client.post(reverse("admin:news_article_upload_image"), {"file": photo()}).json()
    body = (
        f'<p>开幕式现场：</p><figure><img src="{upload["url"]}" alt=""><figcaption>钧瓷文化节开幕式现场'
        "<script>alert(1)</script></figcaption></figure>"
    )
    assert client.post(ADD_URL, article_form(category, body=body, author=editor.pk)).status_code == 302
    article = Article.objects.get(title="禹州新闻")
    page = client.get(article.get_absolute_url()).content.decode()
    figure = re.search(r'<div class="article__body">.*?<figure>(.*?)</figure>', page, re.S).group(1)
    assert re.match(r"<picture><source type=\"image/webp\"[^>]*>.*</picture><figcaption>钧瓷文化节开幕式现场", figure)
    assert "<script" not in figure and "alert(1)" not in figure


# --- 图集 ------------------------------------------------------------------------------


def test_an_editor_makes_a_gallery_whose_pictures_show_in_order_with_captions(client, editor, category, media_root):
    client.force_login(editor)
    pictures = [
        (photo("a.jpg", seed=1), "第二张：老街作坊", 2),
        (photo("b.jpg", 1200, 800, seed=2), "第一张：开幕式", 1),
        (photo("c.jpg", 600, 900, seed=3), "第三张：开窑", 3),
    ]
    response = client.post(ADD_URL, gallery_form(category, pictures, author=editor.pk))
    assert response.status_code == 302
    article = Article.objects.get(title="图集测试")
    assert article.kind == Article.Kind.GALLERY
    assert [p.caption for p in article.gallery_pictures.all()] == ["第一张：开幕式", "第二张：老街作坊", "第三张：开窑"]

    page = client.get(article.get_absolute_url()).content.decode()
    gallery = re.search(r'<section class="gallery".*?</section>', page, re.S).group(0)
    assert 'aria-label="图集：图集测试"' in gallery
    captions = re.findall(r'<figcaption class="gallery__caption">.*?</span>\s*(.*?)</figcaption>', gallery, re.S)
    assert captions == ["第一张：开幕式", "第二张：老街作坊", "第三张：开窑"]
    assert 'aria-label="第 2 张，共 3 张"' in gallery
    images = re.findall(r"<img [^>]*>", gallery)
    assert len(images) == 3
    assert 'loading="lazy"' not in images[0] and all('loading="lazy"' in tag for tag in images[1:])
    assert 'alt="第一张：开幕式"' in images[0]  # no description: the caption describes it
    assert "srcset=" in images[0]
    # The share card is the first picture (no cover), as its largest JPEG rendition.
    first = article.gallery_pictures.first()
    assert og(page, "og:image").startswith("http") and "/gallery/" in og(page, "og:image")
    assert first.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0] in og(page, "og:image")


def test_a_gallery_without_pictures_is_refused_and_nothing_is_saved(client, editor, category, media_root):
    client.force_login(editor)
    response = client.post(ADD_URL, gallery_form(category, []))
    assert response.status_code == 200
    assert "图集至少需要一张图片。" in response.content.decode()
    assert not Article.objects.filter(title="图集测试").exists()


def test_a_gallery_picture_that_is_not_an_image_is_refused_and_nothing_is_stored(client, editor, category, media_root):
    client.force_login(editor)
    fake = SimpleUploadedFile("假图.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg")
    response = client.post(ADD_URL, gallery_form(category, [(photo(), "好的", 1), (fake, "坏的", 2)]))
    assert response.status_code == 200
    assert "gallery_pictures-1-image" in response.content.decode()
    assert not Article.objects.filter(title="图集测试").exists()
    assert GalleryPicture.objects.count() == 0
    assert [name for name in stored(media_root) if name.startswith("gallery/")] == []


def test_a_reporter_adds_pictures_to_their_own_gallery(client, reporter, category, media_root):
    client.force_login(reporter)
    response = client.post(ADD_URL, gallery_form(category, [(photo(), "记者拍的", 0)], status="draft"))
    assert response.status_code == 302
    article = Article.objects.get(title="图集测试")
    assert article.author == reporter and article.gallery_pictures.count() == 1


def test_an_ordinary_article_page_makes_no_gallery_query(client, seed_article):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(seed_article.get_absolute_url()).status_code == 200
    assert not [q for q in queries.captured_queries if "gallerypicture" in q["sql"]]


# --- autosave ---------------------------------------------------------------------------


def autosave(client, article=None, **fields):
    data = {"article": article.pk if article else "", **fields}
    if article is not None:
        data.setdefault("based_on", article.updated_at.isoformat())
    return client.post(AUTOSAVE_URL, data)


def test_autosave_keeps_a_copy_and_leaves_the_article_alone(client, editor):
    article = make_article(title="原标题", author=editor, body="<p>原正文。</p>")
    client.force_login(editor)
    response = autosave(client, article, title="改了一半的标题", body="<p>写到一半……</p>")
    assert response.status_code == 200 and response.json()["time"]
    copy = ArticleAutosave.objects.get(user=editor, article=article)
    assert copy.fields["title"] == "改了一半的标题"
    article.refresh_from_db()
    assert article.title == "原标题"
    # Again: the one copy is updated, not a second one made.
    autosave(client, article, title="改好的标题")
    assert ArticleAutosave.objects.get(user=editor, article=article).fields["title"] == "改好的标题"


def test_the_form_offers_the_copy_back_and_restores_it(client, editor):
    article = make_article(title="原标题", author=editor, body="<p>原正文。</p>")
    client.force_login(editor)
    autosave(client, article, title="没保存的标题", body="<p>没保存的正文。</p>")
    page = client.get(change_url(article)).content.decode()
    assert "恢复未保存的内容？" in page
    assert 'href="?restore=autosave"' in page
    restored = client.get(change_url(article) + "?restore=autosave").content.decode()
    assert 'value="没保存的标题"' in restored
    assert "没保存的正文" in restored
    assert "已恢复" in restored


def test_saving_the_article_drops_the_copy(client, editor, category):
    article = make_article(title="原标题", author=editor, category=category)
    client.force_login(editor)
    autosave(client, article, title="没保存的标题")
    form = client.get(change_url(article) + "?restore=autosave").context["adminform"].form
    data = article_form(
        category, title="没保存的标题", author=editor.pk, loaded_at=form.initial["loaded_at"], _draft="1"
    )
    assert client.post(change_url(article), data).status_code == 302
    assert not ArticleAutosave.objects.filter(article=article).exists()
    assert "恢复未保存的内容" not in client.get(change_url(article)).content.decode()


def test_a_copy_equal_to_the_article_is_not_offered(client, editor, category):
    article = make_article(title="原标题", author=editor, category=category)
    client.force_login(editor)
    autosave(client, article, title="原标题")
    assert "恢复未保存的内容" not in client.get(change_url(article)).content.decode()
    assert not ArticleAutosave.objects.exists()


def test_restoring_over_someone_elses_newer_save_meets_the_conflict_message(
    client, editor, category, django_user_model
):
    article = make_article(title="原标题", author=editor, category=category)
    client.force_login(editor)
    autosave(client, article, title="我的标题")  # based on the article as opened
    # Another editor saves after that.
    article.title = "别人的标题"
    article.updated_at = timezone.now() + timedelta(seconds=1)
    Article.objects.filter(pk=article.pk).update(title="别人的标题", updated_at=article.updated_at)

    page = client.get(change_url(article) + "?restore=autosave")
    assert "注意：有人在" in page.content.decode()
    loaded_at = page.context["adminform"].form.initial["loaded_at"]
    response = client.post(
        change_url(article), article_form(category, title="我的标题", loaded_at=loaded_at, _draft="1")
    )
    assert response.status_code == 200
    assert "保存了这篇文章" in response.content.decode() or "之后" in response.content.decode()
    article.refresh_from_db()
    assert article.title == "别人的标题"


def test_a_new_article_copy_is_offered_on_the_add_page(client, reporter):
    client.force_login(reporter)
    assert autosave(client, None, title="还没保存的新稿", body="<p>新稿正文</p>").status_code == 200
    assert "恢复未保存的内容？" in client.get(ADD_URL).content.decode()
    assert 'value="还没保存的新稿"' in client.get(ADD_URL + "?restore=autosave").content.decode()


def test_autosave_refuses_what_it_should(client, reporter, other_reporter, resident, editor):
    article = make_article(title="别人的稿", author=other_reporter, status=Article.Status.DRAFT)
    client.force_login(reporter)
    response = autosave(client, article, title="偷改")
    assert response.status_code == 403 and response.json()["error"] == "你无权编辑这篇文章。"
    assert autosave(client, None).status_code == 400  # no field at all
    assert client.get(AUTOSAVE_URL).status_code == 405
    assert client.post(AUTOSAVE_URL, {"article": "99999", "title": "x"}).status_code == 404
    assert client.post(AUTOSAVE_URL, {"article": "abc", "title": "x"}).status_code == 404
    client.force_login(resident)
    assert autosave(client, None, title="居民").status_code == 302  # to the admin login
    assert not ArticleAutosave.objects.exists()


def test_autosave_needs_the_csrf_token(editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(AUTOSAVE_URL, {"article": "", "title": "x"}).status_code == 403
    assert not ArticleAutosave.objects.exists()


def test_discard_drops_the_copy(client, editor):
    client.force_login(editor)
    autosave(client, None, title="不要了")
    assert client.post(AUTOSAVE_URL, {"article": "", "discard": "1"}).json() == {"discarded": True}
    assert not ArticleAutosave.objects.exists()


@pytest.mark.parametrize("name", ["title", "body"])
def test_autosave_refuses_a_field_too_long(client, editor, name):
    client.force_login(editor)
    response = autosave(client, None, **{name: "字" * 500_001})
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "文章太长，无法自动保存。"
    assert not ArticleAutosave.objects.exists()
