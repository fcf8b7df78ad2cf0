"""Published copies (yzgz/published.py): the pages nginx serves as files during a spike.

These run the app's side in process: which answers become files, where, with which headers, and
when they go. tests/site/test_production_stack.py serves them through nginx.
"""

import re
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from news.articles.factories import make_article
from news.articles.models import Article, SiteSettings
from yzgz import pagecache, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(settings, tmp_path):
    settings.PAGE_CACHE_SECONDS = 60
    settings.PUBLISHED_ROOT = str(tmp_path / "published")
    SiteSettings.current()
    call_command("published_headers", verbosity=0)
    return tmp_path / "published"


@pytest.fixture
def article(category, reporter):
    return make_article(title="钧瓷文化节开幕", body="<p>第一版正文。</p>", category=category, author=reporter)


def as_nginx(url, client=None, publish="1", **extra):
    """A request as nginx sends it for an anonymous reader (deploy/nginx.conf.template)."""
    return (client or Client()).get(url, HTTP_X_MICROCACHE="1", HTTP_X_PUBLISH=publish, **extra)


def copies(root, path):
    relative = path.strip("/")
    return sorted(
        int(folder.name)
        for folder in root.iterdir()
        if folder.name.isdigit() and (folder / relative / "index.html" if relative else folder / "index.html").exists()
    )


def test_the_headers_file_holds_what_django_sends_with_a_shared_page(root):
    text = (root / published.HEADERS_FILE).read_text()
    for line in (
        'add_header X-Frame-Options "DENY";',
        'add_header X-Content-Type-Options "nosniff";',
        'add_header Content-Language "zh-hans";',
        'add_header Vary "Cookie";',
        'add_header Referrer-Policy "strict-origin-when-cross-origin";',
        'add_header Cross-Origin-Opener-Policy "same-origin";',
    ):
        assert line in text
    assert "add_header Content-Security-Policy" in text
    assert "Permissions-Policy" in text
    assert "X-Page-Cache" not in text and "X-Accel-Expires" not in text and "Content-Length" not in text


def test_a_shared_page_is_written_for_this_second_and_the_next_four(root, article):
    path = article.get_absolute_url()
    before = int(time.time())
    response = as_nginx(path)
    after = int(time.time())
    assert response.status_code == 200
    seconds = copies(root, path)
    assert seconds == list(range(seconds[0], seconds[0] + published.ahead())) and before <= seconds[0] <= after
    file = root / str(seconds[0]) / path.strip("/") / "index.html"
    assert file.read_bytes() == response.content
    assert "钧瓷文化节开幕" in file.read_text()
    assert 'value=""' in file.read_text() or "csrfmiddlewaretoken" not in file.read_text()  # no reader's token
    # The page cache's copy (a hit, without "Vary: Cookie") is published as well.
    hit = as_nginx("/")
    assert hit["X-Page-Cache"] in {"miss", "hit"}
    assert as_nginx("/")["X-Page-Cache"] == "hit"
    assert copies(root, "/")


@pytest.mark.parametrize(
    "case",
    ["not through nginx", "query string", "language cookie", "logged in", "non-ascii path", "feed", "post"],
)
def test_nothing_is_written_that_nginx_would_not_share(root, article, resident, case, category):
    path = article.get_absolute_url()
    if case == "not through nginx":
        Client().get(path)
    elif case == "query string":
        as_nginx(path + "?cpage=1")
    elif case == "language cookie":
        as_nginx(path, publish="0")  # nginx sends X-Publish: 0 when the reader has django_language
    elif case == "logged in":
        client = Client()
        client.force_login(resident)
        client.get(path, HTTP_X_PUBLISH="1")  # nginx never marks a reader with a session for the microcache
    elif case == "non-ascii path":
        path = "/tag/钧瓷/"
        as_nginx(path)
    elif case == "feed":
        path = "/feed/rss/"
        assert as_nginx(path).status_code == 200
    elif case == "post":
        Client().post(path, HTTP_X_MICROCACHE="1", HTTP_X_PUBLISH="1")
    assert not [name for name in root.iterdir() if name.name.isdigit()]


def test_a_page_with_other_headers_than_nginx_adds_is_not_published(root, article):
    """A copy without a header Django sends would lose it: such a page stays with the microcache."""
    headers = root / published.HEADERS_FILE
    headers.write_text(headers.read_text().replace('"DENY"', '"SAMEORIGIN"'))
    assert as_nginx(article.get_absolute_url()).status_code == 200
    assert not copies(root, article.get_absolute_url())


