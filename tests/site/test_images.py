"""Uploaded and pasted images, renditions, and what the article body may contain.

Covers yzgz.images (validation, cleaning, renditions), news.articles.body (<picture> markup),
news.articles.editor.store_body_image and the admin upload endpoint, news.articles.remote_images (copying
pictures pasted from WeChat), the rebuild_renditions command, and news.articles.sanitize against a
public XSS payload list (tests/data/xss-payloads.txt).
"""

import html
import io
import os
import re
import socket
import struct
import threading
import zlib
from functools import cache
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from PIL import ExifTags, Image, ImageDraw

from news.articles.editor import store_body_image
from news.articles.factories import make_article, make_cover, make_image_bytes
from news.articles.models import Article
from news.articles.sanitize import sanitize_html
from tests.articles.admin_forms import article_form
from yzgz import images

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:news_article_add")
UPLOAD_URL = reverse("admin:news_article_upload_image")
PAYLOADS_FILE = Path(__file__).resolve().parent.parent / "data" / "xss-payloads.txt"
CJK = re.compile(r"[\u4e00-\u9fff]")
OLD_TIME = 946_684_800  # 2000-01-01: marks files a later step must not rewrite


# --- helpers: forms, files and pages ----------------------------------------------------


def stored_files(root):
    """Every file under the media root, as relative paths (empty when nothing was stored)."""
    root = Path(root)
    if not root.exists():
        return []
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def rendition_files(root, name, widths):
    """The paths of the WebP and JPEG renditions of ``name`` for ``widths``."""
    return [Path(root) / images.rendition_name(name, width, ext) for width in widths for ext in ("webp", "jpg")]


def age_files(paths):
    """Give files an old mtime, so a rewrite is seen whatever the clock's resolution."""
    for path in paths:
        os.utime(path, (OLD_TIME, OLD_TIME))


def mtimes(paths):
    return {path: path.stat().st_mtime for path in paths}


def media_path(root, url):
    assert url.startswith(settings.MEDIA_URL), url
    return Path(root) / url[len(settings.MEDIA_URL) :]


def srcset_entries(srcset):
    """``[(url, "400w"), …]`` of a srcset attribute."""
    return [tuple(item.strip().rsplit(" ", 1)) for item in srcset.split(",") if item.strip()]


