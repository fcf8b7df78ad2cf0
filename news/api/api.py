"""/api/v1/ on django-ninja: the site's own rules (``published()``, comment_post, react) as JSON.

Reads are anonymous; a resident's token (``POST /auth/token``, the site's login throttle)
lets them comment, react and read their own comments. Rate limits, the anonymous response
cache, ETags and JSON errors for every /api/ address live in :mod:`news.api.middleware`.
"""

import base64
import binascii
import html
import re
from datetime import datetime, time, timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from accounts.forms import ThrottledAuthenticationForm
from accounts.throttle import LOGIN_WINDOW
from news.api import schemas as s
from news.api.models import ApiToken
from news.articles.body import render_body
from news.articles.models import Article, SiteSettings, Source, names
from news.articles.navigation import category_family, category_tree
from news.comments import services as comment_services
from news.comments.models import Comment
from news.search import documents as search
from news.viewcounts import rankings as ranking_lists
from news.viewcounts import reactions as reaction_rules
from yzgz import images
from yzgz.net import client_ip

MAX_LIMIT = 50
CATEGORY = Query(
    None, min_length=1, max_length=100, description="栏目（含下级栏目） / Category slug, with its sub-categories"
)
DATE_FROM = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="起始日期（含），YYYY-MM-DD / From this day")
DATE_TO = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="截止日期（含），YYYY-MM-DD / To this day")
CURSOR = Query(None, min_length=1, max_length=200, description="上一页给出的 next_cursor / The next_cursor of a page")
ARTICLE_ID = Path(..., description="文章编号 / Article id")
ERRORS = {400: s.Error, 401: s.Error, 403: s.Error, 404: s.Error, 409: s.Error, 422: s.Error, 429: s.Error}
READ_ERRORS = {400: s.Error, 404: s.Error, 422: s.Error, 429: s.Error}


