"""Comments in a real browser: residents register, comment, reply and report; moderators
clear the review queue in the admin and ban a resident, who then cannot comment.

Every page goes through ``open_page``, so a console error, a failed request or an
unexpected HTTP error fails the journey.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

FACTORY_PASSWORD = "demo-password-123"  # news.articles.factories.make_user's default


@pytest.fixture
def site_settings(db):
    """Post-first moderation and no pause between two comments of one resident."""
    from news.articles.models import SiteSettings

    settings = SiteSettings.current()
    settings.comment_moderation = "post_first"
    settings.comment_min_interval = 0
    settings.save()
    return settings


@pytest.fixture
def neighbour_comment(seed_article, site_settings):
    """Another resident's approved comment on the seed article."""
    from news.articles.factories import make_user
    from news.comments.models import Comment
    from news.comments.services import _recount

    neighbour = make_user("老城居民", nickname="老城王大爷")
    comment = Comment.objects.create(
        article=seed_article, user=neighbour, body="钧官窑址公园的路什么时候修好？", status=Comment.Status.APPROVED
    )
    _recount([seed_article.pk])
    return comment


def comment_list(page):
    return page.locator("ol.comment-list > li.comment")


def expect_comment_count(page, count):
    expect(page.locator(".comments__count")).to_have_text(str(count))
    expect(page.locator(".article__meta")).to_contain_text(f"评论: {count}")


def show_comments(page):
    """Scroll the comments heading to the top at once (the site scrolls smoothly) for a screenshot."""
    page.locator("#comments-title").evaluate("heading => heading.scrollIntoView({behavior: 'instant'})")


def log_in(page, username, password):
    """The login page's own form (the header's 快捷登录 box has the same field names)."""
    form = page.locator("form.form")
    form.locator("#id_username").fill(username)
    form.locator("#id_password").fill(password)
    form.get_by_role("button", name="登录").click()


