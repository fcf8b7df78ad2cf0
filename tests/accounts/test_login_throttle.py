"""One login throttle for every way in (django-axes, accounts/throttle.py), keyed by the account.

Found by an outside probe: /admin/login/ was not throttled at all, and the lock counted the
username as typed, so " name", "ｎａｍｅ" or "name\u3000" each got five fresh guesses. The races
are tested through the production stack (tests/site/test_probe_logins.py).
"""

import pytest
from django.db import IntegrityError

from accounts import throttle
from accounts.models import User
from accounts.roles import EDITOR
from news.articles.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "demo-password-123"  # news.articles.factories.make_user's default
LOCKED = "登录失败次数过多"


def public_login(client, username, password="wrong-password", address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def admin_login(client, username, password="wrong-password", address="10.0.0.1"):
    return client.post(
        ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


@pytest.fixture
def editor_account():
    return make_user("editor", role=EDITOR)


def test_the_admin_login_is_refused_after_the_public_login_locked_the_account(client, editor_account):
    for attempt in range(throttle.LOGIN_MAX_FAILURES):
        public_login(client, "editor", address=f"10.9.0.{attempt}")
    response = admin_login(client, "editor", PASSWORD, address="10.9.1.1")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_at_the_admin_login_are_counted(client, editor_account):
    for attempt in range(throttle.LOGIN_MAX_FAILURES):
        response = admin_login(client, "editor", address=f"10.8.0.{attempt}")
        assert response.status_code == 200  # the admin's own "wrong password" page
    response = public_login(client, "editor", PASSWORD, address="10.8.1.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_login_throttles_by_address_too(client, editor_account):
    for attempt in range(throttle.LOGIN_MAX_FAILURES):
        admin_login(client, f"guess{attempt}", address="10.7.0.1")
    assert admin_login(client, "editor", PASSWORD, address="10.7.0.1").status_code == 429


def test_the_header_quick_login_box_is_the_same_throttle(client, resident):
    """快捷登录 posts to the login page from every page (templates/includes/header.html)."""
    for attempt in range(throttle.LOGIN_MAX_FAILURES):
        client.post(
            LOGIN, {"username": "resident1", "password": "x", "next": "/article/1/"}, REMOTE_ADDR=f"10.6.0.{attempt}"
        )
    response = client.post(LOGIN, {"username": "resident1", "password": PASSWORD, "next": "/"}, REMOTE_ADDR="10.6.1.1")
    assert response.status_code == 429


@pytest.mark.parametrize(
    "spelling",
    [" name", "name ", "\tname", "name\u3000", "ｎａｍｅ", "NAME", "Name\t", "\u3000ＮＡＭＥ"],
    ids=["leading-space", "trailing-space", "tab", "ideographic-space", "full-width", "upper", "mixed", "fw-upper"],
)
def test_another_spelling_of_a_locked_username_is_still_locked(client, spelling):
    make_user("name")
    for attempt in range(throttle.LOGIN_MAX_FAILURES):
        public_login(client, "name", address=f"10.5.0.{attempt}")
    response = public_login(client, spelling, PASSWORD, address="10.5.1.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_spellings_share_one_counter_instead_of_five_guesses_each(client):
    make_user("name")
    spellings = ["name", " name", "ｎａｍｅ", "NAME", "name\u3000"]
    for attempt, spelling in enumerate(spellings):
        public_login(client, spelling, address=f"10.4.0.{attempt}")
    assert public_login(client, "name", PASSWORD, address="10.4.1.1").status_code == 429


@pytest.mark.parametrize("spelling", [" name", "ｎａｍｅ", "NAME", "name\u3000"])
def test_any_spelling_of_the_username_logs_in(client, spelling):
    user = make_user("name")
    response = public_login(client, spelling, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_success_gives_the_address_its_attempt_back(client):
    """Residents behind one carrier NAT log in all day; only failures may lock their address."""
    for number in range(throttle.LOGIN_MAX_FAILURES + 3):
        make_user(f"resident{number}")
        assert public_login(client, f"resident{number}", PASSWORD, address="10.3.0.1").status_code == 302
        client.logout()


@pytest.mark.parametrize("clash", ["Admin", "ADMIN", "ａｄｍｉｎ", " admin ", "admin\u3000"])
def test_a_username_differing_only_in_case_or_width_cannot_register(client, clash):
    make_user("admin")
    data = {"username": clash, "email": "", "password1": "Yz-2021-strong!", "password2": "Yz-2021-strong!"}
    response = client.post("/accounts/register/", data)
    assert response.status_code == 400
    assert "该用户名已被注册" in response.content.decode()
    assert User.objects.count() == 1


def test_the_database_refuses_a_case_duplicate_whatever_path_creates_it():
    make_user("admin")
    with pytest.raises(IntegrityError):
        User.objects.create(username="ADMIN")


def test_a_new_username_is_stored_normalised():
    user = User.objects.create_user("\u3000ｌｉｓｉ ", password="Yz-2021-strong!")
    assert user.username == "lisi"
