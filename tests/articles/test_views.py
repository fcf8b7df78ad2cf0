"""Public pages: what readers see, what they cannot see, and each page's query budget."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import REPORTER
from news.articles.factories import make_article, make_category, make_source, make_user
from news.articles.models import Article
from news.articles.navigation import CACHE_KEY, category_tree
from news.viewcounts.viewcount import add_views

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 10  # the old portal's page took 19


@pytest.fixture
def world(category, reporter):
    """A small site: a sub-category, a source, tags, published, draft and scheduled articles."""
    now = timezone.now()
    sub = make_category("神垕镇", slug="shenhou", parent=category)
    source = make_source("融媒顺店工作站")
    published = make_article(
        title="夏都街道党建观摩",
        category=category,
        author=reporter,
        source=source,
        tags=["党建", "社区"],
        published_at=now - timedelta(hours=2),
    )
    in_sub = make_article(
        title="神垕钧瓷文化节开幕", category=sub, author=reporter, published_at=now - timedelta(hours=1)
    )
    draft = make_article(title="还没写完的草稿", category=category, author=reporter, status=Article.Status.DRAFT)
    scheduled = make_article(
        title="明天才发布的消息", category=category, author=reporter, published_at=now + timedelta(days=1)
    )
    return {
        "sub": sub,
        "source": source,
        "published": published,
        "in_sub": in_sub,
        "draft": draft,
        "scheduled": scheduled,
    }


def main_list(page):
    """The HTML of the page's article list (without the 热门 sidebar)."""
    start = page.index('<ul class="items">')
    return page[start : page.index("</ul>", start)]


def get_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- each public page ------------------------------------------------------------------


def test_home_shows_headlines_latest_category_blocks_and_hot(client, world):
    world["published"].is_featured = True
    world["published"].save()
    add_views({(world["in_sub"].pk, timezone.localdate()): 3})
    page = get_page(client, "/")
    assert 'class="headline headline--lead"' in page
    assert "夏都街道党建观摩" in page
    assert 'id="block-' in page  # a block for 最新资讯, including its sub-category's article
    assert "神垕钧瓷文化节开幕" in page
    hot = page[page.index('<section class="box hot">') :]
    assert "神垕钧瓷文化节开幕" in hot[: hot.index("</section>")]
    assert "还没写完的草稿" not in page
    assert "明天才发布的消息" not in page


def test_home_block_groups_sub_category_articles_under_their_parent(client, world):
    response = client.get("/")
    blocks = dict(response.context["blocks"])
    category = world["published"].category
    titles = [a.title for a in blocks[category]]
    assert titles == ["神垕钧瓷文化节开幕", "夏都街道党建观摩"]


def test_category_page_lists_its_own_and_sub_category_articles(client, world):
    page = get_page(client, "/category/latest/")
    assert "夏都街道党建观摩" in page
    assert "神垕钧瓷文化节开幕" in page
    assert 'href="/category/shenhou/"' in page  # the sub-category chip
    assert "还没写完的草稿" not in page


def test_category_page_lists_a_sub_category_made_after_the_tree_was_cached(client, world, category, reporter):
    get_page(client, "/category/latest/")  # the category tree is now cached
    newer = make_category("新区", slug="xinqu", parent=category)
    make_article(title="新区第一条消息", category=newer, author=reporter)
    assert "新区第一条消息" in main_list(get_page(client, "/category/latest/"))
    newer.parent = None
    newer.save()
    assert "新区第一条消息" not in main_list(get_page(client, "/category/latest/"))


@pytest.mark.django_db(transaction=True)
def test_category_tree_is_forgotten_again_when_the_change_commits(category):
    with transaction.atomic():
        make_category("新区", slug="xinqu", parent=category)
        category_tree()  # a reader caches the tree between the save and the commit
        assert cache.get(CACHE_KEY) is not None
    assert cache.get(CACHE_KEY) is None


def test_sub_category_page_lists_only_its_articles_with_full_breadcrumb(client, world):
    page = get_page(client, "/category/shenhou/")
    assert "神垕钧瓷文化节开幕" in main_list(page)
    assert "夏都街道党建观摩" not in main_list(page)
    assert page.index("最新资讯") < page.index("神垕镇</a>")


def test_category_page_is_paginated_with_summary_and_thumbnail(client, category, reporter, media_root):
    from news.articles.factories import make_cover

    for i in range(20):
        make_article(title=f"文章{i:02d}", category=category, author=reporter, summary=f"摘要{i:02d}")
    make_article(title="带封面的文章", category=category, author=reporter, cover=make_cover(width=300, height=200))
    first = get_page(client, "/category/latest/")
    second = get_page(client, "/category/latest/?page=2")
    assert main_list(first).count('<li class="item') == 15
    assert main_list(second).count('<li class="item') == 6
    assert "摘要19" in first or "摘要19" in second
    assert 'width="300" height="200" loading="lazy"' in first
    assert "第 1 / 2 页" in first


def test_tag_page_with_chinese_slug(client, world):
    page = get_page(client, reverse("news:tag-detail", args=["党建"]))
    assert "夏都街道党建观摩" in page
    assert "标签：党建" in page


def test_source_page(client, world):
    page = get_page(client, world["source"].get_absolute_url())
    assert "来自：融媒顺店工作站" in page
    assert "夏都街道党建观摩" in page
    assert "神垕钧瓷文化节开幕" not in page


def test_publisher_page(client, world):
    page = get_page(client, "/publisher/reporter1/")
    assert "发布者：reporter1" in page
    assert "夏都街道党建观摩" in page
    assert "还没写完的草稿" not in page


