"""Feeds (RSS 2.0 and Atom), sitemaps, the Google News sitemap and robots.txt: what a crawler reads.

Feeds are parsed with feedparser and XML with ElementTree, from the bytes a client receives,
so a broken escape, a wrong encoding or invalid XML fails here as it would for a reader.
"""

import calendar
import html
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from news.articles.factories import make_article, make_category, make_cover, make_source, make_user
from news.articles.models import Article, SiteSettings
from news.articles.sitemaps import ArticleSitemap

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {**SITEMAP_NS, "news": NEWS_NS}
ATOM_NS = {"atom": "http://www.w3.org/2005/Atom"}

SITE_FEEDS = ["/feed/rss/", "/feed/atom/"]


@pytest.fixture
def world(category, reporter):
    """最新资讯 with a sub-category, another category, and public, draft and scheduled articles."""
    now = timezone.now()
    sub = make_category("神垕镇", slug="shenhou", parent=category)
    other = make_category("便民信息", slug="bianmin")
    older = make_article(
        title="夏都街道党建观摩",
        summary="夏都街道组织开展党建观摩活动。",
        category=category,
        author=reporter,
        source=make_source("融媒顺店工作站"),
        tags=["党建"],
        published_at=now - timedelta(hours=3),
    )
    in_sub = make_article(
        title="神垕钧瓷文化节开幕", category=sub, author=reporter, published_at=now - timedelta(hours=2)
    )
    elsewhere = make_article(
        title="停水通知", category=other, author=reporter, tags=["停水"], published_at=now - timedelta(hours=1)
    )
    draft = make_article(
        title="还没写完的草稿", category=category, author=reporter, status=Article.Status.DRAFT, tags=["草稿标签"]
    )
    scheduled = make_article(
        title="明天才发布的消息",
        category=category,
        author=reporter,
        tags=["定时标签"],
        published_at=now + timedelta(days=1),
    )
    return {
        "category": category,
        "sub": sub,
        "other": other,
        "older": older,
        "in_sub": in_sub,
        "elsewhere": elsewhere,
        "draft": draft,
        "scheduled": scheduled,
    }


def get_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def parse_xml(content):
    return ET.fromstring(content)  # noqa: S314 -- the site's own response, in a test


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return parse_xml(response.content)


def locations(root):
    return [loc.text for loc in root.iterfind("sm:url/sm:loc", NS)]


def absolute(article):
    return SITE + article.get_absolute_url()


def timestamp(parsed_time):
    return calendar.timegm(parsed_time)


def category_feeds(slug):
    return [f"/category/{slug}/feed/", f"/category/{slug}/feed/atom/"]


# --- feeds ------------------------------------------------------------------------------


def test_rss_feed_is_rss_2_of_public_articles_newest_first(client, world):
    response = client.get("/feed/rss/")
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert "神垕钧瓷文化节开幕".encode() in response.content  # UTF-8, not character references
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0
    assert parsed.version == "rss20"
    assert [entry.title for entry in parsed.entries] == ["停水通知", "神垕钧瓷文化节开幕", "夏都街道党建观摩"]


def test_atom_feed_is_atom_of_public_articles_newest_first(client, world):
    response = client.get("/feed/atom/")
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0
    assert parsed.version == "atom10"
    assert [entry.title for entry in parsed.entries] == ["停水通知", "神垕钧瓷文化节开幕", "夏都街道党建观摩"]


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_feed_is_titled_with_the_site_name_and_slogan(client, world, url):
    site = SiteSettings.current()
    site.site_name, site.slogan = "禹州关注", "一座城市的思考 & 远见"
    site.save()
    feed = get_feed(client, url).feed
    assert feed.title == "禹州关注"
    assert feed.subtitle == "一座城市的思考 & 远见"  # RSS description / Atom subtitle
    assert feed.link == SITE + "/"
    assert feed.language == "zh-cn"


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_feed_leaves_out_drafts_and_scheduled_articles(client, world, url):
    response = client.get(url)
    assert "还没写完的草稿".encode() not in response.content
    assert "明天才发布的消息".encode() not in response.content


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_feed_has_the_30_newest_articles(client, category, reporter, url):
    now = timezone.now()
    articles = [
        make_article(title=f"第{i}条", category=category, author=reporter, published_at=now - timedelta(minutes=i))
        for i in range(1, 32)
    ]
    titles = [entry.title for entry in get_feed(client, url).entries]
    assert titles == [article.title for article in articles[:30]]


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_entry_carries_title_link_guid_summary_author_category_and_publication_time(client, world, url):
    reporter = world["older"].author
    reporter.nickname = "融媒记者"
    reporter.save()
    entry = next(e for e in get_feed(client, url).entries if e.title == "夏都街道党建观摩")
    assert entry.link == absolute(world["older"])
    assert entry.id == absolute(world["older"])
    assert entry.summary == "夏都街道组织开展党建观摩活动。"
    assert entry.author == "融媒记者"
    assert [tag.term for tag in entry.tags] == ["最新资讯"]
    assert timestamp(entry.published_parsed) == int(world["older"].published_at.timestamp())


