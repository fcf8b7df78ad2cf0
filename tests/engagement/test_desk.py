"""编辑台 (#20): the admin's home page opens with what the newsroom has to do today, each figure a
link into the admin's list filtered to exactly those (the list's own count is checked)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from news.articles.factories import make_article, make_user
from news.articles.models import Article
from news.comments.models import Comment
from news.viewcounts.models import ArticleDailyViews

pytestmark = pytest.mark.django_db

TILE = re.compile(
    r'<a class="yz-desk__tile[^"]*" href="([^"]+)"><span class="yz-desk__count">(\d+)</span> '
    r'<span class="yz-desk__label">([^<]+)</span>'
)


def desk(client):
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    return {label: (int(count), url.replace("&amp;", "&")) for url, count, label in TILE.findall(html)}, html


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


@pytest.fixture
def newsroom(category, reporter, other_reporter):
    now = timezone.now()
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)  # today at any hour
    today = make_article(title="今天发的稿", category=category, author=reporter, published_at=midnight)
    make_article(title="昨天的稿", category=category, author=reporter, published_at=now - timedelta(days=1, hours=1))
    make_article(title="待审稿", category=category, author=other_reporter, status=Article.Status.REVIEW)
    make_article(title="明天的稿", category=category, author=reporter, published_at=now + timedelta(days=1))
    commenter = make_user("laozhang")
    for n in range(2):
        Comment.objects.create(article=today, user=commenter, body=f"待审评论{n}", status=Comment.Status.PENDING)
    Comment.objects.create(article=today, user=commenter, body="被举报", status=Comment.Status.APPROVED, report_count=2)
    Comment.objects.create(article=today, user=commenter, body="正常评论", status=Comment.Status.APPROVED)
    ArticleDailyViews.objects.create(article=today, day=timezone.localdate(), views=321)
    return today


def test_an_editor_sees_todays_work_and_each_figure_opens_its_list(client, editor, newsroom):
    client.force_login(editor)
    tiles, html = desk(client)
    figures = {label: count for label, (count, _url) in tiles.items()}
    assert figures == {"今日发布": 1, "待审核": 1, "定时发布": 1}, "comments are the moderators' (the roles)"
    for label, (count, url) in tiles.items():
        assert listed(client, url) == count, f"{label}: {url}"
    assert re.search(r'<ol class="yz-desk__top">\s*<li><a href="/admin/news/article/\d+/change/">今天发的稿</a>', html)
    assert "321 次浏览" in html


def test_a_reporter_counts_their_own_articles_and_sees_no_comments(client, reporter, newsroom):
    client.force_login(reporter)
    tiles, _html = desk(client)
    assert {label: count for label, (count, _url) in tiles.items()} == {"今日发布": 1, "待审核": 0, "定时发布": 1}
    for count, url in tiles.values():
        assert listed(client, url) == count


def test_a_moderator_sees_the_comments_waiting_and_reported(client, moderator, newsroom):
    client.force_login(moderator)
    tiles, _html = desk(client)
    comments = {label: count for label, (count, _url) in tiles.items() if "评论" in label}
    assert comments == {"待审评论": 2, "被举报的评论": 1}
    for label in comments:
        assert listed(client, tiles[label][1]) == tiles[label][0], label


def test_the_desk_costs_a_constant_number_of_queries(client, editor, newsroom, category, django_assert_max_num_queries):
    client.force_login(editor)
    client.get("/admin/")
    for n in range(10):
        make_article(title=f"更多的稿{n}", category=category, author=editor)
    with django_assert_max_num_queries(12):
        client.get("/admin/")
