"""The newsroom workflow: statuses, withdrawal, scheduling, preview, headlines, revisions and who may do what.

Everything goes through the admin and the public pages as a user would; assertions are on
status codes, stable markup and URLs, and the database (not on new interface wording).
"""

import re
from datetime import timedelta
from pathlib import PurePosixPath

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from accounts.roles import EDITOR, REPORTER
from news.articles import services
from news.articles.factories import make_article, make_category, make_cover, make_source, make_user
from news.articles.models import Article, ArticleRevision, Category, SiteSettings, Source
from news.viewcounts.models import ArticleDailyViews, Reaction
from tests.articles.admin_forms import article_form

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:news_article_add")
LIST_URL = reverse("admin:news_article_changelist")
ADMIN_LOGIN = reverse("admin:login")
SAVE_BUTTON = 'name="_save"'
PREVIEW_BANNER = 'class="preview-banner"'


# --- helpers ---------------------------------------------------------------------------------


def change_url(article):
    return reverse("admin:news_article_change", args=[article.pk])


def revisions_url(article):
    return reverse("admin:news_article_revisions", args=[article.pk])


def restore_url(article, revision):
    return reverse("admin:news_article_revision_restore", args=[article.pk, revision.pk])


def split(value):
    """A datetime as the admin's split date and time inputs post it."""
    local = timezone.localtime(value)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def form_for(article, **overrides):
    """The change form of ``article`` posted back as it stands, with ``overrides``."""
    date, time = split(article.published_at)
    data = article_form(
        article.category,
        title=article.title,
        summary=article.summary,
        body=article.body,
        tags=", ".join(sorted(article.tags.names())),
        status=article.status,
        withdrawn_reason=article.withdrawn_reason,
        published_at_0=date,
        published_at_1=time,
        author=article.author_id,
        headline_order=str(article.headline_order),
    )
    if article.source_id:
        data["source"] = article.source_id
    if not article.allow_comments:
        del data["allow_comments"]
    if article.is_featured:
        data["is_featured"] = "on"
    if article.headline_until:
        data["headline_until_0"], data["headline_until_1"] = split(article.headline_until)
    data.update(overrides)
    return data


def run_action(client, action, articles, **data):
    return client.post(LIST_URL, {"action": action, "_selected_action": [a.pk for a in articles], **data})


def select_options(page, name):
    """The option values of ``<select name=name>`` in ``page``."""
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f'no <select name="{name}"> on the page'
    return re.findall(r'<option value="([^"]*)"', match.group(1))


def workflow_buttons(page):
    """The names of the article form's buttons (#20), in order."""
    row = re.search(r'<div class="submit-row yz-workflow">(.*?)</div>', page, re.S)
    assert row, "no workflow buttons on the page"
    return re.findall(r'<button type="submit" name="([^"]+)"', row.group(1))


def headline_titles(client):
    """The titles in the home page's headline area, in order (empty when there is none)."""
    page = client.get("/").content.decode()
    match = re.search(r'<section class="headlines".*?</section>', page, re.S)
    if not match:
        return []
    return re.findall(r'<a href="/article/\d+/">([^<]+)</a>', match.group(0))


def form_errors(response):
    return response.context["adminform"].form.errors


def make_in_state(state, **fields):
    """An article in a newsroom state: draft, review, scheduled, published or withdrawn."""
    if state == "scheduled":
        fields.update(status=Article.Status.PUBLISHED, published_at=timezone.now() + timedelta(days=1))
    elif state == "withdrawn":
        fields.update(status=Article.Status.WITHDRAWN, withdrawn_reason="信息有误，撤稿")
    else:
        fields["status"] = state
    return make_article(**fields)


def login(client, request, who):
    """Log ``client`` in as the user fixture named ``who`` ("anonymous" stays logged out)."""
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))


@pytest.fixture
def no_publish(db):
    """The site took ``news.publish_article`` away from reporters: they submit for review."""
    permission = Permission.objects.get(content_type__app_label="news", codename="publish_article")
    Group.objects.get(name=REPORTER).permissions.remove(permission)


# --- 1. statuses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("can_publish", "offered"),
    [(True, ["_draft", "_preview", "_publish"]), (False, ["_draft", "_preview", "_review"])],
)
def test_reporter_is_offered_the_buttons_they_may_press(client, request, reporter, category, can_publish, offered):
    """#20: buttons that say what they do (保存草稿, 预览, 提交审核 or 发布) instead of a status menu."""
    if not can_publish:
        request.getfixturevalue("no_publish")
    own_draft = make_article(category=category, author=reporter, status=Article.Status.DRAFT)
    client.force_login(reporter)
    for url in (ADD_URL, change_url(own_draft)):
        page = client.get(url).content.decode()
        assert workflow_buttons(page) == offered
        assert '<select name="status"' not in page and '<input type="hidden" name="status"' in page


def test_reporter_with_publish_permission_publishes_own_draft(client, reporter, category):
    draft = make_article(title="我的草稿", category=category, author=reporter, status=Article.Status.DRAFT)
    client.force_login(reporter)
    response = client.post(change_url(draft), form_for(draft, status="published"))
    assert response.status_code == 302
    assert Article.objects.published().filter(pk=draft.pk).exists()


def test_reporter_without_publish_cannot_publish_through_the_form(client, no_publish, reporter, category):
    draft = make_article(title="我的草稿", category=category, author=reporter, status=Article.Status.DRAFT)
    client.force_login(reporter)

    response = client.post(change_url(draft), form_for(draft, title="想直接发布", status="published"))
    assert response.status_code == 200
    assert "status" in form_errors(response)
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("我的草稿", Article.Status.DRAFT)

    response = client.post(ADD_URL, article_form(category, title="新稿直接发布", status="published"))
    assert response.status_code == 200
    assert "status" in form_errors(response)
    assert not Article.objects.filter(title="新稿直接发布").exists()


