"""Authorization matrix: every URL and every admin action × every role → allowed or denied.

Two tables decide everything: ``URL_RULES`` (one entry per URL pattern, keyed by its route
as Django's resolver joins it) and ``ACTION_RULES`` (one entry per admin action, keyed
``app_label.model_name.action``). A URL pattern or an admin action without an entry fails
``test_every_url_pattern_has_a_rule`` / ``test_every_admin_action_has_a_rule``: nothing new
ships without someone deciding who may use it.

Outcomes, as a test client sees them:

* ``OK`` — 2xx, or a redirect that is not to a login page nor the admin's "no such object";
  a POST must also have changed what its ``state`` reads.
* ``LOGIN`` — a redirect to ``/accounts/login/`` or ``/admin/login/``.
* ``FORBIDDEN`` — 403.
* ``HIDDEN`` — 404, or the admin's answer to an object outside the user's queryset
  (a redirect to the admin index with a warning): the object's existence is not confirmed.
* ``REFUSED`` — 400 for everyone: the request itself is wrong (a form posted to a JSON endpoint).
* ``IGNORED`` — a POST answered with 2xx/3xx that changed nothing (an admin action the user
  may not run, registering while logged in).

A denied or ignored POST must write no row at all, and no denied response may contain the
title of the unpublished draft. Public lists, feeds and sitemaps must not show it to anyone.
"""

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.client import ClientHandler
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from accounts.models import Ban, User
from accounts.roles import EDITOR, MODERATOR, REPORTER
from news.api.models import ApiToken
from news.articles.factories import make_article, make_category, make_image_bytes, make_source, make_user
from news.articles.models import (
    Article,
    ArticleAutosave,
    ArticleRevision,
    Category,
    SiteSettings,
    Source,
    Topic,
    TopicSection,
)
from news.comments import services
from news.comments.models import (
    Comment,
    CommentLike,
    CommentRecord,
    CommentReport,
    ModerationAction,
    SensitiveWord,
)
from news.engagement.models import Favourite, Notification
from news.viewcounts.models import Reaction, ReactionVote

pytestmark = pytest.mark.django_db

# --- roles and outcomes ------------------------------------------------------------------

ANONYMOUS, RESIDENT, BANNED = "anonymous", "resident", "banned"
REPORTER1, REPORTER2 = "reporter", "other_reporter"  # REPORTER1 owns the draft and the published article
MODERATOR1, EDITOR1, SUPERUSER = "moderator", "editor", "superuser"
ROLES = (ANONYMOUS, RESIDENT, BANNED, REPORTER1, REPORTER2, MODERATOR1, EDITOR1, SUPERUSER)
NON_STAFF = (ANONYMOUS, RESIDENT, BANNED)
STAFF = (REPORTER1, REPORTER2, MODERATOR1, EDITOR1, SUPERUSER)

OK, LOGIN, FORBIDDEN, HIDDEN, IGNORED = "ok", "login", "forbidden", "hidden", "ignored"
REFUSED = "refused"  # 400: the request itself is refused, whoever sends it

PASSWORD = "demo-password-123"  # news.articles.factories.make_user's default
NEW_PASSWORD = "Matrix-new-Secret-2468"
DRAFT_TITLE = "矩阵测试未公开草稿"
DRAFT_TOPIC_TITLE = "矩阵测试未公开专题"
# Must appear on no public page (the public topic hand-picks the draft article too).
DRAFT_LEAKS = ("{draft_title}", "/article/{draft}/", "{draft_topic_title}", "/topic/{draft_topic_slug}/")


def everyone(outcome=OK, **exceptions):
    """Every role gets ``outcome`` except those named (``reporter=FORBIDDEN``)."""
    unknown = set(exceptions) - set(ROLES)
    assert not unknown, unknown
    return {role: exceptions.get(role, outcome) for role in ROLES}


def signed_in(**exceptions):
    """Any logged-in user; anonymous readers are sent to the login page."""
    return everyone(anonymous=LOGIN, **exceptions)


def staff(*allowed, hidden=()):
    """An admin page: non-staff go to the admin login, ``allowed`` staff get it, the rest 403."""
    expect = dict.fromkeys(NON_STAFF, LOGIN) | dict.fromkeys(STAFF, FORBIDDEN)
    return expect | dict.fromkeys(hidden, HIDDEN) | dict.fromkeys(allowed, OK)


def only(*allowed, otherwise):
    return {role: OK if role in allowed else otherwise for role in ROLES}


ANY_STAFF = staff(*STAFF)
NOBODY = staff()


# --- probes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminForm:
    """POST data: the admin form at ``page`` as the superuser sees it, with ``changes``."""

    page: str
    changes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    """One request: ``url`` is formatted with the world's ids; ``expect`` maps role → outcome."""

    method: str
    url: str
    expect: dict
    data: object = None  # a dict, an AdminForm, or a callable(ctx) -> dict
    state: object = None  # callable(ctx) -> value that an allowed POST changes
    absent: tuple = ()  # strings (formatted like url) no role may find in the response
    setup: object = None  # callable(ctx) run before the request
    label: str = ""


def get(url, expect, **options):
    return Probe("GET", url, expect, **options)


def post(url, expect, **options):
    return Probe("POST", url, expect, **options)


def row(model, key):
    """State: the whole row ``ids[key]`` of ``model`` (empty once deleted)."""
    return lambda ctx: list(model._base_manager.filter(pk=ctx.ids[key]).values_list())


def count(model, **lookups):
    return lambda ctx: model._base_manager.filter(**{k: ctx.ids.get(v, v) for k, v in lookups.items()}).count()


def own_row(ctx):
    """State: the requesting user's own row (password, nickname)."""
    return list(User.objects.filter(pk=getattr(ctx.user, "pk", None)).values_list())


def media_files(ctx):
    return sum(len(files) for _root, _dirs, files in os.walk(ctx.request.getfixturevalue("media_root")))


def serve_a_media_file(ctx):
    ctx.request.getfixturevalue("settings").SERVE_MEDIA = True
    root = ctx.request.getfixturevalue("media_root")
    root.mkdir(parents=True, exist_ok=True)
    (root / "probe.txt").write_text("media")


def select_tag_for_merging(ctx):
    """What taggit's "merge tags" action leaves in the session before its form."""
    session = ctx.client.session
    session["selected_tag_ids"] = str(ctx.ids["spare_tag"])
    session.save()


def an_image(ctx):
    return {"file": SimpleUploadedFile("probe.jpg", make_image_bytes(40, 30), content_type="image/jpeg")}


def model_admin(prefix, model, *, obj, changelist, add, view, change, delete, add_form=None, change_form=None):
    """The URLs Django's admin gives every registered model, with who may use each.

    ``view`` is who may open the change page (read-only or not) and the history; ``change``
    who may save it; ``obj`` the world's object the object URLs use.
    """
    base, url = f"admin/{prefix}/", f"/admin/{prefix}/"
    one = f"{url}{{{obj}}}/"
    # The superuser's form is the POST data, when someone may submit it at all.
    add_data = AdminForm(f"{url}add/", add_form or {}) if OK in add.values() else {}
    change_data = AdminForm(f"{one}change/", change_form or {}) if OK in change.values() else {}
    return {
        base: [get(url, changelist)],
        f"{base}add/": [
            get(f"{url}add/", add),
            post(f"{url}add/", add, data=add_data, state=count(model)),
        ],
        f"{base}<path:object_id>/history/": [get(f"{one}history/", view)],
        f"{base}<path:object_id>/delete/": [
            get(f"{one}delete/", delete),
            post(f"{one}delete/", delete, data={"post": "yes"}, state=row(model, obj)),
        ],
        f"{base}<path:object_id>/change/": [
            get(f"{one}change/", view),
            post(f"{one}change/", change, data=change_data, state=row(model, obj)),
        ],
        # The old object URL only redirects to the change page, for any staff member.
        f"{base}<path:object_id>/": [get(one, ANY_STAFF)],
    }


# --- the URL table -----------------------------------------------------------------------
# Keys are routes as get_resolver() joins them; a new URL pattern needs a row here.

PUBLIC_LIST = {"absent": DRAFT_LEAKS}
R1, R2, M, E, S = REPORTER1, REPORTER2, MODERATOR1, EDITOR1, SUPERUSER