def test_article_page_of_a_sub_category_article(client, world):
    page = get_page(client, world["in_sub"].get_absolute_url())
    assert "神垕钧瓷文化节开幕" in page


def test_blackroom_page_renders(client, db):
    page = get_page(client, "/blackroom/")
    assert "小黑屋" in page
    assert "过期时间" in page


def test_article_title_and_summary_are_escaped(client, category):
    article = make_article(
        title="<script>alert('t')</script>标题", summary="<img src=x onerror=alert(1)>", category=category
    )
    page = get_page(client, article.get_absolute_url())
    assert "<script>alert('t')</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<img src=x onerror" not in page


# --- what the public cannot see --------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/article/abc/",
        "/article/-1/",
        "/article/99999999999999999999999/",
        "/article/0/",
        "/category/no-such-category/",
        "/tag/不存在的标签/",
        "/source/999999/",
        "/source/abc/",
        "/publisher/nobody/",
        "/category/latest/?page=999",
        "/category/latest/?page=abc",
    ],
)
def test_bad_addresses_are_404_not_500(client, world, url):
    assert client.get(url).status_code == 404


def test_draft_and_scheduled_articles_are_404_for_the_public(client, world, resident):
    assert client.get(world["draft"].get_absolute_url()).status_code == 404
    assert client.get(world["scheduled"].get_absolute_url()).status_code == 404
    client.force_login(resident)
    assert client.get(world["draft"].get_absolute_url()).status_code == 404


def test_author_previews_own_draft_with_a_banner(client, world, reporter):
    client.force_login(reporter)
    page = get_page(client, world["draft"].get_absolute_url())
    assert 'class="preview-banner"' in page
    assert "草稿" in page


def test_scheduled_preview_says_when_it_goes_public(client, world, editor):
    client.force_login(editor)
    page = get_page(client, world["scheduled"].get_absolute_url())
    assert "定时发布" in page


def test_another_reporter_cannot_preview_a_draft(client, world, other_reporter):
    client.force_login(other_reporter)
    assert client.get(world["draft"].get_absolute_url()).status_code == 404


def test_published_article_shows_no_preview_banner_to_staff(client, world, editor):
    client.force_login(editor)
    page = get_page(client, world["published"].get_absolute_url())
    assert "preview-banner" not in page


def test_publisher_without_published_articles_is_404(client, world):
    make_user("quiet", role=REPORTER)
    assert client.get("/publisher/quiet/").status_code == 404


def test_404_page_is_in_chinese_in_the_site_layout(client, db):
    response = client.get("/article/424242/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert "快捷导航" in page


# --- query budgets: constant, whatever the amount of content -----------------------------


def build_site(n, category, sub, author):
    """n articles with tags and sources spread over a category and its sub-category."""
    now = timezone.now()
    for i in range(n):
        make_article(
            title=f"文章{n}-{i}",
            category=sub if i % 2 else category,
            author=author,
            source=make_source(f"来源{n}-{i}"),
            tags=[f"标签{i}", "共同"],
            is_featured=i % 3 == 0,
            published_at=now - timedelta(minutes=i + 1),
        )
    return Article.objects.published().filter(category=category).last()


def count_queries(client, url):
    client.get(url)  # warm the site-wide caches (settings, category tree), as in production
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


PAGES = {
    "home": lambda a: "/",
    "category": lambda a: "/category/latest/",
    "article": lambda a: a.get_absolute_url(),
    "tag": lambda a: reverse("news:tag-detail", args=["共同"]),
    "source": lambda a: a.source.get_absolute_url(),
    "publisher": lambda a: "/publisher/reporter1/",
}


@pytest.mark.parametrize("page", PAGES)
def test_query_count_is_constant_and_within_budget(client, category, reporter, page):
    sub = make_category("子栏目", slug="sub", parent=category)
    small = count_queries(client, PAGES[page](build_site(2, category, sub, reporter)))
    large = count_queries(client, PAGES[page](build_site(40, category, sub, reporter)))
    assert small == large, f"{page}: {small} queries with few articles, {large} with many"
    assert large <= QUERY_BUDGET


def test_article_page_budget_for_a_logged_in_editor(client, category, editor):
    article = build_site(5, category, make_category(slug="sub2", parent=category), editor)
    client.force_login(editor)
    assert count_queries(client, article.get_absolute_url()) <= QUERY_BUDGET


def test_home_blocks_reach_a_quiet_category_behind_hundreds_of_newer_articles(client, reporter, settings):
    """The blocks come from the newest 300 articles; a category with nothing among them still gets its block."""
    from news.articles.views.articles import HomeView

    busy = make_category(name="热闹栏目", slug="busy")
    quiet = make_category(name="冷清栏目", slug="quiet")
    quiet_child = make_category(name="冷清子栏目", slug="quiet-child", parent=quiet)
    old = timezone.now() - timedelta(days=30)
    make_article(title="冷清栏目的旧闻", category=quiet, author=reporter, published_at=old)
    make_article(title="子栏目的旧闻", category=quiet_child, author=reporter, published_at=old - timedelta(hours=1))
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            title=f"热闹新闻{i}",
            body="<p>正文</p>",
            body_html="<p>正文</p>",
            category=busy,
            author=reporter,
            status="published",
            published_at=now - timedelta(minutes=i),
        )
        for i in range(HomeView.RECENT_WINDOW + 5)
    )
    response = client.get("/")
    blocks = {category.slug: [a.title for a in articles] for category, articles in response.context["blocks"]}
    assert blocks["quiet"] == ["冷清栏目的旧闻", "子栏目的旧闻"]
    assert blocks["busy"] == [f"热闹新闻{i}" for i in range(6)]