def test_reporter_without_publish_submits_for_review(client, no_publish, reporter, category):
    draft = make_article(title="我的草稿", category=category, author=reporter, status=Article.Status.DRAFT)
    client.force_login(reporter)
    response = client.post(change_url(draft), form_for(draft, title="送审稿", status="review"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("送审稿", Article.Status.REVIEW)
    # Still theirs to edit while it waits for review.
    assert client.post(change_url(draft), form_for(draft, title="送审稿（改）")).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("送审稿（改）", Article.Status.REVIEW)
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("state", ["published", "withdrawn"])
def test_reporter_without_publish_cannot_change_own_published_article(client, no_publish, reporter, category, state):
    article = make_in_state(state, title="已发稿件", category=category, author=reporter)
    client.force_login(reporter)

    page = client.get(change_url(article))
    assert page.status_code == 200
    assert "已发稿件" in page.content.decode()
    assert SAVE_BUTTON not in page.content.decode()

    response = client.post(change_url(article), form_for(article, title="偷偷改", status="draft"))
    assert response.status_code == 403
    run_action(client, "draft_selected", [article])
    article.refresh_from_db()
    assert (article.title, article.status) == ("已发稿件", state)


def test_reporter_without_publish_gets_no_publish_actions(client, no_publish, reporter, category):
    review = make_article(title="送审稿", category=category, author=reporter, status=Article.Status.REVIEW)
    client.force_login(reporter)
    actions = select_options(client.get(LIST_URL).content.decode(), "action")
    assert "draft_selected" in actions
    assert "publish_selected" not in actions
    assert "withdraw_selected" not in actions
    # Posting the action anyway does nothing.
    run_action(client, "publish_selected", [review])
    review.refresh_from_db()
    assert review.status == Article.Status.REVIEW


def test_editor_publishes_a_reporters_review_article_in_the_form(client, no_publish, editor, reporter, category):
    review = make_article(title="送审稿", category=category, author=reporter, status=Article.Status.REVIEW)
    client.force_login(editor)
    assert "_publish" in workflow_buttons(client.get(change_url(review)).content.decode())
    response = client.post(change_url(review), form_for(review, status="published"))
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.author) == (Article.Status.PUBLISHED, reporter)
    client.logout()
    assert client.get(review.get_absolute_url()).status_code == 200


def test_editor_publishes_review_articles_with_the_action(client, no_publish, editor, reporter, other_reporter):
    reviews = [
        make_article(author=reporter, status=Article.Status.REVIEW),
        make_article(author=other_reporter, status=Article.Status.REVIEW),
    ]
    client.force_login(editor)
    assert run_action(client, "publish_selected", reviews).status_code == 302
    for article in reviews:
        article.refresh_from_db()
        assert article.is_public
        assert article.revisions.get().editor == editor


# --- 2. withdrawal ---------------------------------------------------------------------------


def test_withdrawing_in_the_form_needs_a_reason(client, editor, reporter, category):
    article = make_article(title="要撤的稿", category=category, author=reporter)
    client.force_login(editor)

    response = client.post(change_url(article), form_for(article, status="withdrawn", withdrawn_reason="  "))
    assert response.status_code == 200
    assert "withdrawn_reason" in form_errors(response)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED

    response = client.post(change_url(article), form_for(article, status="withdrawn", withdrawn_reason="数据有误"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.withdrawn_reason) == (Article.Status.WITHDRAWN, "数据有误")


def test_republishing_clears_the_withdrawal_reason(client, editor, reporter, category):
    article = make_in_state("withdrawn", category=category, author=reporter)
    client.force_login(editor)
    response = client.post(change_url(article), form_for(article, status="published"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.withdrawn_reason) == (Article.Status.PUBLISHED, "")


def test_withdraw_action_asks_for_a_reason_then_withdraws(client, editor, reporter, category):
    articles = [
        make_article(title="头条甲", category=category, author=reporter, is_featured=True),
        make_article(title="头条乙", category=category, author=reporter, is_featured=True, headline_order=1),
    ]
    client.force_login(editor)
    assert headline_titles(client) == ["头条甲", "头条乙"]

    page = run_action(client, "withdraw_selected", articles)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="reason"' in html
    assert '<input type="hidden" name="action" value="withdraw_selected">' in html
    for article in articles:
        assert f'<input type="hidden" name="_selected_action" value="{article.pk}">' in html
    assert Article.objects.published().count() == 2

    # An empty reason shows the page again and changes nothing.
    again = run_action(client, "withdraw_selected", articles, reason="")
    assert again.status_code == 200
    assert again.context["form"].errors["reason"]
    assert Article.objects.published().count() == 2

    done = run_action(client, "withdraw_selected", articles, reason="重复发布")
    assert done.status_code == 302
    for article in articles:
        article.refresh_from_db()
        assert (article.status, article.withdrawn_reason) == (Article.Status.WITHDRAWN, "重复发布")
        assert article.is_featured is False
        assert article.revisions.count() == 0
    assert not Article.objects.headlines().exists()
    assert headline_titles(client) == []


def test_withdrawn_article_leaves_the_hot_list_at_once(client, editor, reporter, category):
    """Withdrawal takes an article down now, even from the cached 热门 block on every page."""
    article = make_article(title="热门稿件", category=category, author=reporter)
    ArticleDailyViews.objects.create(article=article, day=timezone.localdate(), views=50)
    assert "热门稿件" in client.get("/").content.decode()  # a reader's visit fills the cache
    client.force_login(editor)
    assert run_action(client, "withdraw_selected", [article], reason="侵权").status_code == 302
    client.logout()
    assert "热门稿件" not in client.get("/").content.decode()


@pytest.mark.parametrize("viewer", ["anonymous", "resident", "other_reporter", "moderator"])
def test_withdrawn_article_is_gone_for_readers(client, request, reporter, category, viewer):
    article = make_in_state("withdrawn", title="已撤回的稿件", category=category, author=reporter)
    login(client, request, viewer)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 410
    assert "已撤回的稿件" not in response.content.decode()


@pytest.mark.parametrize("viewer", ["reporter", "editor"])
def test_withdrawn_article_is_previewed_by_its_author_and_editors(client, request, reporter, category, viewer):
    article = make_in_state("withdrawn", title="已撤回的稿件", category=category, author=reporter)
    login(client, request, viewer)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert PREVIEW_BANNER in page
    assert "已撤回的稿件" in page
    assert "信息有误，撤稿" in page  # the reason, for the newsroom


HIDDEN_STATES = ["draft", "review", "withdrawn", "scheduled"]
# listing -> its URL, given the public article
LISTINGS = {
    "home": lambda article: "/",
    "category": lambda article: reverse("news:category-detail", args=[article.category.slug]),
    "tag": lambda article: reverse("news:tag-detail", args=[Tag.objects.get(name="钧瓷").slug]),
    "source": lambda article: reverse("news:source-detail", args=[article.source_id]),
    "publisher": lambda article: reverse("news:publisher-detail", args=[article.author.username]),
    "archive": lambda article: reverse(
        "news:archive-month",
        args=[timezone.localtime(article.published_at).year, timezone.localtime(article.published_at).month],
    ),
    "search": lambda article: reverse("search:search") + "?q=钧瓷",
    "rss": lambda article: reverse("news:feed-rss"),
    "atom": lambda article: reverse("news:feed-atom"),
    "category-rss": lambda article: reverse("news:category-feed", args=[article.category.slug]),
    "sitemap": lambda article: reverse("sitemap-section", args=["articles"]),
    "news-sitemap": lambda article: reverse("news-sitemap"),
}


@pytest.mark.parametrize("listing", list(LISTINGS))
@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unpublished_articles_are_left_out_of_every_listing(client, reporter, category, state, listing):
    common = {"category": category, "author": reporter, "tags": ["钧瓷"], "source": make_source("融媒中心")}
    public = make_article(title="公开稿件钧瓷节", **common)
    # Pinned as well: not even the headline area shows it.
    hidden = make_in_state(state, title="隐藏稿件钧瓷节", is_featured=True, **common)
    url = LISTINGS[listing](public)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert public.get_absolute_url() in page  # the listing does list public articles
    assert hidden.get_absolute_url() not in page
    assert "隐藏稿件钧瓷节" not in page


# --- 3. scheduling ---------------------------------------------------------------------------


def test_scheduled_article_goes_public_by_itself(client, reporter, category):
    when = (timezone.localtime() + timedelta(days=2)).replace(second=0, microsecond=0)
    client.force_login(reporter)
    response = client.post(
        ADD_URL,
        article_form(
            category,
            title="定时稿件",
            published_at_0=when.strftime("%Y-%m-%d"),
            published_at_1=when.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 302
    article = Article.objects.get(title="定时稿件")
    assert (article.status, article.published_at) == (Article.Status.PUBLISHED, when)

    # The newsroom sees it as scheduled; the author's preview says when it goes public.
    assert "yz-state--scheduled" in client.get(LIST_URL).content.decode()
    preview = client.get(article.get_absolute_url())
    assert preview.status_code == 200
    banner = re.search(r'<p class="preview-banner".*?</p>', preview.content.decode(), re.S)
    assert banner and when.strftime("%Y-%m-%d %H:%M") in banner.group(0)

    client.logout()
    assert "定时稿件" not in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 404

    # Time passes: no job runs, the article is simply due now.
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(minutes=1))
    assert "定时稿件" in client.get("/").content.decode()
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    assert PREVIEW_BANNER not in page.content.decode()

    client.force_login(reporter)
    listing = client.get(LIST_URL).content.decode()
    assert "yz-state--scheduled" not in listing
    assert "yz-state--published" in listing


# --- 4. preview ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "status_code"),
    [
        ("anonymous", 404),
        ("resident", 404),
        ("other_reporter", 404),
        ("moderator", 404),
        ("reporter", 200),  # the author
        ("editor", 200),
    ],
)
@pytest.mark.parametrize("state", ["draft", "review", "scheduled"])
def test_unpublished_article_preview(client, request, reporter, category, state, viewer, status_code):
    article = make_in_state(state, title="未公开的稿件", category=category, author=reporter)
    login(client, request, viewer)
    response = client.get(article.get_absolute_url())
    assert response.status_code == status_code
    page = response.content.decode()
    if status_code == 200:
        assert PREVIEW_BANNER in page
        assert "未公开的稿件" in page
        assert change_url(article) in page  # the banner's edit link
    else:
        assert "未公开的稿件" not in page


def test_public_article_has_no_preview_banner_for_staff(client, editor, reporter, category):
    article = make_article(category=category, author=reporter)
    client.force_login(editor)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert PREVIEW_BANNER not in response.content.decode()


# --- 5. headlines ----------------------------------------------------------------------------


def test_editor_pins_an_article_in_the_form(client, editor, reporter, category):
    article = make_article(title="要上头条", category=category, author=reporter)
    until = (timezone.localtime() + timedelta(days=1)).replace(microsecond=0)
    client.force_login(editor)
    date, time = split(until)
    response = client.post(
        change_url(article),
        form_for(article, is_featured="on", headline_order="3", headline_until_0=date, headline_until_1=time),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.is_featured, article.headline_order, article.headline_until) == (True, 3, until)
    assert headline_titles(client) == ["要上头条"]


def test_headline_end_time_in_the_past_is_refused_in_the_form(client, editor, reporter, category):
    article = make_article(category=category, author=reporter)
    date, time = split(timezone.now() - timedelta(hours=1))
    client.force_login(editor)
    response = client.post(
        change_url(article), form_for(article, is_featured="on", headline_until_0=date, headline_until_1=time)
    )
    assert response.status_code == 200
    assert "headline_until" in form_errors(response)
    article.refresh_from_db()
    assert (article.is_featured, article.headline_until) == (False, None)


def test_expired_headline_end_time_does_not_block_editing(client, editor, reporter, category):
    expired = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
    article = make_article(category=category, author=reporter, is_featured=True, headline_until=expired)
    client.force_login(editor)
    response = client.post(change_url(article), form_for(article, title="改个标题"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.headline_until) == ("改个标题", expired)


def test_pin_action_asks_for_order_and_end_time(client, editor, reporter, category):
    articles = [make_article(title=f"候选{n}", category=category, author=reporter) for n in range(2)]
    client.force_login(editor)

    page = run_action(client, "pin_selected", articles)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="order"' in html and 'name="until_0"' in html and 'name="until_1"' in html
    assert not Article.objects.filter(is_featured=True).exists()

    past = timezone.localtime() - timedelta(hours=1)
    refused = run_action(
        client, "pin_selected", articles, order="1", until_0=f"{past:%Y-%m-%d}", until_1=f"{past:%H:%M}"
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["until"]
    assert not Article.objects.filter(is_featured=True).exists()

    until = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    done = run_action(
        client, "pin_selected", articles, order="1", until_0=f"{until:%Y-%m-%d}", until_1=f"{until:%H:%M}"
    )
    assert done.status_code == 302
    for article in articles:
        article.refresh_from_db()
        assert (article.is_featured, article.headline_order, article.headline_until) == (True, 1, until)
    assert sorted(headline_titles(client)) == ["候选0", "候选1"]


def test_unpin_action_removes_from_the_headlines(client, editor, reporter, category):
    until = timezone.now() + timedelta(days=1)
    article = make_article(title="头条稿", category=category, author=reporter, is_featured=True, headline_until=until)
    client.force_login(editor)
    assert headline_titles(client) == ["头条稿"]
    assert run_action(client, "unpin_selected", [article]).status_code == 302
    article.refresh_from_db()
    assert (article.is_featured, article.headline_until) == (False, None)
    assert headline_titles(client) == []


def test_home_headlines_follow_headline_order(client, reporter, category):
    now = timezone.now()
    for title, order, age in [("最新但排三", 2, 1), ("最旧但排一", 0, 30), ("居中排二", 1, 10)]:
        make_article(
            title=title,
            category=category,
            author=reporter,
            is_featured=True,
            headline_order=order,
            published_at=now - timedelta(minutes=age),
        )
    make_article(title="不是头条", category=category, author=reporter, published_at=now)
    assert headline_titles(client) == ["最旧但排一", "居中排二", "最新但排三"]


def test_expired_headline_drops_out_of_the_headlines(client, reporter, category):
    article = make_article(
        title="限时头条",
        category=category,
        author=reporter,
        is_featured=True,
        headline_until=timezone.now() + timedelta(hours=1),
    )
    assert headline_titles(client) == ["限时头条"]
    Article.objects.filter(pk=article.pk).update(headline_until=timezone.now() - timedelta(minutes=1))
    assert headline_titles(client) == []
    assert "限时头条" in client.get("/").content.decode()  # still among the latest


def test_reporter_cannot_put_articles_in_the_headlines(client, reporter, category):
    article = make_article(title="我的稿子", category=category, author=reporter)
    client.force_login(reporter)
    for url in (ADD_URL, change_url(article)):
        page = client.get(url).content.decode()
        for field in ('name="is_featured"', 'name="headline_order"', 'name="headline_until_0"'):
            assert field not in page
    until_date, until_time = split(timezone.now() + timedelta(days=1))
    response = client.post(
        change_url(article),
        form_for(
            article,
            title="我的稿子（改）",
            is_featured="on",
            headline_order="7",
            headline_until_0=until_date,
            headline_until_1=until_time,
        ),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "我的稿子（改）"
    assert (article.is_featured, article.headline_order, article.headline_until) == (False, 0, None)
    # Nor through the action, posted without it being offered.
    run_action(client, "pin_selected", [article], order="0", until_0="", until_1="")
    article.refresh_from_db()
    assert article.is_featured is False


@pytest.mark.parametrize(("who", "offered"), [("reporter", False), ("editor", True)])
def test_pin_actions_are_offered_only_to_editors(client, request, reporter, category, who, offered):
    make_article(category=category, author=reporter)  # the action bar shows only over a non-empty list
    login(client, request, who)
    page = client.get(LIST_URL).content.decode()
    assert "yz-state--published" in page
    actions = select_options(page, "action")
    assert ("pin_selected" in actions) is offered
    assert ("unpin_selected" in actions) is offered


# --- 6. revisions ----------------------------------------------------------------------------


@pytest.fixture
def revised(client, reporter, editor, category):
    """A reporter publishes 禹州新闻; an editor then changes its title, body and tags."""
    client.force_login(reporter)
    assert client.post(ADD_URL, article_form(category)).status_code == 302
    article = Article.objects.get(title="禹州新闻")
    client.force_login(editor)
    changed = form_for(article, title="禹州要闻", body="<p>正文第二段。</p>", tags="教育")
    assert client.post(change_url(article), changed).status_code == 302
    article.refresh_from_db()
    client.logout()
    return article


def test_each_save_of_a_published_article_keeps_a_revision(revised, reporter, editor, category):
    newer, older = revised.revisions.all()
    assert (older.editor, older.title, older.tags, older.category) == (reporter, "禹州新闻", "交通, 民生", category)
    assert "正文第一段" in older.body
    assert (newer.editor, newer.title, newer.tags) == (editor, "禹州要闻", "教育")
    assert "正文第二段" in newer.body


def test_saving_a_draft_keeps_no_revision(client, reporter, category):
    client.force_login(reporter)
    client.post(ADD_URL, article_form(category, status="draft"))
    article = Article.objects.get(title="禹州新闻")
    client.post(change_url(article), form_for(article, title="草稿改标题"))
    article.refresh_from_db()
    assert article.title == "草稿改标题"
    assert not ArticleRevision.objects.exists()


def test_saving_without_content_change_adds_no_revision(client, revised, editor):
    client.force_login(editor)
    response = client.post(change_url(revised), form_for(revised, allow_comments=""))
    assert response.status_code == 302
    revised.refresh_from_db()
    assert revised.allow_comments is False  # the save did happen
    assert revised.revisions.count() == 2


def test_revisions_page_lists_every_revision(client, revised, editor):
    client.force_login(editor)
    response = client.get(revisions_url(revised))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("禹州新闻", "禹州要闻", "reporter1", "editor1"):
        assert text in page
    for revision in revised.revisions.all():
        assert restore_url(revised, revision) in page


@pytest.mark.parametrize("reverse_order", [False, True])
def test_comparing_two_revisions_marks_what_changed(client, revised, editor, reverse_order):
    newer, older = revised.revisions.all()
    a, b = (newer, older) if reverse_order else (older, newer)
    client.force_login(editor)
    response = client.get(revisions_url(revised), {"a": a.pk, "b": b.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "禹州<del>新</del><ins>要</ins>闻" in page
    assert "正文第<del>一</del><ins>二</ins>段。" in page


def test_comparing_unknown_revisions_is_404(client, revised, editor):
    client.force_login(editor)
    assert client.get(revisions_url(revised), {"a": "999999", "b": "1"}).status_code == 404


def test_restoring_a_revision_puts_the_old_content_back(client, revised, editor):
    older = revised.revisions.last()
    client.force_login(editor)
    response = client.post(restore_url(revised, older))
    assert response.status_code == 302
    assert response.url == change_url(revised)
    revised.refresh_from_db()
    assert revised.title == "禹州新闻"
    assert revised.body == older.body
    assert sorted(revised.tags.names()) == ["交通", "民生"]
    assert revised.revisions.count() == 3
    latest = revised.revisions.first()
    assert (latest.title, latest.editor, latest.tags) == ("禹州新闻", editor, "交通, 民生")
    # Readers get the restored text.
    client.logout()
    page = client.get(revised.get_absolute_url()).content.decode()
    assert "正文第一段" in page and "正文第二段" not in page


def test_restoring_a_revision_brings_the_old_cover_back(client, reporter, editor, category, media_root):
    client.force_login(reporter)
    response = client.post(ADD_URL, {**article_form(category), "cover": make_cover(width=640, height=400)})
    assert response.status_code == 302
    article = Article.objects.get(title="禹州新闻")
    cover_name = article.cover.name
    client.force_login(editor)
    assert client.post(change_url(article), {**form_for(article), "cover-clear": "on"}).status_code == 302
    article.refresh_from_db()
    assert not article.cover
    assert article.revisions.count() == 2

    assert client.post(restore_url(article, article.revisions.last())).status_code == 302
    article.refresh_from_db()
    assert article.cover.name == cover_name
    assert (article.cover_width, article.cover_height) == (640, 400)
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    assert PurePosixPath(cover_name).stem + "-400w" in page


def test_restoring_a_revision_of_another_article_is_404(client, revised, editor, reporter, category):
    other = make_article(category=category, author=reporter)
    client.force_login(editor)
    assert client.post(restore_url(other, revised.revisions.last())).status_code == 404
    other.refresh_from_db()
    assert other.title != "禹州新闻"


def test_restore_needs_a_post(client, revised, editor):
    client.force_login(editor)
    response = client.get(restore_url(revised, revised.revisions.last()))
    assert response.status_code == 405
    revised.refresh_from_db()
    assert revised.title == "禹州要闻"
    assert revised.revisions.count() == 2


def test_author_restores_own_article(client, revised, reporter):
    client.force_login(reporter)
    assert client.get(revisions_url(revised)).status_code == 200
    assert client.post(restore_url(revised, revised.revisions.last())).status_code == 302
    revised.refresh_from_db()
    assert revised.title == "禹州新闻"


def test_other_reporter_cannot_see_revisions(client, revised, other_reporter):
    client.force_login(other_reporter)
    response = client.get(revisions_url(revised))
    assert response.status_code in {302, 403}
    assert "禹州新闻" not in response.content.decode()


@pytest.mark.parametrize("who", ["other_reporter", "moderator", "reporter_without_publish"])
def test_restore_is_refused_to_those_who_may_not_edit(client, request, revised, who):
    if who == "reporter_without_publish":
        request.getfixturevalue("no_publish")
        who = "reporter"
    login(client, request, who)
    response = client.post(restore_url(revised, revised.revisions.last()))
    assert response.status_code == 403
    revised.refresh_from_db()
    assert revised.title == "禹州要闻"
    assert revised.revisions.count() == 2


def test_moderator_cannot_read_revisions(client, revised, moderator):
    """Revisions are newsroom material; moderators read articles on the public site."""
    client.force_login(moderator)
    response = client.get(revisions_url(revised))
    assert response.status_code == 403
    assert "禹州要闻" not in response.content.decode()


def test_anonymous_cannot_restore(client, revised):
    response = client.post(restore_url(revised, revised.revisions.last()))
    assert response.status_code == 302
    assert response.url.startswith(ADMIN_LOGIN)
    revised.refresh_from_db()
    assert revised.title == "禹州要闻"


# --- 7. permission matrix over admin URLs ----------------------------------------------------


def _site_settings_data(slogan):
    return {
        "site_name": "禹州关注",
        "slogan": slogan,
        "hotline": "0374-1234567",
        "hotline_hours": "全天",
        "address": "禹州",
        "icp_number": "豫ICP备1号",
        "police_number": "1",
        "license_number": "2",
        "show_render_stats": "on",
        "comment_moderation": "post_first",
        "comments_close_after_days": "",
        "comment_min_interval": "30",
        "comment_ip_hourly_limit": "30",
    }


# model name -> (make the object, valid change data, (field, value after the change))
ADMIN_MODELS = {
    "category": (
        lambda: make_category("旧栏目", slug="old-section"),
        {"name": "新栏目", "slug": "old-section", "parent": "", "order": "0", "description": "", "in_nav": "on"},
        ("name", "新栏目"),
    ),
    "source": (lambda: make_source("旧来源"), {"name": "新来源", "url": ""}, ("name", "新来源")),
    "reaction": (
        lambda: Reaction.objects.order_by("pk").first(),
        {"name": "新表态", "icon": "👍", "order": "0", "is_active": "on"},
        ("name", "新表态"),
    ),
    "sitesettings": (SiteSettings.current, _site_settings_data("新标语"), ("slogan", "新标语")),
}
MODEL_CLASSES = {"category": Category, "source": Source, "reaction": Reaction, "sitesettings": SiteSettings}


def admin_url(model, action, *args):
    opts = MODEL_CLASSES[model]._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def admin_change_url(model, obj):
    return admin_url(model, "change", obj.pk)


@pytest.mark.parametrize(
    ("model", "change_page_status"),
    [("category", 200), ("source", 200), ("reaction", 403), ("sitesettings", 403)],
)
def test_reporter_cannot_add_or_change_newsroom_settings(client, reporter, model, change_page_status):
    make, data, (field, new_value) = ADMIN_MODELS[model]
    obj = make()
    before = getattr(obj, field)
    count = MODEL_CLASSES[model].objects.count()
    client.force_login(reporter)

    assert client.get(admin_url(model, "add")).status_code == 403
    page = client.get(admin_change_url(model, obj))
    assert page.status_code == change_page_status
    assert SAVE_BUTTON not in page.content.decode()  # at most a read-only view

    assert client.post(admin_change_url(model, obj), data).status_code == 403
    obj.refresh_from_db()
    assert getattr(obj, field) == before
    assert before != new_value
    assert client.post(admin_url(model, "add"), data).status_code == 403
    assert MODEL_CLASSES[model].objects.count() == count


@pytest.mark.parametrize("model", list(ADMIN_MODELS))
def test_editor_changes_newsroom_settings(client, editor, model):
    make, data, (field, new_value) = ADMIN_MODELS[model]
    obj = make()
    client.force_login(editor)
    if model != "sitesettings":  # the one settings row is never added
        assert client.get(admin_url(model, "add")).status_code == 200
    page = client.get(admin_change_url(model, obj))
    assert page.status_code == 200
    assert SAVE_BUTTON in page.content.decode()
    assert client.post(admin_change_url(model, obj), data).status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, field) == new_value


def test_moderator_neither_reads_nor_writes_articles_in_the_admin(client, moderator, reporter, category):
    article = make_article(title="原标题", category=category, author=reporter)
    draft = make_article(title="未发的草稿", category=category, author=reporter, status=Article.Status.DRAFT)
    client.force_login(moderator)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(ADD_URL).status_code == 403
    page = client.get(change_url(draft))
    assert page.status_code == 403
    assert "未发的草稿" not in page.content.decode()
    assert client.post(change_url(article), form_for(article, title="审核改的")).status_code == 403
    assert client.post(ADD_URL, article_form(category, title="审核新建")).status_code == 403
    article.refresh_from_db()
    assert article.title == "原标题"
    assert not Article.objects.filter(title="审核新建").exists()


@pytest.mark.parametrize("who", ["anonymous", "resident"])
@pytest.mark.parametrize(
    "url",
    [
        LIST_URL,
        ADD_URL,
        reverse("admin:news_article_stats"),
        reverse("admin:news_category_add"),
        reverse("admin:news_source_add"),
        reverse("admin:viewcounts_reaction_changelist"),
        reverse("admin:news_sitesettings_changelist"),
    ],
)
def test_admin_sends_non_staff_to_the_login(client, request, who, url):
    login(client, request, who)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(ADMIN_LOGIN)


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_non_staff_cannot_open_or_change_an_article_in_the_admin(client, request, reporter, category, who):
    article = make_article(title="原标题", category=category, author=reporter)
    login(client, request, who)
    for response in (
        client.get(change_url(article)),
        client.get(revisions_url(article)),
        client.post(change_url(article), form_for(article, title="被改了")),
    ):
        assert response.status_code == 302
        assert response.url.startswith(ADMIN_LOGIN)
    article.refresh_from_db()
    assert article.title == "原标题"


# --- 8. the admin article list ---------------------------------------------------------------


def test_admin_list_columns(client, editor, reporter, category, media_root):
    article = make_article(
        title="带封面的稿件", category=category, author=reporter, cover=make_cover(), view_count=321, comment_count=7
    )
    make_article(title="没有封面的稿件", category=category, author=reporter)
    client.force_login(editor)
    page = client.get(LIST_URL).content.decode()

    for column in ("thumbnail", "title", "state", "publish", "category", "author", "view_count", "comment_count"):
        assert re.search(rf'<th scope="col" class="[^"]*\bcolumn-{column}', page), column
    thumb = re.search(r'<img class="yz-thumb" src="([^"]+)"', page)
    assert thumb, "no thumbnail for the article with a cover"
    src = thumb.group(1)
    assert src.startswith("/media/renditions/")
    assert (media_root / src.removeprefix("/media/")).is_file()
    assert "yz-thumb--empty" in page  # the article without a cover

    row = re.search(rf"<tr>(?:(?!</tr>).)*{change_url(article)}(?:(?!</tr>).)*</tr>", page, re.S)
    assert row, "no row for the article"
    row = row.group(0)
    published = timezone.localtime(article.published_at).strftime("%H:%M")
    for text in ("带封面的稿件", "最新资讯", "reporter1", "yz-state--published", published):
        assert text in row
    assert '<td class="field-view_count">321</td>' in row
    assert '<td class="field-comment_count">7</td>' in row
    assert "published_at__year=" in page  # the date hierarchy


@pytest.fixture
def one_of_each_state(reporter, other_reporter, category):
    return {
        "draft": make_in_state("draft", title="草稿稿件", category=category, author=reporter),
        "review": make_in_state("review", title="待审稿件", category=category, author=reporter),
        "scheduled": make_in_state("scheduled", title="定时稿件", category=category, author=reporter),
        "published": make_in_state("published", title="已发稿件", category=category, author=reporter),
        "withdrawn": make_in_state("withdrawn", title="撤回稿件", category=category, author=other_reporter),
    }


def listed_titles(client, **params):
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return {article.title for article in response.context["cl"].result_list}


@pytest.mark.parametrize("state", ["draft", "review", "scheduled", "published", "withdrawn"])
def test_admin_list_filters_by_state(client, editor, one_of_each_state, state):
    client.force_login(editor)
    assert listed_titles(client, state=state) == {one_of_each_state[state].title}


def test_admin_list_filters_by_category(client, editor, reporter, one_of_each_state):
    other = make_category("便民信息", slug="bianmin")
    make_article(title="便民稿件", category=other, author=reporter)
    client.force_login(editor)
    assert listed_titles(client, category__id__exact=other.pk) == {"便民稿件"}


def test_admin_list_filters_by_author_for_editors_only(client, editor, reporter, other_reporter, one_of_each_state):
    client.force_login(editor)
    assert "author__id__exact=" in client.get(LIST_URL).content.decode()
    assert listed_titles(client, author__id__exact=other_reporter.pk) == {"撤回稿件"}
    client.force_login(reporter)
    assert "author__id__exact=" not in client.get(LIST_URL).content.decode()


def test_admin_search_finds_words_in_the_body(client, editor, reporter, category):
    make_article(title="普通标题", body="<p>神垕古镇钧瓷烧制</p>", category=category, author=reporter)
    make_article(title="另一篇", category=category, author=reporter)
    client.force_login(editor)
    assert listed_titles(client, q="钧瓷烧制") == {"普通标题"}


# --- what a publish does to dates, headlines and view counting ---------------------------------


def test_publishing_an_old_draft_in_the_form_dates_it_now(client, editor, reporter, category):
    written = timezone.now() - timedelta(days=3)
    draft = make_article(title="三天前写的稿", category=category, author=reporter, status="draft", published_at=written)
    client.force_login(editor)
    response = client.post(change_url(draft), form_for(draft, status="published"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    assert timezone.now() - draft.published_at < timedelta(minutes=1)


def test_publishing_a_draft_with_a_chosen_time_keeps_that_time(client, editor, reporter, category):
    draft = make_article(title="定了时间的稿", category=category, author=reporter, status="draft")
    chosen = timezone.now() - timedelta(days=2)
    date, time = split(chosen)
    client.force_login(editor)
    response = client.post(
        change_url(draft), form_for(draft, status="published", published_at_0=date, published_at_1=time)
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert abs(draft.published_at - chosen) < timedelta(seconds=1)


def test_publish_action_dates_drafts_now_and_keeps_scheduled_times(client, editor, reporter, category):
    old = make_article(title="旧草稿", category=category, author=reporter, status="draft",
                       published_at=timezone.now() - timedelta(days=5))  # fmt: skip
    later = timezone.now() + timedelta(days=1)
    scheduled = make_article(title="明天的稿", category=category, author=reporter, status="review", published_at=later)
    client.force_login(editor)
    run_action(client, "publish_selected", [old, scheduled])
    old.refresh_from_db()
    scheduled.refresh_from_db()
    assert timezone.now() - old.published_at < timedelta(minutes=1)
    assert scheduled.published_at == later and scheduled.is_scheduled


def test_withdrawing_in_the_form_takes_the_article_out_of_the_headlines(client, editor, reporter, category):
    article = make_article(title="头条撤稿", category=category, author=reporter, is_featured=True)
    assert headline_titles(client) == ["头条撤稿"]
    client.force_login(editor)
    data = form_for(article, status="withdrawn", withdrawn_reason="核实有误", is_featured="on")
    client.post(change_url(article), data)
    article.refresh_from_db()
    assert (article.status, article.is_featured) == (Article.Status.WITHDRAWN, False)


def test_view_beacon_counts_a_scheduled_article_from_its_first_second(client, reporter, category):
    from news.articles.models import Article as ArticleModel

    article = make_in_state("scheduled", title="定时计数", category=category, author=reporter)
    beacon = reverse("viewcounts:beacon", args=[article.pk])
    browser = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
    client.get(beacon, HTTP_USER_AGENT=browser)  # before its time: not counted, and remembered
    ArticleModel.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    article.refresh_from_db()
    assert article.view_count == 0
    # The cached "public from" time is the old one, a day ahead: still not counted...
    client.get(beacon, HTTP_USER_AGENT=browser)
    article.refresh_from_db()
    assert article.view_count == 0
    # ...until the article is saved, which forgets it (the admin saves; .update() above did not).
    article.save()
    client.get(beacon, HTTP_USER_AGENT=browser)
    article.refresh_from_db()
    assert article.view_count == 1


# --- #20: the form's buttons say what they do ---------------------------------------------------


def press(client, url, button, form):
    """Post the article form as the button named ``button`` sends it (the status it gives set by the server)."""
    data = {key: value for key, value in form.items() if key != "status"}
    return client.post(url, {**data, button: "1"})


def test_a_reporter_saves_a_draft_then_submits_it_for_review(client, no_publish, reporter, category):
    client.force_login(reporter)
    response = press(client, ADD_URL, "_draft", article_form(category, title="我的新稿"))
    article = Article.objects.get(title="我的新稿")
    assert article.status == Article.Status.DRAFT
    assert response.status_code == 302 and response["Location"] == change_url(article), "保存草稿 stays on the form"
    response = press(client, change_url(article), "_review", form_for(article))
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW and response["Location"] == LIST_URL
    assert workflow_buttons(client.get(change_url(article)).content.decode()) == ["_save", "_preview", "_draft"]


def test_a_reporter_cannot_publish_by_posting_the_button_anyway(client, no_publish, reporter, category):
    client.force_login(reporter)
    response = press(client, ADD_URL, "_publish", article_form(category, title="想直接发布"))
    assert response.status_code == 200 and "status" in form_errors(response)
    assert not Article.objects.filter(title="想直接发布").exists()


def test_an_editor_publishes_now_or_schedules_by_the_time_given(client, editor, category):
    client.force_login(editor)
    response = press(client, ADD_URL, "_publish", article_form(category, title="马上发布", author=editor.pk))
    assert response.status_code == 302
    assert Article.objects.published().filter(title="马上发布").exists()
    later = timezone.now() + timedelta(days=1)
    date, time = split(later)
    form = article_form(category, title="明天发布", author=editor.pk, published_at_0=date, published_at_1=time)
    assert press(client, ADD_URL, "_publish", form).status_code == 302
    article = Article.objects.get(title="明天发布")
    assert article.status == Article.Status.PUBLISHED and article.is_scheduled
    page = client.get(change_url(article)).content.decode()
    assert workflow_buttons(page) == ["_save", "_draft"], "a scheduled article: 更新 or back to draft"
    draft = make_article(title="草稿", category=category, author=editor, status=Article.Status.DRAFT)
    draft.published_at = later
    draft.save()
    assert re.search(r'name="_publish"[^>]*>定时发布</button>', client.get(change_url(draft)).content.decode())


def test_withdrawing_asks_for_the_reason_and_saves_nothing_without_it(client, editor, category, reporter):
    article = make_article(title="要撤的稿", category=category, author=reporter)
    client.force_login(editor)
    assert workflow_buttons(client.get(change_url(article)).content.decode()) == ["_save", "_withdraw"]
    response = press(client, change_url(article), "_withdraw", form_for(article, title="改过的标题"))
    assert response.status_code == 200 and "withdrawn_reason" in form_errors(response)
    article.refresh_from_db()
    assert (article.title, article.status) == ("要撤的稿", Article.Status.PUBLISHED)
    response = press(client, change_url(article), "_withdraw", form_for(article, withdrawn_reason="信息有误"))
    article.refresh_from_db()
    assert response.status_code == 302 and article.status == Article.Status.WITHDRAWN
    assert workflow_buttons(client.get(change_url(article)).content.decode()) == ["_save", "_publish"]


def test_preview_before_the_first_save_keeps_a_draft_and_shows_it(client, reporter, category):
    client.force_login(reporter)
    response = press(client, ADD_URL, "_preview", article_form(category, title="先看看效果"))
    article = Article.objects.get(title="先看看效果")
    assert article.status == Article.Status.DRAFT
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert PREVIEW_BANNER in page and "先看看效果" in page
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404, "readers never see it"


# --- #20: two editors on one article: a stale save is refused, never a silent overwrite ---------


def loaded_at(client, article):
    page = client.get(change_url(article)).content.decode()
    return re.search(r'name="loaded_at" value="([^"]+)"', page).group(1)


def test_a_second_editors_stale_save_gets_the_conflict_message(client, editor, category, reporter):
    article = make_article(title="原来的标题", category=category, author=reporter)
    second = Client()
    other_editor = make_user("editor2", role=EDITOR)
    client.force_login(editor)
    second.force_login(other_editor)
    mine, theirs = loaded_at(client, article), loaded_at(second, article)
    assert (
        client.post(change_url(article), form_for(article, title="第一位编辑改的", loaded_at=mine)).status_code == 302
    )
    response = second.post(change_url(article), form_for(article, title="第二位编辑改的", loaded_at=theirs))
    assert response.status_code == 200
    page = response.content.decode()
    assert "在你打开这篇文章之后，有人在" in page and "这次没有保存" in page
    assert 'value="第二位编辑改的"' in page, "what they wrote stays in the form"
    article.refresh_from_db()
    assert article.title == "第一位编辑改的"
    # Opened again, their save goes through.
    fresh = loaded_at(second, article)
    assert (
        second.post(change_url(article), form_for(article, title="第二位编辑改的", loaded_at=fresh)).status_code == 302
    )
    article.refresh_from_db()
    assert article.title == "第二位编辑改的"


def test_a_save_after_a_list_action_is_stale_too(client, editor, category, reporter):
    """Withdrawn from the list while the form was open: saving the form may not publish it again."""
    article = make_article(title="被撤的稿", category=category, author=reporter)
    client.force_login(editor)
    opened = loaded_at(client, article)
    services.withdraw([article.pk], reason="信息有误")
    response = client.post(change_url(article), form_for(article, status="published", loaded_at=opened))
    assert response.status_code == 200 and "这次没有保存" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN
