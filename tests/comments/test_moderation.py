"""The moderators' admin: the queue, bulk actions, bans, sensitive words, the log, and who may do what."""

import re

import pytest
from django.urls import reverse

from accounts.models import Ban
from accounts.roles import EDITOR, MODERATOR, REPORTER
from news.articles.factories import make_article, make_user
from news.articles.models import Article
from news.comments import services
from news.comments.models import Comment, CommentReport, ModerationAction, SensitiveWord

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:comments_comment_changelist")


@pytest.fixture
def article(category, reporter):
    return make_article(title="评论很多的文章", category=category, author=reporter)


def comments(article, n, status="pending", user=None, body="评论"):
    user = user or make_user()
    made = Comment.objects.bulk_create(
        Comment(article=article, user=user, body=f"{body}{i}", status=status) for i in range(n)
    )
    services._recount([article.pk])
    return made


def run_action(client, action, selected, **extra):
    return client.post(QUEUE, {"action": action, "_selected_action": [c.pk for c in selected], **extra}, follow=True)


def comment_count(article):
    return Article.objects.get(pk=article.pk).comment_count


# --- the queue ----------------------------------------------------------------------------


def test_queue_shows_pending_then_reported_then_the_rest(client, moderator, article):
    done = comments(article, 1, "approved", body="普通")[0]
    reported = comments(article, 1, "approved", body="被举报")[0]
    CommentReport.objects.create(comment=reported, user=make_user(), reason="spam")
    Comment.objects.filter(pk=reported.pk).update(report_count=1)
    pending = comments(article, 1, "pending", body="待审")[0]
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    assert page.index(pending.body) < page.index(reported.body) < page.index(done.body)


def test_queue_filters_by_status_reported_and_article(client, moderator, article, category):
    comments(article, 2, "pending", body="待审")
    comments(article, 1, "approved", body="已通过")
    other = make_article(category=category)
    comments(other, 1, "pending", body="别的文章")
    client.force_login(moderator)
    page = client.get(QUEUE, {"status__exact": "pending", "article": article.pk}).content.decode()
    assert "待审0" in page and "待审1" in page
    assert "已通过0" not in page and "别的文章0" not in page
    assert client.get(QUEUE, {"reported": "yes"}).status_code == 200
    assert client.get(QUEUE, {"article": "not-a-number"}).status_code == 200
    assert client.get(QUEUE, {"q": "待审"}).status_code == 200


def test_moderator_clears_100_pending_comments_at_once(client, moderator, article):
    queue = comments(article, 100)
    client.force_login(moderator)
    response = run_action(client, "approve_selected", queue)
    assert "已通过 100 条评论" in response.content.decode()
    assert Comment.objects.filter(status="approved").count() == 100
    assert comment_count(article) == 100
    assert ModerationAction.objects.filter(kind="approve", actor=moderator).count() == 100


def test_reject_and_spam_take_comments_off_the_count(client, moderator, article):
    live = comments(article, 4, "approved")
    assert comment_count(article) == 4
    client.force_login(moderator)
    run_action(client, "reject_selected", live[:1], reject_reason="spam")
    run_action(client, "spam_selected", live[1:2])
    assert comment_count(article) == 2
    assert Comment.objects.get(pk=live[0].pk).status == "rejected"
    assert Comment.objects.get(pk=live[1].pk).status == "spam"
    kinds = sorted(ModerationAction.objects.values_list("kind", flat=True))
    assert kinds == ["reject", "spam"]


def test_delete_removes_comment_and_replies_and_keeps_the_count_exact(client, moderator, article):
    top = comments(article, 2, "approved")
    Comment.objects.create(article=article, user=make_user(), parent=top[0], body="回复", status="approved")
    services._recount([article.pk])
    assert comment_count(article) == 3
    client.force_login(moderator)
    response = run_action(client, "delete_selected_comments", top[:1])
    assert "已删除 2 条评论" in response.content.decode()
    assert Comment.objects.count() == 1
    assert comment_count(article) == 1
    assert ModerationAction.objects.filter(kind="delete").count() == 2


def test_approving_twice_logs_and_counts_once(client, moderator, article):
    queue = comments(article, 3)
    client.force_login(moderator)
    run_action(client, "approve_selected", queue)
    response = run_action(client, "approve_selected", queue)
    assert "已通过 0 条评论" in response.content.decode()
    assert comment_count(article) == 3
    assert ModerationAction.objects.count() == 3


