"""#21 in a real browser: a resident likes comments (点赞) in place, 热门评论 sits above the
newest comments, times read 刚刚 / N分钟前 / 昨天 HH:MM, a reply to a reply says "回复 @昵称";
at 375 and 1280 px with axe-core finding nothing serious. Without JavaScript the like form
posts and comes back to the comment.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_accessibility import axe_script, describe, serious_violations  # noqa: F401 - a fixture
from tests.browser.test_comments_journey import FACTORY_PASSWORD, log_in

pytestmark = pytest.mark.django_db(transaction=True)
DOCS = "docs/screenshots"


@pytest.fixture
def discussion(seed_article):
    """Five neighbours' comments with 6, 4, 3, 1 and 0 likes, a thread with "回复 @", varied times."""
    from news.articles.factories import make_user
    from news.articles.models import SiteSettings
    from news.comments import services
    from news.comments.models import Comment

    site = SiteSettings.current()
    site.comment_moderation = "post_first"
    site.comment_min_interval = 0
    site.save()
    now = timezone.now()
    neighbours = [
        make_user(f"邻居{i}", nickname=name)
        for i, name in enumerate(["老城王大爷", "钧瓷小李", "夏都张姐", "禹王锁", "白沙湖"])
    ]
    bodies = [
        "党建观摩活动办得扎实，街道的变化大家都看得见。",
        "希望下次能在钧官窑址公园搞一次，顺便看看新修的步道。",
        "社区的志愿者辛苦了，点赞！",
        "请问观摩活动对居民开放吗？",
        "夏都街道越来越好了。",
    ]
    # "Yesterday" is yesterday's midnight on the site's clock: a day or more ago and on yesterday's
    # date at any hour the suite runs (26 hours ago was the day before yesterday until 02:00).
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = midnight - timedelta(days=1)
    times = [
        now - timedelta(days=40),
        yesterday,
        now - timedelta(hours=3),
        now - timedelta(minutes=5),
        now - timedelta(seconds=10),
    ]
    made = []
    for neighbour, body, created_at in zip(neighbours, bodies, times, strict=True):
        comment = Comment.objects.create(article=seed_article, user=neighbour, body=body, status="approved")
        Comment.objects.filter(pk=comment.pk).update(created_at=created_at)
        made.append(comment)
    likers = [make_user(f"点赞居民{i}") for i in range(6)]
    for comment, n in zip(made, [6, 4, 3, 1, 0], strict=True):
        for liker in likers[:n]:
            services.comment_like_toggle(comment=comment, user=liker)
    reply = services.comment_post(
        article=seed_article, user=neighbours[1], text="开放的，提前在社区报名就行。", parent_id=made[3].pk
    ).comment
    services.comment_post(article=seed_article, user=neighbours[3], text="好的，谢谢！", parent_id=reply.pk)
    return made


