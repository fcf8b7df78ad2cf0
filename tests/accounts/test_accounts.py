"""Residents' accounts: registration, throttled login, profile with avatar, my comments."""

import io

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from accounts import throttle
from accounts.models import User
from news.articles.factories import make_article, make_image_bytes, make_user
from news.comments.models import Comment

pytestmark = pytest.mark.django_db

REGISTER = "/accounts/register/"
LOGIN = "/accounts/login/"


def register(client, username="禹州居民", password="Yz-2021-strong!", **extra):
    data = {"username": username, "email": "", "password1": password, "password2": password, "website": ""}
    data.update(extra)
    return client.post(REGISTER, data)


# --- registration ---------------------------------------------------------------------------


def test_register_logs_in_and_returns_to_next(client):
    response = register(client, next="/article/1/#comments")
    assert response.status_code == 302
    assert response.url == "/article/1/#comments"
    user = User.objects.get(username="禹州居民")
    assert user.email == ""
    assert client.session["_auth_user_id"] == str(user.pk)


def test_register_refuses_an_external_next(client):
    response = register(client, next="https://evil.example/")
    assert response.url == "/"


def test_register_with_bad_input_shows_errors_and_saves_nothing(client):
    response = register(client, password="123", password2="456")
    assert response.status_code == 400
    assert User.objects.filter(username="禹州居民").count() == 0


def test_username_taken_case_insensitively(client):
    make_user("Zhang")
    response = register(client, username="zhang")
    assert response.status_code == 400
    assert "该用户名已被注册" in response.content.decode()


def test_honeypot_filled_is_refused(client):
    response = register(client, website="http://spam.example")
    assert response.status_code == 403
    assert not User.objects.filter(username="禹州居民").exists()


def test_registration_is_limited_per_ip(client):
    for i in range(throttle.REGISTER_MAX_PER_IP):
        assert register(client, username=f"resident{i}").status_code == 302
        client.logout()
    response = register(client, username="one_too_many")
    assert response.status_code == 429
    assert "注册次数过多" in response.content.decode()
    assert not User.objects.filter(username="one_too_many").exists()


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(client):
    register(client)
    assert identify_hasher(User.objects.get(username="禹州居民").password).algorithm == "argon2"


def test_argon2_is_the_production_default():
    from django.conf import settings

    from yzgz import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.AUTH_USER_MODEL == "accounts.User"


# --- login ----------------------------------------------------------------------------------


def login(client, username="resident1", password="wrong-password", **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR="10.0.0.1")


def test_login_and_back_to_the_article(client, resident):
    response = login(client, password="demo-password-123", next="/article/5/")
    assert response.status_code == 302
    assert response.url == "/article/5/"


def test_failed_login_says_so(client, resident):
    response = login(client)
    assert response.status_code == 400
    assert "请输入一个正确的" in response.content.decode() or "不正确" in response.content.decode()


def test_five_failures_for_a_username_lock_it_even_with_the_right_password(client, resident):
    for _ in range(5):
        login(client)
    response = login(client, password="demo-password-123")
    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_from_one_ip_lock_every_username(client, resident):
    for i in range(5):
        login(client, username=f"guess{i}")
    assert login(client, password="demo-password-123").status_code == 429


def test_success_resets_the_username_counter(client, resident):
    for _ in range(4):
        client.post(LOGIN, {"username": "resident1", "password": "x"}, REMOTE_ADDR=f"10.1.0.{_}")
    assert client.post(LOGIN, {"username": "resident1", "password": "demo-password-123"}).status_code == 302
    client.logout()
    client.post(LOGIN, {"username": "resident1", "password": "x"})
    assert client.post(LOGIN, {"username": "resident1", "password": "demo-password-123"}).status_code == 302


def test_login_form_needs_csrf(resident):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(LOGIN, {"username": "resident1", "password": "demo-password-123"})
    assert response.status_code == 403


def test_logout_is_post_only(client, resident):
    client.force_login(resident)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client, resident):
    client.force_login(resident)
    response = client.post(
        "/accounts/password/",
        {"old_password": "demo-password-123", "new_password1": "New-pass-2026!", "new_password2": "New-pass-2026!"},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.check_password("New-pass-2026!")


# --- profile and avatar -------------------------------------------------------------------------


def test_profile_needs_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_profile_saves_nickname_and_a_squared_avatar(client, resident, media_root):
    client.force_login(resident)
    upload = SimpleUploadedFile("me.png", make_image_bytes(600, 400, image_format="PNG"), content_type="image/png")
    response = client.post("/accounts/profile/", {"nickname": "老禹州", "avatar": upload})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.nickname == "老禹州"
    with Image.open(media_root / resident.avatar.name) as image:
        assert image.size == (256, 256)
        assert image.format == "JPEG"
        assert not image.getexif()


def test_avatar_orientation_is_applied_and_exif_dropped(client, resident, media_root):
    picture = Image.new("RGB", (400, 200), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the picture is really 200 wide and 400 tall
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    client.force_login(resident)
    client.post("/accounts/profile/", {"nickname": "", "avatar": SimpleUploadedFile("p.jpg", buffer.getvalue())})
    resident.refresh_from_db()
    with Image.open(media_root / resident.avatar.name) as image:
        assert 0x010F not in image.getexif()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.png", b"not an image"),
        ("empty.png", b""),
        ("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ],
)
def test_bad_avatar_is_refused_and_nothing_changes(client, resident, media_root, name, content):
    client.force_login(resident)
    response = client.post("/accounts/profile/", {"nickname": "新昵称", "avatar": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    resident.refresh_from_db()
    assert resident.nickname == ""
    assert not resident.avatar
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_nickname_is_escaped_beside_comments(client, resident, category):
    resident.nickname = "<b>粗</b>"
    resident.save()
    article = make_article(category=category)
    Comment.objects.create(article=article, user=resident, body="你好啊", status="approved")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "&lt;b&gt;粗&lt;/b&gt;" in page


# --- my comments ----------------------------------------------------------------------------


def test_my_comments_lists_own_comments_with_status(client, resident, category):
    article = make_article(title="我评论过的文章", category=category)
    Comment.objects.create(article=article, user=resident, body="我的已通过评论", status="approved")
    Comment.objects.create(article=article, user=resident, body="我的待审评论", status="pending")
    Comment.objects.create(article=article, user=resident, body="我的被拒评论", status="rejected")
    Comment.objects.create(article=article, user=make_user(), body="别人的评论", status="approved")
    client.force_login(resident)
    page = client.get("/accounts/comments/").content.decode()
    for text in ("我的已通过评论", "我的待审评论", "我的被拒评论", "已通过", "待审核", "未通过审核", "我评论过的文章"):
        assert text in page
    assert "别人的评论" not in page


def test_my_comments_needs_login(client):
    assert client.get("/accounts/comments/").status_code == 302
