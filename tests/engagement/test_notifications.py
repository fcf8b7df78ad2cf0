"""消息: replies, moderation and updated favourites reach the resident, in the same transaction
as their cause, and never show anybody a comment that is not public."""

import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from news.articles import services as articles
from news.articles.factories import make_article, make_user
from news.articles.models import ModerationMode, SiteSettings
from news.comments import services as comments
from news.comments.models import Comment, ModerationAction
from news.engagement.models import Favourite, Notification, NotificationSettings
from news.engagement.services import set_email_replies

pytestmark = pytest.mark.django_db

BELL = re.compile(r'<a class="bell[^"]*" href="/accounts/notifications/" aria-label="([^"]*)"')


@pytest.fixture
def article(category, reporter):
    site = SiteSettings.current()
    site.comment_min_interval = 0  # these residents answer each other at once
    site.save()
    return make_article(title="钧瓷文化节开幕", category=category, author=reporter)


@pytest.fixture
def zhang(db):
    return make_user("zhang", nickname="老张", email="zhang@example.com")


@pytest.fixture
def li(db):
    return make_user("li", nickname="小李")


def review_first():
    site = SiteSettings.current()
    site.comment_moderation = ModerationMode.REVIEW_FIRST
    site.save()


def post(article, user, text, parent=None):
    return comments.comment_post(article=article, user=user, text=text, parent_id=parent and parent.pk).comment


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def bell(client):
    return BELL.search(client.get("/").content.decode()).group(1)


def test_a_reply_rings_the_bell_and_opening_it_goes_to_the_reply(article, zhang, li):
    mine = post(article, zhang, "文化节几点开始？")
    reply = post(article, li, "上午九点，在钧官窑址。", parent=mine)
    notice = Notification.objects.get()
    assert (notice.recipient, notice.kind, notice.comment, notice.actor) == (zhang, "reply", reply, li)
    client = client_for(zhang)
    assert bell(client) == "消息，1 条未读"
    page = client.get("/accounts/notifications/").content.decode()
    assert "小李 回复了你的评论" in page and "上午九点，在钧官窑址。" in page
    opened = client.get(f"/accounts/notifications/{notice.pk}/")
    assert opened["Location"] == f"{article.get_absolute_url()}#comment-{reply.pk}"
    assert bell(client) == "消息"
    assert bell(client_for(li)) == "消息", "the one who replied is told nothing"


def test_replying_to_oneself_tells_nobody(article, zhang):
    mine = post(article, zhang, "补充一句")
    post(article, zhang, "再补充一句", parent=mine)
    assert not Notification.objects.exists()


def test_a_reply_waiting_for_review_is_not_announced_until_approved(article, zhang, li, moderator):
    mine = post(article, zhang, "文化节几点开始？")
    review_first()
    reply = post(article, li, "等审核的回复内容", parent=mine)
    assert not Notification.objects.filter(recipient=zhang).exists()
    assert "等审核的回复内容" not in client_for(zhang).get("/accounts/notifications/").content.decode()
    comments.comments_moderate(comments=[reply], kind=ModerationAction.Kind.APPROVE, by=moderator)
    assert Notification.objects.get(recipient=zhang).kind == "reply"
    assert Notification.objects.get(recipient=li).kind == "approved"


def test_a_rejected_comment_tells_its_author_why(article, li, moderator):
    review_first()
    held = post(article, li, "需要审核的评论")
    comments.comments_moderate(comments=[held], kind=ModerationAction.Kind.REJECT, by=moderator, reason="与本文无关")
    notice = Notification.objects.get()
    assert (notice.recipient, notice.kind, notice.reason) == (li, "rejected", "与本文无关")
    page = client_for(li).get("/accounts/notifications/").content.decode()
    assert "你的评论未通过审核" in page and "原因： 与本文无关" in page
    assert client_for(li).get(f"/accounts/notifications/{notice.pk}/")["Location"] == "/accounts/comments/"


def test_spam_is_not_announced(article, li, moderator):
    review_first()
    held = post(article, li, "加微信领红包")
    comments.comments_moderate(comments=[held], kind=ModerationAction.Kind.SPAM, by=moderator)
    assert not Notification.objects.exists()


