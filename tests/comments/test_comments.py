"""Comments on the article page: posting, replies, reports, moderation modes, limits and bad input."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Ban
from news.articles.factories import make_article, make_user
from news.articles.models import Article, ModerationMode, SiteSettings
from news.comments import services
from news.comments.models import Comment, CommentLike, CommentReport, SensitiveWord

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(category, reporter):
    return make_article(title="社区党建观摩", category=category, author=reporter)


@pytest.fixture
def site_settings():
    settings = SiteSettings.current()
    settings.comment_min_interval = 0  # most tests post several comments in a row
    settings.save()
    return settings


@pytest.fixture
def reader(client, resident, site_settings):
    client.force_login(resident)
    return client


def post(client, article, body, **extra):
    return client.post(reverse("comments:create", args=[article.pk]), {"body": body, **extra})


def make_comment(article, user, body="一条评论", status=Comment.Status.APPROVED, **fields):
    comment = Comment.objects.create(article=article, user=user, body=body, status=status, **fields)
    services._recount([article.pk])
    return comment


def count_of(article):
    return Article.objects.get(pk=article.pk).comment_count


# --- posting and showing ------------------------------------------------------------------


def test_resident_posts_a_comment_that_shows_newest_first(reader, article, resident):
    make_comment(article, make_user(), "更早的评论")
    response = post(reader, article, "说得好，支持社区工作！")
    assert response.status_code == 302
    assert response.url.startswith(f"/article/{article.pk}/#comment-")
    page = reader.get(article.get_absolute_url()).content.decode()
    assert page.index("说得好，支持社区工作！") < page.index("更早的评论")
    assert "评论已发表" in page
    assert count_of(article) == 2


def test_comment_shows_nickname_time_and_keeps_line_breaks(reader, article, resident):
    resident.nickname = "老禹州"
    resident.save()
    post(reader, article, "第一行\n第二行")
    page = reader.get(article.get_absolute_url()).content.decode()
    assert "老禹州" in page
    assert "第一行<br>第二行" in page
    comment = Comment.objects.get()
    assert comment.body == "第一行\n第二行"  # stored as written


def test_comment_html_is_escaped_and_stored_as_written(reader, article):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    post(reader, article, payload)
    assert Comment.objects.get().body == payload
    page = reader.get(article.get_absolute_url()).content.decode()
    assert payload not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_anonymous_reader_sees_login_and_register_links_back_to_the_article(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    assert f"/accounts/login/?next=%2Farticle%2F{article.pk}%2F%23comments" in page
    assert f"/accounts/register/?next=%2Farticle%2F{article.pk}%2F%23comments" in page
    assert 'name="body"' not in page


def test_anonymous_post_is_refused_and_saves_nothing(client, article):
    response = post(client, article, "匿名评论")
    assert response.status_code == 403
    assert "请登录后发表评论" in response.content.decode()
    assert Comment.objects.count() == 0


def test_comments_paginate_twenty_per_page(reader, article):
    author = make_user()
    for i in range(25):
        Comment.objects.create(
            article=article,
            user=author,
            body=f"评论{i:02d}",
            status=Comment.Status.APPROVED,
            created_at=timezone.now(),
        )
    first = reader.get(article.get_absolute_url()).content.decode()
    second = reader.get(article.get_absolute_url() + "?cpage=2").content.decode()
    assert first.count('class="comment"') == 20
    assert second.count('class="comment"') == 5
    assert "更早的评论" in first
    assert "较新的评论" in second


@pytest.mark.parametrize("cpage", ["abc", "-3", "0", "99999999999999999999", "100000"])
def test_bad_comment_page_numbers_never_fail(reader, article, cpage):
    assert reader.get(article.get_absolute_url(), {"cpage": cpage}).status_code == 200


# --- replies ---------------------------------------------------------------------------------


def test_reply_is_shown_under_its_comment(reader, article):
    top = make_comment(article, make_user(), "楼主的评论")
    other = make_comment(article, make_user(), "另一条评论")
    Comment.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(hours=1))
    response = post(reader, article, "我来回复", parent=top.pk)
    assert response.status_code == 302
    reply = Comment.objects.get(body="我来回复")
    assert reply.parent == top
    page = reader.get(article.get_absolute_url()).content.decode()
    start = page.index(f'id="comment-{top.pk}"')
    thread = page[start : page.index(f'id="comment-{other.pk}"')]
    assert '<ol class="comment-replies">' in thread
    assert thread.index('<ol class="comment-replies">') < thread.index("我来回复")


def test_reply_to_a_reply_joins_the_top_level_thread(reader, article):
    top = make_comment(article, make_user(), "楼主")
    first_reply = make_comment(article, make_user(), "一楼回复", parent=top)
    post(reader, article, "回复的回复", parent=first_reply.pk)
    assert Comment.objects.get(body="回复的回复").parent == top


@pytest.mark.parametrize("parent", ["abc", "999999", "-1", "1e9", "99999999999999999999999"])
def test_forged_parent_is_refused(reader, article, parent):
    response = post(reader, article, "伪造的回复", parent=parent)
    assert response.status_code == 400
    assert "您回复的评论不存在于本文中" in response.content.decode()
    assert not Comment.objects.filter(body="伪造的回复").exists()


def test_reply_to_a_comment_on_another_article_is_refused(reader, article, category):
    other = make_article(category=category)
    elsewhere = make_comment(other, make_user(), "别处的评论")
    response = post(reader, article, "跨文章回复", parent=elsewhere.pk)
    assert response.status_code == 400
    assert not Comment.objects.filter(body="跨文章回复").exists()


def test_reply_to_someone_elses_pending_comment_is_refused(reader, article):
    pending = make_comment(article, make_user(), "待审评论", status=Comment.Status.PENDING)
    assert post(reader, article, "回复待审", parent=pending.pk).status_code == 400


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "评论至少需要 2 个字"),
        ("   ", "评论至少需要 2 个字"),
        ("好", "评论至少需要 2 个字"),
        ("长" * 1001, "评论最多 1000 个字，当前为 1001 个字"),
        ("有\x00空字符", "请求中含有空字符"),  # refused before the view (yzgz.middleware.RefuseNulMiddleware)
        ("响铃\x07字符", "控制字符"),
        ("转义\x1b[31m红色", "控制字符"),
    ],
)
def test_bad_text_is_refused_with_a_message_and_kept_in_the_form(reader, article, body, message):
    response = post(reader, article, body)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert Comment.objects.count() == 0


def test_refused_text_stays_in_the_form(reader, article):
    response = post(reader, article, "长" * 1001)
    assert ">" + "长" * 1001 + "</textarea>" in response.content.decode()


def test_exactly_1000_characters_is_fine(reader, article):
    assert post(reader, article, "长" * 1000).status_code == 302


def test_unknown_or_unpublished_article_is_404(reader, article, category, reporter):
    draft = make_article(category=category, author=reporter, status=Article.Status.DRAFT)
    assert reader.post("/article/999999/comments/", {"body": "你好啊"}).status_code == 404
    assert post(reader, draft, "草稿评论").status_code == 404
    assert Comment.objects.count() == 0


def test_get_on_the_comment_url_is_405(reader, article):
    assert reader.get(reverse("comments:create", args=[article.pk])).status_code == 405


def test_double_submit_saves_one_comment(reader, article):
    assert post(reader, article, "重复提交的评论").status_code == 302
    response = post(reader, article, "重复提交的评论")
    assert response.status_code == 409
    assert "您已经发表过相同的内容" in response.content.decode()
    assert Comment.objects.count() == 1
    assert count_of(article) == 1


def test_comment_form_needs_a_csrf_token(article, resident, site_settings):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    response = post(client, article, "没有令牌")
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()
    assert Comment.objects.count() == 0


# --- open and closed ----------------------------------------------------------------------


def test_article_that_disallows_comments_refuses_them(reader, article):
    article.allow_comments = False
    article.save()
    page = reader.get(article.get_absolute_url()).content.decode()
    assert "本文已关闭评论" in page
    assert 'name="body"' not in page
    assert post(reader, article, "还能评论吗").status_code == 403
    assert Comment.objects.count() == 0


def test_comments_close_n_days_after_publication(reader, category, reporter, site_settings):
    site_settings.comments_close_after_days = 7
    site_settings.save()
    old = make_article(category=category, author=reporter, published_at=timezone.now() - timedelta(days=8))
    fresh = make_article(category=category, author=reporter, published_at=timezone.now() - timedelta(days=6))
    assert post(reader, old, "旧文章评论").status_code == 403
    assert post(reader, fresh, "新文章评论").status_code == 302


# --- moderation modes ---------------------------------------------------------------------


def test_review_first_holds_the_comment_and_only_its_author_sees_it(reader, article, site_settings, client):
    site_settings.comment_moderation = ModerationMode.REVIEW_FIRST
    site_settings.save()
    response = post(reader, article, "需要审核的评论")
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert count_of(article) == 0
    own = reader.get(article.get_absolute_url()).content.decode()
    assert "需要审核的评论" in own and "审核中" in own
    reader.logout()
    other = make_user("neighbour")
    client.force_login(other)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "需要审核的评论" not in page
    assert "审核中" not in page


def test_article_can_override_the_site_mode(reader, article, site_settings):
    article.comment_moderation = ModerationMode.REVIEW_FIRST
    article.save()
    post(reader, article, "本文先审后发")
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_more_than_two_links_are_held(reader, article):
    post(reader, article, "看 http://a.cn 和 https://b.cn 还有 www.c.cn")
    assert Comment.objects.get().status == Comment.Status.PENDING
    post(reader, article, "只有 http://a.cn 和 https://b.cn 两个")
    assert Comment.objects.get(body__startswith="只有").status == Comment.Status.APPROVED


# --- sensitive words ----------------------------------------------------------------------


@pytest.fixture
def words(db):
    SensitiveWord.objects.create(word="违禁词", action="block")
    SensitiveWord.objects.create(word="待审词", action="hold")
    SensitiveWord.objects.create(word="替换词", action="replace")


def test_blocked_word_refuses_the_comment_with_the_old_portals_message(reader, article, words):
    response = post(reader, article, "这里有违 禁*词哦")
    assert response.status_code == 400
    assert "抱歉，您填写的内容包含敏感词而无法提交" in response.content.decode()
    assert Comment.objects.count() == 0


def test_held_word_holds_the_comment(reader, article, words):
    post(reader, article, "这里有待審詞".replace("審詞", "审词"))
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_replaced_word_is_starred_out_and_the_author_told(reader, article, words):
    response = reader.post(reverse("comments:create", args=[article.pk]), {"body": "这里有替-换-词呢"}, follow=True)
    assert Comment.objects.get().body == "这里有＊＊＊＊＊呢"
    assert "评论中的部分词语已被替换为＊" in response.content.decode()


def test_new_word_takes_effect_at_once(reader, article):
    assert post(reader, article, "新敏感词第一次").status_code == 302
    SensitiveWord.objects.create(word="新敏感词", action="block")
    assert post(reader, article, "新敏感词第二次").status_code == 400


# --- flood control -------------------------------------------------------------------------


def test_minimum_interval_between_comments(reader, article, site_settings):
    site_settings.comment_min_interval = 30
    site_settings.save()
    assert post(reader, article, "第一条评论").status_code == 302
    response = post(reader, article, "第二条评论")
    assert response.status_code == 429
    assert "两次评论请间隔 30 秒" in response.content.decode()
    assert Comment.objects.count() == 1


def test_hourly_cap_per_ip_counts_across_accounts(client, article, site_settings):
    site_settings.comment_ip_hourly_limit = 3
    site_settings.save()
    for i in range(3):
        client.force_login(make_user(f"neighbour{i}"))
        assert post(client, article, f"邻居{i}的评论").status_code == 302
    client.force_login(make_user("neighbour9"))
    response = post(client, article, "第四条")
    assert response.status_code == 429
    assert Comment.objects.count() == 3


def test_flood_counters_live_in_the_shared_cache(reader, article, site_settings):
    site_settings.comment_min_interval = 30
    site_settings.save()
    post(reader, article, "第一条评论")
    cache.clear()  # as if another app server with an empty memory served the next request
    assert post(reader, article, "第二条评论").status_code == 302


# --- reports ---------------------------------------------------------------------------------


def report(client, article, comment, reason="abuse", detail=""):
    return client.post(reverse("comments:report", args=[article.pk, comment.pk]), {"reason": reason, "detail": detail})


def test_reader_reports_a_comment_once(reader, article, resident):
    comment = make_comment(article, make_user(), "不好的评论")
    assert report(reader, article, comment, detail="骂人").status_code == 302
    assert report(reader, article, comment).status_code == 409
    assert CommentReport.objects.get().detail == "骂人"
    assert Comment.objects.get(pk=comment.pk).report_count == 1


@pytest.mark.parametrize("reason", ["", "nonsense", "<script>"])
def test_report_needs_a_known_reason(reader, article, reason):
    comment = make_comment(article, make_user())
    assert report(reader, article, comment, reason=reason).status_code == 400
    assert CommentReport.objects.count() == 0


def test_anonymous_cannot_report(client, article):
    comment = make_comment(article, make_user())
    assert report(client, article, comment).status_code == 403
    assert CommentReport.objects.count() == 0


def test_report_of_a_comment_on_another_article_is_404(reader, article, category):
    other = make_article(category=category)
    comment = make_comment(other, make_user())
    assert report(reader, article, comment).status_code == 404


# --- bans ------------------------------------------------------------------------------------


@pytest.fixture
def banned(resident, moderator):
    return services.user_ban(user=resident, by=moderator, duration="7d", reason="发布广告")


def test_banned_resident_sees_why_and_until_when_instead_of_the_form(reader, article, banned):
    page = reader.get(article.get_absolute_url()).content.decode()
    assert "您已被禁止发言" in page
    assert "发布广告" in page
    assert timezone.localtime(banned.expires_at).strftime("%Y-%m-%d %H:%M") in page
    assert 'name="body"' not in page


def test_banned_resident_cannot_comment_reply_or_report(reader, article, banned):
    comment = make_comment(article, make_user(), "别人的评论")
    assert post(reader, article, "被禁言还想说").status_code == 403
    assert post(reader, article, "被禁言还想回复", parent=comment.pk).status_code == 403
    assert report(reader, article, comment).status_code == 403
    assert Comment.objects.count() == 1
    assert CommentReport.objects.count() == 0


def test_ban_ends_by_itself(reader, article, banned, monkeypatch):
    later = timezone.now() + timedelta(days=8)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert post(reader, article, "禁言结束了").status_code == 302


def test_forever_ban_says_it_never_expires(reader, article, resident, moderator):
    services.user_ban(user=resident, by=moderator, duration="forever", reason="屡教不改")
    page = reader.get(article.get_absolute_url()).content.decode()
    assert "永不过期" in page


def test_blackroom_lists_active_bans_only(client, resident, moderator):
    services.user_ban(user=resident, by=moderator, duration="30d", reason="人身攻击")
    old = make_user("old_offender")
    expired = Ban.objects.create(user=old, reason="过期的", expires_at=timezone.now() - timedelta(days=1))
    forever = make_user("forever_offender")
    services.user_ban(user=forever, by=moderator, duration="forever", reason="散布谣言")
    page = client.get("/blackroom/").content.decode()
    assert "resident1" in page and "人身攻击" in page
    assert "forever_offender" in page and "永不过期" in page
    assert "禁止发言" in page
    assert expired.reason not in page


def test_blackroom_escapes_reasons(client, resident, moderator):
    services.user_ban(user=resident, by=moderator, duration="1d", reason="<b>粗体</b>")
    page = client.get("/blackroom/").content.decode()
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page


# --- query budget --------------------------------------------------------------------------


def count_article_queries(client, article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(article.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        assert client.get(article.get_absolute_url()).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("logged_in", [False, True])
def test_article_page_budget_is_the_same_with_200_comments(client, article, resident, logged_in):
    if logged_in:
        client.force_login(resident)
    empty = count_article_queries(client, article)
    authors = [make_user() for _ in range(10)]
    comments = Comment.objects.bulk_create(
        Comment(article=article, user=authors[i % 10], body=f"评论{i}", status=Comment.Status.APPROVED)
        for i in range(200)
    )
    Comment.objects.bulk_create(
        Comment(article=article, user=authors[i % 10], parent=comments[i], body=f"回复{i}", status="approved")
        for i in range(0, 200, 3)
    )
    CommentReport.objects.bulk_create(
        CommentReport(comment=comments[i], user=authors[(i + 1) % 10], reason="spam") for i in range(0, 200, 5)
    )
    # 点赞 and 热门评论 (#21): likes on many comments, five of them hot.
    CommentLike.objects.bulk_create(
        CommentLike(comment=comments[i], user=authors[j]) for i in range(0, 200, 2) for j in range(10) if j != i % 10
    )
    Comment.objects.filter(pk__in=[c.pk for c in comments[::2]]).update(like_count=9)
    services._recount([article.pk])
    if logged_in:
        CommentLike.objects.bulk_create(CommentLike(comment=comments[i], user=resident) for i in range(150, 200))
    full = count_article_queries(client, article)
    # Only once there are comments: the replies, 热门评论 (#21) and, for a resident, which they liked (#21).
    assert full == empty + (3 if logged_in else 2)
    assert full <= 13  # 10 before #21, then the favourite state (news.engagement) and the two above


def test_binary_garbage_in_the_form_is_refused_not_a_500(reader, article):
    response = reader.post(
        reverse("comments:create", args=[article.pk]),
        data=b"body=%FF%FE%00%01garbage",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert Comment.objects.count() == 0