def test_comment_page_shows_ip_and_reports_to_moderators(client, moderator, article):
    comment = comments(article, 1)[0]
    Comment.objects.filter(pk=comment.pk).update(ip_address="203.0.113.9", user_agent="TestPhone/1.0")
    CommentReport.objects.create(comment=comment, user=make_user(), reason="abuse", detail="骂人了")
    client.force_login(moderator)
    page = client.get(reverse("admin:comments_comment_change", args=[comment.pk])).content.decode()
    assert "203.0.113.9" in page and "TestPhone/1.0" in page and "骂人了" in page


def test_ip_address_never_reaches_public_pages(client, article):
    comment = comments(article, 1, "approved")[0]
    Comment.objects.filter(pk=comment.pk).update(ip_address="203.0.113.9", user_agent="TestPhone/1.0")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "203.0.113.9" not in page and "TestPhone" not in page


# --- bans from the queue -----------------------------------------------------------------------


@pytest.mark.parametrize(("duration", "days"), [("1d", 1), ("7d", 7), ("30d", 30), ("forever", None)])
def test_ban_the_author_from_a_comment(client, moderator, article, duration, days):
    author = make_user("spammer")
    comment = comments(article, 1, "approved", user=author)[0]
    client.force_login(moderator)
    url = reverse("admin:comments_comment_ban", args=[comment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"duration": duration, "reason": "发广告"})
    assert response.status_code == 302
    ban = Ban.objects.get(user=author)
    assert ban.reason == "发广告" and ban.created_by == moderator
    if days is None:
        assert ban.expires_at is None
    else:
        assert round((ban.expires_at - ban.created_at).total_seconds() / 86400) == days
    assert ModerationAction.objects.get(kind="ban").target_user == author
    assert "spammer" in client.get("/blackroom/").content.decode()


def test_ban_form_needs_a_reason_and_a_known_duration(client, moderator, article):
    comment = comments(article, 1, "approved")[0]
    client.force_login(moderator)
    url = reverse("admin:comments_comment_ban", args=[comment.pk])
    assert client.post(url, {"duration": "1000y", "reason": "x"}).status_code == 400
    assert client.post(url, {"duration": "7d", "reason": ""}).status_code == 400
    assert Ban.objects.count() == 0


def test_lifting_a_ban_keeps_the_record_and_frees_the_resident(client, moderator, resident):
    ban = services.user_ban(user=resident, by=moderator, duration="forever", reason="测试")
    client.force_login(moderator)
    client.post(reverse("admin:accounts_ban_changelist"), {"action": "lift_selected", "_selected_action": [ban.pk]})
    ban.refresh_from_db()
    assert ban.lifted_at is not None
    assert resident.active_ban() is None
    assert "resident1" not in client.get("/blackroom/").content.decode()


@pytest.mark.parametrize("target", ["reporter", "editor", "moderator"])
def test_the_ban_admin_refuses_to_ban_a_staff_account(client, moderator, reporter, editor, target):
    victim = {"reporter": reporter, "editor": editor, "moderator": moderator}[target]
    client.force_login(moderator)
    response = client.post(
        reverse("admin:accounts_ban_add"),
        {"user": victim.pk, "action": "mute", "reason": "越权", "created_at_0": "2026-11-28", "created_at_1": "10:00"},
    )
    assert response.status_code == 200
    assert "不能禁言工作人员账号" in response.content.decode()
    assert not Ban.objects.filter(user=victim).exists()


def test_the_ban_admin_still_bans_a_resident(client, moderator, resident):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:accounts_ban_add"),
        {"user": resident.pk, "action": "mute", "reason": "广告", "created_at_0": "2026-11-28", "created_at_1": "9:00"},
    )
    assert response.status_code == 302
    assert resident.active_ban() is not None
    # A ban added here is in the moderation log like one given from the comment queue.
    entry = ModerationAction.objects.get(kind=ModerationAction.Kind.BAN, target_user=resident)
    assert (entry.actor, entry.detail) == (moderator, "广告")
    assert resident.username in client.get("/blackroom/").content.decode()