def test_without_a_headers_file_or_a_root_nothing_is_published(root, article, settings):
    (root / published.HEADERS_FILE).unlink()
    as_nginx(article.get_absolute_url())
    assert not copies(root, article.get_absolute_url())
    settings.PUBLISHED_ROOT = ""
    as_nginx("/")
    assert not copies(root, "/")


@pytest.mark.parametrize("status", ["withdrawn", "draft"])
def test_a_page_that_stops_being_public_loses_its_copies(root, article, status):
    path = article.get_absolute_url()
    as_nginx(path)
    assert copies(root, path)
    article.status = Article.Status.WITHDRAWN if status == "withdrawn" else Article.Status.DRAFT
    article.withdrawn_reason = "核实有误"
    article.save()
    assert as_nginx(path).status_code == (410 if status == "withdrawn" else 404)
    assert not copies(root, path)


def test_old_seconds_are_swept_and_the_headers_kept(root, article):
    now = time.time()
    published.write(root, "/old/", b"old", now=now - 10)
    published.write(root, "/old/", b"old", now=now - 5)
    published.write(root, "/", b"new", now=now)
    seconds = sorted(int(folder.name) for folder in root.iterdir() if folder.name.isdigit())
    assert seconds == list(range(int(now) - 1, int(now) + published.ahead()))  # the last second kept
    assert (root / published.HEADERS_FILE).exists()


def test_a_policy_in_another_order_is_the_same_policy():
    one = [("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:")]
    other = [("content-security-policy", "img-src 'self' blob: data:; default-src 'self'")]
    assert published.comparable(one) == published.comparable(other)
    assert published.comparable(one) != published.comparable([("Content-Security-Policy", "default-src *")])


def test_a_header_nginx_would_read_differently_is_refused():
    with pytest.raises(ValueError, match="add_header"):
        published.nginx_lines([("X-Test", "a $variable")])
    with pytest.raises(ValueError, match="add_header"):
        published.nginx_lines([("X-Test", 'say "hi"')])


def test_a_change_readers_should_see_deletes_every_copy(root, article, resident):
    """A comment, an edit, a reaction: anything that refreshes the page cache takes the files too."""
    path = article.get_absolute_url()
    as_nginx(path)
    as_nginx("/")
    assert copies(root, path) and copies(root, "/")
    assert len(copies(root, path)) == published.ahead() == 5
    article.title = "钧瓷文化节开幕（更新）"
    article.save()
    assert not copies(root, path) and not copies(root, "/")
    assert "（更新）" in as_nginx(path).content.decode()
    file = root / str(copies(root, path)[0]) / path.strip("/") / "index.html"
    assert "（更新）" in file.read_text()


def test_a_page_rendered_before_a_change_and_written_after_it_is_deleted(root, article, monkeypatch):
    """The change lands while the page is being rendered: its copy must not outlive the change."""
    from yzgz import pagecache

    real_write = published.write

    def write_then_change(*args, **kwargs):
        pagecache.bump()  # another app server saves the article just before the copy is written
        real_write(*args, **kwargs)

    monkeypatch.setattr(published, "write", write_then_change)
    assert as_nginx(article.get_absolute_url()).status_code == 200
    assert not copies(root, article.get_absolute_url())


def nginx_map(name, config="nginx.conf.template"):
    """The regular expression of the one-pattern map that sets ``$name`` in an nginx config."""
    text = (Path(__file__).resolve().parents[2] / "deploy" / config).read_text()
    block = re.search(r"map \S+ \$" + name + r" \{\n\s+\"~(.*)\" 1;\n\s+default 0;\n\s*\}", text)
    return re.compile(block.group(1))


def test_nginx_drops_the_tracking_parameters_django_drops_and_no_other():
    tracking_only = nginx_map("tracking_only")
    assert nginx_map("tracking_only", "nginx-site.conf") == tracking_only  # the multi-host site's too
    for name in pagecache.TRACKING_PARAMETERS:
        assert tracking_only.match(f"/article/1/?{name}=x"), name
    for link in (
        "/article/1/?from=groupmessage&isappinstalled=0",
        "/?utm_source=wechat&utm_medium=social&from=timeline",
        "/article/1/?from=",
    ):
        assert tracking_only.match(link), link
    for link in (
        "/article/1/?from=groupmessage&cpage=2",  # a parameter the page reads stays
        "/article/1/?cpage=2&from=groupmessage",
        "/search/?q=x&from=timeline",
        "/article/1/view.gif?from=groupmessage",  # not a page path
        "/article/1/?",
        "/article/1/?FROM=x",  # Django's list is case-sensitive too
        "/article/1/?fromage=x",
    ):
        assert not tracking_only.match(link), link