class ApiError(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(request, status, code, message, errors=None, headers=None):
    body = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_found():
    return ApiError(404, "not_found", _("There is no such article, or it is not public."))


# --- who is asking -------------------------------------------------------------------------


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user, row = ApiToken.user_for(token)
        if user is not None:
            request.api_token = row
        return user


def optional_user(request):
    """The token's user, anonymous without a token; a token that is not valid is a 401."""
    header = request.headers.get("Authorization", "")
    if not header:
        return AnonymousUser()
    scheme, _sep, token = header.partition(" ")
    user, row = ApiToken.user_for(token.strip()) if scheme.lower() == "bearer" else (None, None)
    if user is None:
        raise AuthenticationError()
    request.api_token = row
    return user


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 as it is: Chinese text in 3 bytes a character, not 6 of \\uXXXX."""

    json_dumps_params = {"ensure_ascii": False}


class NewsAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation):
        """The view's name ("list_articles"), for the code app developers generate from the schema."""
        return operation.view_func.__name__


def _links_to_an_article(pointer):
    """OpenAPI links from an answer holding an article id (schemathesis follows them, statefully)."""
    return {
        name: {"operationId": target, "parameters": {"article_id": f"$response.body#{pointer}"}}
        for name, target in (
            ("article", "article_detail"),
            ("comments", "article_comments"),
            ("comment", "post_comment"),
            ("react", "react"),
        )
    }


api = NewsAPI(
    renderer=ChineseJSONRenderer(),
    title="禹州关注 API",
    version="1.0.0",
    description=(
        "禹州关注的公开接口：文章、栏目、标签、来源、评论、排行和搜索，匿名可读；居民用令牌发表评论、表态、"
        "查看自己评论的状态，规则与网站完全相同（实名、禁言、发言频率、敏感词、审核）。错误一律是 JSON："
        '`{"code": "…", "message": "…"}`。\n\n'
        "The public API of 禹州关注 (Yuzhou Focus): articles, categories, tags, sources, comments, rankings "
        "and search, readable anonymously; residents post comments, react and read their own comments' "
        "status with a token, under exactly the site's rules. Lists page with an opaque `cursor`. "
        "Errors are always JSON with a stable `code` and a Chinese `message`."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(ApiError)
def _api_error(request, exc):
    return error_response(request, exc.status, exc.code, exc.message, headers=exc.headers)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))} for error in exc.errors
    ]
    return error_response(request, 422, "invalid_input", _("Some of what was sent is missing or not valid."), errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    header = request.headers.get("Authorization", "")
    code, message = (
        ("token_invalid", _("The token is not valid or has been revoked. Please log in again."))
        if header
        else ("token_required", _("Please log in: send your token as Authorization: Bearer <token>."))
    )
    return error_response(request, 401, code, message, headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    code = {400: "bad_request", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "bad_request")
    return error_response(request, exc.status_code, code, _("The request could not be read."))


# --- shapes --------------------------------------------------------------------------------


def _absolute(request, url):
    return request.build_absolute_uri(url)


def _picture(request, name, width, height):
    if not name:
        return None
    renditions = []
    if not images.is_animated(name):
        for w in images.rendition_widths(width):
            for extension, _format, _mime in images.RENDITION_FORMATS:
                url = default_storage.url(images.rendition_name(name, w, extension))
                renditions.append({"url": _absolute(request, url), "width": w, "format": extension})
    url = _absolute(request, default_storage.url(name))
    return {"url": url, "width": width, "height": height, "renditions": renditions}


# A <picture> (news.articles.body: WebP in its <source>, JPEG in its <img>) or a bare <img>.
_PICTURE = re.compile(r"<picture[\s>].*?</picture>|<img\s[^>]*>", re.IGNORECASE | re.DOTALL)
_IMG = re.compile(r"<img\s[^>]*>", re.IGNORECASE)
_SRCSET_VALUE = re.compile(r'\ssrcset="([^"]*)"', re.IGNORECASE)
_ATTR = re.compile(r'([a-zA-Z][\w-]*)="([^"]*)"')
_LOCAL = re.compile(r'(\s(?:src|href|poster)=")(/(?!/)[^"]*)"')
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')
_RENDITION = re.compile(r"\.(webp|jpg)$")


def _absolute_body(request, body):
    """The body with the site's own addresses made absolute: an app has no page to resolve them against."""
    origin = request.build_absolute_uri("/").rstrip("/")  # the value stays as escaped: only prefixed
    body = _LOCAL.sub(lambda m: f'{m.group(1)}{origin}{m.group(2)}"', body)

    def srcset(match):
        entries = []
        for entry in match.group(2).split(","):
            url, _space, size = entry.strip().partition(" ")
            if url.startswith("/") and not url.startswith("//"):
                url = origin + url
            entries.append(f"{url} {size}".strip())
        return f'{match.group(1)}{", ".join(entries)}"'

    return _SRCSET.sub(srcset, body)


def _body_pictures(request, body):
    """The body's pictures in order, for an app that lays them out itself: address, size, renditions."""
    pictures = []
    for block in _PICTURE.findall(body):
        tag = _IMG.search(block)
        attrs = {name.lower(): html.unescape(value) for name, value in _ATTR.findall(tag.group(0))} if tag else {}
        if not attrs.get("src"):
            continue
        renditions = []
        for entry in ",".join(html.unescape(v) for v in _SRCSET_VALUE.findall(block)).split(","):
            url, _space, size = entry.strip().partition(" ")
            found = _RENDITION.search(url)
            if found and size.endswith("w") and size[:-1].isdigit():
                renditions.append({"url": _absolute(request, url), "width": int(size[:-1]), "format": found.group(1)})
        width, height = attrs.get("width", ""), attrs.get("height", "")
        pictures.append(
            {
                "url": _absolute(request, attrs["src"]),
                "width": int(width) if width.isdigit() else None,
                "height": int(height) if height.isdigit() else None,
                "renditions": renditions,
                "alt": attrs.get("alt", ""),
            }
        )
    return pictures


def _video(request, article):
    if article.video:
        duration = article.video_duration
        return {
            "source": "file",
            "url": _absolute(request, article.video.url),
            "page_url": None,
            "poster": _picture(
                request, article.video_poster.name, article.video_poster_width, article.video_poster_height
            ),
            "width": article.video_width,
            "height": article.video_height,
            "duration": duration.total_seconds() if duration else None,
        }
    embed = article.embed
    if embed is None:
        return None
    return {
        "source": embed.platform,
        "url": embed.player_url,
        "page_url": embed.page_url,
        "poster": None,
        "width": None,
        "height": None,
        "duration": None,
    }


def _gallery(request, article):
    return [
        {
            **_picture(request, item.image.name, item.width, item.height),
            "caption": item.caption,
            "alt": item.alt_text,
        }
        for item in article.gallery
    ]


def _category_ref(category):
    return None if category is None else {"id": category.pk, "name": category.name, "slug": category.slug}


def _item(request, article):
    return {
        "id": article.pk,
        "title": article.title,
        "summary": article.excerpt,
        "url": _absolute(request, article.get_absolute_url()),
        "published_at": timezone.localtime(article.published_at),
        "category": _category_ref(article.category),
        "cover": _picture(request, article.cover.name, article.cover_width, article.cover_height),
        "view_count": article.view_count,
        "comment_count": article.comment_count,
        "reaction_count": article.reaction_count,
    }


def _reactions(article):
    counts = article.reaction_counts or {}
    return [
        {"id": r.pk, "name": r.name, "icon": r.icon, "count": counts.get(str(r.pk), 0)}
        for r in reaction_rules.active_reactions()
    ]


ITEM_FIELDS = (
    "title",
    "excerpt",
    "cover",
    "cover_width",
    "cover_height",
    "category__name",
    "category__slug",
    "published_at",
    "updated_at",
    "view_count",
    "comment_count",
    "reaction_count",
)


def _public():
    return Article.objects.published().select_related("category")


# --- cursors -------------------------------------------------------------------------------


def _encode(*parts):
    return base64.urlsafe_b64encode("|".join(str(p) for p in parts).encode()).decode().rstrip("=")


def _decode(cursor, kinds):
    """The parts of a cursor this endpoint made, converted by ``kinds``; anything else is a 400."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        if len(parts) != len(kinds):
            raise ValueError(raw)
        return [kind(part) for kind, part in zip(kinds, parts, strict=True)]
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad_cursor", _("The cursor is not one this list gave out.")) from exc


def _nonnegative(text):
    value = int(text)
    if value < 0 or value > 2**31:
        raise ValueError(text)
    return value


def _newest_first(queryset, cursor, limit, time_field):
    """One page of ``queryset`` in (time, id) order, newest first, and the next page's cursor."""
    if cursor:
        moment, pk = _decode(cursor, (datetime.fromisoformat, _nonnegative))
        if timezone.is_naive(moment):
            raise ApiError(400, "bad_cursor", _("The cursor is not one this list gave out."))
        queryset = queryset.filter(Q(**{f"{time_field}__lt": moment}) | Q(**{time_field: moment, "pk__lt": pk}))
    rows = list(queryset.order_by(f"-{time_field}", "-pk")[: limit + 1])
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = _encode(getattr(rows[-1], time_field).isoformat(), rows[-1].pk)
    return rows, following


def _set_last_modified(response, moments):
    moments = [m for m in moments if m]
    if moments:
        response["Last-Modified"] = http_date(max(moments).timestamp())


# --- articles ------------------------------------------------------------------------------


@api.get(
    "/articles",
    response={200: s.ArticlePage, **READ_ERRORS},
    tags=["文章 Articles"],
    summary="文章列表 / List articles",
    openapi_extra={"responses": {200: {"links": _links_to_an_article("/items/0/id")}}},
)
def list_articles(
    request,
    response: HttpResponse,
    category: str | None = CATEGORY,
    tag: str | None = Query(None, min_length=1, max_length=100, description=s.doc("标签", "Tag slug")),
    source: int | None = Query(None, ge=1, le=2**31 - 1, description=s.doc("来源编号", "Source id")),
    publisher: str | None = Query(
        None, min_length=1, max_length=150, description=s.doc("发布者账号", "Publisher's username")
    ),
    date_from: str | None = DATE_FROM,
    date_to: str | None = DATE_TO,
    cursor: str | None = CURSOR,
    limit: int = Query(20, ge=1, le=MAX_LIMIT, description=s.doc("每页篇数", "Articles per page")),
):
    """已公开的文章，最新的在前；按栏目、标签、来源、发布者和日期筛选。 / Public articles, newest first, filtered."""
    articles = _public().only("id", *ITEM_FIELDS)
    if category:
        articles = articles.filter(category_id__in=_category_ids(category))
    if tag:
        articles = articles.filter(tags__slug=tag)
    if source:
        articles = articles.filter(source_id=source)
    if publisher:
        articles = articles.filter(author__username=publisher)
    start, end = _window(date_from, date_to)
    if start:
        articles = articles.filter(published_at__gte=start)
    if end:
        articles = articles.filter(published_at__lt=end)
    rows, following = _newest_first(articles, cursor, limit, "published_at")
    _set_last_modified(response, [a.updated_at for a in rows])
    return {"items": [_item(request, a) for a in rows], "next_cursor": following}


def _category_ids(slug):
    """A category's id with its sub-categories' (from the cached tree), as the site's lists take them."""
    ids = category_family(slug)
    if not ids:
        raise ApiError(404, "category_not_found", _("There is no such category."))
    return ids


def _window(date_from, date_to):
    """[start, end) of aware datetimes on the site's clock for two days given as YYYY-MM-DD."""
    zone = timezone.get_current_timezone()
    bounds = []
    for value, extra in ((date_from, 0), (date_to, 1)):
        if not value:
            bounds.append(None)
            continue
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date() + timedelta(days=extra)
        except (ValueError, OverflowError) as exc:
            raise ApiError(400, "bad_date", _("Dates are written YYYY-MM-DD.")) from exc
        bounds.append(datetime.combine(day, time.min, tzinfo=zone))
    return bounds


@api.get(
    "/articles/{int:article_id}",
    response={200: s.ArticleDetail, **READ_ERRORS},
    tags=["文章 Articles"],
    summary="文章详情 / One article",
)
def article_detail(request, response: HttpResponse, article_id: int = ARTICLE_ID):
    """正文、图片、标签、来源、表态、上一篇下一篇；草稿、定时和已撤稿的文章是 404。

    Body, pictures, tags, source, reactions, neighbours; drafts, scheduled and withdrawn: 404.
    """
    article = _public().select_related("source", "author").filter(pk=article_id).first()
    if article is None:
        raise not_found()
    previous, following = article.get_neighbours()
    body = article.body_html or render_body(article.body)
    response["Last-Modified"] = http_date(article.updated_at.timestamp())
    source = article.source
    return {
        **_item(request, article),
        "updated_at": timezone.localtime(article.updated_at),
        "kind": article.kind,
        "gallery": _gallery(request, article),
        "video": _video(request, article),
        "body_html": _absolute_body(request, body),
        "pictures": _body_pictures(request, body),
        "byline": article.byline,
        "reporters": names(article.reporters),
        "correspondents": names(article.correspondents),
        "photographers": names(article.photographers),
        "responsible_editor": article.responsible_editor,
        "source": None if source is None else {"id": source.pk, "name": source.name, "url": source.url},
        "source_url": article.source_url,
        "publisher": None
        if article.author is None
        else {"username": article.author.username, "name": article.author.display_name},
        "tags": [{"name": t.name, "slug": t.slug} for t in article.tags.all()],
        "reactions": _reactions(article),
        "neighbours": {
            "previous": previous and {"id": previous.pk, "title": previous.title},
            "next": following and {"id": following.pk, "title": following.title},
        },
        "comments_open": article.comments_open(SiteSettings.current()),
    }


@api.get(
    "/categories",
    response={200: list[s.Category], 429: s.Error},
    tags=["栏目 Categories"],
    summary="栏目树 / Categories",
)
def categories(request):
    """全部栏目，按顺序，含下级栏目。 / Every category in order, with its sub-categories."""

    def shape(category, children):
        return {
            **_category_ref(category),
            "description": category.description,
            "url": _absolute(request, category.get_absolute_url()),
            "children": [shape(child, []) for child in children],
        }

    return [shape(top, top.subcategories) for top in category_tree()]


@api.get("/tags", response={200: list[s.TagCount], 429: s.Error}, tags=["栏目 Categories"], summary="常用标签 / Tags")
def tags(request):
    """公开文章用得最多的 100 个标签。 / The 100 tags most used by public articles."""
    rows = (
        Article.objects.published()
        .filter(tags__isnull=False)
        .values("tags__name", "tags__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "tags__name")[:100]
    )
    return [{"name": row["tags__name"], "slug": row["tags__slug"], "count": row["n"]} for row in rows]


@api.get(
    "/sources", response={200: list[s.SourceOut], 429: s.Error}, tags=["栏目 Categories"], summary="来源 / Sources"
)
def sources(request):
    """文章来源（稿源），按名称。 / Article sources, by name."""
    return [{"id": x.pk, "name": x.name, "url": x.url} for x in Source.objects.order_by("name")]


@api.get(
    "/rankings",
    response={200: s.Rankings, **READ_ERRORS},
    tags=["文章 Articles"],
    summary="排行榜 / Rankings",
)
def rankings(
    request,
    period: str = Query(
        "today",
        pattern="^(today|week|month|all)$",
        description=s.doc(
            "时间段：今日、本周（7 天）、本月（30 天）、总榜", "today, week (7 days), month (30 days), all"
        ),
    ),
):
    """阅读排行和评论排行，与网站排行榜相同（最多 5 分钟前的数据）。 / As /rank/ shows them, up to 5 minutes old."""
    lists = ranking_lists.rankings(period)

    def shape(pairs):
        return [{"article": {"id": a.pk, "title": a.title}, "count": n} for a, n in pairs]

    return {"period": period, "views": shape(lists["views"]), "comments": shape(lists["comments"])}


@api.get(
    "/search",
    response={200: s.SearchPage, **READ_ERRORS},
    tags=["文章 Articles"],
    summary="搜索 / Search",
    openapi_extra={"responses": {200: {"links": _links_to_an_article("/items/0/id")}}},
)
def search_articles(
    request,
    q: str = Query("", max_length=1000, description=s.doc("搜索词", "Words to search for")),
    category: str | None = CATEGORY,
    date_from: str | None = DATE_FROM,
    date_to: str | None = DATE_TO,
    cursor: str | None = CURSOR,
    limit: int = Query(10, ge=1, le=MAX_LIMIT, description=s.doc("每页篇数", "Results per page")),
):
    """与网站搜索相同的排序和筛选（栏目、日期）。 / The site's search: the same ranking and filters."""
    query = "".join(ch for ch in q if ch.isprintable())[: search.MAX_QUERY_LENGTH].strip()
    terms = search.query_terms(query)
    offset = _decode(cursor, (_nonnegative,))[0] if cursor else 0
    if not terms:
        return {"query": query, "count": 0, "items": [], "next_cursor": None}
    start, end = _window(date_from, date_to)
    filters = search.Filters(category_ids=_category_ids(category) if category else (), start=start, end=end)
    ranked = search.RankedIds(terms, filters=filters)
    found = min(ranked.count(), search.COUNT_CAP)
    ids = list(ranked[offset : offset + limit]) if offset < found else []
    loaded = _public().only("id", "body", *ITEM_FIELDS).in_bulk(ids)
    items = []
    for pk in ids:
        if pk in loaded:
            article = loaded[pk]
            items.append({**_item(request, article), "snippet": search.snippet(article, terms)})
    following = _encode(offset + limit) if offset + limit < found else None
    return {"query": query, "count": found, "items": items, "next_cursor": following}


# --- comments ------------------------------------------------------------------------------


def _comment(comment, reply_to=None):
    return {
        "id": comment.pk,
        "author": {"name": comment.user.display_name},
        "text": comment.body,
        "created_at": timezone.localtime(comment.created_at),
        "region": comment.ip_region or "",
        "like_count": comment.like_count,
        "status": "pending" if comment.status == Comment.Status.PENDING else "approved",
        "reply_to": reply_to,
    }


def _public_article(article_id):
    article = Article.objects.published().filter(pk=article_id).first()
    if article is None:
        raise not_found()
    return article


@api.get(
    "/articles/{int:article_id}/comments",
    response={200: s.CommentPage, 401: s.Error, **READ_ERRORS},
    tags=["评论 Comments"],
    summary="文章的评论 / An article's comments",
)
def article_comments(
    request,
    article_id: int = ARTICLE_ID,
    cursor: str | None = CURSOR,
    limit: int = Query(20, ge=1, le=MAX_LIMIT, description=s.doc("每页条数", "Comments per page")),
):
    """已通过的评论，回复嵌在下面；带令牌时也有自己待审核的评论。

    Approved comments with their replies; with a token, one's own pending ones too.
    """
    user = optional_user(request)
    article = _public_article(article_id)
    visible = Comment.objects.visible_to(user).filter(article=article)
    top = visible.filter(parent=None).select_related("user")
    rows, following = _newest_first(top, cursor, limit, "created_at")
    replies = {}
    if rows:
        for reply in (
            visible.filter(parent_id__in=[c.pk for c in rows])
            .select_related("user", "reply_to_user")
            .order_by("created_at", "pk")
        ):
            replies.setdefault(reply.parent_id, []).append(reply)
    items = []
    for comment in rows:
        answers = [
            _comment(reply, reply.reply_to_user.display_name if reply.reply_to_user else None)
            for reply in replies.get(comment.pk, [])
        ]
        items.append({**_comment(comment), "replies": answers})
    return {"items": items, "next_cursor": following}


@api.post(
    "/articles/{int:article_id}/comments",
    response={201: s.Posted, **ERRORS},
    auth=TokenAuth(),
    tags=["评论 Comments"],
    summary="发表评论或回复 / Post a comment or reply",
)
def post_comment(request, payload: s.CommentIn, article_id: int = ARTICLE_ID):
    """与网站相同的规则：实名（绑定手机）、禁言、发言间隔、敏感词、审核方式。 / Exactly the site's rules."""
    article = _public_article(article_id)
    try:
        posted = comment_services.comment_post(
            article=article,
            user=request.auth,
            text=payload.text,
            parent_id=payload.parent_id,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except comment_services.CommentRefused as refused:
        raise ApiError(refused.status, refused.code or "comment_refused", refused.message) from refused
    comment = posted.comment
    if comment.status == Comment.Status.PENDING:
        message = _("Your comment was received and will appear after review.")
    elif posted.replaced_words:
        message = _("Your comment was posted; some words were replaced.")
    else:
        message = _("Your comment was posted.")
    reply_to = comment.reply_to_user.display_name if comment.reply_to_user_id else None
    return Status(201, {"comment": _comment(comment, reply_to), "message": message})


@api.post(
    "/articles/{int:article_id}/reactions",
    response={200: s.Reacted, **ERRORS},
    auth=TokenAuth(),
    tags=["评论 Comments"],
    summary="表态 / React",
)
def react(request, payload: s.ReactionIn, article_id: int = ARTICLE_ID):
    """每人每篇一个表态，再选一次则改为新的。 / One reaction per resident per article; choosing again moves it."""
    article = _public_article(article_id)
    user = request.auth
    try:
        counts, chosen = reaction_rules.react(
            article=article,
            reaction_id=payload.reaction_id,
            visitor=reaction_rules.account_visitor(user),
            user=user,
        )
    except reaction_rules.ReactionRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message) from refused
    article.reaction_counts = {str(k): v for k, v in counts.items()}
    return {"chosen": chosen, "reactions": _reactions(article)}


@api.get(
    "/me/comments",
    response={200: s.MyCommentPage, **ERRORS},
    auth=TokenAuth(),
    tags=["账号 Account"],
    summary="我的评论 / My comments",
)
def my_comments(
    request,
    cursor: str | None = CURSOR,
    limit: int = Query(20, ge=1, le=MAX_LIMIT, description=s.doc("每页条数", "Comments per page")),
):
    """自己发表的全部评论及其状态（审核中、已通过、未通过）。 / One's own comments and their status."""
    mine = (
        Comment.objects.filter(user=request.auth)
        .select_related("article")
        .only(
            "id",
            "body",
            "created_at",
            "status",
            "moderation_reason",
            "article__id",
            "article__title",
            "article__status",
            "article__published_at",
        )
    )
    rows, following = _newest_first(mine, cursor, limit, "created_at")
    items = [
        {
            "id": c.pk,
            # A withdrawn article's title is no one's to read any more, its commenters' included.
            "article": {
                "id": c.article.pk,
                "title": c.article.title if c.article.is_public else "",
                "public": c.article.is_public,
            },
            "text": c.body,
            "created_at": timezone.localtime(c.created_at),
            "status": c.status,
            "status_label": str(c.get_status_display()),
            "reason": c.moderation_reason if c.status != Comment.Status.APPROVED else "",
        }
        for c in rows
    ]
    return {"items": items, "next_cursor": following}


# --- accounts ------------------------------------------------------------------------------


def _me(user):
    reason = ""
    try:
        comment_services.check_can_speak(user)
        if comment_services.needs_phone(user):
            reason = _("Please link your mobile number before commenting (real-name registration; it is never shown).")
    except comment_services.CommentRefused as refused:
        reason = refused.message
    return {
        "username": user.username,
        "name": user.display_name,
        "phone_verified": user.phone_verified,
        "can_comment": not reason,
        "reason": reason,
    }


@api.get("/me", response={200: s.Me, **ERRORS}, auth=TokenAuth(), tags=["账号 Account"], summary="我的账号 / Me")
def me(request):
    """令牌所属的账号，以及现在能否评论、为什么。 / The token's account, and whether it may comment now."""
    return _me(request.auth)


@api.post("/auth/token", response={201: s.Token, **ERRORS}, tags=["账号 Account"], summary="登录取得令牌 / Log in")
def log_in(request, payload: s.LoginIn):
    """用户名和密码换一个令牌；与网站登录共用防暴力破解的次数限制。 / The site's login throttle counts these."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        raise ApiError(
            429,
            "login_throttled",
            str(ThrottledAuthenticationForm.error_messages["throttled"]),
            headers={"Retry-After": str(LOGIN_WINDOW)},
        )
    if user is None:
        raise ApiError(400, "invalid_credentials", _("The username or the password is wrong."))
    if not user.is_active:
        raise ApiError(403, "account_disabled", _("This account is disabled."))
    token, _row = ApiToken.issue(user, client=payload.client.strip())
    return Status(201, {"token": token, "token_type": "Bearer", "user": _me(user)})


@api.delete(
    "/auth/token", response={204: None, **ERRORS}, auth=TokenAuth(), tags=["账号 Account"], summary="退出 / Revoke"
)
def log_out(request):
    """作废这个令牌。 / Revoke the token this request carries."""
    ApiToken.objects.filter(pk=request.api_token.pk).delete()
    return Status(204, None)
