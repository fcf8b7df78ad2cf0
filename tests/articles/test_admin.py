"""The newsroom admin: who sees and changes which articles, uploads, and the editors' tools."""

import pytest
from django.urls import reverse
from django.utils import timezone

from news.articles.factories import make_article, make_category, make_cover, make_image_bytes, make_source
from news.articles.models import Article, SiteSettings
from tests.articles.admin_forms import article_form

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:news_article_add")
LIST_URL = reverse("admin:news_article_changelist")


def change_url(article):
    return reverse("admin:news_article_change", args=[article.pk])


@pytest.fixture
def own_and_others(category, reporter, other_reporter):
    return (
        make_article(title="我的稿子", category=category, author=reporter),
        make_article(title="别人的稿子", category=category, author=other_reporter),
    )


# --- reporters own their articles ------------------------------------------------------


def test_reporter_list_shows_only_own_articles(client, reporter, own_and_others):
    client.force_login(reporter)
    page = client.get(LIST_URL).content.decode()
    assert "我的稿子" in page
    assert "别人的稿子" not in page


def test_reporter_cannot_open_another_reporters_article(client, reporter, own_and_others):
    client.force_login(reporter)
    response = client.get(change_url(own_and_others[1]))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_reporter_cannot_change_another_reporters_article(client, reporter, own_and_others, category):
    client.force_login(reporter)
    theirs = own_and_others[1]
    client.post(change_url(theirs), article_form(category, title="被篡改"))
    theirs.refresh_from_db()
    assert theirs.title == "别人的稿子"


