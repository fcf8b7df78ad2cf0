"""实名 and 评论记录: a verified number before commenting, IP属地 beside comments, records of
deleted comments for the authorities, and the number masked for everyone but superusers.

IP属地 is looked up in the real ip2region databases (``settings.IP_REGION_DB``, installed by
``manage.py fetch_ip_region_db``), as tests/site/test_iplocation.py does.
"""

import csv
import io
import re
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import User
from news.articles.factories import make_article, make_user
from news.articles.models import SiteSettings
from news.comments import services
from news.comments.models import Comment, CommentRecord, ModerationAction
from yzgz import iplocation

pytestmark = pytest.mark.django_db

E164 = "+8613812345678"
MASKED = "138****5678"
FULL_FORMS = ("13812345678", "138 1234 5678", "138-1234-5678", E164)


@pytest.fixture(autouse=True)
def real_db():
    """The installed databases; a missing one fails the test rather than skipping it."""
    iplocation.reset()
    info = iplocation.database_info()
    if not info["present"]:
        pytest.fail(f"no ip2region databases in {info['path']}: run `manage.py fetch_ip_region_db`")


@pytest.fixture
def article(category, reporter):
    return make_article(title="禹州钧瓷文化节开幕", category=category, author=reporter)


def site_settings(*, require_phone):
    site = SiteSettings.current()
    site.comment_min_interval = 0
    site.comments_require_phone = require_phone
    site.save()  # also forgets the cached copy (SiteSettings.current)
    return site


@pytest.fixture
def phone_required(db):
    return site_settings(require_phone=True)


@pytest.fixture
def phone_optional(db):
    return site_settings(require_phone=False)


@pytest.fixture
def verified(db):
    return make_user("verified", phone=E164, phone_verified_at="2024-01-01T00:00Z")


def post(client, article, body, *, parent=None, address="127.0.0.1", **meta):
    data = {"body": body} if parent is None else {"body": body, "parent": parent}
    return client.post(reverse("comments:create", args=[article.pk]), data, REMOTE_ADDR=address, **meta)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def page(response):
    return response.content.decode()


def phone_link(article):
    return f"{reverse('accounts:phone')}?next={quote(article.get_absolute_url() + '#comments', safe='')}"


def comment_markup(html, comment):
    """The ``<li>`` of one comment (without its replies' list)."""
    start = html.index(f'id="comment-{comment.pk}"')
    end = html.find('<li class="comment', start)
    return html[start : end if end >= 0 else len(html)]


# --- a verified number before the first comment -----------------------------------------------


def test_an_unverified_resident_cannot_comment_when_numbers_are_required(phone_required, article, resident):
    response = post(logged_in(resident), article, "我想说两句")
    assert response.status_code == 403
    assert phone_link(article) in page(response)
    assert not Comment.objects.exists()


def test_an_unverified_resident_cannot_reply_when_numbers_are_required(phone_required, article, resident):
    parent = Comment.objects.create(article=article, user=make_user(), body="原评论", status="approved")
    response = post(logged_in(resident), article, "回复一句", parent=parent.pk)
    assert response.status_code == 403
    assert Comment.objects.count() == 1


def test_the_article_page_asks_an_unverified_resident_to_link_a_number(phone_required, article, resident):
    Comment.objects.create(article=article, user=make_user(), body="原评论", status="approved")
    html = page(logged_in(resident).get(article.get_absolute_url()))
    assert phone_link(article) in html
    assert f'action="{reverse("comments:create", args=[article.pk])}"' not in html  # neither the form nor replies
    assert 'name="parent"' not in html


def test_a_number_without_verification_is_not_enough(phone_required, article):
    unverified = make_user("unverified", phone=E164)
    assert post(logged_in(unverified), article, "我想说两句").status_code == 403
    assert not Comment.objects.exists()


def test_a_verified_resident_comments_and_replies(phone_required, article, verified):
    client = logged_in(verified)
    assert post(client, article, "支持钧瓷文化节").status_code == 302
    parent = Comment.objects.get()
    assert post(client, article, "再补充一句", parent=parent.pk).status_code == 302
    assert Comment.objects.filter(user=verified).count() == 2
    html = page(client.get(article.get_absolute_url()))
    assert f'action="{reverse("comments:create", args=[article.pk])}"' in html
    assert phone_link(article) not in html