def test_a_reply_taken_off_the_page_takes_its_notice_with_it(article, zhang, li, moderator):
    mine = post(article, zhang, "文化节几点开始？")
    reply = post(article, li, "一条后来被拒的回复", parent=mine)
    assert Notification.objects.filter(recipient=zhang).exists()
    comments.comments_moderate(comments=[reply], kind=ModerationAction.Kind.REJECT, by=moderator, reason="广告")
    assert not Notification.objects.filter(recipient=zhang).exists()
    assert "一条后来被拒的回复" not in client_for(zhang).get("/accounts/notifications/").content.decode()
    comments.comments_moderate(comments=[reply], kind=ModerationAction.Kind.APPROVE, by=moderator)
    comments.comments_delete(comments=[reply], by=moderator)
    assert not Notification.objects.filter(recipient=zhang).exists()


def test_notices_roll_back_with_their_cause(article, zhang, li, moderator):
    mine = post(article, zhang, "文化节几点开始？")
    review_first()
    reply = post(article, li, "回滚测试回复", parent=mine)
    with pytest.raises(RuntimeError), transaction.atomic():
        comments.comments_moderate(comments=[reply], kind=ModerationAction.Kind.APPROVE, by=moderator)
        assert Notification.objects.count() == 2
        raise RuntimeError("the request failed after moderating")
    assert not Notification.objects.exists()
    assert Comment.objects.get(pk=reply.pk).status == Comment.Status.PENDING


def test_an_updated_favourite_is_announced_once_until_read(article, zhang, li, editor):
    Favourite.objects.create(user=zhang, article=article)
    Favourite.objects.create(user=li, article=article)
    article.body = "<p>更正：开幕时间改为上午十点。</p>"
    article.save()
    articles.keep_revision(article, editor)
    assert sorted(Notification.objects.values_list("recipient__username", "kind")) == [
        ("li", "article_updated"),
        ("zhang", "article_updated"),
    ]
    article.body = "<p>再次更新。</p>"
    article.save()
    articles.keep_revision(article, editor)
    assert Notification.objects.count() == 2, "one unread notice per article is enough"
    client = client_for(zhang)
    client.post("/accounts/notifications/read/")
    article.body = "<p>第三次更新。</p>"
    article.save()
    articles.keep_revision(article, editor)
    assert Notification.objects.filter(recipient=zhang).count() == 2


def test_mark_all_read_touches_only_my_notices(article, zhang, li):
    mine = post(article, zhang, "评论一")
    theirs = post(article, li, "评论二")
    post(article, li, "回复一", parent=mine)
    post(article, zhang, "回复二", parent=theirs)
    client = client_for(zhang)
    response = client.post("/accounts/notifications/read/")
    assert response.status_code == 302
    assert Notification.objects.get(recipient=zhang).read_at is not None
    assert Notification.objects.get(recipient=li).read_at is None