class _TagCollector(HTMLParser):
    """Start tags (with their attributes as pairs), comments and processing instructions."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.comments, self.other = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_pi(self, data):
        self.other.append(data)

    def handle_decl(self, decl):
        self.other.append(decl)

    def unknown_decl(self, data):
        self.other.append(data)


def parse(markup):
    collector = _TagCollector()
    collector.feed(markup)
    collector.close()
    return collector


def tags_named(markup, name):
    """The attributes (as dicts) of every ``<name>`` start tag."""
    return [dict(attrs) for tag, attrs in parse(markup).tags if tag == name]


def section(page, pattern):
    match = re.search(pattern, page, re.S)
    assert match, f"{pattern!r} not found in the page"
    return match.group(1)


def cover_markup(page):
    return section(page, r'<figure class="article__cover">(.*?)</figure>')


def body_markup(page):
    # The sanitised body has no <div>, so the first </div> closes the body's own.
    return section(page, r'<div class="article__body">(.*?)</div>')


def form_errors(response, field):
    assert response.status_code == 200, response.status_code
    errors = response.context["adminform"].form.errors.get(field)
    assert errors, f"no error on {field}"
    return list(errors)


def assert_chinese_errors_shown(response, field, keyword):
    """The form shows a Chinese error on ``field`` that mentions ``keyword``."""
    errors = form_errors(response, field)
    page = response.content.decode()
    for message in errors:
        assert CJK.search(message), f"not in Chinese: {message}"
        assert escape(message) in page, f"error not shown on the page: {message}"
    assert any(keyword in message for message in errors), errors
    return errors


# --- helpers: image files ---------------------------------------------------------------


def png_claiming_size(width, height):
    """A tiny PNG whose header claims ``width``×``height`` (a decompression bomb's header)."""
    buffer = io.BytesIO()
    Image.new("1", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    # Signature (8), IHDR length (4) and type (4), then width and height; CRC after 13 bytes.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def encode(image, image_format, **params):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def phone_photo(width=900, height=1300, orientation=6):
    """A JPEG as a phone takes it: stored sideways with an EXIF orientation, camera and GPS.

    The stored top-left corner is red: upright (rotated 90° clockwise) it is the top-right.
    """
    image = Image.new("RGB", (width, height), (40, 120, 60))
    image.paste((255, 0, 0), (0, 0, 120, 120))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N", 2: (34.0, 9.0, 30.0), 3: "E", 4: (113.0, 28.0, 0.0)})
    return encode(image, "JPEG", exif=exif.tobytes(), quality=90)


def transparent_logo(width=600, height=400):
    """A PNG logo: a red disc on a transparent background (transparent pixels are 0,0,0,0)."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse([width // 4, height // 8, width * 3 // 4, height * 7 // 8], fill=(200, 30, 30, 255))
    return encode(image, "PNG")


def on_white(image, xy):
    """The colour a reader sees at ``xy`` with the page's white background behind the image."""
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).getpixel(xy)[:3]


@cache
def bad_upload(case):
    """The bytes of one refused upload (built once per test run)."""
    if case == "text-as-jpg":
        return "这不是图片，只是改了扩展名的文本。\n".encode() * 20
    if case == "empty":
        return b""
    if case == "over-10mb":
        # A valid JPEG padded after its end marker: the bytes limit, not the decoder, refuses it.
        jpeg = make_image_bytes(64, 48)
        return jpeg + b"\0" * (11 * 1024 * 1024 - len(jpeg))
    if case == "81-megapixel-png":
        return encode(Image.new("1", (9000, 9000)), "PNG")  # about 10 MB of memory, a few kB of file
    if case == "bomb-header-png":
        return png_claiming_size(50_000, 50_000)
    if case == "svg-with-script":
        return (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
            b'<script>alert(document.cookie)</script><circle r="40" cx="50" cy="50"/></svg>'
        )
    if case == "jpeg-with-script":
        return make_image_bytes(64, 48) + b"<script>alert(1)</script>"
    if case == "gif-with-php-comment":
        return encode(Image.new("P", (32, 32)), "GIF", comment=b"<?php system($_GET['c']); ?>")
    if case == "truncated-jpeg":
        jpeg = make_image_bytes(400, 300)
        return jpeg[: len(jpeg) // 2]
    if case == "bmp":
        return encode(Image.new("RGB", (40, 30), (200, 10, 10)), "BMP")
    if case == "tiff":
        return encode(Image.new("RGB", (40, 30), (200, 10, 10)), "TIFF")
    raise AssertionError(case)


# (case, file name, a word the Chinese error must contain)
BAD_UPLOADS = [
    ("text-as-jpg", "photo.jpg", "不是图片"),
    ("empty", "empty.jpg", "空"),
    ("over-10mb", "huge.jpg", "上限"),
    ("81-megapixel-png", "poster.png", "像素"),
    ("bomb-header-png", "bomb.png", "像素"),
    ("svg-with-script", "logo.svg", "SVG"),
    ("jpeg-with-script", "polyglot.jpg", "脚本"),
    ("gif-with-php-comment", "polyglot.gif", "脚本"),
    ("truncated-jpeg", "broken.jpg", "损坏"),
    ("bmp", "scan.bmp", "BMP"),
    ("tiff", "scan.tiff", "TIFF"),
]


# --- helpers: XSS checks ----------------------------------------------------------------

# What a sanitised body may contain; <picture>/<source> and the loading attributes come from
# news.articles.body's renditions.
SAFE_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "blockquote", "ul", "ol", "li", "a", "img", "figure", "figcaption", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "pre", "code", "picture", "source",
}  # fmt: skip
SAFE_ATTRIBUTES = {
    "href", "title", "lang", "rel", "src", "alt", "width", "height", "colspan", "rowspan",
    "srcset", "sizes", "type", "loading", "decoding",
}  # fmt: skip
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "form", "meta", "link", "base", "style"}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "background", "poster", "data"}
_RAW_DANGEROUS = re.compile(r"<\s*/?\s*(" + "|".join(sorted(DANGEROUS_TAGS)) + r")\b", re.IGNORECASE)
_CONTROL_AND_SPACE = re.compile(r"[\x00-\x20\x7f]+")


def xss_problems(markup):
    """What in ``markup`` could run script or restyle the page; ``[]`` when it is clean."""
    parsed = parse(markup)
    problems = [f"comment <!--{c}-->" for c in parsed.comments] + [f"declaration {o!r}" for o in parsed.other]
    for tag, attrs in parsed.tags:
        if tag in DANGEROUS_TAGS:
            problems.append(f"<{tag}>")
        elif tag not in SAFE_TAGS:
            problems.append(f"unexpected <{tag}>")
        for name, value in attrs:
            if re.fullmatch(r"on\w+", name):
                problems.append(f"<{tag} {name}>")
            elif name == "style":
                problems.append(f"<{tag} style>")
            elif name not in SAFE_ATTRIBUTES:
                problems.append(f"<{tag} {name}> attribute")
            if name in URL_ATTRIBUTES and value:
                # Browsers ignore whitespace and control characters inside the scheme.
                url = _CONTROL_AND_SPACE.sub("", value).lower()
                if url.startswith(("javascript:", "vbscript:", "data:")):
                    problems.append(f"<{tag} {name}={value!r}>")
    problems += [f"raw {m.group(0)!r}" for m in _RAW_DANGEROUS.finditer(markup)]
    return problems


def load_payloads():
    lines = PAYLOADS_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


PAYLOADS = load_payloads()


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def image_site():
    """A small "WeChat" image server on 127.0.0.1: /a.jpg, /b.png and 404 for the rest."""
    served = {
        "/a.jpg": ("image/jpeg", make_image_bytes(900, 600, seed=3)),
        "/b.png": ("image/png", make_image_bytes(500, 400, seed=4, image_format="PNG")),
    }
    requested = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            content_type, body = served.get(self.path.split("?", 1)[0], ("text/plain", None))
            self.send_response(200 if body is not None else 404)
            body = body if body is not None else b"not found"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", requested=requested)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        assert not thread.is_alive()


@pytest.fixture
def logged_in_reporter(client, reporter):
    client.force_login(reporter)
    return client


# --- 1. refused uploads: as the cover and through the body-image endpoint ------------------


@pytest.mark.parametrize(("case", "filename", "keyword"), BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_bad_cover_is_refused_with_a_chinese_error_and_nothing_stored(
    logged_in_reporter, category, media_root, case, filename, keyword
):
    upload = SimpleUploadedFile(filename, bad_upload(case))
    response = logged_in_reporter.post(ADD_URL, {**article_form(category), "cover": upload})
    assert_chinese_errors_shown(response, "cover", keyword)
    assert not Article.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(("case", "filename", "keyword"), BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_bad_body_image_is_refused_with_a_chinese_error_and_nothing_stored(
    logged_in_reporter, media_root, case, filename, keyword
):
    response = logged_in_reporter.post(UPLOAD_URL, {"file": SimpleUploadedFile(filename, bad_upload(case))})
    assert response.status_code == 400
    error = response.json()["error"]
    assert CJK.search(error), error
    assert keyword in error, error
    assert not Article.objects.exists()
    assert stored_files(media_root) == []


# --- 2. a phone photo as the cover: upright, no EXIF, renditions, <picture> ---------------


def test_cover_from_a_phone_is_upright_without_exif_and_has_renditions(logged_in_reporter, category, media_root):
    cover = SimpleUploadedFile("IMG_0001.jpg", phone_photo(), content_type="image/jpeg")
    response = logged_in_reporter.post(ADD_URL, {**article_form(category), "cover": cover})
    assert response.status_code == 302
    article = Article.objects.get(title="禹州新闻")

    # Stored upright (900×1300 sideways becomes 1300×900) and without any metadata.
    assert (article.cover_width, article.cover_height) == (1300, 900)
    path = media_root / article.cover.name
    raw = path.read_bytes()
    assert b"Canon" not in raw and b"EOS 5D" not in raw
    with Image.open(path) as stored:
        assert stored.size == (1300, 900)
        assert len(stored.getexif()) == 0
        assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        red, green, blue = stored.convert("RGB").getpixel((1300 - 30, 30))
        assert red > 200 and green < 80 and blue < 80, "the stored top-left corner should now be top-right"

    # WebP and JPEG renditions at 400, 800 and 1200 px, each really that wide.
    for width in (400, 800, 1200):
        for extension in ("webp", "jpg"):
            with Image.open(media_root / images.rendition_name(article.cover.name, width, extension)) as copy:
                assert copy.width == width
                assert copy.format == {"webp": "WEBP", "jpg": "JPEG"}[extension]


def test_cover_is_a_picture_on_the_article_page_and_lazy_in_lists(client, reporter, category, media_root):
    client.force_login(reporter)
    cover = SimpleUploadedFile("IMG_0001.jpg", phone_photo(), content_type="image/jpeg")
    assert client.post(ADD_URL, {**article_form(category), "cover": cover}).status_code == 302
    article = Article.objects.get(title="禹州新闻")
    client.logout()

    page = client.get(article.get_absolute_url()).content.decode()
    figure = cover_markup(page)
    assert "<picture>" in figure
    (source,) = tags_named(figure, "source")
    (img,) = tags_named(figure, "img")
    assert source["type"] == "image/webp"
    assert [w for _url, w in srcset_entries(source["srcset"])] == ["400w", "800w", "1200w"]
    assert source["sizes"] and img["sizes"]
    assert (img["width"], img["height"]) == ("1300", "900")
    assert "400w" in img["srcset"]
    assert "loading" not in img, "the cover is the page's main picture: it must not wait"
    for url, _width in srcset_entries(source["srcset"]) + srcset_entries(img["srcset"]) + [(img["src"], "")]:
        assert media_path(media_root, url).is_file(), url

    listing = client.get(reverse("news:category-detail", args=[category.slug])).content.decode()
    stem = Path(article.cover.name).stem
    thumbnails = [attrs for attrs in tags_named(listing, "img") if stem in attrs.get("src", "")]
    assert thumbnails, "the list shows the cover"
    assert all(attrs.get("loading") == "lazy" for attrs in thumbnails)
    assert any(stem in attrs.get("srcset", "") for attrs in tags_named(listing, "source"))


# --- 3. body images: the upload endpoint and <picture> in the body ------------------------


def test_body_image_upload_then_article_shows_it_as_a_lazy_picture(logged_in_reporter, category, media_root):
    photo = SimpleUploadedFile("现场.jpg", make_image_bytes(1000, 750, seed=2), content_type="image/jpeg")
    response = logged_in_reporter.post(UPLOAD_URL, {"file": photo})
    assert response.status_code == 201
    data = response.json()
    assert (data["width"], data["height"]) == (1000, 750)
    assert data["url"].startswith(settings.MEDIA_URL + "body/")
    original = media_path(media_root, data["url"])
    assert original.is_file()
    name = data["url"][len(settings.MEDIA_URL) :]
    assert all(path.is_file() for path in rendition_files(media_root, name, (400, 800, 1000)))

    body = f'<p>开幕式现场：</p><p><img src="{data["url"]}" alt="钧瓷文化节"></p>'
    assert logged_in_reporter.post(ADD_URL, article_form(category, body=body)).status_code == 302
    article = Article.objects.get(title="禹州新闻")
    assert f'src="{data["url"]}"' in article.body

    page = logged_in_reporter.get(article.get_absolute_url()).content.decode()
    body_html = body_markup(page)
    assert "<picture>" in body_html
    (source,) = tags_named(body_html, "source")
    (img,) = tags_named(body_html, "img")
    assert source["type"] == "image/webp"
    assert [w for _url, w in srcset_entries(source["srcset"])] == ["400w", "800w", "1000w"]
    assert img["loading"] == "lazy"
    assert img["alt"] == "钧瓷文化节"
    assert (img["width"], img["height"]) == ("1000", "750")
    assert source["sizes"] and img["sizes"]
    for url, _width in srcset_entries(source["srcset"]) + srcset_entries(img["srcset"]):
        assert media_path(media_root, url).is_file(), url


def test_body_image_upload_needs_a_staff_login(client, db, media_root):
    response = client.post(UPLOAD_URL, {"file": make_cover("a.jpg", width=200, height=150)})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert stored_files(media_root) == []


def test_body_image_upload_is_not_for_residents(client, resident, media_root):
    client.force_login(resident)
    response = client.post(UPLOAD_URL, {"file": make_cover("a.jpg", width=200, height=150)})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert stored_files(media_root) == []


def test_body_image_upload_refuses_get(logged_in_reporter, media_root):
    assert logged_in_reporter.get(UPLOAD_URL).status_code == 405


def test_body_image_upload_is_forbidden_to_moderators(client, moderator, media_root):
    client.force_login(moderator)
    response = client.post(UPLOAD_URL, {"file": make_cover("a.jpg", width=200, height=150)})
    assert response.status_code == 403
    assert CJK.search(response.json()["error"])
    assert stored_files(media_root) == []


def test_body_image_upload_needs_the_csrf_token(reporter, media_root):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(reporter)
    response = csrf_client.post(UPLOAD_URL, {"file": make_cover("a.jpg", width=200, height=150)})
    assert response.status_code == 403
    assert stored_files(media_root) == []


def test_body_image_upload_without_a_file_says_so(logged_in_reporter, media_root):
    response = logged_in_reporter.post(UPLOAD_URL, {})
    assert response.status_code == 400
    assert CJK.search(response.json()["error"])


# --- 4. renditions are made once; rebuild_renditions ----------------------------------------


@pytest.mark.parametrize(
    ("width", "expected"),
    [(300, [300]), (400, [400]), (600, [400, 600]), (1200, [400, 800, 1200]), (4000, [400, 800, 1200])],
)
def test_rendition_widths_never_upscale(width, expected):
    assert images.rendition_widths(width) == expected


def test_ensure_renditions_writes_once_and_then_reuses(media_root):
    name = default_storage.save("covers/2024/05/river.jpg", ContentFile(make_image_bytes(1300, 900)))
    assert images.ensure_renditions(name) == 6
    files = rendition_files(media_root, name, (400, 800, 1200))
    assert all(path.is_file() for path in files)
    age_files(files)
    before = mtimes(files)

    assert images.ensure_renditions(name) == 0
    assert mtimes(files) == before
    assert stored_files(media_root) == sorted(
        ["covers/2024/05/river.jpg", *(str(p.relative_to(media_root)) for p in files)]
    )


def test_renditions_of_a_transparent_png_keep_a_light_background(logged_in_reporter, media_root):
    """A logo pasted as a transparent PNG must not get a black box around it on the page."""
    response = logged_in_reporter.post(UPLOAD_URL, {"file": SimpleUploadedFile("logo.png", transparent_logo())})
    assert response.status_code == 201
    name = response.json()["url"][len(settings.MEDIA_URL) :]
    with Image.open(media_root / name) as original:
        assert on_white(original, (5, 5)) == (255, 255, 255)
    for path in rendition_files(media_root, name, (400, 600)):
        with Image.open(path) as copy:
            corner = on_white(copy, (3, 3))
            centre = on_white(copy, (copy.width // 2, copy.height // 2))
        assert min(corner) > 200, f"{path.name}: transparent corner shown as {corner}"
        assert centre[0] > 150 and centre[1] < 90, f"{path.name}: the red disc is lost ({centre})"


@pytest.fixture
def article_with_images(category, reporter, media_root):
    """A published article with a 900 px cover and a 1000 px body image, renditions made."""
    body_name, _cleaned = store_body_image(ContentFile(make_image_bytes(1000, 750, seed=2), name="photo.jpg"))
    article = make_article(
        category=category,
        author=reporter,
        cover=make_cover("cover.jpg", width=900, height=600),
        body=f'<p>正文</p><p><img src="{default_storage.url(body_name)}" alt=""></p>',
    )
    cover = rendition_files(media_root, article.cover.name, (400, 800, 900))
    body = rendition_files(media_root, body_name, (400, 800, 1000))
    assert all(path.is_file() for path in cover + body)
    return SimpleNamespace(article=article, files=cover + body, cover=cover, body=body)


def test_rebuild_renditions_recreates_deleted_files_with_a_progress_bar(article_with_images):
    deleted = [article_with_images.cover[0], article_with_images.body[-1]]
    for path in deleted:
        path.unlink()
    Article.objects.filter(pk=article_with_images.article.pk).update(body_html="")
    age_files([p for p in article_with_images.files if p not in deleted])

    out = StringIO()
    call_command("rebuild_renditions", stdout=out, stderr=StringIO())

    assert all(path.is_file() for path in article_with_images.files)
    assert all(path.stat().st_mtime > OLD_TIME for path in article_with_images.files), "all rewritten"
    lines = out.getvalue().splitlines()  # tqdm's bar: "images: 100%|##########| 2/2 [00:00<…]"
    assert any(re.match(r"images: 100%\|#+\| 2/2 ", line) for line in lines), lines
    assert "12 renditions written" in out.getvalue()
    article_with_images.article.refresh_from_db()
    assert "<picture>" in article_with_images.article.body_html, "the stale body was rendered again"


def test_rebuild_renditions_missing_only_writes_only_the_missing(article_with_images):
    deleted = [article_with_images.cover[1], article_with_images.body[2]]
    for path in deleted:
        path.unlink()
    kept = [p for p in article_with_images.files if p not in deleted]
    age_files(kept)
    before = mtimes(kept)

    out = StringIO()
    call_command("rebuild_renditions", "--missing-only", stdout=out, stderr=StringIO())

    assert all(path.is_file() for path in deleted)
    assert mtimes(kept) == before
    assert "2 images, 2 renditions written, 0 failed" in out.getvalue()


# --- 5. images pasted from other sites (WeChat) are copied on save ---------------------------


def test_pasted_remote_images_are_copied_here(logged_in_reporter, category, media_root, settings, image_site):
    settings.NEWS_FETCH_PRIVATE_IMAGES = True  # the test "WeChat" server is on 127.0.0.1
    body = (
        f'<p>转自微信公众号。</p><p><img src="{image_site.url}/a.jpg" alt="一"></p>'
        f'<p><img src="{image_site.url}/b.png" alt="二"></p>'
    )
    response = logged_in_reporter.post(ADD_URL, article_form(category, body=body))
    assert response.status_code == 302
    article = Article.objects.get(title="禹州新闻")

    assert "127.0.0.1" not in article.body and "127.0.0.1" not in article.body_html
    sources = [attrs["src"] for attrs in tags_named(article.body, "img")]
    assert len(sources) == 2
    assert all(src.startswith(settings.MEDIA_URL + "body/") for src in sources)
    assert [Path(src).suffix for src in sources] == [".jpg", ".png"]
    for src in sources:
        assert media_path(media_root, src).is_file()
    assert sorted(image_site.requested) == ["/a.jpg", "/b.png"]

    page = logged_in_reporter.get(article.get_absolute_url()).content.decode()
    assert body_markup(page).count("<picture>") == 2


def test_a_remote_image_that_fails_keeps_the_form_and_stores_nothing(
    logged_in_reporter, category, media_root, settings, image_site
):
    settings.NEWS_FETCH_PRIVATE_IMAGES = True
    missing = f"{image_site.url}/missing.jpg"
    body = f'<p>转载。</p><p><img src="{image_site.url}/a.jpg"></p><p><img src="{missing}"></p>'
    cover = make_cover("cover.jpg", width=640, height=400)
    response = logged_in_reporter.post(ADD_URL, {**article_form(category, body=body), "cover": cover})

    errors = assert_chinese_errors_shown(response, "body", "无法下载")
    assert any(missing in message for message in errors)
    assert "/a.jpg" in image_site.requested, "the good image was fetched, then discarded"
    assert not Article.objects.exists()
    assert stored_files(media_root) == []


def test_remote_images_on_a_private_network_are_refused(logged_in_reporter, category, media_root, settings, image_site):
    settings.NEWS_FETCH_PRIVATE_IMAGES = False
    body = f'<p>转载。</p><p><img src="{image_site.url}/a.jpg"></p>'
    response = logged_in_reporter.post(ADD_URL, article_form(category, body=body))

    assert_chinese_errors_shown(response, "body", "内部网络")
    assert image_site.requested == [], "nothing may be requested from a private address"
    assert not Article.objects.exists()
    assert stored_files(media_root) == []


PUBLIC_ADDRESS = "93.184.216.34"  # a global address; connections to it are refused locally below


def test_remote_image_host_that_rebinds_to_loopback_is_refused(
    logged_in_reporter, category, media_root, settings, image_site, monkeypatch
):
    """DNS rebinding: a name that is public when checked and 127.0.0.1 when connected to."""
    settings.NEWS_FETCH_PRIVATE_IMAGES = False
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    lookups = []

    def rebinding_getaddrinfo(host, port, *args, **kwargs):
        if host != "img.rebind.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        if len(lookups) == 1:
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (PUBLIC_ADDRESS, port))]
        return real_getaddrinfo("127.0.0.1", port, *args, **kwargs)

    def local_only_connect(sock, address):
        # Never leave the machine, whatever the code under test connects to.
        if isinstance(address, tuple) and address[0] == PUBLIC_ADDRESS:
            raise ConnectionRefusedError("test: no network")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", local_only_connect)
    port = image_site.url.rsplit(":", 1)[1]
    body = f'<p>转载。</p><p><img src="http://img.rebind.test:{port}/a.jpg"></p>'
    response = logged_in_reporter.post(ADD_URL, article_form(category, body=body))

    assert image_site.requested == [], "the private server was reached through a name checked as public"
    assert response.status_code == 200
    assert not Article.objects.exists()
    assert stored_files(media_root) == []


# --- 6. XSS: the public payload list, the body and the article page ----------------------------


def test_payload_list_is_vendored():
    assert PAYLOADS_FILE.read_text(encoding="utf-8").startswith("# ")
    assert len(PAYLOADS) >= 200


def test_the_checker_finds_what_it_looks_for():
    """The XSS check below must be able to fail."""
    assert xss_problems('<p onclick="x()">a</p>')
    assert xss_problems('<a href=" jav&#x09;ascript:alert(1)">a</a>')
    assert xss_problems('<img src="data:image/svg+xml,x">')
    assert xss_problems('<p style="color:red">a</p>')
    assert xss_problems("<svg><circle/></svg>")
    assert xss_problems("<!-- x -->")
    assert xss_problems("<ScRiPt>alert(1)</script>")
    assert xss_problems("<p>&lt;script&gt; is text</p>") == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"line{n}" for n in range(1, len(PAYLOADS) + 1)])
def test_sanitize_html_defuses_payload(payload):
    assert xss_problems(sanitize_html(payload)) == []


def page_scripts_and_handlers(page):
    """The page's <script> elements and every on* attribute, to compare with a plain article."""
    parsed = parse(page)
    scripts = sorted(str(sorted(attrs)) for tag, attrs in parsed.tags if tag == "script")
    handlers = sorted(f"<{tag} {name}>" for tag, attrs in parsed.tags for name, _v in attrs if name.startswith("on"))
    return scripts, handlers


def test_articles_with_payload_bodies_are_clean_in_db_and_on_the_page(client, category, reporter, media_root):
    # One real upload, so payloads in alt texts also go through news.articles.body's <picture> markup.
    name, _cleaned = store_body_image(ContentFile(make_image_bytes(500, 300), name="photo.jpg"))
    src = default_storage.url(name)
    plain = make_article(category=category, author=reporter, body=f'<p>普通正文。</p><p><img src="{src}"></p>')
    baseline = page_scripts_and_handlers(client.get(plain.get_absolute_url()).content.decode())

    # A handful of articles, each with many payloads: as paragraphs and as image alt texts.
    chunks = [PAYLOADS[i : i + 30] for i in range(0, len(PAYLOADS), 30)]
    articles = [
        make_article(
            category=category,
            author=reporter,
            body="\n".join(f'<p>{p}</p><p><img src="{src}" alt="{html.escape(p)}"></p>' for p in chunk),
        )
        for chunk in chunks
    ]
    for article in articles:
        article.refresh_from_db()
        assert xss_problems(article.body) == []
        assert xss_problems(article.body_html) == []
        local = [attrs for attrs in tags_named(article.body, "img") if attrs.get("src") == src]
        assert local and article.body_html.count("<picture>") == len(local)
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        page = response.content.decode()
        assert xss_problems(body_markup(page)) == []
        assert page_scripts_and_handlers(page) == baseline, "the page gained scripts or event handlers"


RICH_BODY = (
    "<h2>二级标题</h2><h3>三级标题</h3><h4>四级标题</h4>"
    "<p>正文<strong>加粗</strong>与<em>强调</em>。</p>"
    "<ul><li>项目一</li><li>项目二</li></ul><ol><li>第一</li></ol>"
    "<blockquote><p>引用的话。</p></blockquote>"
    '<table><thead><tr><th colspan="2">表头</th></tr></thead>'
    '<tbody><tr><td>甲</td><td rowspan="1">乙</td></tr></tbody></table>'
    '<p><a href="https://www.yuzhou.gov.cn/news/1.html" target="_blank" rel="opener">政府网</a>'
    '<a href="http://example.com/a">旧站</a></p>'
    '<p><img src="/media/body/2024/05/0123456789abcdef.jpg" alt="现场" width="800" height="600"></p>'
)


def assert_rich_structure_kept(markup):
    found = {tag for tag, _attrs in parse(markup).tags}
    expected = {"h2", "h3", "h4", "strong", "em", "ul", "ol", "li", "blockquote"}
    assert expected | {"table", "thead", "tbody", "tr", "th", "td", "a", "img"} <= found
    links = tags_named(markup, "a")
    assert [a["href"] for a in links] == ["https://www.yuzhou.gov.cn/news/1.html", "http://example.com/a"]
    assert all(a["rel"] == "noopener noreferrer nofollow" for a in links)
    assert all("target" not in a for a in links)
    (img,) = tags_named(markup, "img")
    assert img["src"] == "/media/body/2024/05/0123456789abcdef.jpg"
    assert img["alt"] == "现场"
    assert tags_named(markup, "th")[0]["colspan"] == "2"
    assert xss_problems(markup) == []