@pytest.fixture
def admin_context(browser):
    """A desktop browser context for the admin pages."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    yield context
    context.close()


def admin_log_in(open_page, context, user, next_path):
    page = open_page(f"/admin/login/?next={next_path}", context=context)
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(FACTORY_PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"**{next_path}")
    return page


def test_resident_registers_comments_and_replies(open_page, browser, seed_article, neighbour_comment):
    from news.comments.models import Comment

    article_url = seed_article.get_absolute_url()
    username = "禹州居民01"
    page = open_page(article_url, viewport=PHONE)
    expect_comment_count(page, 1)  # the neighbour's comment

    page.locator(".comments__prompt").get_by_role("link", name="注册").click()
    page.wait_for_url("**/accounts/register/**")
    expect(page.locator("h1")).to_have_text("注册")
    page.locator("#id_username").fill(username)
    page.locator("#id_password1").fill("Yuzhou-juntai-2024")
    page.locator("#id_password2").fill("Yuzhou-juntai-2024")
    expect(page.locator("input[name=website]")).to_have_value("")
    page.locator("form.form").get_by_role("button", name="注册").click()

    page.wait_for_url(re.compile(re.escape(article_url) + "#comments$"))
    expect(page.locator(".user-menu__name")).to_have_text(username)
    expect(page.locator(".messages")).to_contain_text(f"欢迎你，{username}！")

    # 表态: the count of 鲜花 goes from 0 to 1 in place.
    from news.viewcounts.models import Reaction

    flowers = Reaction.objects.get(name="鲜花")
    flower_count = page.locator(f'.reaction__count[data-reaction="{flowers.pk}"]')
    expect(flower_count).to_have_text("0")
    page.get_by_role("button", name="鲜花").click()
    expect(flower_count).to_have_text("1")
    expect(page.get_by_role("button", name="鲜花")).to_have_attribute("aria-pressed", "true")

    text = "夏都街道的党建观摩活动办得很扎实，点赞！"
    page.locator("#comment-body").fill(text)
    page.get_by_role("button", name="发表评论").click()
    expect(page.locator(".messages")).to_contain_text("评论已发表。")
    own = Comment.objects.get(user__username=username, parent=None)
    page.wait_for_url(f"**{article_url}#comment-{own.pk}")
    first = comment_list(page).first
    expect(first).to_have_id(f"comment-{own.pk}")
    expect(first.locator(".comment__author").first).to_have_text(username)
    expect(first.locator(".comment__text").first).to_have_text(text)
    expect_comment_count(page, 2)

    reply_text = "王大爷，听说月底前就能通车。"
    thread = page.locator(f"#comment-{neighbour_comment.pk}")
    expect(thread.locator(".comment__author").first).to_have_text("老城王大爷")
    thread.locator("details.reply > summary").click()
    thread.locator("details.reply textarea[name=body]").fill(reply_text)
    thread.locator("details.reply form").get_by_role("button", name="回复").click()
    expect(page.locator(".messages")).to_contain_text("评论已发表。")
    reply = thread.locator("ol.comment-replies > li.comment--reply")
    expect(reply).to_have_count(1)
    expect(reply.locator(".comment__author")).to_have_text(username)
    expect(reply.locator(".comment__text")).to_have_text(reply_text)
    expect_comment_count(page, 3)
    show_comments(page)
    screenshot(page, "comments-phone")

    assert Comment.objects.filter(user__username=username, status="approved").count() == 2
    assert Comment.objects.get(body=reply_text).parent_id == neighbour_comment.pk
    seed_article.refresh_from_db()
    assert seed_article.comment_count == 3
    assert seed_article.reaction_counts == {str(flowers.pk): 1}

    desktop = browser.new_context(viewport=DESKTOP, locale="zh-CN", storage_state=page.context.storage_state())
    try:
        wide = open_page(f"{article_url}#comments", context=desktop)
        expect(wide.locator(".user-menu__name")).to_have_text(username)
        expect(comment_list(wide)).to_have_count(2)
        expect(wide.locator(f"#comment-{neighbour_comment.pk} .comment--reply .comment__text")).to_have_text(reply_text)
        show_comments(wide)
        screenshot(wide, "comments-desktop")
    finally:
        desktop.close()


def test_resident_reports_a_comment(open_page, seed_article, neighbour_comment, resident):
    from news.comments.models import CommentReport

    page = open_page(seed_article.get_absolute_url())
    page.get_by_text("快捷登录").click()
    page.get_by_label("用户名").fill(resident.username)
    page.get_by_label("密码").fill(FACTORY_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{seed_article.get_absolute_url()}")
    expect(page.locator(".user-menu__name")).to_have_text(resident.username)

    report = page.locator(f"#comment-{neighbour_comment.pk} details.report")
    report.locator("summary").click()
    report.locator("select[name=reason]").select_option(label="辱骂或人身攻击")
    report.locator("input[name=detail]").fill("评论里有人身攻击")
    report.get_by_role("button", name="提交举报").click()
    expect(page.locator(".messages")).to_contain_text("感谢举报，审核员会尽快处理。")
    page.wait_for_url(f"**#comment-{neighbour_comment.pk}")

    assert CommentReport.objects.count() == 1
    saved = CommentReport.objects.get()
    assert (saved.comment_id, saved.user_id, saved.reason, saved.detail) == (
        neighbour_comment.pk,
        resident.pk,
        "abuse",
        "评论里有人身攻击",
    )
    neighbour_comment.refresh_from_db()
    assert neighbour_comment.report_count == 1


def test_moderator_clears_a_queue_of_100_pending_comments(
    open_page, admin_context, seed_article, site_settings, moderator
):
    from news.articles.factories import make_user
    from news.comments.models import Comment, ModerationAction

    site_settings.comment_moderation = "review_first"
    site_settings.save()
    residents = [make_user(f"居民{n:02d}") for n in range(1, 6)]
    Comment.objects.bulk_create(
        Comment(
            article=seed_article,
            user=residents[n % len(residents)],
            body=f"第{n:03d}条评论：希望多报道禹州的民生新闻。",
            status=Comment.Status.PENDING,
            hold_reason="every comment is reviewed",
        )
        for n in range(1, 101)
    )

    page = admin_log_in(open_page, admin_context, moderator, "/admin/comments/comment/")
    page.locator("#changelist-filter").get_by_role("link", name="待审核").click()
    page.wait_for_url("**status__exact=pending**")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(100)
    screenshot(page, "moderation-queue-desktop")

    page.locator("#action-toggle").check()
    select_across = page.locator(".actions .question a")
    if select_across.is_visible():
        select_across.click()
    expect(page.locator("#result_list tbody input.action-select:checked")).to_have_count(100)
    page.locator("select[name=action]").select_option("approve_selected")
    page.locator("button[name=index]").click()
    expect(page.locator("ul.messagelist li.success")).to_have_text("已通过 100 条评论。")

    reader = open_page(seed_article.get_absolute_url())
    expect_comment_count(reader, 100)
    expect(comment_list(reader)).to_have_count(20)
    expect(comment_list(reader).first.locator(".comment__text")).to_have_text(
        Comment.objects.filter(article=seed_article).first().body
    )
    expect(reader.locator("#comments .pagination").get_by_role("link", name="更早的评论")).to_be_visible()

    assert Comment.objects.filter(article=seed_article, status="approved").count() == 100
    assert not Comment.objects.exclude(status="approved").exists()
    seed_article.refresh_from_db()
    assert seed_article.comment_count == 100
    approvals = ModerationAction.objects.filter(kind=ModerationAction.Kind.APPROVE)
    assert approvals.count() == 100
    assert approvals.filter(actor=moderator).count() == 100
    assert set(approvals.values_list("comment__status", flat=True)) == {"approved"}


def test_moderator_bans_a_resident_who_then_cannot_comment(
    open_page, admin_context, browser, seed_article, site_settings, moderator, resident
):
    from accounts.models import Ban
    from news.comments.models import Comment
    from news.comments.services import _recount

    advert = Comment.objects.create(
        article=seed_article, user=resident, body="低价出售钧瓷，加微信详谈", status=Comment.Status.APPROVED
    )
    _recount([seed_article.pk])

    page = admin_log_in(open_page, admin_context, moderator, "/admin/comments/comment/")
    row = page.locator("#result_list tbody tr", has_text=advert.body)
    row.get_by_role("link", name="禁言作者").click()
    page.wait_for_url(f"**/admin/comments/comment/{advert.pk}/ban/")
    page.get_by_label("7 天").check()
    page.locator("input[name=reason]").fill("发布广告")
    page.get_by_role("button", name="禁言作者").click()
    expect(page.locator("ul.messagelist li.success")).to_have_text(
        f"已禁言 {resident.username}，并列入小黑屋；这条评论已被拒绝。"
    )
    advert.refresh_from_db()
    assert advert.status == Comment.Status.REJECTED

    ban = Ban.objects.get(user=resident)
    assert ban.reason == "发布广告"
    assert ban.created_by == moderator
    assert abs(ban.expires_at - (ban.created_at + timedelta(days=7))) < timedelta(seconds=1)

    page.goto(page.url.split("/admin/")[0] + "/blackroom/")
    entry = page.locator("table.table tbody tr", has_text=resident.username)
    expect(entry).to_have_count(1)
    cells = entry.locator("td")
    expect(cells.nth(0)).to_have_text(resident.username)
    expect(cells.nth(1)).to_have_text("禁止发言")
    expect(cells.nth(2)).to_have_text(timezone.localtime(ban.expires_at).strftime("%Y-%m-%d %H:%M"))
    expect(cells.nth(4)).to_have_text("发布广告")
    screenshot(page, "blackroom-desktop")

    banned = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        article_url = seed_article.get_absolute_url()
        own = open_page(f"/accounts/login/?next={article_url}", context=banned)
        log_in(own, resident.username, FACTORY_PASSWORD)
        own.wait_for_url(f"**{article_url}")
        expect(own.locator(".user-menu__name")).to_have_text(resident.username)
        notice = own.locator(".comments__banned")
        expect(notice).to_contain_text("您已被禁止发言")
        expect(notice).to_contain_text("理由：发布广告")
        expect(own.locator("#comment-body")).to_have_count(0)
        expect(own.locator("form.comment-form")).to_have_count(0)
        notice.scroll_into_view_if_needed()
        screenshot(own, "banned-resident-phone")
    finally:
        banned.close()