URL_RULES = {
    # --- site-wide ---
    "^media/(?P<path>.*)$": [get("/media/probe.txt", everyone(), setup=serve_a_media_file)],
    "favicon.ico": [get("/favicon.ico", everyone())],
    "csrf/": [get("/csrf/", everyone())],
    # Everyone gets an answer: a resident their parts, anyone else {"own": true}.
    "page-parts/": [get("/page-parts/?path=/", everyone())],
    "i18n/setlang/": [post("/i18n/setlang/", everyone(), data={"language": "en", "next": "/"})],
    "robots.txt": [get("/robots.txt", everyone())],
    # The old portal's addresses: public redirects; an id never imported is not found.
    "portal.php": [
        get("/portal.php", everyone(), label="no mod"),
        get("/portal.php?mod=view&aid=1", everyone(HIDDEN), label="unknown article"),
        get("/portal.php?mod=attachment&id=1", everyone(HIDDEN), label="unknown attachment"),
    ],
    r"^article-(?P<aid>[0-9]{1,9})-(?P<page>[0-9]{1,6})\.html$": [get("/article-1-1.html", everyone(HIDDEN))],
    "home.php": [get("/home.php?mod=space&uid=1", everyone(HIDDEN))],
    # Downloads imported from the old portal (tests/legacy/test_import_fidelity.py serves one).
    "attachment/<id:pk>/": [get("/attachment/999999/", everyone(HIDDEN), label="unknown attachment")],
    "sitemap.xml": [get("/sitemap.xml", everyone(), **PUBLIC_LIST)],
    "sitemap-<section>.xml": [
        get(f"/sitemap-{section}.xml", everyone(), **PUBLIC_LIST)
        for section in ("articles", "categories", "tags", "topics")
    ],
    "news-sitemap.xml": [get("/news-sitemap.xml", everyone(), **PUBLIC_LIST)],
    # --- the public site ---
    "": [get("/", everyone(), **PUBLIC_LIST)],
    "category/<str:slug>/": [get("/category/{category_slug}/", everyone(), **PUBLIC_LIST)],
    "category/<str:slug>/feed/": [get("/category/{category_slug}/feed/", everyone(), **PUBLIC_LIST)],
    "category/<str:slug>/feed/atom/": [get("/category/{category_slug}/feed/atom/", everyone(), **PUBLIC_LIST)],
    "article/<id:pk>/": [
        get("/article/{published}/", everyone(), label="published"),
        # Staff preview a draft at its public address: its author and editors only.
        get("/article/{draft}/", only(R1, E, S, otherwise=HIDDEN), label="draft"),
    ],
    "article/<id:pk>/view.gif": [
        get("/article/{published}/view.gif", everyone(), label="published"),
        get("/article/{draft}/view.gif", everyone(HIDDEN), label="draft"),
    ],
    "article/<id:pk>/qr.svg": [
        get("/article/{published}/qr.svg", everyone(), label="published"),
        get("/article/{draft}/qr.svg", everyone(HIDDEN), label="draft"),
    ],
    "article/<id:pk>/react/": [
        # Readers react without an account; an author cannot react to their own article.
        post(
            "/article/{published}/react/",
            everyone(reporter=FORBIDDEN),
            data=lambda ctx: {"reaction": ctx.ids["reaction"]},
            state=count(ReactionVote, article="published"),
            label="published",
        ),
        post(
            "/article/{draft}/react/",
            everyone(HIDDEN),
            data=lambda ctx: {"reaction": ctx.ids["reaction"]},
            state=count(ReactionVote, article="draft"),
            label="draft",
        ),
    ],
    "article/<id:pk>/comments/": [
        post(
            "/article/{published}/comments/",
            everyone(anonymous=FORBIDDEN, banned=FORBIDDEN),
            data={"body": "矩阵测试的一条评论。"},
            state=count(Comment, article="published"),
            label="published",
        ),
        post(
            "/article/{draft}/comments/",
            everyone(HIDDEN),
            data={"body": "矩阵测试的一条评论。"},
            state=count(Comment, article="draft"),
            label="draft",
        ),
    ],
    "article/<id:pk>/comments/<id:comment_pk>/report/": [
        post(
            "/article/{published}/comments/{comment}/report/",
            everyone(anonymous=FORBIDDEN, banned=FORBIDDEN),
            data={"reason": "abuse"},
            state=count(CommentReport, comment="comment"),
            label="approved",
        ),
        post(
            "/article/{published}/comments/{pending_comment}/report/",
            everyone(HIDDEN),
            data={"reason": "abuse"},
            state=count(CommentReport, comment="pending_comment"),
            label="pending",
        ),
    ],
    # 点赞 (#21): residents like others' approved comments; banned residents read only.
    "article/<id:pk>/comments/<id:comment_pk>/like/": [
        post(
            "/article/{published}/comments/{comment}/like/",
            signed_in(banned=FORBIDDEN),
            state=count(CommentLike, comment="comment"),
            label="approved",
        ),
        post(
            "/article/{published}/comments/{pending_comment}/like/",
            everyone(HIDDEN),
            state=count(CommentLike, comment="pending_comment"),
            label="pending",
        ),
        post(
            "/article/{draft}/comments/{comment}/like/",
            everyone(HIDDEN),
            state=count(CommentLike, comment="comment"),
            label="draft",
        ),
    ],
    "tag/<str:slug>/": [get("/tag/{tag_slug}/", everyone(), **PUBLIC_LIST)],
    # 专题 (#20): a draft topic is previewed by those who edit topics (editors) only.
    "topics/": [get("/topics/", everyone(), **PUBLIC_LIST)],
    "topic/<str:slug>/": [
        get("/topic/{topic_slug}/", everyone(), label="active", **PUBLIC_LIST),
        get("/topic/{draft_topic_slug}/", only(E, S, otherwise=HIDDEN), label="draft"),
    ],
    "topic/<str:slug>/feed/": [
        get("/topic/{topic_slug}/feed/", everyone(), label="active", **PUBLIC_LIST),
        get("/topic/{draft_topic_slug}/feed/", everyone(HIDDEN), label="draft"),
    ],
    "source/<id:pk>/": [get("/source/{source}/", everyone(), **PUBLIC_LIST)],
    "publisher/<str:username>/": [get("/publisher/{publisher}/", everyone(), **PUBLIC_LIST)],
    "rank/": [get("/rank/", everyone(), **PUBLIC_LIST)],
    # --- #22 /api/v1/ with the site's session cookies: reads are public, everything else needs a
    # token, so a logged-in browser cannot be made to post through the API (no CSRF there).
    # tests/api/test_api_matrix.py has every operation x role with tokens.
    "api/v1/": [get("/api/v1/", everyone(HIDDEN))],
    "api/v1/openapi.json": [get("/api/v1/openapi.json", everyone())],
    "api/v1/docs": [get("/api/v1/docs", everyone())],
    "api/v1/articles": [get("/api/v1/articles", everyone(), **PUBLIC_LIST)],
    "api/v1/articles/<int:article_id>": [
        get("/api/v1/articles/{published}", everyone(), label="published"),
        get("/api/v1/articles/{draft}", everyone(HIDDEN), label="draft"),
    ],
    "api/v1/articles/<int:article_id>/comments": [
        get("/api/v1/articles/{published}/comments", everyone()),
        post(
            "/api/v1/articles/{published}/comments",
            everyone(LOGIN),
            data={"text": "矩阵测试评论"},
            state=count(Comment, article="published"),
        ),
    ],
    "api/v1/articles/<int:article_id>/reactions": [
        post(
            "/api/v1/articles/{published}/reactions",
            everyone(LOGIN),
            data=lambda ctx: {"reaction_id": ctx.ids["reaction"]},
            state=count(ReactionVote, article="published"),
        )
    ],
    "api/v1/categories": [get("/api/v1/categories", everyone())],
    "api/v1/tags": [get("/api/v1/tags", everyone())],
    "api/v1/sources": [get("/api/v1/sources", everyone())],
    "api/v1/rankings": [get("/api/v1/rankings?period=all", everyone(), **PUBLIC_LIST)],
    "api/v1/search": [get("/api/v1/search?q=矩阵测试", everyone(), **PUBLIC_LIST)],
    "api/v1/me": [get("/api/v1/me", everyone(LOGIN))],
    "api/v1/me/comments": [get("/api/v1/me/comments", everyone(LOGIN))],
    "api/v1/auth/token": [
        post(
            "/api/v1/auth/token", everyone(REFUSED), data={"username": "x", "password": "y"}, label="a form, not JSON"
        ),
    ],
    # The profile page's revoke button: a resident's own token only.
    "accounts/api-tokens/<id:pk>/revoke/": [
        post(
            "/accounts/api-tokens/{api_token}/revoke/",
            signed_in(**dict.fromkeys((BANNED, R1, R2, M, E, S), IGNORED)),
            state=row(ApiToken, "api_token"),
        )
    ],
    "search/": [get("/search/?q=矩阵测试", everyone(), **PUBLIC_LIST)],  # matches both titles
    "tags/": [get("/tags/", everyone(), **PUBLIC_LIST)],
    "archive/<int:year>/<int:month>/": [get("/archive/{year}/{month}/", everyone(), **PUBLIC_LIST)],
    "feed/rss/": [get("/feed/rss/", everyone(), **PUBLIC_LIST)],
    "feed/atom/": [get("/feed/atom/", everyone(), **PUBLIC_LIST)],
    "qr.svg": [get("/qr.svg?path=/", everyone())],
    # #21: WeChat JS-SDK signatures; not configured here (no AppSecret), so a 404 for everyone
    # (tests/articles/test_wechat.py covers it configured, with a fake WeChat server).
    "wechat/jssdk/": [get("/wechat/jssdk/?url=http://testserver/", everyone(HIDDEN))],
    "blackroom/": [get("/blackroom/", everyone(), **PUBLIC_LIST)],
    # --- accounts ---
    "accounts/register/": [
        get("/accounts/register/", everyone()),  # logged-in users are sent home
        post(
            "/accounts/register/",
            everyone(IGNORED, anonymous=OK),
            data={"username": "matrixnewbie", "email": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            state=count(User),
        ),
    ],
    "accounts/login/": [get("/accounts/login/", everyone())],
    "accounts/logout/": [post("/accounts/logout/", everyone())],
    "accounts/password/": [
        get("/accounts/password/", signed_in()),
        # A banned resident still looks after their account.
        post(
            "/accounts/password/",
            signed_in(),
            data={"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            state=own_row,
        ),
    ],
    "accounts/password/done/": [get("/accounts/password/done/", signed_in())],
    "accounts/profile/": [
        get("/accounts/profile/", signed_in()),
        # A banned resident is read-only: the nickname and avatar others see stay as they were.
        post("/accounts/profile/", signed_in(banned=FORBIDDEN), data={"nickname": "矩阵昵称"}, state=own_row),
    ],
    "accounts/comments/": [get("/accounts/comments/", signed_in())],
    # 收藏, 最近浏览, 消息 (#21): each resident's own; banned residents keep reading and keeping.
    "article/<id:pk>/favourite/": [
        post(
            "/article/{published}/favourite/",
            signed_in(),
            data={"favourite": "on"},
            state=count(Favourite, article="published"),
            label="published",
        ),
        post(
            "/article/{draft}/favourite/",
            everyone(HIDDEN, anonymous=LOGIN),
            data={"favourite": "on"},
            state=count(Favourite, article="draft"),
            label="draft",
        ),
    ],
    "accounts/favourites/": [get("/accounts/favourites/", signed_in())],
    "accounts/history/": [get("/accounts/history/", signed_in())],
    "accounts/history/clear/": [post("/accounts/history/clear/", signed_in())],
    "accounts/notifications/": [get("/accounts/notifications/", signed_in())],
    "accounts/notifications/read/": [post("/accounts/notifications/read/", signed_in())],
    "accounts/notifications/settings/": [
        post("/accounts/notifications/settings/", signed_in(), data={"email_replies": ""})
    ],
    # The resident's own notice opens (and is marked read); anyone else's is not there.
    "accounts/notifications/<id:pk>/": [
        get(
            "/accounts/notifications/{notice}/",
            only(RESIDENT, otherwise=HIDDEN) | {ANONYMOUS: LOGIN},
            state=lambda ctx: Notification.objects.filter(pk=ctx.ids["notice"], read_at__isnull=True).count(),
        )
    ],
    # 实名 and the other ways in: a code is sent or checked, nothing else; linking needs an account.
    "accounts/phone/": [get("/accounts/phone/", signed_in())],
    "accounts/login/phone/": [get("/accounts/login/phone/", everyone())],  # logged-in users are sent on
    "accounts/password/reset/": [
        get("/accounts/password/reset/", everyone()),
        post("/accounts/password/reset/", everyone(), data={"email": "victim@example.com"}),
    ],
    "accounts/password/reset/sent/": [get("/accounts/password/reset/sent/", everyone())],
    # A made-up link: the page says it is used or expired, for everyone, and changes nothing.
    "accounts/password/reset/<uidb64>/<token>/": [
        get("/accounts/password/reset/MQ/set-password/", everyone()),
        post(
            "/accounts/password/reset/MQ/abcdef-0123456789abcdef/",
            everyone(IGNORED),
            data={"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            state=row(User, "victim"),
        ),
    ],
    "accounts/password/reset/complete/": [get("/accounts/password/reset/complete/", everyone())],
    "accounts/password/reset/sms/": [get("/accounts/password/reset/sms/", everyone())],
    # --- the admin site ---
    "admin/": [get("/admin/", ANY_STAFF)],
    "admin/login/": [get("/admin/login/", everyone())],
    "admin/password_reset/": [get("/admin/password_reset/", everyone())],  # the residents' reset page
    "admin/logout/": [post("/admin/logout/", everyone())],  # non-staff are only sent to the index
    "admin/password_change/": [
        get("/admin/password_change/", ANY_STAFF),
        post(
            "/admin/password_change/",
            ANY_STAFF,
            data={"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            state=own_row,
        ),
    ],
    "admin/password_change/done/": [get("/admin/password_change/done/", ANY_STAFF)],
    "admin/jsi18n/": [get("/admin/jsi18n/", ANY_STAFF)],
    "admin/autocomplete/": [
        # Allowed when the user may view the model the field points to.
        get(
            "/admin/autocomplete/?app_label=news&model_name=article&field_name=category&term=",
            staff(R1, R2, E, S),
            label="article.category",
        ),
        get(
            "/admin/autocomplete/?app_label=accounts&model_name=ban&field_name=user&term=",
            staff(M, E, S),
            label="ban.user",
        ),
    ],
    # "View on site" (yzgz.adminsite) only for what the role may see in the admin; anything else is a
    # 404, never a redirect naming the object (a user's content type gave every username away).
    "admin/r/<path:content_type_id>/<path:object_id>/": [
        get("/admin/r/{article_type}/{published}/", staff(R1, E, S, hidden=(R2, M)), label="published"),
        get("/admin/r/{article_type}/{draft}/", staff(R1, E, S, hidden=(R2, M)), label="draft"),
        get("/admin/r/{user_type}/{victim}/", staff(M, E, S, hidden=(R1, R2)), label="user"),
        get("/admin/r/{user_type}/{reporter}/", staff(M, E, S, hidden=(R1, R2)), label="publisher"),
        get("/admin/r/{comment_type}/{comment}/", staff(hidden=STAFF), label="no public address"),
        get("/admin/r/{article_type}/0/", staff(hidden=STAFF), label="no such object"),
    ],
    "admin/(?P<app_label>auth|accounts|news|taggit|comments|viewcounts)/$": [
        get("/admin/news/", staff(R1, R2, E, S, hidden=(M,)), label="news"),
        get("/admin/comments/", staff(M, S, hidden=(R1, R2, E)), label="comments"),
        get("/admin/viewcounts/", staff(E, S, hidden=(R1, R2, M)), label="viewcounts"),
        get("/admin/auth/", staff(S, hidden=(R1, R2, M, E)), label="auth"),
        get("/admin/accounts/", staff(M, E, S, hidden=(R1, R2)), label="accounts"),
        get("/admin/taggit/", staff(R1, R2, E, S, hidden=(M,)), label="taggit"),
    ],
    # The old admin pages of models that left the news app: staff are sent on (301).
    "^admin/news/(?P<model>comment|commentreport|sensitiveword|moderationaction|reaction)/(?P<rest>.*)$": [
        get("/admin/news/comment/?status=pending", ANY_STAFF),
    ],
    # Non-staff never learn whether an admin URL exists; staff get the slash appended.
    "admin/(?P<url>.*)$": [get("/admin/news/article", ANY_STAFF)],
    # --- groups and users: superuser; editors and moderators may look users up ---
    **model_admin(
        "auth/group",
        Group,
        obj="spare_group",
        changelist=staff(S),
        add=staff(S),
        view=staff(S),
        change=staff(S),
        delete=staff(S),
        add_form={"name": "矩阵新组"},
        change_form={"name": "矩阵改名组"},
    ),
    **model_admin(
        "accounts/user",
        User,
        obj="victim",
        changelist=staff(M, E, S),
        add=staff(S),
        view=staff(M, E, S),
        change=staff(S),
        delete=staff(S),
        add_form={
            "username": "matrixadded",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        change_form={"nickname": "改过的昵称"},
    ),
    "admin/accounts/user/<id>/password/": [
        get("/admin/accounts/user/{victim}/password/", staff(S)),
        post(
            "/admin/accounts/user/{victim}/password/",
            staff(S),
            data={"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            state=row(User, "victim"),
        ),
    ],
    # --- bans: moderators; a ban is lifted, never deleted ---
    **model_admin(
        "accounts/ban",
        Ban,
        obj="ban",
        changelist=staff(M, S),
        add=staff(M, S),
        view=staff(M, S),
        change=staff(M, S),
        delete=NOBODY,
        add_form={"user": "{victim}", "reason": "矩阵测试封禁"},
        change_form={"reason": "改过的理由"},
    ),
    # --- articles: reporters their own, editors all; moderators read them on the public site ---
    **model_admin(
        "news/article",
        Article,
        obj="draft",
        changelist=staff(R1, R2, E, S),
        add=staff(R1, R2, E, S),
        view=staff(R1, E, S, hidden=(R2,)),
        change=staff(R1, E, S, hidden=(R2,)),
        delete=staff(E, S),
        add_form={
            "title": "矩阵新稿",
            "category": "{category}",
            "author": "{reporter}",
            "body": "<p>矩阵新稿的正文。</p>",
            "status": "draft",
        },
        change_form={"title": "改过的草稿"},
    ),
    "admin/news/article/tag-suggest/": [get("/admin/news/article/tag-suggest/?q=民", staff(R1, R2, E, S))],
    "admin/news/article/upload-image/": [
        post("/admin/news/article/upload-image/", staff(R1, R2, E, S), data=an_image, state=media_files)
    ],
    # Autosave (#20): whoever may edit the article keeps a copy of their form; others get 403.
    "admin/news/article/autosave/": [
        post(
            "/admin/news/article/autosave/",
            staff(R1, E, S),
            data=lambda ctx: {"article": ctx.ids["draft"], "title": "矩阵自动保存"},
            state=count(ArticleAutosave),
        )
    ],
    "admin/news/article/stats/": [get("/admin/news/article/stats/", staff(R1, R2, E, S))],
    "admin/news/article/<int:object_id>/revisions/": [get("/admin/news/article/{draft}/revisions/", staff(R1, E, S))],
    "admin/news/article/<int:object_id>/revisions/<int:revision_id>/restore/": [
        post("/admin/news/article/{draft}/revisions/{revision}/restore/", staff(R1, E, S), state=row(Article, "draft"))
    ],
    # --- the newsroom's reference data: editors; reporters may look it up ---
    **model_admin(
        "news/topic",
        Topic,
        obj="spare_topic",
        changelist=staff(E, S),
        add=staff(E, S),
        view=staff(E, S),
        change=staff(E, S),
        delete=staff(E, S),
        add_form={"title": "矩阵新专题", "slug": "matrix-new-topic", "sections-0-title": "矩阵板块"},
        change_form={"title": "改过的专题"},
    ),
    **model_admin(
        "news/category",
        Category,
        obj="spare_category",
        changelist=staff(R1, R2, E, S),
        add=staff(E, S),
        view=staff(R1, R2, E, S),
        change=staff(E, S),
        delete=staff(E, S),
        add_form={"name": "矩阵栏目", "slug": "matrix-new"},
        change_form={"name": "改过的栏目"},
    ),
    **model_admin(
        "news/source",
        Source,
        obj="spare_source",
        changelist=staff(R1, R2, E, S),
        add=staff(E, S),
        view=staff(R1, R2, E, S),
        change=staff(E, S),
        delete=staff(E, S),
        add_form={"name": "矩阵来源"},
        change_form={"name": "改过的来源"},
    ),
    **model_admin(
        "taggit/tag",
        Tag,
        obj="spare_tag",
        changelist=staff(R1, R2, E, S),
        add=staff(E, S),
        view=staff(R1, R2, E, S),
        change=staff(E, S),
        delete=staff(E, S),
        add_form={"name": "矩阵标签", "slug": "matrix-tag"},
        change_form={"name": "改过的标签"},
    ),
    "admin/taggit/tag/merge-tags/": [
        get("/admin/taggit/tag/merge-tags/", staff(E, S)),
        post(
            "/admin/taggit/tag/merge-tags/",
            staff(E, S),
            data={"new_tag_name": "合并后的标签"},
            setup=select_tag_for_merging,
            state=count(TaggedItem, tag_id="spare_tag"),
        ),
    ],
    **model_admin(
        "news/sitesettings",
        SiteSettings,
        obj="settings",
        changelist=staff(E, S),  # redirects to the one row
        add=NOBODY,
        view=staff(E, S),
        change=staff(E, S),
        delete=NOBODY,
        change_form={"slogan": "矩阵标语"},
    ),
    **model_admin(
        "viewcounts/reaction",
        Reaction,
        obj="reaction",
        changelist=staff(E, S),
        add=staff(E, S),
        view=staff(E, S),
        change=staff(E, S),
        delete=NOBODY,  # hidden instead, so no vote is lost
        add_form={"name": "矩阵", "icon": "🧪"},
        change_form={"name": "改过"},
    ),
    # --- moderation: moderators ---
    **model_admin(
        "comments/comment",
        Comment,
        obj="comment",
        changelist=staff(M, S),
        add=NOBODY,
        view=staff(M, S),
        change=NOBODY,  # comments are moderated with actions, never edited
        delete=staff(M, S),
    ),
    "admin/comments/comment/<path:object_id>/ban/": [
        get("/admin/comments/comment/{comment}/ban/", staff(M, S)),
        post(
            "/admin/comments/comment/{comment}/ban/",
            staff(M, S),
            data={"duration": "7d", "reason": "矩阵测试封禁"},
            state=count(Ban, user="commenter"),
        ),
    ],
    **model_admin(
        "comments/sensitiveword",
        SensitiveWord,
        obj="word",
        changelist=staff(M, S),
        add=staff(M, S),
        view=staff(M, S),
        change=staff(M, S),
        delete=staff(M, S),
        add_form={"word": "矩阵新词", "action": "block"},
        change_form={"word": "改过的词"},
    ),
    "admin/comments/sensitiveword/import/": [
        get("/admin/comments/sensitiveword/import/", staff(M, S)),
        post(
            "/admin/comments/sensitiveword/import/",
            staff(M, S),
            data={"lines": "矩阵导入词=禁止"},
            state=count(SensitiveWord),
        ),
    ],
    # One account's comment records (live and deleted) as CSV, for the authorities: moderators.
    "admin/comments/comment/records/<int:account_id>/": [
        get("/admin/comments/comment/records/{commenter}/", staff(M, S)),
    ],
    **model_admin(
        "comments/commentrecord",
        CommentRecord,
        obj="record",
        changelist=staff(M, S),
        add=NOBODY,
        view=staff(M, S),
        change=NOBODY,  # written when a comment is deleted, never edited
        delete=NOBODY,  # kept at least six months
    ),
    **model_admin(
        "comments/moderationaction",
        ModerationAction,
        obj="log_entry",
        changelist=staff(M, S),
        add=NOBODY,
        view=staff(M, S),
        change=NOBODY,  # the log is written by news.comments.services only
        delete=NOBODY,
    ),
}


# --- the admin action table ------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    allowed: tuple
    target: str  # key of the selected object in the world's ids
    state: object
    data: dict = field(default_factory=dict)


def action(*allowed, target, state=None, data=None):
    """An admin action ``allowed`` roles run on ``target``; ``state`` defaults to its row.

    Everyone else: whatever the model's changelist gives them (login, 403), or, when they
    may see the changelist, IGNORED — the action is not theirs, or the row is not in their list.
    """
    return Action(tuple(allowed), target, state, data or {})


def action_expectations(key, rule):
    app_label, model_name, _name = key.split(".")
    changelist = URL_RULES[f"admin/{app_label}/{model_name}/"][0].expect
    return {
        role: OK if role in rule.allowed else IGNORED if changelist[role] == OK else changelist[role] for role in ROLES
    }


def merge_selection(ctx):
    return ctx.client.session.get("selected_tag_ids")


ACTION_RULES = {
    "auth.group.delete_selected": action(S, target="spare_group"),
    "accounts.user.delete_selected": action(S, target="victim"),
    "accounts.ban.lift_selected": action(M, S, target="ban"),
    "accounts.ban.delete_selected": action(target="ban"),
    "news.article.publish_selected": action(R1, E, S, target="draft"),
    "news.article.withdraw_selected": action(R1, E, S, target="published", data={"reason": "矩阵测试撤稿"}),
    "news.article.draft_selected": action(R1, E, S, target="published"),
    "news.article.pin_selected": action(E, S, target="published", data={"order": "1"}),
    "news.article.unpin_selected": action(E, S, target="headline"),
    "news.article.delete_selected": action(E, S, target="draft"),
    "news.category.delete_selected": action(E, S, target="spare_category"),
    "news.topic.delete_selected": action(E, S, target="spare_topic"),
    "news.source.delete_selected": action(E, S, target="spare_source"),
    "news.sitesettings.delete_selected": action(target="settings"),
    "viewcounts.reaction.delete_selected": action(target="reaction"),
    "comments.comment.approve_selected": action(M, S, target="pending_comment"),
    # The reason (#21) comes from the action's own form, shown first (tests/comments/test_moderation.py).
    "comments.comment.reject_selected": action(M, S, target="comment", data={"reject_reason": "spam"}),
    "comments.comment.spam_selected": action(M, S, target="comment"),
    "comments.comment.delete_selected_comments": action(M, S, target="comment"),
    "comments.comment.delete_selected": action(target="comment"),  # replaced by the logged delete above
    "comments.sensitiveword.delete_selected": action(M, S, target="word"),
    "comments.moderationaction.delete_selected": action(target="log_entry"),
    "comments.commentrecord.delete_selected": action(target="record"),
    "taggit.tag.delete_selected": action(E, S, target="spare_tag"),
    # taggit's merge: the action keeps the selection in the session for the merge form.
    "taggit.tag.render_tag_form": action(E, S, target="spare_tag", state=merge_selection),
}

# --- the world: one row of everything, built once for the module -------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Users in every role and the objects the URLs point at; rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        users = {
            RESIDENT: make_user("matrix_resident"),
            BANNED: make_user("matrix_banned"),
            REPORTER1: make_user("matrix_reporter1", role=REPORTER),
            REPORTER2: make_user("matrix_reporter2", role=REPORTER),
            MODERATOR1: make_user("matrix_moderator", role=MODERATOR),
            EDITOR1: make_user("matrix_editor", role=EDITOR),
            SUPERUSER: make_user("matrix_root", is_staff=True, is_superuser=True),
        }
        commenter = make_user("matrix_commenter")
        victim = make_user("matrix_victim", email="victim@example.com")
        ban = services.user_ban(user=users[BANNED], by=users[MODERATOR1], duration="7d", reason="矩阵测试：广告")
        category = make_category("矩阵栏目甲", slug="matrix-category")
        source = make_source("矩阵来源甲")
        reporter = users[REPORTER1]
        shared = {"category": category, "source": source, "author": reporter, "tags": ["民生", "旧标签"]}
        draft = make_article(title=DRAFT_TITLE, status=Article.Status.DRAFT, **shared)
        revision = ArticleRevision.snapshot(draft, reporter)
        ArticleRevision.objects.filter(pk=revision.pk).update(title="草稿的旧标题")  # restoring it changes the draft
        published = make_article(title="矩阵测试已发布新闻", **shared)
        headline = make_article(title="矩阵测试头条", is_featured=True, **shared)
        comment = Comment.objects.create(
            article=published, user=commenter, body="一条已通过的评论", status=Comment.Status.APPROVED
        )
        pending = Comment.objects.create(
            article=published, user=commenter, body="一条待审核的评论", status=Comment.Status.PENDING
        )
        word = SensitiveWord.objects.create(word="矩阵敏感词")
        gone = Comment.objects.create(article=published, user=commenter, body="一条将被删除的评论")
        gone_pk = gone.pk
        gone.delete()  # leaves its CommentRecord
        published_at = timezone.localtime(published.published_at)
        topic = Topic.objects.create(title="矩阵测试专题", slug="matrix-topic", status=Topic.Status.ACTIVE)
        TopicSection.objects.create(topic=topic, title="矩阵板块", tag=Tag.objects.get(name="民生")).articles.add(
            published, draft
        )
        draft_topic = Topic.objects.create(title=DRAFT_TOPIC_TITLE, slug="matrix-draft-topic")
        TopicSection.objects.create(topic=draft_topic, title="草稿板块").articles.add(published)
        notice = Notification.objects.create(
            recipient=users[RESIDENT], kind=Notification.Kind.REPLY, article=published, comment=comment, actor=commenter
        )
        ids = {
            "notice": notice.pk,
            "draft": draft.pk,
            "draft_title": DRAFT_TITLE,
            "revision": revision.pk,
            "published": published.pk,
            "headline": headline.pk,
            "article_type": ContentType.objects.get_for_model(Article).pk,
            "user_type": ContentType.objects.get_for_model(User).pk,
            "comment_type": ContentType.objects.get_for_model(Comment).pk,
            "reporter": reporter.pk,
            "publisher": reporter.username,
            "category": category.pk,
            "category_slug": category.slug,
            "spare_category": make_category("矩阵空栏目", slug="matrix-spare").pk,
            "source": source.pk,
            "spare_source": make_source("矩阵空来源").pk,
            "tag_slug": Tag.objects.get(name="民生").slug,
            "spare_tag": Tag.objects.get(name="旧标签").pk,
            "comment": comment.pk,
            "pending_comment": pending.pk,
            "commenter": commenter.pk,
            "victim": victim.pk,
            "ban": ban.pk,
            "log_entry": ModerationAction.objects.get(kind=ModerationAction.Kind.BAN).pk,
            "word": word.pk,
            "record": CommentRecord.objects.get(comment_id=gone_pk).pk,
            "reaction": Reaction.objects.filter(is_active=True).first().pk,
            "api_token": ApiToken.issue(users[RESIDENT], "矩阵应用")[1].pk,
            "settings": SiteSettings.objects.get_or_create(pk=1)[0].pk,
            "spare_group": Group.objects.create(name="矩阵临时组").pk,
            "topic_slug": topic.slug,
            "draft_topic_slug": draft_topic.slug,
            "draft_topic_title": DRAFT_TOPIC_TITLE,
            "spare_topic": Topic.objects.create(title="矩阵空专题", slug="matrix-spare-topic").pk,
            "year": published_at.year,
            "month": published_at.month,
        }
        sessions = {}
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        yield SimpleNamespace(users=users, sessions=sessions, ids=ids, admin_forms={})
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def shared_handler():
    return ClientHandler(enforce_csrf_checks=False)


@pytest.fixture
def client(shared_handler):
    """A fresh test client on a shared handler: the middleware (WhiteNoise's scan of the
    static files) is set up once for the module instead of once per test."""
    client = Client()
    client.handler = shared_handler
    return client


def rows_written():
    """Rows inserted, updated or deleted so far in this connection: what a refusal must not move.

    SQLite counts them on the connection; PostgreSQL per table in the open transaction
    (sessions aside: logging in or out is not a change of the site's data).
    """
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.total_changes
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE relname <> 'django_session' AND n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return dict(cursor.fetchall())


def sign_in(client, world, role):
    """Use the role's session made with the world (logging in again for each test is slow)."""
    if role in world.sessions:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return world.users.get(role)


class _FormControls(HTMLParser):
    """The controls of the admin's model form (``<form id="…_form">``) as a browser submits them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pairs = []
        self.in_form = False
        self.select = None
        self.options = []
        self.textarea = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.in_form = (attrs.get("id") or "").endswith("_form")
        elif not self.in_form:
            return
        elif tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.pairs.append((name, attrs.get("value") or ("on" if kind in {"checkbox", "radio"} else "")))
        elif tag == "select" and name:
            self.select = (name, "multiple" in attrs)
            self.options = []
        elif tag == "option" and self.select:
            self.options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]  # a browser submits the first option
            self.pairs += [(name, value) for value in chosen]
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.pairs.append((self.textarea, "".join(self.text).removeprefix("\n")))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)


def admin_form_data(world, form, ids, handler):
    """The superuser's form at ``form.page`` (read once per module) with ``form.changes``."""
    page = form.page.format_map(ids)
    if page not in world.admin_forms:
        client = Client()
        client.handler = handler
        sign_in(client, world, SUPERUSER)
        response = client.get(page)
        assert response.status_code == 200, f"the superuser cannot open {page}"
        parser = _FormControls()
        parser.feed(response.content.decode())
        data = {}
        for name, value in parser.pairs:
            data.setdefault(name, []).append(value)
        world.admin_forms[page] = data
    changes = {name: str(value).format_map(ids) for name, value in form.changes.items()}
    return world.admin_forms[page] | changes


# --- judging a response -------------------------------------------------------------------------

LOGIN_PATHS = {reverse("accounts:login"), reverse("admin:login")}


def outcome_of(response):
    status = response.status_code
    if status == 400:
        return REFUSED
    if status == 401:
        return LOGIN  # /api/v1/: a token is the only way in (a session cookie is not one)
    if status == 403:
        return FORBIDDEN
    if status in {404, 410}:
        return HIDDEN
    if status in {301, 302, 303, 307, 308}:
        target = urlsplit(response["Location"]).path
        if target in LOGIN_PATHS:
            return LOGIN
        warned = any(m.level == messages.WARNING for m in messages.get_messages(response.wsgi_request))
        if target == reverse("admin:index") and warned:
            return HIDDEN  # "… doesn't exist. Perhaps it was deleted?"
        return OK
    if 200 <= status < 300:
        return OK
    return f"unexpected {status}"


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


# --- the URL matrix ------------------------------------------------------------------------------


def url_cases():
    for route, probes in URL_RULES.items():
        for probe in probes:
            for role in ROLES:
                label = f" ({probe.label})" if probe.label else ""
                yield pytest.param(route, probe, role, id=f"{probe.method} {probe.url}{label} - {role}")


@pytest.mark.parametrize(("route", "probe", "role"), list(url_cases()))
def test_url(route, probe, role, world, client, shared_handler, request):
    """Each role gets exactly the outcome the table says for this URL (and method)."""
    ids = world.ids
    url = probe.url.format_map(ids)
    assert resolve(urlsplit(url).path).route == route, f"{url} is not an example of {route}"
    user = sign_in(client, world, role)
    ctx = SimpleNamespace(ids=ids, client=client, user=user, request=request)
    if probe.setup:
        probe.setup(ctx)
    expected = probe.expect[role]

    if probe.method == "GET":
        response = client.get(url)
        outcome = outcome_of(response)
    else:
        data = probe.data
        if isinstance(data, AdminForm):
            data = admin_form_data(world, data, ids, shared_handler)
        elif callable(data):
            data = data(ctx)
        state = probe.state or (lambda ctx: None)
        state_before, written = state(ctx), rows_written()
        response = client.post(url, data or {})
        outcome = outcome_of(response)
        if probe.state and outcome == OK and state(ctx) == state_before:
            outcome = IGNORED
        if outcome != OK:
            assert (rows_written(), state(ctx)) == (written, state_before), f"refused ({outcome}) but written"

    body = body_of(response) if outcome != OK or probe.absent else ""
    assert outcome == expected, f"{probe.method} {url} as {role}: {outcome} ({response.status_code}), not {expected}"
    for text in (*probe.absent, *(() if outcome == OK else ("{draft_title}",))):
        assert text.format_map(ids) not in body, f"{url} shows {text.format_map(ids)!r} to {role}"


def walk(patterns, prefix=""):
    """(route, name) of every URL pattern, routes joined the way the resolver joins them."""
    for pattern in patterns:
        route = str(pattern.pattern)
        if prefix:
            route = prefix + route.removeprefix("^")
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            for sub_route, name in walk(pattern.url_patterns, route):
                yield sub_route, f"{namespace}{name}" if name else None
        else:
            yield route, pattern.name


def test_every_url_pattern_has_a_rule():
    """A URL added to the project without a row in URL_RULES fails here."""
    routes = dict(walk(get_resolver().url_patterns))
    missing = sorted(f"{route!r} (name: {name})" for route, name in routes.items() if route not in URL_RULES)
    stale = sorted(set(URL_RULES) - set(routes))
    assert not missing, "URL patterns without an authorization rule:\n" + "\n".join(missing)
    assert not stale, f"rules for URL patterns that no longer exist: {stale}"


# --- the admin action matrix ---------------------------------------------------------------------


def registered_actions():
    """Every action of every registered ModelAdmin: those a superuser is offered, and all declared."""
    request = RequestFactory().get("/admin/")
    request.user = User(username="probe", is_staff=True, is_superuser=True, is_active=True)
    found = set()
    for model, model_admin in admin.site._registry.items():
        names = set(model_admin.get_actions(request)) | {name for _func, name, _d in model_admin._get_base_actions()}
        found |= {f"{model._meta.label_lower}.{name}" for name in names}
    return found


def test_every_admin_action_has_a_rule():
    """An admin action added without a row in ACTION_RULES fails here."""
    found = registered_actions()
    missing, stale = sorted(found - set(ACTION_RULES)), sorted(set(ACTION_RULES) - found)
    assert not missing, f"admin actions without an authorization rule: {missing}"
    assert not stale, f"rules for admin actions that no longer exist: {stale}"


def action_cases():
    for key, rule in ACTION_RULES.items():
        expect = action_expectations(key, rule)
        for role in ROLES:
            yield pytest.param(key, rule, role, expect[role], id=f"{key} - {role}")


@pytest.mark.parametrize(("key", "rule", "role", "expected"), list(action_cases()))
def test_admin_action(key, rule, role, expected, world, client):
    """Each role may run an admin action (and change the database) exactly as the table says."""
    app_label, model_name, name = key.split(".")
    ids = world.ids
    user = sign_in(client, world, role)
    ctx = SimpleNamespace(ids=ids, client=client, user=user)
    state = rule.state or row(apps.get_model(app_label, model_name), rule.target)
    state_before, written = state(ctx), rows_written()
    data = {"action": name, "_selected_action": [ids[rule.target]], "index": "0", "post": "yes", **rule.data}
    response = client.post(reverse(f"admin:{app_label}_{model_name}_changelist"), data)
    outcome = outcome_of(response)
    if outcome == OK and state(ctx) == state_before:
        outcome = IGNORED
    if outcome != OK:
        assert (rows_written(), state(ctx)) == (written, state_before), f"refused ({outcome}) but written"
    assert outcome == expected, f"{key} as {role}: {outcome} ({response.status_code}), not {expected}"


def test_world_is_what_the_table_assumes(world):
    """The objects the rules rely on: a banned resident, a draft owned by the reporter."""
    ids = world.ids
    assert world.users[BANNED].active_ban() is not None
    draft = Article.objects.get(pk=ids["draft"])
    assert draft.status == Article.Status.DRAFT and draft.author == world.users[REPORTER1]
    assert not Article.objects.published().filter(pk=ids["draft"]).exists()
    assert Article.objects.published().filter(pk=ids["published"], author=world.users[REPORTER1]).exists()
    assert Comment.objects.get(pk=ids["comment"]).status == Comment.Status.APPROVED
    assert not User.objects.get(pk=ids["commenter"]).is_staff  # the admin bans residents only
    assert all(user.is_staff == (role in STAFF) for role, user in world.users.items())


def test_refusals_would_be_seen_writing(world):
    """The write counter the refusal checks rely on does move when a row changes."""
    written = rows_written()
    SensitiveWord.objects.filter(pk=world.ids["word"]).update(word="计数检查")
    assert rows_written() != written