def test_sanitize_html_keeps_the_structure_of_an_article():
    assert_rich_structure_kept(sanitize_html(RICH_BODY))


def test_article_page_keeps_the_structure_of_an_article(client, category, reporter, media_root):
    article = make_article(category=category, author=reporter, body=RICH_BODY)
    assert_rich_structure_kept(article.body)
    page = client.get(article.get_absolute_url()).content.decode()
    assert_rich_structure_kept(body_markup(page))


# --- 7. pasted Word and WeChat markup, through the admin form --------------------------------

WORD_PASTE = """<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View><w:Zoom>0</w:Zoom>
</w:WordDocument></xml><![endif]--><style><!-- /* Style Definitions */
p.MsoNormal {mso-style-parent:""; margin:0cm; font-size:10.5pt; font-family:"Calibri",sans-serif;} --></style>
<h2 class=MsoTitle style='mso-outline-level:1'><span style='font-family:黑体'>钧瓷文化节开幕</span></h2>
<p class=MsoNormal style='text-indent:21.0pt;mso-char-indent-count:2.0'><span style='font-family:宋体;
mso-ascii-font-family:Calibri'>本报讯　第十届钧瓷文化节今日在神垕开幕，</span><b><span style='font-family:宋体'>
万人空巷</span></b><span lang=EN-US><o:p></o:p></span></p>
<p class=MsoNormal><span style='font-size:12.0pt;font-family:"Microsoft YaHei"'>第二段文字。</span>
<o:p>&nbsp;</o:p></p>
<!--[if !supportLists]--><p class=MsoListParagraph style='margin-left:18pt;mso-list:l0 level1 lfo1'>
<span style='font:7.0pt "Times New Roman"'>&nbsp;</span>列表项内容<o:p></o:p></p><!--[endif]-->
"""