def test_rss_guid_is_a_permalink(client, world):
    root = parse_xml(client.get("/feed/rss/").content)
    guid = root.find("channel/item/guid")
    assert guid.get("isPermaLink") == "true"
    assert guid.text == absolute(world["elsewhere"])


def test_atom_entry_links_its_author_to_the_publisher_page(client, world):
    entry = get_feed(client, "/feed/atom/").entries[0]
    publisher = world["elsewhere"].author.username
    assert entry.author_detail.href == SITE + reverse("news:publisher-detail", args=[publisher])


def test_atom_updated_comes_from_updated_at(client, world):
    edited = timezone.now() - timedelta(minutes=5)
    Article.objects.filter(pk=world["older"].pk).update(updated_at=edited)
    parsed = get_feed(client, "/feed/atom/")
    entry = next(e for e in parsed.entries if e.title == "夏都街道党建观摩")
    assert timestamp(entry.updated_parsed) == int(edited.timestamp())
    assert timestamp(entry.published_parsed) == int(world["older"].published_at.timestamp())
    latest = max(a.updated_at for a in Article.objects.published())
    assert timestamp(parsed.feed.updated_parsed) == int(latest.timestamp())


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_cover_is_an_enclosure_with_absolute_url_size_and_type(client, media_root, category, url):
    article = make_article(title="带封面的文章", category=category, cover=make_cover("封面.jpg", width=80, height=60))
    entry = get_feed(client, url).entries[0]
    assert len(entry.enclosures) == 1
    enclosure = entry.enclosures[0]
    assert enclosure.href == SITE + article.cover.url
    assert int(enclosure.length) == (media_root / article.cover.name).stat().st_size > 0
    assert enclosure.type == "image/jpeg"
    assert client.get(unquote(urlsplit(enclosure.href).path)).status_code == 200


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_article_without_cover_has_no_enclosure(client, world, url):
    assert all(not entry.enclosures for entry in get_feed(client, url).entries)


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_missing_cover_file_leaves_out_the_enclosure_not_the_feed(client, media_root, category, url):
    article = make_article(title="封面文件丢了", category=category, cover=make_cover(width=40, height=30))
    (media_root / article.cover.name).unlink()
    entry = get_feed(client, url).entries[0]
    assert entry.title == "封面文件丢了"
    assert entry.enclosures == []


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_title_and_summary_with_script_and_ampersand_survive_the_round_trip(client, category, url):
    title = '<script>alert("禹州")</script> 许昌 & 郑州'
    summary = "<b>不是标签</b> & <script>alert(1)</script>"
    make_article(title=title, summary=summary, category=category)
    response = client.get(url)
    assert b"<script>" not in response.content
    root = parse_xml(response.content)  # well-formed, and the XML text is the plain title
    xml_title = root.find("channel/item/title") if url.endswith("rss/") else root.find("atom:entry/atom:title", ATOM_NS)
    assert xml_title.text == title
    entry = get_feed(client, url).entries[0]
    assert entry.title == title
    # The summary is HTML (RSS description, Atom summary type="html"): the plain text escaped.
    assert html.unescape(entry.summary) == summary


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_control_characters_pasted_into_a_title_do_not_break_the_feed(client, category, url):
    make_article(title="禹州\x0b新闻\x08快讯", category=category)
    assert get_feed(client, url).entries[0].title == "禹州新闻快讯"


