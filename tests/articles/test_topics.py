"""专题 (topics, #20): the topic page, where topics are listed, and editors making them."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from news.articles.factories import make_article, make_image_bytes
from news.articles.models import Article, Topic, TopicSection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60  # what readers get in production: freshness is tested through it


def titles(html, selector_class="item__title"):
    return re.findall(rf'class="{selector_class}"><a href="[^"]+">([^<]+)</a>', html)


def section_titles(page):
    """{section title: [article titles]} in page order."""
    found = {}
    for block in re.findall(r'<section class="box topic__section".*?</section>', page, re.S):
        name = re.search(r'class="box__name">([^<]+)<', block).group(1)
        found[name] = re.findall(r'<h3 class="item__title"><a href="[^"]+">([^<]+)</a>', block)
    return found


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def flood(category, reporter):
    """An active topic: a hand-picked section and a tag-driven one."""
    now = timezone.now()

    def article(title, hours, **fields):
        return make_article(
            title=title, category=category, author=reporter, published_at=now - timedelta(hours=hours), **fields
        )

    old = article("七月暴雨回顾", 48)
    new = article("灾后重建首批安置房交付", 2)
    article("防汛物资储备到位", 5, tags=["防汛"])
    article("防汛演练在颍川街道举行", 1, tags=["防汛"])
    article("一篇与防汛无关的新闻", 3)
    article("防汛草稿", 0, tags=["防汛"], status=Article.Status.DRAFT)
    article("明天才发布的防汛通知", -24, tags=["防汛"])
    hidden = article("手选的草稿", 0, status=Article.Status.DRAFT)
    topic = Topic.objects.create(
        title="防汛救灾专题", slug="防汛", status=Topic.Status.ACTIVE, introduction="第一段导语。\n\n第二段导语。"
    )
    picked = TopicSection.objects.create(topic=topic, title="重建进展", order=1)
    picked.articles.add(old, new, hidden)
    TopicSection.objects.create(topic=topic, title="防汛动态", order=2, tag=Tag.objects.get(name="防汛"), tag_limit=5)
    return topic


def test_topic_page_shows_sections_in_order_with_public_articles_only(client, flood):
    page = get(client, "/topic/防汛/")
    assert "防汛救灾专题" in page
    assert re.findall(r'<p class="topic__intro">([^<]+)</p>', page) == ["第一段导语。", "第二段导语。"]
    assert section_titles(page) == {
        "重建进展": ["灾后重建首批安置房交付", "七月暴雨回顾"],  # hand-picked, newest first; the draft left out
        "防汛动态": ["防汛演练在颍川街道举行", "防汛物资储备到位"],  # the tag's, due and published only
    }
    # The tag-driven section links to the tag's own page; the section menu jumps within the page.
    assert f'href="{reverse("news:tag-detail", args=["防汛"])}"' in page
    assert re.findall(r'<a href="#section-\d+">([^<]+)</a>', page) == ["重建进展", "防汛动态"]


def test_a_tag_section_lists_no_article_twice_and_respects_its_limit(client, flood, category, reporter):
    section = flood.sections.get(title="防汛动态")
    section.articles.add(Article.objects.get(title="防汛物资储备到位"))
    for i in range(4):
        make_article(title=f"防汛简报{i}", category=category, author=reporter, tags=["防汛"])
    section.tag_limit = 3
    section.save()
    listed = section_titles(get(client, "/topic/防汛/"))["防汛动态"]
    assert listed[0] == "防汛物资储备到位"  # hand-picked first
    assert len(listed) == 1 + 3 and len(set(listed)) == len(listed)


def test_a_draft_topic_is_previewed_by_editors_only(client, editor, reporter, resident):
    draft = Topic.objects.create(title="还没上线的专题", slug="draft-topic")
    for user in (None, resident, reporter):
        visitor = Client()
        if user:
            visitor.force_login(user)
        assert "还没上线的专题" not in get(visitor, "/topic/draft-topic/", status=404)
        get(visitor, "/topic/draft-topic/feed/", status=404)
    client.force_login(editor)
    page = get(client, "/topic/draft-topic/")
    assert "预览：这个专题是草稿，尚未公开。" in page
    assert '<meta name="robots" content="noindex">' in page
    assert f'href="{reverse("admin:news_topic_change", args=[draft.pk])}"' in page


def test_home_lists_active_topics_and_the_index_lists_archived_ones_too(client, flood):
    Topic.objects.create(title="往年的专题", slug="old", status=Topic.Status.ARCHIVED)
    Topic.objects.create(title="草稿专题", slug="draft")
    home = get(client, "/")
    assert re.findall(r'class="topic-card__title" href="([^"]+)">([^<]+)<', home) == [
        ("/topic/%E9%98%B2%E6%B1%9B/", "防汛救灾专题")
    ]
    index = get(client, "/topics/")
    assert re.findall(r'class="topic-card__title" href="[^"]+">([^<]+)<', index) == ["防汛救灾专题", "往年的专题"]
    assert "草稿专题" not in index and "草稿专题" not in home


def test_an_article_names_its_topics_by_hand_pick_and_by_tag(client, flood):
    Topic.objects.create(title="草稿专题", slug="draft").sections.create(title="板块").articles.add(
        Article.objects.get(title="七月暴雨回顾")
    )
    boxes = {}
    for title in ("七月暴雨回顾", "防汛演练在颍川街道举行", "一篇与防汛无关的新闻"):
        page = get(client, Article.objects.get(title=title).get_absolute_url())
        box = re.search(r'<p class="article__topics">(.*?)</p>', page, re.S)
        boxes[title] = re.findall(r'<a href="[^"]+">([^<]+)</a>', box.group(1)) if box else []
    assert boxes == {
        "七月暴雨回顾": ["防汛救灾专题"],
        "防汛演练在颍川街道举行": ["防汛救灾专题"],
        "一篇与防汛无关的新闻": [],
    }


def test_topics_cost_the_article_and_home_pages_no_query_once_cached(client, flood, settings):
    settings.PAGE_CACHE_SECONDS = 0  # render every time: count what rendering costs
    article = Article.objects.get(title="七月暴雨回顾")
    for url in ("/", article.get_absolute_url()):
        client.get(url)  # warms the cached topics (and everything else cached between edits)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        assert not [q["sql"] for q in captured.captured_queries if "topic" in q["sql"]], url


def test_topic_page_queries_do_not_grow_with_its_articles(client, flood, category, reporter, settings):
    settings.PAGE_CACHE_SECONDS = 0

    def count():
        get(client, "/topic/防汛/")  # fills what is cached between edits (热门 beside the list)
        with CaptureQueriesContext(connection) as captured:
            get(client, "/topic/防汛/")
        return len(captured.captured_queries)

    before = count()
    picked = flood.sections.get(title="重建进展")
    for i in range(12):
        picked.articles.add(make_article(title=f"重建报道{i}", category=category, author=reporter, tags=["防汛"]))
    assert count() == before


@pytest.mark.parametrize("change", ["pick", "unpick", "archive", "rename", "delete-tag"])
def test_topic_changes_reach_readers_at_once(client, flood, change):
    """The home page, the topic page and the article pages are cached: every change shows at once."""
    article = Article.objects.get(title="一篇与防汛无关的新闻")
    tagged = Article.objects.get(title="防汛演练在颍川街道举行")
    picked = flood.sections.get(title="重建进展")
    for url in ("/", "/topic/防汛/", article.get_absolute_url(), tagged.get_absolute_url()):
        get(client, url)  # cached now
    reader = Client()
    if change == "pick":
        picked.articles.add(article)
        assert "一篇与防汛无关的新闻" in section_titles(get(reader, "/topic/防汛/"))["重建进展"]
        assert "本文收录于专题" in get(reader, article.get_absolute_url())
    elif change == "unpick":
        picked.articles.remove(Article.objects.get(title="七月暴雨回顾"))
        assert section_titles(get(reader, "/topic/防汛/"))["重建进展"] == ["灾后重建首批安置房交付"]
    elif change == "archive":
        flood.status = Topic.Status.ARCHIVED
        flood.save()
        assert "防汛救灾专题" not in get(reader, "/")
        assert "防汛救灾专题" in get(reader, "/topic/防汛/")
    elif change == "rename":
        flood.title = "抗洪救灾专题"
        flood.save()
        assert "抗洪救灾专题" in get(reader, "/") and "抗洪救灾专题" in get(reader, tagged.get_absolute_url())
    else:
        Tag.objects.get(name="防汛").delete()  # the section stays, empty of the tag's articles
        assert "本文收录于专题" not in get(reader, tagged.get_absolute_url())
        assert section_titles(get(reader, "/topic/防汛/"))["防汛动态"] == []


def test_topic_feed_and_sitemap(client, flood):
    Topic.objects.create(title="草稿专题", slug="draft")
    feed = ElementTree.fromstring(client.get("/topic/防汛/feed/").content)  # noqa: S314 -- the site's own response
    assert feed.findtext("channel/title").startswith("防汛救灾专题")
    assert sorted(item.findtext("title") for item in feed.iter("item")) == sorted(
        ["七月暴雨回顾", "灾后重建首批安置房交付", "防汛物资储备到位", "防汛演练在颍川街道举行"]
    )
    sitemap = get(client, "/sitemap-topics.xml")
    assert re.findall(r"<loc>[^<]*/topic/([^<]+)/</loc>", sitemap) == ["%E9%98%B2%E6%B1%9B"]
    assert "sitemap-topics.xml" in get(client, "/sitemap.xml")


@pytest.mark.parametrize("path", ["/topic/%00/", "/topic/%00/feed/", "/topic/" + "长" * 300 + "/", "/topic/x%2Fy/"])
def test_hostile_topic_addresses_are_not_found(client, path):
    assert client.get(path).status_code == 404


# --- the newsroom -------------------------------------------------------------------------


def topic_form(**overrides):
    data = {
        "title": "钧瓷文化节",
        "slug": "钧瓷文化节",
        "status": "active",
        "order": "0",
        "introduction": "第十五届钧瓷文化节。",
        "sections-TOTAL_FORMS": "1",
        "sections-INITIAL_FORMS": "0",
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
        "sections-0-title": "开幕式",
        "sections-0-order": "0",
        "sections-0-tag_limit": "10",
    }
    return data | overrides


def test_an_editor_makes_a_topic_with_a_cover_and_a_section(client, editor, category, reporter, media_root):
    seed = make_article(title="钧瓷文化节开幕", category=category, author=reporter)
    client.force_login(editor)
    cover = SimpleUploadedFile("cover.jpg", make_image_bytes(1200, 600), content_type="image/jpeg")
    response = client.post(
        reverse("admin:news_topic_add"), topic_form(cover=cover, **{"sections-0-articles": [str(seed.pk)]})
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    topic = Topic.objects.get()
    assert (topic.created_by, topic.cover_width, topic.status) == (editor, 1200, "active")
    assert list(topic.sections.get().articles.all()) == [seed]
    page = get(Client(), "/topic/钧瓷文化节/")
    assert "<picture>" in page and "钧瓷文化节开幕" in page
    assert (media_root / topic.cover.name).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cover": "not-a-picture"}, "cover"),
        ({"slug": "has space"}, "slug"),
        ({"sections-0-tag_limit": "0"}, "sections-0-tag_limit"),
        ({"sections-0-tag_limit": "51"}, "sections-0-tag_limit"),
        ({"title": ""}, "title"),
    ],
)
def test_a_bad_topic_form_saves_nothing_and_says_why(client, editor, media_root, change, message):
    if change.get("cover"):
        change = {"cover": SimpleUploadedFile("cover.jpg", b"GIF89a not really", content_type="image/jpeg")}
    client.force_login(editor)
    response = client.post(reverse("admin:news_topic_add"), topic_form(**change))
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    field = message.removeprefix("sections-0-")
    errors = response.context["errors"]
    assert errors, field
    assert not Topic.objects.exists() and not TopicSection.objects.exists()
    assert not list(media_root.rglob("*.jpg"))


def test_reporters_cannot_make_topics(client, reporter):
    client.force_login(reporter)
    assert client.get(reverse("admin:news_topic_changelist")).status_code == 403
    assert client.post(reverse("admin:news_topic_add"), topic_form()).status_code == 403
    assert not Topic.objects.exists()


def test_the_topic_admin_speaks_chinese(client, editor):
    client.force_login(editor)
    page = get(client, reverse("admin:news_topic_add"))
    labels = ("导语", "手选文章", "标签文章篇数", "进行中（公开，在首页展示）", "<b>板块:</b>")
    for label in labels:
        assert label in page, label