def test_reporter_edits_own_article(client, reporter, own_and_others, category):
    client.force_login(reporter)
    mine = own_and_others[0]
    response = client.post(change_url(mine), article_form(category, title="我的稿子（修改）"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.title == "我的稿子（修改）"
    assert sorted(mine.tags.names()) == ["交通", "民生"]


def test_reporter_creates_article_as_themselves_and_cannot_feature_it(client, reporter, other_reporter, category):
    client.force_login(reporter)
    response = client.post(ADD_URL, article_form(category, author=other_reporter.pk, is_featured="on"))
    assert response.status_code == 302
    article = Article.objects.get(title="禹州新闻")
    assert article.author == reporter
    assert article.is_featured is False
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_reporter_publish_action_touches_only_own_articles(client, reporter, own_and_others):
    for article in own_and_others:
        article.status = Article.Status.DRAFT
        article.save()
    client.force_login(reporter)
    client.post(
        LIST_URL,
        {"action": "publish_selected", "_selected_action": [a.pk for a in own_and_others]},
    )
    mine, theirs = (Article.objects.get(pk=a.pk) for a in own_and_others)
    assert mine.status == Article.Status.PUBLISHED
    assert theirs.status == Article.Status.DRAFT


def test_reporter_cannot_delete_articles(client, reporter, own_and_others):
    client.force_login(reporter)
    response = client.post(reverse("admin:news_article_delete", args=[own_and_others[0].pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Article.objects.filter(pk=own_and_others[0].pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:news_category_add"),
        reverse("admin:news_source_add"),
        reverse("admin:news_sitesettings_change", args=[1]),
    ],
)
def test_reporter_cannot_touch_categories_sources_or_site_settings(client, reporter, url):
    SiteSettings.current()
    client.force_login(reporter)
    assert client.post(url, {"name": "x", "slug": "x", "site_name": "x"}).status_code == 403


# --- editors, moderators and residents ---------------------------------------------------


def test_editor_sees_and_changes_every_article(client, editor, own_and_others, category, other_reporter):
    client.force_login(editor)
    page = client.get(LIST_URL).content.decode()
    assert "我的稿子" in page and "别人的稿子" in page
    theirs = own_and_others[1]
    response = client.post(
        change_url(theirs), article_form(category, title="编辑改过", author=other_reporter.pk, is_featured="on")
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.title, theirs.is_featured, theirs.author) == ("编辑改过", True, other_reporter)


def test_editor_changes_site_settings(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:news_sitesettings_changelist"))
    assert response.status_code == 302
    data = {
        "site_name": "禹州关注",
        "slogan": "新标语",
        "hotline": "0374-1234567",
        "hotline_hours": "全天",
        "address": "禹州",
        "icp_number": "豫ICP备1号",
        "police_number": "1",
        "license_number": "2",
        "show_render_stats": "on",
        "comment_moderation": "post_first",
        "comments_close_after_days": "",
        "comment_min_interval": "30",
        "comment_ip_hourly_limit": "30",
    }
    assert client.post(response.url, data).status_code == 302
    assert SiteSettings.current().slogan == "新标语"


def test_moderator_cannot_read_or_write_articles_in_the_admin(client, moderator, own_and_others, category):
    client.force_login(moderator)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(ADD_URL).status_code == 403
    client.post(change_url(own_and_others[0]), article_form(category, title="审核改的"))
    own_and_others[0].refresh_from_db()
    assert own_and_others[0].title == "我的稿子"


def test_resident_is_sent_to_the_admin_login(client, resident):
    client.force_login(resident)
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def test_admin_list_shows_scheduled_articles_as_such(client, editor, category):
    make_article(title="定时稿", category=category, published_at=timezone.now() + timezone.timedelta(hours=3))
    client.force_login(editor)
    page = client.get(LIST_URL).content.decode()
    assert "定时发布" in page


def test_admin_is_in_chinese(client, editor):
    client.force_login(editor)
    page = client.get(ADD_URL).content.decode()
    for label in ("标题", "栏目", "来源", "标签", "摘要", "正文", "封面图", "发布时间"):
        assert label in page


def test_admin_search_and_filters_work(client, editor, own_and_others):
    client.force_login(editor)
    page = client.get(LIST_URL, {"q": "别人"}).content.decode()
    assert "别人的稿子" in page and "我的稿子" not in page
    assert client.get(LIST_URL, {"state": "scheduled"}).status_code == 200


# --- uploads ----------------------------------------------------------------------------


def test_cover_upload_is_saved_with_its_size(client, reporter, category, media_root):
    client.force_login(reporter)
    response = client.post(ADD_URL, {**article_form(category), "cover": make_cover(width=640, height=400)})
    assert response.status_code == 302
    article = Article.objects.get(title="禹州新闻")
    assert (article.cover_width, article.cover_height) == (640, 400)
    assert (media_root / article.cover.name).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.jpg", b"this is not an image at all"),
        ("empty.jpg", b""),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("truncated.jpg", make_image_bytes(200, 200)[:200]),
        ("picture.bmp", make_image_bytes(50, 50, image_format="BMP")),
    ],
)
def test_bad_cover_upload_is_refused_with_a_form_error(client, reporter, category, media_root, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(reporter)
    response = client.post(ADD_URL, {**article_form(category), "cover": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["cover"]
    assert not Article.objects.filter(title="禹州新闻").exists()
    assert not any(media_root.rglob("*.*")) if media_root.exists() else True


# --- tag suggestions ----------------------------------------------------------------------


def test_tag_suggestions_return_existing_tags(client, reporter, category):
    make_article(category=category, tags=["钧瓷文化节", "交通"])
    client.force_login(reporter)
    response = client.get(reverse("admin:news_article_tag_suggest"), {"q": "钧瓷"})
    assert response.json() == {"results": ["钧瓷文化节"]}


def test_tag_suggestions_need_a_staff_login(client, resident):
    assert client.get(reverse("admin:news_article_tag_suggest"), {"q": "x"}).status_code == 302
    client.force_login(resident)
    assert client.get(reverse("admin:news_article_tag_suggest"), {"q": "x"}).status_code == 302


def test_merging_tags_asks_in_chinese_and_retags_without_duplicates(client, editor, category):
    """#20: taggit's merge page and messages are English literals; ours say it in Chinese."""
    from taggit.models import Tag

    both = make_article(category=category, tags=["钧瓷", "钧瓷文化"])
    one = make_article(category=category, tags=["钧瓷文化"])
    client.force_login(editor)
    session = client.session
    session["selected_tag_ids"] = str(Tag.objects.get(name="钧瓷文化").pk)
    session.save()
    url = reverse("admin:taggit_tag_merge_tags")
    page = client.get(url).content.decode()
    assert "合并标签" in page and "合并后的标签" in page and "New Tag Name" not in page
    response = client.post(url, {"new_tag_name": "钧瓷"}, follow=True)
    assert "已将标签合并为“钧瓷”" in response.content.decode()
    assert list(both.tags.names()) == ["钧瓷"] and list(one.tags.names()) == ["钧瓷"]


def test_category_admin_refuses_a_third_level(client, editor):
    top = make_category("乡镇动态", slug="towns")
    child = make_category("神垕镇", slug="shenhou", parent=top)
    client.force_login(editor)
    response = client.post(
        reverse("admin:news_category_add"), {"name": "老街", "slug": "old", "parent": child.pk, "order": 0}
    )
    assert response.status_code == 200
    assert "最多两级" in response.content.decode()


def test_source_autocomplete_works_for_reporters(client, reporter):
    make_source("融媒顺店工作站")
    client.force_login(reporter)
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "顺店", "app_label": "news", "model_name": "article", "field_name": "source"},
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["text"] == "融媒顺店工作站"
