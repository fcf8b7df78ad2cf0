"""The profile page's avatar in Chromium: the current picture, 更换头像 with a preview before
saving, 删除头像 — on a phone and a desktop."""

import pytest
from django.test import Client

from news.articles.factories import make_image_bytes
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in_context(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_resident_previews_saves_and_removes_an_avatar(
    browser, live_server, open_page, resident, media_root, viewport
):
    context = logged_in_context(browser, live_server, resident, viewport)
    try:
        page = open_page("/accounts/profile/", context=context)
        choose = page.get_by_text("上传头像")
        assert choose.is_visible()
        assert page.get_by_role("button", name="删除头像").count() == 0
        page.set_input_files(
            'input[name="avatar"]',
            files=[
                {
                    "name": "me.png",
                    "mimeType": "image/png",
                    "buffer": make_image_bytes(320, 200, image_format="PNG"),
                }
            ],
        )
        preview = page.locator(".js-avatar-preview")
        assert preview.is_visible()
        assert preview.get_attribute("src").startswith("blob:")  # shown before anything is saved
        assert "me.png" in page.locator(".js-avatar-chosen").inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the profile scrolls sideways by {overflow}px"
        screenshot(page, f"profile-avatar-preview-{'phone' if viewport is PHONE else 'desktop'}")

        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        resident.refresh_from_db()
        assert resident.avatar
        assert page.locator(".js-avatar-preview").get_attribute("src") == resident.avatar.url
        assert page.get_by_text("更换头像").is_visible()

        page.get_by_role("button", name="删除头像").click()
        page.wait_for_load_state()
        resident.refresh_from_db()
        assert not resident.avatar
        assert page.get_by_text("头像已删除").is_visible()
    finally:
        context.close()
