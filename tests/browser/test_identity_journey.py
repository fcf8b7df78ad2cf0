"""Residents' identity in a real browser: register, link a mobile number by SMS code, comment;
log in by SMS code; reset a forgotten password by SMS and by email.

The SMS and mail backends are the in-memory ones; the live server runs in this process, so the
test reads the code and the link the way a resident reads their phone and their mailbox.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

FACTORY_PASSWORD = "demo-password-123"  # news.articles.factories.make_user's default


@pytest.fixture
def identity_site(db, settings):
    """实名 on (as in production), post-first moderation, codes in accounts.sms.outbox."""
    from accounts import sms
    from news.articles.models import SiteSettings

    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    sms.outbox.clear()
    site = SiteSettings.current()
    site.comments_require_phone = True
    site.comment_moderation = "post_first"
    site.comment_min_interval = 0
    site.save()
    return sms.outbox


def last_code(outbox, purpose):
    assert outbox and outbox[-1]["purpose"] == purpose, outbox
    return outbox[-1]["code"]


def test_a_new_resident_links_a_phone_before_the_first_comment(open_page, seed_article, identity_site):
    from accounts.models import User
    from news.comments.models import Comment

    article_url = seed_article.get_absolute_url()
    page = open_page(f"/accounts/register/?next={article_url}%23comments", viewport=PHONE)
    page.locator("#id_username").fill("新居民小王")
    page.locator("#id_password1").fill("Yuzhou-juntai-2024")
    page.locator("#id_password2").fill("Yuzhou-juntai-2024")
    page.locator("form.form").get_by_role("button", name="注册").click()
    page.wait_for_url(re.compile(re.escape(article_url) + "#comments$"))

    # No form yet: the section says why and links the verification, coming back here after.
    prompt = page.locator(".comments__verify")
    expect(prompt).to_contain_text("首次评论前，请先绑定手机号")
    expect(page.locator("#comment-body")).to_have_count(0)
    prompt.get_by_role("link", name="绑定手机号").click()
    page.wait_for_url("**/accounts/phone/**")
    expect(page.locator("h1")).to_have_text("绑定手机号")

    page.locator("#id_phone").fill("139 3710 0001")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".messages")).to_contain_text("验证码已发送至 139****0001")
    # The button counts down the minute before another code may be asked for.
    expect(page.locator(".js-send-code")).to_be_disabled()
    expect(page.locator(".js-send-code")).to_contain_text("秒后可重新获取")
    screenshot(page, "identity-phone-code-sent-375")
    page.locator("#id_code").fill(last_code(identity_site, "verify"))
    page.locator("#id_code").press("Enter")  # Enter presses 绑定该号码, not 获取验证码

    page.wait_for_url(re.compile(re.escape(article_url) + "#comments$"))
    expect(page.locator(".messages")).to_contain_text("手机号绑定成功")
    resident = User.objects.get(username="新居民小王")
    assert str(resident.phone) == "+8613937100001" and resident.phone_verified

    text = "绑定了手机号，终于能评论了。"
    page.locator("#comment-body").fill(text)
    page.get_by_role("button", name="发表评论").click()
    expect(page.locator(".messages")).to_contain_text("评论已发表。")
    own = Comment.objects.get(user=resident)
    first = page.locator(f"#comment-{own.pk}")
    expect(first.locator(".comment__text")).to_have_text(text)
    # The live server's client is 127.0.0.1: a private address has no place to show.
    expect(first.locator(".comment__region")).to_have_text("IP属地：未知")
    assert own.ip_region == "未知"
    expect(page.locator("body")).not_to_contain_text("13937100001")
    first.evaluate("comment => comment.scrollIntoView({block: 'center', behavior: 'instant'})")
    screenshot(page, "identity-first-comment-375")

    page.goto(page.url.split("/article/")[0] + "/accounts/profile/")
    expect(page.locator(".profile-phone")).to_contain_text("139****0001（已验证）")


def test_log_in_by_sms_code_and_reset_the_password_by_sms(open_page, identity_site):
    from django.core.cache import cache
    from django.utils import timezone

    from news.articles.factories import make_user

    make_user("老用户赵", nickname="老赵", phone="+8613937100002", phone_verified_at=timezone.now())
    page = open_page("/accounts/login/", viewport=DESKTOP)
    page.get_by_role("link", name="短信验证码登录").click()
    page.wait_for_url("**/accounts/login/phone/**")
    page.locator("#id_phone").fill("13937100002")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".messages")).to_contain_text("如果 139****0002 已绑定账号，验证码已发送")
    page.locator("#id_code").fill(last_code(identity_site, "login"))
    page.locator("form.form").get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    expect(page.locator(".user-menu__name")).to_have_text("老赵")

    # Forgot the password: 忘记密码 → by SMS (a minute later, as the send limit wants).
    page.context.clear_cookies()
    cache.clear()
    page.goto(page.url.split("/accounts/")[0] + "/accounts/login/")
    page.locator("form.form ~ p").get_by_role("link", name="忘记密码？").click()
    page.wait_for_url("**/accounts/password/reset/")
    page.get_by_role("link", name="用短信验证码重设").first.click()
    page.wait_for_url("**/accounts/password/reset/sms/")
    page.locator("#id_phone").fill("13937100002")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".messages")).to_contain_text("验证码已发送")
    page.locator("#id_code").fill(last_code(identity_site, "reset"))
    page.locator("#id_new_password1").fill("Xinmima-yuzhou-77")
    page.locator("#id_new_password2").fill("Xinmima-yuzhou-77")
    screenshot(page, "identity-reset-by-sms-1280")
    page.get_by_role("button", name="设置新密码").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.locator(".messages")).to_contain_text("密码已重设")
    form = page.locator("form.form")
    form.locator("#id_username").fill("老用户赵")
    form.locator("#id_password").fill("Xinmima-yuzhou-77")
    form.get_by_role("button", name="登录").click()
    expect(page.locator(".user-menu__name")).to_have_text("老赵")


def test_reset_the_password_by_email(open_page, identity_site, live_server):
    from news.articles.factories import make_user

    make_user("邮箱用户", email="reader@example.com")
    page = open_page("/admin/login/", viewport=PHONE)  # the newsroom's login page offers it too
    page.locator(".password-reset-link a").click()
    page.wait_for_url("**/accounts/password/reset/")
    expect(page.locator("h1")).to_have_text("忘记密码？")
    page.locator("#id_email").fill("reader@example.com")
    page.get_by_role("button", name="发送链接").click()
    page.wait_for_url("**/accounts/password/reset/sent/")
    expect(page.locator("h1")).to_have_text("请查收邮件")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "禹州关注：设置新密码" and "您好" in message.body
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)  # the site's own address, not the Host header's
    page.goto(link)
    page.wait_for_url("**/set-password/")
    page.locator("#id_new_password1").fill("Youxiang-mima-2025")
    page.locator("#id_new_password2").fill("Youxiang-mima-2025")
    page.get_by_role("button", name="设置新密码").click()
    page.wait_for_url("**/accounts/password/reset/complete/")
    expect(page.locator("h1")).to_have_text("密码已修改")