def test_one_notice_is_marked_read_from_its_own_button(article, zhang, li):
    mine = post(article, zhang, "评论一")
    post(article, li, "回复一", parent=mine)
    post(article, li, "回复二", parent=mine)
    first, second = Notification.objects.order_by("pk")
    client = client_for(zhang)
    page = client.get("/accounts/notifications/").content.decode()
    assert page.count(">标为已读</button>") == 2
    client.post("/accounts/notifications/read/", {"id": [str(first.pk)]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert bell(client) == "消息，1 条未读"


def test_another_residents_notice_cannot_be_opened_or_marked(article, zhang, li):
    mine = post(article, zhang, "评论一")
    post(article, li, "回复一", parent=mine)
    notice = Notification.objects.get()
    intruder = client_for(li)
    assert intruder.get(f"/accounts/notifications/{notice.pk}/").status_code == 404
    intruder.post("/accounts/notifications/read/", {"id": [str(notice.pk)]})
    assert Notification.objects.get().read_at is None
    assert intruder.post("/accounts/notifications/read/", {"id": ["abc"]}).status_code == 302
    assert Client().get("/accounts/notifications/")["Location"].startswith("/accounts/login/")


def test_email_for_replies_is_off_by_default_and_sent_after_the_commit(
    article, zhang, li, django_capture_on_commit_callbacks
):
    mine = post(article, zhang, "文化节几点开始？")
    with django_capture_on_commit_callbacks(execute=True):
        post(article, li, "第一条回复", parent=mine)
    assert mail.outbox == []
    set_email_replies(user=zhang, on=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(article, li, "第二条回复，上午九点", parent=mine)
    assert mail.outbox == [], "nothing is sent before the commit"
    for callback in callbacks:
        callback()
    message = mail.outbox[0]
    assert message.to == ["zhang@example.com"]
    assert "小李" in message.subject and "第二条回复，上午九点" in message.body
    assert f"#comment-{Comment.objects.get(body='第二条回复，上午九点').pk}" in message.body


def test_the_email_setting_needs_an_address(li):
    client = Client(enforce_csrf_checks=False)
    client.force_login(li)
    response = client.post("/accounts/notifications/settings/", {"email_replies": "on"}, follow=True)
    assert "请先在个人资料中填写邮箱" in response.content.decode()
    assert not NotificationSettings.objects.exists()


def test_the_bell_costs_at_most_one_query_and_follows_every_change(article, zhang, li, moderator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(zhang)
    assert bell(client) == "消息"
    with CaptureQueriesContext(connection) as queries:
        bell(client)
    assert not [q for q in queries.captured_queries if "engagement_notification" in q["sql"]], "cached"
    mine = post(article, zhang, "文化节几点开始？")
    reply = post(article, li, "上午九点", parent=mine)
    assert bell(client) == "消息，1 条未读"
    comments.comments_moderate(comments=[reply], kind=ModerationAction.Kind.REJECT, by=moderator, reason="测试")
    assert bell(client) == "消息"
    comments.comments_moderate(comments=[reply], kind=ModerationAction.Kind.APPROVE, by=moderator)
    assert bell(client) == "消息，1 条未读"
    client.post("/accounts/notifications/read/")
    assert bell(client) == "消息"


def test_a_reply_in_an_old_thread_opens_on_the_comment_page_it_is_on(article, zhang, li):
    from news.comments.listing import COMMENTS_PER_PAGE

    mine = post(article, zhang, "最早的一条评论")
    for number in range(COMMENTS_PER_PAGE + 5):  # 25 newer threads push it to page 2
        post(article, make_user(), f"后来的评论{number}")
    reply = post(article, li, "回复最早的那条", parent=mine)
    client = client_for(zhang)
    notice = Notification.objects.get(recipient=zhang)
    opened = client.get(f"/accounts/notifications/{notice.pk}/")
    assert opened["Location"] == f"{article.get_absolute_url()}?cpage=2#comment-{reply.pk}"
    assert f'id="comment-{reply.pk}"' in client.get(opened["Location"]).content.decode()


def test_approving_many_replies_costs_the_same_queries_as_two(article, zhang, li, moderator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mine = post(article, zhang, "文化节几点开始？")
    review_first()
    set_email_replies(user=zhang, on=True)

    def approve(count):
        replies = [post(article, make_user(), f"回复{count}-{n}", parent=mine) for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            comments.comments_moderate(comments=replies, kind=ModerationAction.Kind.APPROVE, by=moderator)
        return len(queries)

    assert approve(2) == approve(20)
    assert Notification.objects.filter(recipient=zhang, kind="reply").count() == 22


def test_rejecting_a_thread_withdraws_the_notices_of_its_replies(article, zhang, li, moderator):
    mine = post(article, zhang, "文化节几点开始？")
    theirs = post(article, li, "上午九点", parent=mine)
    post(article, zhang, "谢谢", parent=theirs)
    assert Notification.objects.filter(recipient=li).count() == 1
    comments.comments_moderate(comments=[mine], kind=ModerationAction.Kind.REJECT, by=moderator, reason="跑题")
    assert not Notification.objects.filter(kind="reply").exists()


def test_forgetting_tells_nothing_about_unpublished_numbers(article, zhang, category, reporter):
    from news.articles.models import Article

    draft = make_article(title="草稿", category=category, author=reporter, status=Article.Status.DRAFT)
    client = Client()
    client.force_login(zhang)
    answers = [
        client.post(f"/article/{pk}/favourite/", {"favourite": "off"}, HTTP_ACCEPT="application/json")
        for pk in (draft.pk, draft.pk + 1000)
    ]
    assert [(a.status_code, a.json()) for a in answers] == [(200, {"favourite": False})] * 2
    answers = [
        client.post(f"/article/{pk}/favourite/", {"favourite": "on"}, HTTP_ACCEPT="application/json")
        for pk in (draft.pk, draft.pk + 1000)
    ]
    assert [a.status_code for a in answers] == [404, 404]


def test_the_bell_forgets_a_reply_deleted_by_a_moderator_at_once(article, zhang, li, moderator):
    mine = post(article, zhang, "文化节几点开始？")
    reply = post(article, li, "一条要被删除的回复", parent=mine)
    client = client_for(zhang)
    assert bell(client) == "消息，1 条未读"
    comments.comments_delete(comments=[reply], by=moderator)
    assert bell(client) == "消息"
