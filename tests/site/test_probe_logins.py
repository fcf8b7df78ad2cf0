"""What the outside probe did to logins and addresses, done again through the production stack
(two Granian app servers on PostgreSQL and Redis, nginx in front): races on the limits, the
admin login, and clients that write their own X-Forwarded-For.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth.models import Group
from django.db import connection  # noqa: F401 - read by the skipif condition string

from accounts import throttle
from accounts.models import User
from accounts.roles import EDITOR
from news.articles.factories import make_article
from news.articles.models import SiteSettings
from news.comments.models import Comment
from tests.site.test_production_stack import (  # noqa: F401 - its skips and fixtures
    FACTORY_PASSWORD,
    Browser,
    log_in,
    pytestmark,
    resident_named,
    stack,
    static_root,
)

LOCKED = "登录失败次数过多"


def in_parallel(count, prepare, fire):
    """``prepare(i)`` for each of ``count`` clients, then ``fire(prepared)`` all at the same moment."""
    prepared = [prepare(i) for i in range(count)]
    start = threading.Barrier(count)

    def go(item):
        start.wait(timeout=30)
        return fire(item)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(go, prepared))


def front_or_app(stack):
    return stack["front"] or stack["a"]


def test_thirty_parallel_wrong_passwords_check_at_most_five(stack, db):
    resident_named("racer")
    base = front_or_app(stack)

    def prepare(_i):
        browser = Browser()
        return browser, browser.prepare_post(f"{base}/accounts/login/", f"{base}/accounts/login/")

    def fire(item):
        _browser, send = item
        return send({"username": "racer", "password": "wrong-password"})[0]

    statuses = in_parallel(30, prepare, fire)
    checked = statuses.count(400)  # the password was checked and was wrong
    assert checked <= throttle.LOGIN_MAX_FAILURES, statuses
    assert statuses.count(429) == 30 - checked, statuses
    # ... and the account stays locked for the right password.
    assert LOCKED in log_in(Browser(), base, "racer", FACTORY_PASSWORD)[1]


def test_thirty_parallel_registrations_from_one_address_create_at_most_five(stack, db):
    base = front_or_app(stack)
    before = User.objects.count()

    def prepare(i):
        browser = Browser()
        return i, browser.prepare_post(f"{base}/accounts/register/", f"{base}/accounts/register/")

    def fire(item):
        i, send = item
        data = {"username": f"bulk{i}", "email": "", "password1": "Yz-2021-strong!", "password2": "Yz-2021-strong!"}
        return send({**data, "website": ""})[0]

    statuses = in_parallel(30, prepare, fire)
    created = User.objects.count() - before
    assert 1 <= created <= throttle.REGISTER_MAX_PER_IP, statuses
    assert statuses.count(429) == 30 - created, statuses  # the others were told to wait an hour


def test_the_admin_login_through_nginx_is_throttled_with_the_public_one(stack, db):
    editor = resident_named("editor")
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    editor.groups.add(Group.objects.get(name=EDITOR))
    base = front_or_app(stack)
    for _ in range(throttle.LOGIN_MAX_FAILURES):
        log_in(Browser(), base, "editor", "wrong-password")
    admin = Browser()
    login = f"{base}/admin/login/?next=/admin/"
    status, page = admin.post(login, login, {"username": "editor", "password": FACTORY_PASSWORD, "next": "/admin/"})
    assert status == 429 and LOCKED in page
    assert admin.get(f"{base}/admin/")[1].count('name="password"') == 1  # still the login page


def test_a_client_straight_to_an_app_server_cannot_choose_its_address(stack, db):
    """The app servers believe X-Forwarded-For only from nginx (DJANGO_TRUSTED_PROXIES)."""
    resident = resident_named("zhouqi")
    app = stack["a"]
    for attempt, forged in enumerate(["203.0.113.1", "garbage", "203.0.113.3, 198.51.100.4", "", "unknown"]):
        client = Browser()
        client.opener.addheaders = [("X-Forwarded-For", forged)]
        log_in(client, app, f"nobody{attempt}", "wrong")  # five usernames from one real address
    forging = Browser()
    forging.opener.addheaders = [("X-Forwarded-For", "198.51.100.99")]
    assert LOCKED in log_in(forging, app, resident.username, FACTORY_PASSWORD)[1]


def test_the_address_stored_with_a_comment_is_the_real_one(stack, category, reporter):
    site = SiteSettings.current()
    site.comment_moderation = "post_first"
    site.save()
    article = make_article(title="地址从哪里来", category=category, author=reporter)
    resident = resident_named("sunba")
    member = Browser()
    member.opener.addheaders = [("X-Forwarded-For", "6.6.6.6")]
    log_in(member, stack["b"], resident.username, FACTORY_PASSWORD)
    url = stack["b"] + article.get_absolute_url()
    member.post(stack["b"] + f"/article/{article.pk}/comments/", url, {"body": "我从哪里来？"})
    comment = Comment.objects.get(article=article)
    assert comment.ip_address == "127.0.0.1"