def test_without_the_requirement_anyone_logged_in_comments(phone_optional, article, resident):
    client = logged_in(resident)
    assert post(client, article, "我想说两句").status_code == 302
    assert Comment.objects.filter(user=resident).count() == 1
    assert phone_link(article) not in page(client.get(article.get_absolute_url()))


def test_a_resident_without_a_number_logs_in_and_reads(phone_required, article, verified, client):
    """Accounts from the old portal have no number: they log in and read as before."""
    Comment.objects.create(article=article, user=verified, body="老用户的评论", status="approved")
    make_user("old_portal_user")
    response = client.post(reverse("accounts:login"), {"username": "old_portal_user", "password": "demo-password-123"})
    assert response.status_code == 302
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "老用户的评论" in page(response)
    assert phone_link(article) in page(response)


# --- IP属地 --------------------------------------------------------------------------------


def test_a_comment_shows_the_province_of_its_address(phone_optional, article, resident):
    client = logged_in(resident)
    post(client, article, "来自南京的问候", address="114.114.114.114")
    comment = Comment.objects.get()
    assert comment.ip_region == "江苏"
    html = page(client.get(article.get_absolute_url()))
    assert f'<span class="comment__region">{gettext("IP location: ")}江苏</span>' in comment_markup(html, comment)


def test_a_local_address_shows_unknown(phone_optional, article, resident):
    client = logged_in(resident)
    post(client, article, "本机发的评论", address="127.0.0.1")
    comment = Comment.objects.get()
    assert comment.ip_region == "未知"
    assert f"{gettext('IP location: ')}未知" in comment_markup(page(client.get(article.get_absolute_url())), comment)


def test_an_imported_comment_shows_no_ip_location(phone_optional, article, resident):
    imported = Comment.objects.create(article=article, user=resident, body="旧站导入的评论", status="approved")
    assert imported.ip_region == ""
    markup = comment_markup(page(Client().get(article.get_absolute_url())), imported)
    assert "旧站导入的评论" in markup
    assert "comment__region" not in markup
    assert gettext("IP location: ").strip() not in markup


def test_the_comment_list_never_shows_the_address(phone_optional, article, resident):
    client = logged_in(resident)
    post(client, article, "地址不公开", address="114.114.114.114")
    for reader in (client, Client(), logged_in(make_user())):
        html = page(reader.get(article.get_absolute_url()))
        assert "地址不公开" in html
        assert "114.114.114.114" not in html


def test_a_forged_forwarded_for_does_not_choose_the_province(phone_optional, article, resident, settings):
    settings.TRUSTED_PROXIES = ("10.0.0.5",)
    client = logged_in(resident)
    post(client, article, "伪造来源", address="114.114.114.114", HTTP_X_FORWARDED_FOR="8.8.8.8")
    assert Comment.objects.get().ip_region == "江苏"


def test_the_province_comes_from_our_proxy_forwarded_for(phone_optional, article, resident, settings):
    settings.TRUSTED_PROXIES = ("10.0.0.5",)
    post(logged_in(resident), article, "经过代理", address="10.0.0.5", HTTP_X_FORWARDED_FOR="114.114.114.114")
    assert Comment.objects.get().ip_region == "江苏"


# --- records of deleted comments (评论记录) -----------------------------------------------------


@pytest.fixture
def posted(phone_optional, article, resident, moderator):
    """A comment posted from 114.114.114.114, rejected then approved by a moderator."""
    services.comment_post(
        article=article, user=resident, text="要留档的评论", ip_address="114.114.114.114", user_agent="Mozilla/5.0"
    )
    comment = Comment.objects.get()
    for kind in (ModerationAction.Kind.REJECT, ModerationAction.Kind.APPROVE):
        services.comments_moderate(comments=Comment.objects.filter(pk=comment.pk), kind=kind, by=moderator)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    return comment


