"""In a real browser, what brings a resident back (#21): a reply rings the other resident's bell,
they open it, like the reply and keep the article; 我的收藏 and 最近浏览 list it.

Two residents in two browsers: 小李 on a phone replies to 老张's comment; 老张 on a desktop
sees 消息 1, opens the notice, lands on the reply, likes it, and keeps the article (收藏) with
and without a reload. axe-core checks the new pages at 375 and 1280 px.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_accessibility import axe_script, describe, serious_violations  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-password-123"  # news.articles.factories.make_user's default
# Headless Chromium calls itself HeadlessChrome, which the view beacon rightly takes for a bot.
DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"
)


@pytest.fixture
def residents(seed_article):
    from news.articles.factories import make_user
    from news.articles.models import SiteSettings
    from news.comments.services import comment_post

    site = SiteSettings.current()
    site.comment_min_interval = 0
    site.save()
    zhang = make_user("laozhang", nickname="老张")
    li = make_user("xiaoli", nickname="小李")
    comment_post(article=seed_article, user=zhang, text="观摩活动在哪个社区举行？")
    return zhang, li


def log_in(open_page, context, user, next_path):
    page = open_page(f"/accounts/login/?next={next_path}", context=context)
    form = page.locator("form.form")
    form.locator("#id_username").fill(user.username)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_path}")
    return page


def test_a_reply_rings_the_bell_and_the_resident_likes_it_and_keeps_the_article(
    browser, open_page, seed_article, residents
):
    from news.comments.models import Comment, CommentLike
    from news.engagement.models import Favourite, HistoryEntry

    zhang, li = residents
    url = seed_article.get_absolute_url()
    question = Comment.objects.get(user=zhang)

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    desktop = browser.new_context(viewport=DESKTOP, locale="zh-CN", user_agent=DESKTOP_UA)
    try:
        # 小李 replies on a phone.
        page = log_in(open_page, phone, li, url)
        thread = page.locator(f"#comment-{question.pk}")
        thread.locator("details.reply > summary").first.click()
        thread.locator("details.reply textarea[name=body]").first.fill("在夏都街道党群服务中心。")
        thread.locator("details.reply form").first.get_by_role("button", name="回复").click()
        expect(page.locator(".messages")).to_contain_text("评论已发表。")
        reply = Comment.objects.get(user=li)

        # 老张's bell shows one unread message on any page.
        wide = log_in(open_page, desktop, zhang, "/")
        bell = wide.locator(".user-menu .bell")
        expect(bell.locator(".bell__count")).to_have_text("1")
        expect(bell).to_have_attribute("aria-label", "消息，1 条未读")
        screenshot(wide, "bell-desktop")
        bell.click()
        wide.wait_for_url("**/accounts/notifications/")
        notice = wide.locator(".notice").first
        expect(notice).to_contain_text("小李 回复了你的评论")
        expect(notice.locator(".notice__quote")).to_have_text("在夏都街道党群服务中心。")
        screenshot(wide, "notifications-desktop")
        notice.get_by_role("link", name=seed_article.title).click()
        wide.wait_for_url(f"**{url}#comment-{reply.pk}")
        expect(wide.locator(".user-menu .bell__count")).to_have_count(0)  # read now

        # 点赞 in place.
        like = wide.locator(f"#comment-{reply.pk} button.like").first
        expect(like).to_have_attribute("aria-pressed", "false")
        like.click()
        expect(like).to_have_attribute("aria-pressed", "true")
        expect(like.locator(".like__count")).to_have_text("1")
        assert CommentLike.objects.filter(comment=reply, user=zhang).count() == 1

        # 收藏 without leaving the page, kept after a reload, listed on 我的收藏.
        keep = wide.locator("button.favourite")
        expect(keep).to_have_accessible_name("收藏")
        keep.click()
        expect(keep).to_have_attribute("aria-pressed", "true")
        expect(keep).to_have_accessible_name("已收藏")
        assert Favourite.objects.filter(user=zhang, article=seed_article).exists()
        wide.reload()
        expect(wide.locator("button.favourite")).to_have_attribute("aria-pressed", "true")
        wide.locator(".favourite-form__list").click()
        wide.wait_for_url("**/accounts/favourites/")
        expect(wide.locator(".kept__title")).to_have_text([seed_article.title])
        screenshot(wide, "favourites-desktop")

        # 最近浏览: the article pages 老张 opened, counted by the view beacon.
        assert HistoryEntry.objects.filter(user=zhang, article=seed_article).exists()
        wide.get_by_role("navigation", name="我的").get_by_role("link", name="最近浏览").click()
        expect(wide.locator(".kept__title")).to_have_text([seed_article.title])
        wide.get_by_role("button", name="清空浏览记录").click()
        expect(wide.locator(".messages")).to_contain_text("已清空最近浏览（1 篇文章）")
        assert not HistoryEntry.objects.filter(user=zhang).exists()
    finally:
        phone.close()
        desktop.close()


def test_without_javascript_favourites_still_work(browser, open_page, seed_article, residents):
    from news.engagement.models import Favourite

    zhang, _li = residents
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    try:
        page = log_in(open_page, context, zhang, seed_article.get_absolute_url())
        page.locator("button.favourite").click()
        expect(page.locator(".messages")).to_contain_text("已加入我的收藏。")
        expect(page.locator("button.favourite")).to_have_attribute("aria-pressed", "true")
        assert Favourite.objects.filter(user=zhang).count() == 1
        page.locator("button.favourite").click()
        expect(page.locator(".messages")).to_contain_text("已取消收藏。")
        assert not Favourite.objects.exists()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")])
def test_the_residents_pages_have_no_serious_accessibility_problem(
    browser, open_page, live_server, seed_article, residents, axe_script, viewport
):
    from news.comments.services import comment_post
    from news.engagement.models import Favourite

    zhang, li = residents
    question = zhang.comments.get()
    comment_post(article=seed_article, user=li, text="在夏都街道党群服务中心。", parent_id=question.pk)
    Favourite.objects.create(user=zhang, article=seed_article)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    try:
        page = log_in(open_page, context, zhang, seed_article.get_absolute_url())
        for path in ("/accounts/notifications/", "/accounts/favourites/", seed_article.get_absolute_url()):
            page.goto(live_server.url + path)
            violations = serious_violations(page, axe_script)
            assert not violations, f"axe-core on {path}, {viewport['width']}px:\n" + "\n".join(
                map(describe, violations)
            )
        if viewport is PHONE:
            page.goto(live_server.url + "/accounts/notifications/")
            screenshot(page, "notifications-phone")
    finally:
        context.close()