@pytest.mark.parametrize("target", ["reporter", "editor", "moderator"])
def test_editing_a_ban_cannot_move_it_onto_a_staff_account(client, moderator, reporter, editor, resident, target):
    """The rule holds on change as on add: a resident's ban cannot be re-pointed at staff."""
    victim = {"reporter": reporter, "editor": editor, "moderator": moderator}[target]
    ban = Ban.objects.create(user=resident, reason="广告", created_by=moderator)
    client.force_login(moderator)
    response = client.post(
        reverse("admin:accounts_ban_change", args=[ban.pk]),
        {"user": victim.pk, "action": "mute", "reason": "越权", "created_at_0": "2026-11-28", "created_at_1": "10:00"},
    )
    assert response.status_code == 200
    assert "不能禁言工作人员账号" in response.content.decode()
    ban.refresh_from_db()
    assert (ban.user, ban.reason) == (resident, "广告")
    assert victim.active_ban() is None


def test_a_ban_on_a_staff_account_is_invalid_whatever_the_path(moderator, reporter):
    """The rule is the model's: full_clean() refuses it, and the comment queue's service too."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        Ban(user=reporter, reason="越权").full_clean()
    assert "user" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.user_ban(user=reporter, by=moderator, duration="7d", reason="越权")
    assert not Ban.objects.filter(user=reporter).exists()


def test_a_banned_resident_cannot_change_the_profile_others_see(client, moderator, resident):
    services.user_ban(user=resident, by=moderator, duration="7d", reason="刷屏")
    client.force_login(resident)
    response = client.post("/accounts/profile/", {"nickname": "换个马甲"})
    assert response.status_code == 403
    assert "禁言期间不能修改个人资料" in response.content.decode() and "刷屏" in response.content.decode()
    resident.refresh_from_db()
    assert resident.nickname != "换个马甲"


def test_merging_tags_with_none_chosen_explains_instead_of_failing(client, editor):
    client.force_login(editor)
    response = client.post(reverse("admin:taggit_tag_merge_tags"), {"new_tag_name": "合并"})
    assert response.status_code == 302
    assert "请先在列表中选择要合并的标签" in client.get(response.url).content.decode()


# --- sensitive words -------------------------------------------------------------------------


def test_bulk_import_of_sensitive_words(client, moderator):
    SensitiveWord.objects.create(word="旧词", action="replace")
    client.force_login(moderator)
    response = client.post(
        reverse("admin:comments_sensitiveword_import"), {"lines": "赌博=禁止\n代开发票=审核\n旧词=block\n傻瓜\n"}
    )
    assert response.status_code == 302
    assert dict(SensitiveWord.objects.values_list("word", "action")) == {
        "赌博": "block",
        "代开发票": "hold",
        "旧词": "block",
        "傻瓜": "replace",
    }


def test_bulk_import_with_a_bad_line_saves_nothing_and_says_which(client, moderator):
    client.force_login(moderator)
    response = client.post(reverse("admin:comments_sensitiveword_import"), {"lines": "赌博=禁止\n坏行=删除\n"})
    assert response.status_code == 400
    assert "第 2 行" in response.content.decode()
    assert SensitiveWord.objects.count() == 0


@pytest.mark.parametrize("path", ["add", "change"])
def test_a_word_that_normalises_to_nothing_is_refused_in_the_admin_form_too(client, moderator, path):
    """The bulk import refuses a word of only spaces, punctuation and symbols (it matches nothing);
    so do the add and change forms."""
    word = SensitiveWord.objects.create(word="赌博", action="block")
    client.force_login(moderator)
    url = reverse(
        "admin:comments_sensitiveword_add" if path == "add" else "admin:comments_sensitiveword_change",
        args=[] if path == "add" else [word.pk],
    )
    response = client.post(url, {"word": "！！ ？", "action": "block"})
    assert response.status_code == 200
    assert "敏感词去掉空格、标点和符号后为空" in response.content.decode()
    assert list(SensitiveWord.objects.values_list("word", flat=True)) == ["赌博"]


# --- who may do what (one table) ------------------------------------------------------------------

ROLES = ["anonymous", "resident", "banned", "reporter", "moderator", "editor"]


@pytest.fixture
def people(db):
    users = {
        "resident": make_user("m_resident"),
        "banned": make_user("m_banned"),
        "reporter": make_user("m_reporter", role=REPORTER),
        "moderator": make_user("m_moderator", role=MODERATOR),
        "editor": make_user("m_editor", role=EDITOR),
    }
    Ban.objects.create(user=users["banned"], reason="测试禁言")
    return users


def public_post(client, article, target):
    return client.post(reverse("comments:create", args=[article.pk]), {"body": "矩阵测试评论", **target})


# Each row: what is tried, and the roles that are allowed to do it.
MATRIX = {
    "post comment": {"resident", "reporter", "moderator", "editor"},
    "reply": {"resident", "reporter", "moderator", "editor"},
    "report": {"resident", "reporter", "moderator", "editor"},
    "view queue": {"moderator"},
    "approve": {"moderator"},
    "delete": {"moderator"},
    "ban author": {"moderator"},
    "import words": {"moderator"},
    "view moderation log": {"moderator"},
}


def attempt(client, action, article, comment):
    """Try one action; return True when it was allowed and took effect."""
    if action == "post comment":
        return public_post(client, article, {}).status_code == 302
    if action == "reply":
        return public_post(client, article, {"parent": comment.pk}).status_code == 302
    if action == "report":
        url = reverse("comments:report", args=[article.pk, comment.pk])
        return client.post(url, {"reason": "spam"}).status_code == 302
    if action == "view queue":
        return client.get(QUEUE).status_code == 200
    if action == "approve":
        pending = Comment.objects.create(article=article, user=comment.user, body="待审矩阵", status="pending")
        client.post(QUEUE, {"action": "approve_selected", "_selected_action": [pending.pk]})
        return Comment.objects.get(pk=pending.pk).status == "approved"
    if action == "delete":
        victim = Comment.objects.create(article=article, user=comment.user, body="删除矩阵", status="approved")
        client.post(QUEUE, {"action": "delete_selected_comments", "_selected_action": [victim.pk]})
        return not Comment.objects.filter(pk=victim.pk).exists()
    if action == "ban author":
        url = reverse("admin:comments_comment_ban", args=[comment.pk])
        client.post(url, {"duration": "1d", "reason": "矩阵"})
        return Ban.objects.filter(user=comment.user, reason="矩阵").exists()
    if action == "import words":
        client.post(reverse("admin:comments_sensitiveword_import"), {"lines": "矩阵词=禁止"})
        return SensitiveWord.objects.filter(word="矩阵词").exists()
    if action == "view moderation log":
        return client.get(reverse("admin:comments_moderationaction_changelist")).status_code == 200
    raise AssertionError(f"no rule for {action}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(client, people, article, role, action, site_settings_no_interval):
    author = make_user()
    comment = Comment.objects.create(article=article, user=author, body="矩阵用的评论", status="approved")
    if role != "anonymous":
        client.force_login(people[role])
    assert attempt(client, action, article, comment) is (role in MATRIX[action])


@pytest.fixture
def site_settings_no_interval(db):
    from news.articles.models import SiteSettings

    settings = SiteSettings.current()
    settings.comment_min_interval = 0
    settings.save()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/news/comment/?status=pending", "/admin/comments/comment/?status=pending"),
        ("/admin/news/sensitiveword/import/", "/admin/comments/sensitiveword/import/"),
        ("/admin/news/reaction/1/change/", "/admin/viewcounts/reaction/1/change/"),
    ],
)
def test_old_admin_bookmarks_of_moved_models_lead_to_their_new_pages(client, moderator, old, new):
    client.force_login(moderator)
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_banning_from_a_comment_offers_to_reject_it_too(client, moderator, article):
    """#20: the ban form has 同时拒绝这条评论, checked; the author sees the ban's reason on 我的评论."""
    author = make_user("spammer")
    comment = comments(article, 1, "approved", user=author)[0]
    client.force_login(moderator)
    url = reverse("admin:comments_comment_ban", args=[comment.pk])
    page = client.get(url).content.decode()
    assert re.search(r'<input type="checkbox" name="reject_comment"[^>]*checked', page)
    assert "同时拒绝这条评论" in page
    response = client.post(url, {"duration": "7d", "reason": "发广告", "reject_comment": "on"}, follow=True)
    assert "并列入小黑屋；这条评论已被拒绝" in response.content.decode()
    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason) == (Comment.Status.REJECTED, "发广告")
    assert Ban.objects.filter(user=author).exists()
    assert set(ModerationAction.objects.values_list("kind", flat=True)) == {"ban", "reject"}
    # A comment already rejected: nothing more to offer.
    assert "reject_comment" not in client.get(url).content.decode()


def test_a_ban_that_fails_rejects_nothing(client, moderator, article):
    comment = comments(article, 1, "approved", user=make_user("spammer"))[0]
    client.force_login(moderator)
    url = reverse("admin:comments_comment_ban", args=[comment.pk])
    assert client.post(url, {"duration": "7d", "reason": "", "reject_comment": "on"}).status_code == 400
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED and not Ban.objects.exists()