def assert_on_record(comment, *, moderation=()):
    record = CommentRecord.objects.get(comment_id=comment.pk)
    assert record.body == comment.body
    assert record.ip_address == comment.ip_address == "114.114.114.114"
    assert record.ip_region == "江苏"
    assert record.created_at == comment.created_at
    assert record.account_id == comment.user_id
    assert record.username == comment.user.username
    assert record.article_id == comment.article_id
    for line in moderation:
        assert line in record.moderation
    return record


def test_a_comment_deleted_by_a_moderator_is_on_record(posted, moderator):
    services.comments_delete(comments=Comment.objects.filter(pk=posted.pk), by=moderator)
    assert not Comment.objects.exists()
    record = assert_on_record(
        posted, moderation=[gettext("Rejected"), gettext("Approved"), gettext("Deleted"), moderator.username]
    )
    lines = record.moderation.splitlines()
    assert [gettext(kind) for kind in ("Rejected", "Approved", "Deleted")] == [
        next(label for label in map(gettext, ("Rejected", "Approved", "Deleted")) if label in line) for line in lines
    ]
    assert record.article_title == "禹州钧瓷文化节开幕"


def test_deleting_many_comments_keeps_every_record_in_a_constant_number_of_queries(posted, moderator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def delete(count):
        made = [
            Comment.objects.create(article=posted.article, user=make_user(), body=f"第{n}条", status="approved")
            for n in range(count)
        ]
        for comment in made:  # a reply each, which goes with it
            Comment.objects.create(article=posted.article, user=comment.user, body="回复", parent=comment)
        with CaptureQueriesContext(connection) as queries:
            services.comments_delete(comments=made, by=moderator)
        return len(queries), made

    few, _made = delete(2)
    many, made = delete(30)
    assert many == few
    assert CommentRecord.objects.filter(comment_id__in=[c.pk for c in made]).count() == 30
    assert CommentRecord.objects.filter(body="回复").count() == 32
    record = CommentRecord.objects.get(comment_id=made[0].pk)
    assert (record.username, record.article_title, record.body) == (
        made[0].user.username,
        "禹州钧瓷文化节开幕",
        "第0条",
    )
    assert moderator.username in record.moderation and gettext("Deleted") in record.moderation


def test_a_comment_deleted_in_the_admin_is_on_record(posted, moderator, client):
    client.force_login(moderator)
    response = client.post(reverse("admin:comments_comment_delete", args=[posted.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Comment.objects.exists()
    assert_on_record(posted, moderation=[gettext("Approved"), gettext("Deleted")])


def test_comments_deleted_by_the_admin_action_are_on_record(posted, moderator, client):
    client.force_login(moderator)
    client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "delete_selected_comments", "_selected_action": [posted.pk]},
    )
    assert not Comment.objects.exists()
    assert_on_record(posted, moderation=[gettext("Deleted")])


def test_comments_deleted_with_their_article_are_on_record(posted, article):
    reply = Comment.objects.create(article=article, user=make_user(), body="一条回复", parent=posted, status="approved")
    article.delete()
    assert not Comment.objects.exists()
    record = assert_on_record(posted, moderation=[gettext("Approved")])
    assert record.article_title == "禹州钧瓷文化节开幕"
    assert CommentRecord.objects.get(comment_id=reply.pk).body == "一条回复"


def test_comments_deleted_with_their_account_are_on_record(posted, resident):
    account_id, username = resident.pk, resident.username
    resident.delete()
    record = CommentRecord.objects.get(comment_id=posted.pk)
    assert (record.account_id, record.username) == (account_id, username)
    assert record.body == "要留档的评论"
    assert record.ip_address == "114.114.114.114"
    assert gettext("Approved") in record.moderation


# --- the CSV export ---------------------------------------------------------------------------


def export(client, user_id):
    return client.get(reverse("admin:comments_comment_records", args=[user_id]))


def csv_rows(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_moderator_exports_live_and_deleted_comments(posted, article, resident, moderator, client):
    services.comment_post(article=article, user=resident, text="仍然在线的评论", ip_address="223.5.5.5")
    services.comments_delete(comments=Comment.objects.filter(pk=posted.pk), by=moderator)
    client.force_login(moderator)
    response = export(client, resident.pk)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == 3  # the header, one deleted and one live comment
    assert "要留档的评论" in cells and "仍然在线的评论" in cells
    assert "114.114.114.114" in cells and "223.5.5.5" in cells
    assert "江苏" in cells and "浙江" in cells
    assert ModerationAction.objects.filter(kind=ModerationAction.Kind.EXPORT, actor=moderator).count() == 1


def test_the_records_of_a_deleted_account_can_still_be_exported(posted, resident, moderator, client):
    account_id = resident.pk
    resident.delete()
    client.force_login(moderator)
    rows = csv_rows(export(client, account_id))
    assert any("要留档的评论" in row for row in rows)


def test_a_reporter_cannot_export_comment_records(posted, resident, reporter, client):
    client.force_login(reporter)
    assert export(client, resident.pk).status_code == 403
    assert not ModerationAction.objects.filter(kind=ModerationAction.Kind.EXPORT).exists()


def test_a_moderator_without_the_export_permission_cannot_export(posted, resident, moderator, client):
    moderator.groups.clear()
    moderator.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(User.objects.get(pk=moderator.pk))
    assert export(client, resident.pk).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_admin_login(posted, resident, client):
    response = export(client, resident.pk)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1:A2)"])
def test_a_cell_that_looks_like_a_formula_is_neutralised(article, moderator, client, formula):
    author = make_user("@yz-" + str(len(formula)))  # usernames may begin with @, + or -
    Comment.objects.create(article=article, user=author, body=formula, status="approved")
    client.force_login(moderator)
    cells = [cell for row in csv_rows(export(client, author.pk))[1:] for cell in row]
    assert "'" + formula in cells
    assert formula not in cells
    assert not any(re.match(r"[=+\-@]", cell) for cell in cells)


# --- the number masked ---------------------------------------------------------------------------


def test_a_moderator_sees_the_authors_number_masked_in_the_comment_admin(article, verified, moderator, client):
    comment = Comment.objects.create(article=article, user=verified, body="有号码的作者", status="approved")
    client.force_login(moderator)
    response = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    assert response.status_code == 200
    html = page(response)
    assert MASKED in html
    for full in FULL_FORMS:
        assert full not in html


def test_the_comment_admin_list_never_shows_the_number(article, verified, moderator, client):
    Comment.objects.create(article=article, user=verified, body="有号码的作者", status="approved")
    client.force_login(moderator)
    html = page(client.get(reverse("admin:comments_comment_changelist")))
    for full in FULL_FORMS:
        assert full not in html


def test_a_superuser_sees_the_full_number_in_the_user_admin(verified, client):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    html = page(client.get(reverse("admin:accounts_user_change", args=[verified.pk])))
    assert any(full in html for full in FULL_FORMS)


@pytest.mark.parametrize("role", ["moderator", "editor"])
def test_staff_see_the_number_masked_in_the_user_admin(verified, client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("admin:accounts_user_change", args=[verified.pk]))
    assert response.status_code == 200
    html = page(response)
    assert MASKED in html
    for full in FULL_FORMS:
        assert full not in html


def test_staff_cannot_find_a_resident_by_number(verified, moderator, client):
    """Searching by number would reveal it digit by digit."""
    client.force_login(moderator)
    html = page(client.get(reverse("admin:accounts_user_changelist"), {"q": "13812345678"}))
    assert reverse("admin:accounts_user_change", args=[verified.pk]) not in html


def test_a_superuser_finds_a_resident_by_number(verified, client):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    html = page(client.get(reverse("admin:accounts_user_changelist"), {"q": E164}))
    assert reverse("admin:accounts_user_change", args=[verified.pk]) in html


@pytest.mark.parametrize("account_id", [0, 999999])
def test_exporting_an_account_that_never_existed_is_an_empty_file(moderator, client, account_id):
    client.force_login(moderator)
    response = client.get(f"/admin/comments/comment/records/{account_id}/")
    assert response.status_code == 200
    assert len(csv_rows(response)) == 1  # the header


@pytest.mark.parametrize("account_id", [2**63, 10**30])
def test_an_account_number_no_database_can_hold_is_not_found(moderator, client, account_id):
    client.force_login(moderator)
    assert client.get(f"/admin/comments/comment/records/{account_id}/").status_code == 404