@pytest.mark.parametrize("kind", [0, 1], ids=["rss", "atom"])
def test_category_feed_has_the_category_and_its_sub_categories_only(client, world, kind):
    parsed = get_feed(client, category_feeds("latest")[kind])
    assert [entry.title for entry in parsed.entries] == ["神垕钧瓷文化节开幕", "夏都街道党建观摩"]
    assert parsed.feed.title == "最新资讯 - 禹州关注"
    assert parsed.feed.link == SITE + "/category/latest/"


@pytest.mark.parametrize("kind", [0, 1], ids=["rss", "atom"])
def test_sub_category_feed_has_only_its_own_articles(client, world, kind):
    parsed = get_feed(client, category_feeds("shenhou")[kind])
    assert [entry.title for entry in parsed.entries] == ["神垕钧瓷文化节开幕"]


@pytest.mark.parametrize("kind", [0, 1], ids=["rss", "atom"])
def test_category_feed_with_chinese_slug(client, kind):
    category = make_category("禹州新闻", slug="禹州新闻")
    make_article(title="钧都新闻", category=category)
    parsed = get_feed(client, category_feeds("禹州新闻")[kind])
    assert [entry.title for entry in parsed.entries] == ["钧都新闻"]
    assert parsed.feed.link == SITE + "/category/%E7%A6%B9%E5%B7%9E%E6%96%B0%E9%97%BB/"


@pytest.mark.parametrize("url", category_feeds("no-such-category"))
def test_unknown_category_feed_is_404(client, world, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [*SITE_FEEDS, *category_feeds("latest")])
def test_feed_query_count_does_not_grow_with_the_number_of_articles(client, media_root, category, url):
    sub = make_category("神垕镇", slug="shenhou", parent=category)
    now = timezone.now()

    def add_articles(start, stop):
        for i in range(start, stop):  # each with its own publisher and source, half with a cover
            make_article(
                category=sub if i % 2 else category,
                author=make_user(nickname=f"记者{i}"),
                source=make_source(),
                tags=[f"标签{i}"],
                cover=make_cover(width=20, height=20) if i % 2 else "",
                published_at=now - timedelta(minutes=i),
            )

    add_articles(0, 3)
    client.get(url)  # the site settings are cached from here on, as on a live site
    with CaptureQueriesContext(connection) as few:
        assert len(get_feed(client, url).entries) == 3
    add_articles(3, 30)
    with CaptureQueriesContext(connection) as many:
        assert len(get_feed(client, url).entries) == 30
    assert len(many) == len(few) <= 3


# --- sitemaps ---------------------------------------------------------------------------


def test_sitemap_index_lists_articles_categories_tags_and_topics(client, world):
    root = get_xml(client, "/sitemap.xml")
    sections = [loc.text for loc in root.iterfind("sm:sitemap/sm:loc", NS)]
    assert sections == [f"{SITE}/sitemap-{name}.xml" for name in ("articles", "categories", "tags", "topics")]
    article_lastmod = root.find("sm:sitemap/sm:lastmod", NS).text
    latest = max(a.updated_at for a in Article.objects.published())
    assert datetime.fromisoformat(article_lastmod) == latest


def test_article_sitemap_lists_public_articles_by_id_with_lastmod(client, world):
    Article.objects.filter(pk=world["older"].pk).update(updated_at=timezone.now() - timedelta(days=40))
    root = get_xml(client, "/sitemap-articles.xml")
    public = sorted([world["older"], world["in_sub"], world["elsewhere"]], key=lambda a: a.pk)
    assert locations(root) == [absolute(article) for article in public]
    lastmods = [url.find("sm:lastmod", NS).text for url in root.iterfind("sm:url", NS)]
    assert lastmods == [timezone.localdate(Article.objects.get(pk=a.pk).updated_at).isoformat() for a in public]


