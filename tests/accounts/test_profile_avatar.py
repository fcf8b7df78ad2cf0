"""The profile page's avatar: the current picture, 更换头像 with a preview, and 删除头像.

Tried as a new resident would, the field was Django's raw file widget ("目前: avatars/…",
a lone 清除 checkbox, 修改).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from news.articles.factories import make_image_bytes

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


@pytest.fixture
def with_avatar(client, resident, media_root):
    client.force_login(resident)
    upload = SimpleUploadedFile("me.png", make_image_bytes(300, 300, image_format="PNG"), content_type="image/png")
    assert client.post(PROFILE, {"nickname": "老禹州", "avatar": upload}).status_code == 302
    resident.refresh_from_db()
    return resident


def test_the_current_avatar_is_shown_as_a_picture_with_change_and_remove(client, with_avatar):
    page = client.get(PROFILE).content.decode()
    assert f'src="{with_avatar.avatar.url}"' in page
    assert "更换头像" in page and "删除头像" in page
    assert (
        "目前" not in page
        and "清除" not in page
        and with_avatar.avatar.name not in page.replace(with_avatar.avatar.url, "")
    )


def test_without_an_avatar_the_page_offers_an_upload_and_no_removal(client, resident):
    client.force_login(resident)
    page = client.get(PROFILE).content.decode()
    assert "上传头像" in page
    assert "删除头像" not in page


def test_remove_avatar_deletes_the_picture_and_its_file(client, with_avatar, media_root):
    stored = media_root / with_avatar.avatar.name
    assert stored.exists()
    response = client.post(PROFILE, {"nickname": "老禹州", "remove_avatar": "1"})
    assert response.status_code == 302
    with_avatar.refresh_from_db()
    assert not with_avatar.avatar
    assert not stored.exists()
    assert with_avatar.nickname == "老禹州"
    assert "头像已删除" in client.get(PROFILE).content.decode()


def test_a_banned_resident_cannot_remove_their_avatar(client, with_avatar, moderator):
    from accounts.models import Ban

    Ban.objects.create(user=with_avatar, reason="刷屏", created_by=moderator)
    response = client.post(PROFILE, {"nickname": "老禹州", "remove_avatar": "1"})
    assert response.status_code == 403
    with_avatar.refresh_from_db()
    assert with_avatar.avatar