WECHAT_PASTE = """<section style="margin:0px;padding:0px;box-sizing:border-box;" data-role="outer"
class="rich_pages"><section style="font-size:16px;color:rgb(62,62,62);"><h3 style="color:rgb(171,25,66);">
<span style="font-size:18px;">现场直击</span></h3><p style="text-align:justify;line-height:1.75em;">
<span style="font-size:15px;letter-spacing:1px;">神垕古镇游人如织，</span><strong style="color:rgb(192,0,0);">
窑火千年不熄</strong><span style="font-size:15px;">。</span></p><p style="text-align:center;">
<img class="rich_pages wxw-img" data-ratio="0.6667" data-s="300,640" data-src="{site}/wx-lazy.jpg?wx_fmt=jpeg"
data-type="jpeg" data-w="900" src="{site}/a.jpg" style="width:100%;height:auto;" alt="开幕式现场"></p>
</section></section>"""


def paragraph_texts(markup):
    """The text of each paragraph, without tags and whitespace (no-break spaces included)."""
    return [
        re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", p))) for p in re.findall(r"<p>(.*?)</p>", markup, re.S)
    ]


def assert_no_pasted_styling(markup):
    assert xss_problems(markup) == []
    lowered = markup.lower()
    for leftover in ("style", "class=", "mso", "<span", "<section", "<o:p", "<!--", "data-", "font-family", "xml"):
        assert leftover not in lowered, leftover