def liked_button(page, scope, comment):
    return page.locator(f"{scope} button.like[data-comment='{comment.pk}']")


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_resident_likes_comments_in_place(open_page, seed_article, discussion, resident, axe_script, viewport, name):
    article_url = seed_article.get_absolute_url()
    page = open_page(f"/accounts/login/?next={article_url}%23comments", viewport=viewport)
    log_in(page, resident.username, FACTORY_PASSWORD)
    page.wait_for_url(f"**{article_url}#comments")
    page.reload()  # past the login message: the page as residents share it

    hot = page.locator("section.hot-comments")
    expect(hot.get_by_role("heading", name="热门评论")).to_be_visible()
    expect(hot.locator("li.comment--hot")).to_have_count(3)
    expect(hot.locator("li.comment--hot .comment__text").first).to_have_text(discussion[0].body)

    # Relative times, the exact time on hover.
    newest = page.locator(f"#comment-{discussion[4].pk} time.comment__time")
    expect(newest).to_have_text("刚刚")
    expect(page.locator(f"#comment-{discussion[3].pk} > article time.comment__time")).to_have_text("5分钟前")
    expect(page.locator(f"#comment-{discussion[2].pk} time.comment__time")).to_have_text("3小时前")
    expect(page.locator(f"#comment-{discussion[1].pk} time.comment__time")).to_contain_text("昨天 ")
    from news.comments.models import Comment

    exact = timezone.localtime(Comment.objects.get(pk=discussion[4].pk).created_at)
    expect(newest).to_have_attribute("title", f"{exact:%Y-%m-%d %H:%M:%S}")
    # 回复 @昵称 in the thread.
    expect(page.locator(f"#comment-{discussion[3].pk} .comment--reply .comment__reply-to")).to_have_text(
        "回复 @钧瓷小李："
    )

    # Like a comment of the list: pressed, counted, in place.
    button = liked_button(page, "ol.comment-list:not(.comment-list--hot)", discussion[3])
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button.locator(".like__count")).to_have_text("1")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".like__count")).to_have_text("2")

    # Like a hot comment: its button in the list follows.
    hot_button = liked_button(page, "section.hot-comments", discussion[0])
    hot_button.click()
    expect(hot_button).to_have_attribute("aria-pressed", "true")
    expect(hot_button.locator(".like__count")).to_have_text("7")
    listed = liked_button(page, "ol.comment-list:not(.comment-list--hot)", discussion[0])
    expect(listed).to_have_attribute("aria-pressed", "true")
    expect(listed.locator(".like__count")).to_have_text("7")

    violations = serious_violations(page, axe_script)
    assert not violations, f"axe-core on the comments, {viewport['width']}px:\n" + "\n".join(map(describe, violations))

    page.locator("#comments-title").evaluate("heading => heading.scrollIntoView({behavior: 'instant'})")
    screenshot(page, f"comment-likes-{name}")
    page.locator("#comments").screenshot(path=f"{DOCS}/comment-likes-{name}.png")

    # Reloaded, the page says the same (the shared copy with this resident's likes put back).
    page.reload()
    expect(liked_button(page, "ol.comment-list:not(.comment-list--hot)", discussion[3])).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(liked_button(page, "section.hot-comments", discussion[0])).to_have_attribute("aria-pressed", "true")

    # Taking a like back.
    button = liked_button(page, "ol.comment-list:not(.comment-list--hot)", discussion[3])
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button.locator(".like__count")).to_have_text("1")


def test_liking_without_javascript_comes_back_to_the_comment(browser, live_server, seed_article, discussion, resident):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    try:
        page = context.new_page()
        article_url = seed_article.get_absolute_url()
        page.goto(f"{live_server.url}/accounts/login/?next={article_url}")
        log_in(page, resident.username, FACTORY_PASSWORD)
        page.wait_for_url(f"**{article_url}")
        target = discussion[2]
        page.locator(f"#comment-{target.pk} > article button.like").click()
        page.wait_for_url(f"**{article_url}#comment-{target.pk}")
        expect(page.locator(".messages")).to_contain_text("你赞了这条评论")
        button = page.locator(f"#comment-{target.pk} > article button.like")
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button.locator(".like__count")).to_have_text("4")
    finally:
        context.close()


def test_relative_times_move_on_in_a_cached_page(browser, live_server, seed_article, discussion):
    """site.js rewrites the words from each <time datetime> every minute (pages come from caches)."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        page = context.new_page()
        page.clock.install()
        page.goto(live_server.url + seed_article.get_absolute_url())
        time = page.locator(f"#comment-{discussion[3].pk} > article time.comment__time")
        expect(time).to_have_text("5分钟前")
        page.clock.fast_forward("56:00")
        expect(time).to_have_text("1小时前")
        expect(page.locator(f"#comment-{discussion[4].pk} time.comment__time")).to_have_text("56分钟前")
    finally:
        context.close()


def test_an_anonymous_reader_is_asked_to_log_in(open_page, seed_article, discussion):
    page = open_page(seed_article.get_absolute_url())
    page.locator(f"#comment-{discussion[0].pk} > article a.like").click()
    page.wait_for_url("**/accounts/login/**")
    assert f"next=/article/{seed_article.pk}/%23comment-{discussion[0].pk}" in page.url