def test_category_sitemap_lists_every_category(client, world):
    root = get_xml(client, "/sitemap-categories.xml")
    assert sorted(locations(root)) == sorted(
        SITE + c.get_absolute_url() for c in [world["category"], world["sub"], world["other"]]
    )


def test_tag_sitemap_lists_tags_of_public_articles_percent_encoded(client, world):
    root = get_xml(client, "/sitemap-tags.xml")
    tag_urls = locations(root)
    assert sorted(tag_urls) == sorted([f"{SITE}/tag/%E5%85%9A%E5%BB%BA/", f"{SITE}/tag/%E5%81%9C%E6%B0%B4/"])
    match = resolve(unquote(urlsplit(tag_urls[0]).path))
    assert match.view_name == "news:tag-detail"
    assert match.kwargs["slug"] == "党建"


def test_sitemap_pages_with_a_small_limit(client, category, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    articles = [make_article(category=category) for _ in range(5)]
    index = get_xml(client, "/sitemap.xml")
    pages = [loc.text for loc in index.iterfind("sm:sitemap/sm:loc", NS)][:3]
    assert pages == [
        f"{SITE}/sitemap-articles.xml",
        f"{SITE}/sitemap-articles.xml?p=2",
        f"{SITE}/sitemap-articles.xml?p=3",
    ]
    assert locations(get_xml(client, "/sitemap-articles.xml?p=2")) == [absolute(a) for a in articles[2:4]]
    assert locations(get_xml(client, "/sitemap-articles.xml?p=3")) == [absolute(articles[4])]
    assert client.get("/sitemap-articles.xml?p=4").status_code == 404


# --- the Google News sitemap ------------------------------------------------------------


def test_news_sitemap_lists_public_articles_of_the_last_48_hours_newest_first(client, category):
    now = timezone.now()
    fresh = make_article(title="钧瓷文化节开幕", category=category, published_at=now - timedelta(hours=1))
    day_old = make_article(title="夏都街道观摩", category=category, published_at=now - timedelta(hours=47))
    make_article(title="三天前的旧闻", category=category, published_at=now - timedelta(hours=49))
    make_article(title="草稿", category=category, status=Article.Status.DRAFT)
    make_article(title="定时发布", category=category, published_at=now + timedelta(hours=1))
    root = get_xml(client, reverse("news-sitemap"))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    assert locations(root) == [absolute(fresh), absolute(day_old)]
    titles = [title.text for title in root.iterfind("sm:url/news:news/news:title", NS)]
    assert titles == ["钧瓷文化节开幕", "夏都街道观摩"]


def test_news_sitemap_entry_has_publication_language_and_date(client, category):
    published_at = timezone.now() - timedelta(hours=5)
    make_article(title="禹州新闻", category=category, published_at=published_at)
    response = client.get(reverse("news-sitemap"))
    assert f'xmlns:news="{NEWS_NS}"'.encode() in response.content
    news = parse_xml(response.content).find("sm:url/news:news", NS)
    assert news.find("news:publication/news:name", NS).text == "禹州关注"
    assert news.find("news:publication/news:language", NS).text == "zh-cn"
    date = datetime.fromisoformat(news.find("news:publication_date", NS).text)
    assert date == published_at.replace(microsecond=0)
    assert date.utcoffset() == timedelta(hours=8)


def test_news_sitemap_escapes_titles(client, category):
    make_article(title="<禹州> & “许昌” 'x'", category=category)
    root = get_xml(client, reverse("news-sitemap"))
    assert root.find("sm:url/news:news/news:title", NS).text == "<禹州> & “许昌” 'x'"


def test_news_sitemap_is_valid_when_empty(client, world):
    Article.objects.update(published_at=timezone.now() - timedelta(days=3))
    root = get_xml(client, reverse("news-sitemap"))
    assert locations(root) == []


# --- robots.txt -------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_admin_and_accounts_and_names_the_sitemaps(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "User-agent: *\n"
        "Disallow: /admin/\n"
        "Disallow: /accounts/\n"
        "Allow: /\n"
        "\n"
        f"Sitemap: {SITE}/sitemap.xml\n"
        f"Sitemap: {SITE}{reverse('news-sitemap')}\n"
    )
