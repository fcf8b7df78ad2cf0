"""A NUL character in any query parameter or form field is a 400 with a reason, on every URL.

PostgreSQL refuses NUL in text: before ``yzgz.middleware.RefuseNulMiddleware`` the admin's tag
suggestions and Django's own autocomplete answered ``?q=%00`` / ``?term=%00`` with a 500.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from news.articles.factories import make_article, make_image_bytes
from news.comments.models import Comment

pytestmark = pytest.mark.django_db

REASON = "请求中含有空字符（NUL）"


def refused(response):
    assert response.status_code == 400
    assert REASON in response.content.decode()
    return True


@pytest.mark.parametrize(
    "url",
    [
        "/admin/news/article/tag-suggest/?q=%00",
        "/admin/news/article/tag-suggest/?q=%E7%A6%B9%00",
        "/admin/autocomplete/?app_label=news&model_name=article&field_name=category&term=%00",
        "/admin/news/article/?q=%00",
        "/admin/news/article/?q%00=x",
    ],
)
def test_nul_in_an_admin_query_parameter_is_a_400(client, editor, url):
    client.force_login(editor)
    assert refused(client.get(url))


def test_nul_in_the_ban_user_autocomplete_is_a_400(client, moderator):
    client.force_login(moderator)
    assert refused(client.get("/admin/autocomplete/?app_label=accounts&model_name=ban&field_name=user&term=%00"))


def test_the_same_admin_requests_without_nul_still_work(client, editor):
    client.force_login(editor)
    assert client.get("/admin/news/article/tag-suggest/?q=禹").status_code == 200
    url = "/admin/autocomplete/?app_label=news&model_name=article&field_name=category&term=x"
    assert client.get(url).status_code == 200


def test_nul_in_a_public_form_is_a_400_and_saves_nothing(client, category, reporter, resident):
    article = make_article(category=category, author=reporter)
    client.force_login(resident)
    response = client.post(f"/article/{article.pk}/comments/", {"body": "禹州\x00关注，好消息"})
    assert refused(response)
    assert Comment.objects.count() == 0


def test_a_client_asking_for_json_gets_the_reason_as_json(client, category, reporter):
    article = make_article(category=category, author=reporter)
    response = client.post(f"/article/{article.pk}/react/", {"reaction": "1\x00"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert REASON in response.json()["error"]


def test_nul_in_registration_is_a_400_and_creates_no_account():
    users = User.objects.count()
    response = Client().post(
        "/accounts/register/",
        {"username": "newbie\x00", "password1": "Matrix-new-Secret-2468", "password2": "Matrix-new-Secret-2468"},
    )
    assert refused(response)
    assert User.objects.count() == users


def test_nul_in_a_public_query_parameter_is_a_400(client):
    assert refused(client.get("/search/", {"q": "禹州\x00"}))
    assert refused(client.get("/rank/?period=%00"))


def test_nul_in_a_form_field_name_is_a_400(client, resident):
    client.force_login(resident)
    assert refused(client.post("/accounts/profile/", {"nickname": "好人", "x\x00": "1"}))


def test_an_uploaded_file_name_never_carries_a_nul(client, resident, media_root):
    """Django drops unprintable characters from upload names; either way no NUL gets through."""
    client.force_login(resident)
    avatar = SimpleUploadedFile("a\x00b.jpg", make_image_bytes(40, 30), content_type="image/jpeg")
    response = client.post("/accounts/profile/", {"nickname": "好人", "avatar": avatar})
    assert response.status_code in {200, 302, 400}
    assert "\x00" not in (User.objects.get(pk=resident.pk).avatar.name or "")
