"""#21 comment habits: likes (点赞), 热门评论, relative times, "回复 @昵称" and rejection reasons."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from news.articles.factories import make_article, make_user
from news.articles.models import SiteSettings
from news.comments import services
from news.comments.models import Comment, CommentLike, ModerationAction
from news.comments.templatetags.comment_list import relative_time
from yzgz import pagecache

pytestmark = pytest.mark.django_db

PRESSED = re.compile(r'class="like" data-comment="(\d+)" aria-pressed="true"')


@pytest.fixture
def article(category, reporter):
    site = SiteSettings.current()
    site.comment_min_interval = 0  # some tests post two replies in a row
    site.save()
    return make_article(title="钧州大街改造完工", category=category, author=reporter)


@pytest.fixture
def author():
    return make_user("author", nickname="老王")


@pytest.fixture
def comment(article, author):
    made = Comment.objects.create(article=article, user=author, body="路修得真好", status="approved")
    services._recount([article.pk])
    return made


@pytest.fixture
def reader(client, resident):
    client.force_login(resident)
    return client


def like_url(comment):
    return reverse("comments:like", args=[comment.article_id, comment.pk])


def like(client, comment, json=False):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(like_url(comment), **headers)


def likes_of(comment):
    comment.refresh_from_db()
    return comment.like_count, CommentLike.objects.filter(comment=comment).count()


def comments_section(client, article, **params):
    html = client.get(article.get_absolute_url(), params).content.decode()
    return html[html.index('id="comments"') :]


# --- liking ------------------------------------------------------------------------------


def test_a_like_counts_once_and_sends_the_resident_back_to_the_comment(reader, comment):
    response = like(reader, comment)
    assert response.status_code == 302
    assert response["Location"] == f"/article/{comment.article_id}/#comment-{comment.pk}"
    assert likes_of(comment) == (1, 1)
    assert "你赞了这条评论" in reader.get(response["Location"]).content.decode()


def test_liking_again_takes_the_like_back(reader, comment):
    """A toggle, as the button shows (aria-pressed): the second press undoes the first."""
    assert like(reader, comment, json=True).json() == {"liked": True, "count": 1}
    assert like(reader, comment, json=True).json() == {"liked": False, "count": 0}
    assert likes_of(comment) == (0, 0)


def test_one_like_per_resident_and_comment_in_the_database(comment, resident):
    from django.db import IntegrityError, transaction

    CommentLike.objects.create(comment=comment, user=resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentLike.objects.create(comment=comment, user=resident)


def test_the_page_shows_the_count_and_the_pressed_button(reader, comment, article):
    for other in ("li", "zhao"):
        services.comment_like_toggle(comment=comment, user=make_user(other))
    like(reader, comment)
    section = comments_section(reader, article)
    assert PRESSED.findall(section) == [str(comment.pk)]
    assert re.search(rf'data-comment="{comment.pk}" aria-pressed="true">.*?like__count">3<', section)


def test_anonymous_readers_are_sent_to_log_in_and_back(client, comment, article):
    response = like(client, comment)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert f"%23comment-{comment.pk}" in response["Location"]
    json = like(client, comment, json=True)
    assert json.status_code == 401 and json.json()["login"].startswith("/accounts/login/")
    assert likes_of(comment) == (0, 0)
    # Their page offers a link to log in instead of a form.
    assert f'class="like" href="/accounts/login/?next=/article/{article.pk}/%23comment-{comment.pk}"' in (
        comments_section(client, article)
    )


def test_a_resident_cannot_like_their_own_comment(client, comment, author):
    client.force_login(author)
    response = like(client, comment, json=True)
    assert response.status_code == 403
    assert response.json()["error"] == "不能给自己的评论点赞。"
    assert likes_of(comment) == (0, 0)


def test_a_banned_resident_cannot_like_and_is_told_why(reader, comment, resident, moderator):
    services.user_ban(user=resident, by=moderator, duration="7d", reason="恶意刷屏")
    response = like(reader, comment)
    assert response.status_code == 403
    assert "恶意刷屏" in response.content.decode()
    assert likes_of(comment) == (0, 0)


@pytest.mark.parametrize("status", ["pending", "rejected", "spam"])
def test_only_approved_comments_can_be_liked(reader, article, author, status):
    hidden = Comment.objects.create(article=article, user=author, body="还没通过", status=status)
    assert like(reader, hidden).status_code == 404
    assert likes_of(hidden) == (0, 0)


def test_a_comment_of_another_article_is_404(reader, comment, category, reporter):
    other = make_article(title="另一篇", category=category, author=reporter)
    assert reader.post(reverse("comments:like", args=[other.pk, comment.pk])).status_code == 404


def test_get_is_405_and_a_missing_csrf_token_is_403(comment, resident):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(resident)
    assert strict.get(like_url(comment)).status_code == 405
    assert strict.post(like_url(comment)).status_code == 403
    assert likes_of(comment) == (0, 0)


def test_likes_are_throttled(reader, article, author):
    targets = Comment.objects.bulk_create(
        Comment(article=article, user=author, body=f"评论{i}", status="approved") for i in range(4)
    )
    statuses = []
    for _round in range(services.LIKES_PER_MINUTE // 4 + 2):
        statuses.extend(like(reader, target, json=True).status_code for target in targets)
    assert statuses[: services.LIKES_PER_MINUTE] == [200] * services.LIKES_PER_MINUTE
    assert statuses[-1] == 429
    assert all(c.like_count == c.likes.count() for c in Comment.objects.filter(pk__in=[t.pk for t in targets]))


def test_a_like_moves_the_page_cache_generation(reader, comment):
    before = cache.get(pagecache.GENERATION_KEY)
    like(reader, comment)
    assert cache.get(pagecache.GENERATION_KEY) != before


def test_a_deleted_account_takes_its_likes_off_the_counts(comment, resident):
    services.comment_like_toggle(comment=comment, user=resident)
    services.comment_like_toggle(comment=comment, user=make_user("li"))
    resident.delete()
    assert likes_of(comment) == (1, 1)


def test_deleting_a_comment_deletes_its_likes(comment, resident, moderator):
    services.comment_like_toggle(comment=comment, user=resident)
    services.comments_delete(comments=[comment], by=moderator)
    assert CommentLike.objects.count() == 0


# --- 热门评论 -------------------------------------------------------------------------------


def liked_comments(article, likes):
    """Approved comments with ``likes[i]`` likes each, oldest first."""
    made = []
    start = timezone.now() - timedelta(hours=len(likes))
    for i, n in enumerate(likes):
        comment = Comment.objects.create(article=article, user=make_user(), body=f"第{i}条评论", status="approved")
        Comment.objects.filter(pk=comment.pk).update(created_at=start + timedelta(hours=i))
        for _ in range(n):
            services.comment_like_toggle(comment=comment, user=make_user())
        made.append(comment)
    services._recount([article.pk])
    return made


def hot_section(html):
    match = re.search(r'<section class="hot-comments".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_hot_comments_are_the_three_most_liked_with_at_least_three_likes(client, article):
    made = liked_comments(article, [5, 2, 3, 9, 4, 0])
    html = comments_section(client, article)
    hot = hot_section(html)
    assert "热门评论" in hot
    assert re.findall(r'id="hot-comment-(\d+)"', hot) == [str(made[3].pk), str(made[0].pk), str(made[4].pk)]
    # The newest-first list below still has every comment.
    listed = re.findall(r'<li class="comment" id="comment-(\d+)"', html)
    assert listed == [str(c.pk) for c in reversed(made)]


def test_no_hot_comments_below_three_likes_or_after_the_first_page(client, article):
    liked_comments(article, [2, 2, 1])
    assert hot_section(comments_section(client, article)) == ""
    Comment.objects.update(like_count=7)
    assert hot_section(comments_section(client, article)) != ""
    assert hot_section(comments_section(client, article, cpage=2)) == ""


def test_a_reply_whose_thread_was_taken_down_is_not_hot_nor_likeable(reader, article, moderator):
    made = liked_comments(article, [0, 0, 0])
    reply = Comment.objects.create(
        article=article, user=make_user(), parent=made[0], body="热门回复", status="approved"
    )
    for _ in range(5):
        services.comment_like_toggle(comment=reply, user=make_user())
    services._recount([article.pk])
    assert f'id="hot-comment-{reply.pk}"' in hot_section(comments_section(reader, article))
    services.comments_moderate(comments=[made[0]], kind=ModerationAction.Kind.REJECT, by=moderator, reason="广告")
    html = comments_section(reader, article)
    assert "热门回复" not in html, "neither in the list nor among the hot ones"
    assert like(reader, reply).status_code == 404


def test_a_hot_comment_shows_the_residents_like_on_both_its_buttons(reader, article, resident):
    made = liked_comments(article, [3, 3, 3])
    like(reader, made[0])
    assert PRESSED.findall(comments_section(reader, article)) == [str(made[0].pk)] * 2


def test_the_admin_shows_likes_as_a_sortable_column(client, moderator, article):
    made = liked_comments(article, [1, 4])
    client.force_login(moderator)
    queue = reverse("admin:comments_comment_changelist")
    html = client.get(queue).content.decode()
    assert re.search(r'<th scope="col" class="sortable column-like_count">', html)
    column = 1 + ["excerpt", "author_link", "article_link", "status", "report_count", "like_count"].index("like_count")
    for order, counts in ((f"{column}", ["1", "4"]), (f"-{column}", ["4", "1"])):
        html = client.get(queue, {"o": order}).content.decode()
        assert re.findall(r'<td class="field-like_count">(\d+)</td>', html) == counts
    assert [Comment.objects.get(pk=c.pk).like_count for c in made] == [1, 4]


# --- relative times ---------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 10, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (NOW - timedelta(seconds=59), "刚刚"),
        (NOW + timedelta(seconds=30), "刚刚"),  # a clock a little ahead
        (NOW - timedelta(minutes=1), "1分钟前"),
        (NOW - timedelta(minutes=59, seconds=59), "59分钟前"),
        (NOW - timedelta(hours=1), "1小时前"),
        (NOW - timedelta(hours=23, minutes=59), "23小时前"),  # yesterday 10:31, under a day
        (datetime(2026, 12, 2, 8, 5, tzinfo=SHANGHAI), "昨天 08:05"),
        (datetime(2026, 12, 1, 23, 0, tzinfo=SHANGHAI), "12月1日 23:00"),
        (datetime(2026, 1, 1, 0, 0, tzinfo=SHANGHAI), "1月1日 00:00"),
        (datetime(2025, 12, 31, 23, 59, tzinfo=SHANGHAI), "2025年12月31日"),
        (datetime(2026, 12, 2, 0, 30, tzinfo=ZoneInfo("UTC")), "昨天 08:30"),  # the site's day, not UTC's
    ],
)
def test_relative_times(moment, shown):
    with translation.override("zh-hans"):
        assert relative_time(moment, NOW) == shown


def test_comment_times_are_relative_with_the_exact_time_in_the_title(client, comment, article):
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    local = timezone.localtime(Comment.objects.get(pk=comment.pk).created_at)
    section = comments_section(client, article)
    assert (
        f'<time class="comment__time" datetime="{local.isoformat(timespec="seconds")}" '
        f'title="{local:%Y-%m-%d %H:%M:%S}" data-relative>5分钟前</time>'
    ) in section
    # The words site.js rewrites them with (pages come from caches).
    assert '<script id="relative-time-strings" type="application/json">' in section
    assert '"minute": ["%(n)s\\u5206\\u949f\\u524d"' in section


# --- 回复 @昵称 -------------------------------------------------------------------------------


def test_a_reply_to_a_reply_joins_the_thread_and_names_whom_it_answers(reader, comment, article, author):
    first_reply = Comment.objects.create(
        article=article, user=make_user("li", nickname="小李"), parent=comment, body="同意", status="approved"
    )
    reader.post(reverse("comments:create", args=[article.pk]), {"body": "我也同意", "parent": first_reply.pk})
    mine = Comment.objects.get(body="我也同意")
    assert (mine.parent_id, mine.reply_to_user.nickname) == (comment.pk, "小李")
    reader.post(reverse("comments:create", args=[article.pk]), {"body": "回复楼主", "parent": comment.pk})
    assert Comment.objects.get(body="回复楼主").reply_to_user is None  # the thread's first comment
    section = comments_section(reader, article)
    assert '<span class="comment__reply-to">回复 @小李：</span>我也同意' in section
    assert "回复 @老王" not in section


def test_every_reply_has_its_own_reply_form(reader, comment, article):
    reply = Comment.objects.create(
        article=article, user=make_user("li"), parent=comment, body="同意", status="approved"
    )
    section = comments_section(reader, article)
    assert f'<input type="hidden" name="parent" value="{reply.pk}">' in section
    assert f'<input type="hidden" name="parent" value="{comment.pk}">' in section


def test_the_replied_to_name_is_escaped(reader, comment, article):
    reply = Comment.objects.create(
        article=article, user=make_user("evil", nickname="<b>坏</b>"), parent=comment, body="嗯", status="approved"
    )
    reader.post(reverse("comments:create", args=[article.pk]), {"body": "好的好的", "parent": reply.pk})
    section = comments_section(reader, article)
    assert "回复 @&lt;b&gt;坏&lt;/b&gt;：" in section and "<b>坏</b>" not in section


# --- the moderator's reason -------------------------------------------------------------------


def reject(client, comments, **data):
    return client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "reject_selected", "index": "0", "_selected_action": [c.pk for c in comments], **data},
    )


def test_reject_asks_for_a_reason_first(client, moderator, comment):
    client.force_login(moderator)
    response = reject(client, [comment])
    assert response.status_code == 200
    html = response.content.decode()
    assert "广告或垃圾信息" in html and 'name="reject_detail"' in html
    assert f'name="_selected_action" value="{comment.pk}"' in html
    comment.refresh_from_db()
    assert comment.status == "approved"


def test_reject_with_a_preset_and_words_stores_the_reason_and_logs_it(client, moderator, comment):
    client.force_login(moderator)
    response = reject(client, [comment], reject_reason="abuse", reject_detail="辱骂他人")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason) == ("rejected", "辱骂或人身攻击：辱骂他人")
    log = ModerationAction.objects.get(kind="reject")
    assert log.detail.startswith("[辱骂或人身攻击：辱骂他人]")


def test_other_needs_words_of_its_own(client, moderator, comment):
    client.force_login(moderator)
    response = reject(client, [comment], reject_reason="other", reject_detail="  ")
    assert response.status_code == 400
    assert "请填写原因" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "approved"


def test_the_reason_reaches_the_signal(moderator, comment):
    from news.comments.services import comments_moderated

    seen = []

    def receiver(**kwargs):
        seen.append(kwargs["reason"])

    comments_moderated.connect(receiver)
    try:
        services.comments_moderate(comments=[comment], kind=ModerationAction.Kind.REJECT, by=moderator, reason="广告")
    finally:
        comments_moderated.disconnect(receiver)
    assert seen == ["广告"]
    comment.refresh_from_db()
    assert comment.moderation_reason == "广告"


def test_approving_again_clears_the_reason(moderator, comment):
    services.comments_moderate(comments=[comment], kind=ModerationAction.Kind.REJECT, by=moderator, reason="广告")
    services.comments_moderate(comments=[comment], kind=ModerationAction.Kind.APPROVE, by=moderator)
    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason) == ("approved", "")


def test_my_comments_shows_my_rejected_comment_with_the_reason(client, moderator, comment, author, article):
    services.comments_moderate(
        comments=[comment], kind=ModerationAction.Kind.REJECT, by=moderator, reason="与文章无关：<i>灌水</i>"
    )
    client.force_login(author)
    html = client.get(reverse("comments:mine")).content.decode()
    assert '<span class="badge badge--rejected">未通过审核</span>' in html
    assert "审核员给出的原因：与文章无关：&lt;i&gt;灌水&lt;/i&gt;" in html
    other = Client()
    other.force_login(make_user("li"))
    assert "灌水" not in other.get(reverse("comments:mine")).content.decode()
    assert "灌水" not in other.get(article.get_absolute_url()).content.decode()
