"""The comment list and article lists, written by Python template tags: what readers see.

``{% comment_list %}`` and ``{% article_items %}`` replaced one ``{% include %}`` per comment
or article; these tests pin the markup readers and their browsers rely on.
"""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from news.articles.factories import make_article, make_cover, make_user
from news.articles.models import SiteSettings
from news.comments import services
from news.comments.models import Comment

pytestmark = pytest.mark.django_db

NOON_UTC = datetime(2026, 11, 28, 4, 5, 6, tzinfo=UTC)  # 12:05:06 in 禹州 (UTC+8)


@pytest.fixture
def article(category, reporter):
    settings = SiteSettings.current()
    settings.comment_min_interval = 0
    settings.save()
    return make_article(title="钧瓷文化节开幕", category=category, author=reporter)


def comment_on(article, user, body, **fields):
    comment = Comment.objects.create(article=article, user=user, body=body, status=Comment.Status.APPROVED, **fields)
    services._recount([article.pk])
    return comment


def item_of(page, pk):
    """The markup of one comment (its replies not included)."""
    start = page.index(f'id="comment-{pk}"')
    return page[start : page.index("</article>", start)]


def test_comment_shows_author_local_time_and_escaped_text(client, article):
    author = make_user(nickname="<b>老街坊</b>")
    comment = comment_on(article, author, "钧瓷<script>1</script>\n好看", created_at=NOON_UTC)
    Comment.objects.filter(pk=comment.pk).update(created_at=NOON_UTC)
    item = item_of(client.get(article.get_absolute_url()).content.decode(), comment.pk)
    assert '<span class="comment__author">&lt;b&gt;老街坊&lt;/b&gt;</span>' in item
    assert '<span class="avatar avatar--initial" aria-hidden="true">&lt;</span>' in item
    # Local time: the exact second in the title, the date as 禹州 readers write it (this year's
    # without the year); site.js keeps the words current on cached pages.
    assert re.search(
        r'<time class="comment__time" datetime="2026-11-28T12:05:06\+08:00" title="2026-11-28 12:05:06" data-relative>'
        r"(11月28日 12:05|2026年11月28日)</time>",
        item,
    )
    assert "钧瓷&lt;script&gt;1&lt;/script&gt;<br>好看" in item


def test_replies_nest_under_their_comment_and_each_reply_answers_its_own_author(client, resident, article):
    parent = comment_on(article, make_user(), "楼主")
    reply = comment_on(article, make_user(), "回复楼主", parent=parent)
    client.force_login(resident)
    page = client.get(article.get_absolute_url()).content.decode()
    replies = re.search(r'<ol class="comment-replies">(.*?)</ol>', page, re.S).group(1)
    assert f'id="comment-{reply.pk}"' in replies
    assert f'name="parent" value="{parent.pk}"' in item_of(page, parent.pk)
    # 回复 @昵称 (#21): a reply's form names that reply; the server files it in the thread.
    assert f'name="parent" value="{reply.pk}"' in item_of(page, reply.pk)


def test_reader_gets_reply_and_report_forms_with_a_csrf_token(client, resident, article):
    comment = comment_on(article, make_user(), "说得对")
    client.force_login(resident)
    item = item_of(client.get(article.get_absolute_url()).content.decode(), comment.pk)
    report_url = reverse("comments:report", args=[article.pk, comment.pk])
    assert f'<form method="post" action="{report_url}" class="report-form">' in item
    assert item.count('name="csrfmiddlewaretoken"') == 3  # the like, reply and report forms
    assert '<option value="abuse">' in item
    assert "举报理由" in item


def test_anonymous_reader_gets_a_login_link_instead_of_forms(client, article):
    comment = comment_on(article, make_user(), "说得对")
    item = item_of(client.get(article.get_absolute_url()).content.decode(), comment.pk)
    assert "<form" not in item and "csrfmiddlewaretoken" not in item
    assert f'href="{reverse("accounts:login")}?next={article.get_absolute_url()}"' in item


def test_refused_reply_reopens_its_form_with_the_text(client, resident, article):
    parent = comment_on(article, make_user(), "楼主")
    other = comment_on(article, make_user(), "另一楼")
    client.force_login(resident)
    response = client.post(
        reverse("comments:create", args=[article.pk]), {"body": "好" * 5000, "parent": str(parent.pk)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<details class="reply" open>' in item_of(page, parent.pk)
    assert "好" * 100 in item_of(page, parent.pk)
    assert '<details class="reply">' in item_of(page, other.pk)


def test_pending_comment_is_badged_for_its_author(client, resident, article):
    pending = Comment.objects.create(article=article, user=resident, body="等审核", status=Comment.Status.PENDING)
    client.force_login(resident)
    item = item_of(client.get(article.get_absolute_url()).content.decode(), pending.pk)
    assert '<span class="badge badge--pending">审核中</span>' in item
    assert 'class="report"' not in item and 'name="parent"' not in item  # not yet public


def test_article_items_link_title_category_and_counts(client, category, reporter, media_root):
    plain = make_article(
        title="<i>禹州</i>新闻", category=category, author=reporter, summary="摘要一", published_at=NOON_UTC
    )
    covered = make_article(title="带图新闻", category=category, author=reporter, cover=make_cover())
    page = client.get(category.get_absolute_url()).content.decode()
    plain_item = re.search(rf'<li class="item">((?:(?!</li>).)*?{plain.get_absolute_url()}.*?)</li>', page, re.S).group(
        1
    )
    assert f'<a href="{plain.get_absolute_url()}">&lt;i&gt;禹州&lt;/i&gt;新闻</a>' in plain_item
    assert '<p class="item__summary">摘要一</p>' in plain_item
    assert '<time datetime="2026-11-28T12:05:06+08:00">2026-11-28 12:05</time>' in plain_item
    assert f'<a href="{category.get_absolute_url()}">{category.name}</a>' in plain_item
    assert "<span>查看: 0</span> <span>评论: 0</span>" in plain_item
    covered_item = page[page.index('<li class="item item--with-thumb">') :]
    assert covered.get_absolute_url() in covered_item[: covered_item.index("</li>")]
    assert "<picture>" in covered_item[: covered_item.index("</li>")]


def test_refused_report_reopens_that_comments_report_form(client, resident, article):
    reported = comment_on(article, make_user(), "广告")
    other = comment_on(article, make_user(), "正常评论")
    client.force_login(resident)
    response = client.post(
        reverse("comments:report", args=[article.pk, reported.pk]), {"reason": "no-such-reason", "detail": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<details class="report" open>' in item_of(page, reported.pk)
    assert '<details class="report">' in item_of(page, other.pk)


def test_commenter_with_an_avatar_shows_the_picture(client, article, settings):
    author = make_user(nickname="有头像")
    author.avatar.name = "avatars/2026/11/有头像.jpg"
    author.save()
    comment = comment_on(article, author, "看看头像")
    item = item_of(client.get(article.get_absolute_url()).content.decode(), comment.pk)
    src = settings.MEDIA_URL + "avatars/2026/11/%E6%9C%89%E5%A4%B4%E5%83%8F.jpg"
    assert f'<img class="avatar" src="{src}" alt="" width="36" height="36" loading="lazy">' in item
    assert "avatar--initial" not in item