def test_word_paste_keeps_text_and_structure_and_drops_styling(logged_in_reporter, category, media_root):
    response = logged_in_reporter.post(ADD_URL, article_form(category, body=WORD_PASTE))
    assert response.status_code == 302
    article = Article.objects.get(title="禹州新闻")

    assert re.search(r"<h2>\s*钧瓷文化节开幕\s*</h2>", article.body)
    assert re.search(r"<(b|strong)>\s*万人空巷\s*</\1>", article.body)
    texts = [text for text in paragraph_texts(article.body) if text]
    assert texts == ["本报讯第十届钧瓷文化节今日在神垕开幕，万人空巷", "第二段文字。", "列表项内容"]
    assert_no_pasted_styling(article.body)
    page = logged_in_reporter.get(article.get_absolute_url()).content.decode()
    assert_no_pasted_styling(body_markup(page))
    assert "万人空巷" in body_markup(page)


def test_wechat_paste_keeps_text_and_structure_drops_styling_and_copies_images(
    logged_in_reporter, category, media_root, settings, image_site
):
    settings.NEWS_FETCH_PRIVATE_IMAGES = True
    body = WECHAT_PASTE.replace("{site}", image_site.url)
    response = logged_in_reporter.post(ADD_URL, article_form(category, body=body))
    assert response.status_code == 302
    article = Article.objects.get(title="禹州新闻")

    assert re.search(r"<h3>\s*现场直击\s*</h3>", article.body)
    assert re.search(r"<strong>\s*窑火千年不熄\s*</strong>", article.body)
    assert "神垕古镇游人如织，窑火千年不熄。" in "".join(paragraph_texts(article.body))
    assert_no_pasted_styling(article.body)
    (img,) = tags_named(article.body, "img")
    assert img["src"].startswith(settings.MEDIA_URL + "body/") and img["alt"] == "开幕式现场"
    assert media_path(media_root, img["src"]).is_file()
    assert image_site.requested == ["/a.jpg"], "WeChat's lazy data-src is dropped, not fetched"
    page = logged_in_reporter.get(article.get_absolute_url()).content.decode()
    assert "<picture>" in body_markup(page)
