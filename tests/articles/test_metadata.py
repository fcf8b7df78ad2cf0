"""Page metadata (canonical, description, Open Graph, Twitter, JSON-LD) and the QR codes of 分享/手机版.

Structured data is read the way search engines and share cards read it: extruct for
JSON-LD and Open Graph, lxml for the rest. QR codes are decoded with zxing-cpp.
"""

import io
import re
from datetime import timedelta
from xml.etree import ElementTree

import extruct
import pytest
import segno
import zxingcpp
from django.urls import reverse
from lxml import html as lxml_html
from PIL import Image

from news.articles.factories import make_article, make_category, make_cover
from news.articles.models import Article

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
HOSTILE = "</script><script>alert(1)</script> \"双引号\" 'single' & <b>粗</b>"


def get_html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def structured(page):
    return extruct.extract(page, base_url=BASE, syntaxes=["json-ld", "opengraph"])


def items_of_type(data, kind):
    return [item for item in data["json-ld"] if item.get("@type") == kind]


def og(data):
    """Open Graph properties as a dict; a repeated property (article:tag) as a list."""
    assert len(data["opengraph"]) == 1
    props = {}
    for key, value in data["opengraph"][0]["properties"]:
        if key in props:
            props[key] = [*props[key], value] if isinstance(props[key], list) else [props[key], value]
        else:
            props[key] = value
    return props


def head_meta(page, name):
    tree = lxml_html.fromstring(page)
    return [el.get("content") for el in tree.xpath(f'//head/meta[@name="{name}"]')]


def title_of(page):
    titles = lxml_html.fromstring(page).xpath("//head/title")
    assert len(titles) == 1
    return titles[0].text_content().strip()


# --- The article page ----------------------------------------------------------------------


@pytest.fixture
def covered(seed_article, media_root):
    """An article with a cover, in a sub-category (two levels of breadcrumb)."""
    sub = make_category("神垕镇测试", slug="shenhou-test", parent=seed_article.category)
    article = make_article(
        title="神垕古镇钧瓷文化节开幕",
        summary="钧瓷文化节在神垕古镇开幕。",
        category=sub,
        author=seed_article.author,
        cover=make_cover(seed=3, width=960, height=640),
    )
    return article


def test_article_has_exactly_one_news_article_with_its_facts(client, seed_article):
    page = get_html(client, seed_article.get_absolute_url())
    data = structured(page)
    [item] = items_of_type(data, "NewsArticle")
    url = BASE + seed_article.get_absolute_url()
    assert item["headline"] == "禹州夏都街道开展2021年第三季度党建观摩活动"
    assert item["datePublished"] == "2021-10-25T13:16:00+08:00"
    modified = item["dateModified"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", modified)
    assert modified >= item["datePublished"]
    assert item["author"] == [{"@type": "Person", "name": "yzgz006", "url": BASE + "/publisher/yzgz006/"}]
    assert item["publisher"] == {
        "@type": "Organization",
        "name": "禹州关注",
        "url": BASE + "/",
        "logo": {"@type": "ImageObject", "url": BASE + "/static/img/favicon.svg"},
    }
    assert item["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert item["url"] == url
    assert "image" not in item  # the seed article has no cover


def test_author_is_the_display_name(client, seed_article):
    seed_article.author.nickname = "夏都小编"
    seed_article.author.save()
    [item] = items_of_type(structured(get_html(client, seed_article.get_absolute_url())), "NewsArticle")
    assert item["author"][0]["name"] == "夏都小编"


def test_date_modified_is_never_before_publication(client, reporter, category):
    article = make_article(category=category, author=reporter)
    Article.objects.filter(pk=article.pk).update(updated_at=article.published_at - timedelta(days=1))
    [item] = items_of_type(structured(get_html(client, article.get_absolute_url())), "NewsArticle")
    assert item["dateModified"] == item["datePublished"]


def test_cover_is_the_image_of_json_ld_open_graph_and_twitter(client, covered, media_root):
    page = get_html(client, covered.get_absolute_url())
    data = structured(page)
    [item] = items_of_type(data, "NewsArticle")
    # The largest JPEG rendition (the cover is 960 px wide: a 960 px copy), not the original.
    rendition = covered.cover.name.replace("covers/", "renditions/covers/").rsplit(".", 1)[0] + "-960w.jpg"
    assert (media_root / rendition).is_file()
    cover_url = BASE + "/media/" + rendition
    assert item["image"] == [{"@type": "ImageObject", "url": cover_url, "width": 960, "height": 640}]
    props = og(data)
    assert props["og:image"] == cover_url
    assert props["og:image:width"] == "960"
    assert props["og:image:height"] == "640"
    assert head_meta(page, "twitter:card") == ["summary_large_image"]
    assert head_meta(page, "twitter:image") == [cover_url]


def test_breadcrumb_list_is_home_parent_category_article(client, covered):
    data = structured(get_html(client, covered.get_absolute_url()))
    [crumbs] = items_of_type(data, "BreadcrumbList")
    assert [(i["position"], i["name"], i["item"]) for i in crumbs["itemListElement"]] == [
        (1, "禹州关注", BASE + "/"),
        (2, "最新资讯", BASE + "/category/latest/"),
        (3, "神垕镇测试", BASE + "/category/shenhou-test/"),
        (4, "神垕古镇钧瓷文化节开幕", BASE + covered.get_absolute_url()),
    ]


def test_breadcrumb_list_of_a_top_level_category(client, seed_article):
    [crumbs] = items_of_type(structured(get_html(client, seed_article.get_absolute_url())), "BreadcrumbList")
    assert [i["name"] for i in crumbs["itemListElement"]] == ["禹州关注", "最新资讯", seed_article.title]


def test_open_graph_and_twitter_card_describe_the_article(client, seed_article):
    page = get_html(client, seed_article.get_absolute_url())
    props = og(structured(page))
    url = BASE + seed_article.get_absolute_url()
    assert props["og:type"] == "article"
    assert props["og:title"] == seed_article.title
    assert props["og:url"] == url
    assert props["og:site_name"] == "禹州关注"
    assert props["og:description"].startswith("10月24日,夏都街道党工委")
    assert len(props["og:description"]) <= 160
    assert props["article:published_time"] == "2021-10-25T13:16:00+08:00"
    assert props["article:tag"] == ["党建", "社区"]
    assert "og:image" not in props
    assert head_meta(page, "twitter:card") == ["summary"]
    assert head_meta(page, "twitter:title") == [seed_article.title]
    assert head_meta(page, "twitter:description") == [props["og:description"]]


def test_canonical_link_and_meta_description(client, seed_article):
    page = get_html(client, seed_article.get_absolute_url() + "?cpage=2&utm_source=weixin")
    tree = lxml_html.fromstring(page)
    assert tree.xpath('//head/link[@rel="canonical"]/@href') == [BASE + seed_article.get_absolute_url()]
    [description] = head_meta(page, "description")
    assert description.startswith("10月24日,夏都街道党工委组织开展了第三季度党建观摩活动")
    assert len(description) <= 160
    assert title_of(page) == "禹州夏都街道开展2021年第三季度党建观摩活动 - 禹州关注"


def test_share_links_use_the_canonical_url_even_with_a_query(client, seed_article):
    page = get_html(client, seed_article.get_absolute_url() + "?cpage=2")
    share = lxml_html.fromstring(page).xpath('//section[@class="share"]')[0]
    canonical = BASE + seed_article.get_absolute_url()
    # 复制链接 in the row and in the 微信 panel's 在微信中打开 (phones), and the panel's link field.
    assert share.xpath('.//button[contains(@class, "js-share-copy")]/@data-url') == [canonical, canonical]
    assert share.xpath('.//input[@class="share__link"]/@value') == [canonical]
    assert share.xpath(".//img/@src") == [f"/article/{seed_article.pk}/qr.svg"]
    assert "cpage" not in lxml_html.tostring(share, encoding="unicode")


def test_hostile_title_and_summary_stay_text(client, category, reporter):
    article = make_article(title=HOSTILE, summary=HOSTILE, category=category, author=reporter)
    page = get_html(client, article.get_absolute_url())
    assert "<script>alert(1)" not in page
    assert "</script><script>" not in page
    assert "<b>粗</b>" not in page
    # The JSON-LD escapes <, > and & and still reads back as the original text.
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(scripts) == 2
    assert all("<" not in s and ">" not in s and "&" not in s for s in scripts)
    assert "\\u003C/script\\u003E" in scripts[0]
    data = structured(page)
    [item] = items_of_type(data, "NewsArticle")
    assert item["headline"] == HOSTILE
    assert item["description"] == HOSTILE
    [crumbs] = items_of_type(data, "BreadcrumbList")
    assert crumbs["itemListElement"][-1]["name"] == HOSTILE
    props = og(data)
    assert props["og:title"] == HOSTILE
    assert props["og:description"] == HOSTILE
    assert head_meta(page, "description") == [HOSTILE]
    assert title_of(page) == f"{HOSTILE} - 禹州关注"


def test_preview_of_a_draft_is_not_indexed_and_has_no_wechat_code(client, editor, category, reporter):
    draft = make_article(category=category, author=reporter, status=Article.Status.DRAFT)
    client.force_login(editor)
    page = get_html(client, draft.get_absolute_url())
    assert head_meta(page, "robots") == ["noindex"]
    assert "/qr.svg" not in page.split('<section class="share"')[1].split("</section>")[0]


# --- Titles of every public page -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "specific"),
    [
        (lambda a: "/", "禹州关注,一座城市的思考与远见。"),
        (lambda a: "/category/latest/", "最新资讯"),
        (lambda a: reverse("news:tag-detail", args=["党建"]), "党建"),
        (lambda a: a.source.get_absolute_url(), "融媒顺店工作站"),
        (lambda a: a.author.get_absolute_url(), "yzgz006"),
        (lambda a: reverse("viewcounts:rank"), "排行榜"),
        (lambda a: reverse("comments:blackroom"), "小黑屋"),
        (lambda a: reverse("accounts:login"), "登录"),
        (lambda a: a.get_absolute_url(), "禹州夏都街道开展2021年第三季度党建观摩活动"),
    ],
    ids=["home", "category", "tag", "source", "publisher", "rank", "blackroom", "login", "article"],
)
def test_every_public_page_has_its_own_title_with_the_site_name(client, seed_article, url, specific):
    title = title_of(get_html(client, url(seed_article)))
    assert "禹州关注" in title
    assert specific in title
    assert title != "禹州关注"


def test_every_page_names_the_site_for_share_cards(client, seed_article):
    for url in ("/", "/category/latest/", reverse("comments:blackroom")):
        assert og(structured(get_html(client, url)))["og:site_name"] == "禹州关注"


# --- QR codes ------------------------------------------------------------------------------


def expected_svg(url):
    """What segno draws for ``url``, with the options the server uses (checked here, not imported)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, light="#fff", dark="#000", svgclass=None)
    return out.getvalue()


def decode(url):
    """Draw ``url``'s code as a PNG the same way and read it back with zxing-cpp."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=4, light="#fff", dark="#000")
    out.seek(0)
    [result] = zxingcpp.read_barcodes(Image.open(out))
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    return result.text


def assert_svg_of(response, url):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "public, max-age=86400"
    body = response.content
    root = ElementTree.fromstring(body)  # noqa: S314 - our own output; proves it is well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert int(root.get("width")) > 0
    assert body == expected_svg(url)
    assert decode(url) == url


def test_article_qr_encodes_the_canonical_article_url(client, seed_article):
    url = BASE + seed_article.get_absolute_url()
    assert_svg_of(client.get(reverse("news:article-qr", args=[seed_article.pk])), url)
    # A query on the image's address changes nothing.
    assert_svg_of(client.get(reverse("news:article-qr", args=[seed_article.pk]) + "?from=timeline"), url)


def test_article_qr_uses_the_host_and_scheme_of_the_request(client, seed_article, settings):
    settings.ALLOWED_HOSTS = ["www.yzgz.example"]
    response = client.get(reverse("news:article-qr", args=[seed_article.pk]), HTTP_HOST="www.yzgz.example", secure=True)
    assert_svg_of(response, "https://www.yzgz.example" + seed_article.get_absolute_url())


def test_article_qr_of_a_draft_or_missing_article_is_404(client, category, reporter):
    draft = make_article(category=category, author=reporter, status=Article.Status.DRAFT)
    assert client.get(reverse("news:article-qr", args=[draft.pk])).status_code == 404
    assert client.get(reverse("news:article-qr", args=[draft.pk + 1000])).status_code == 404


def test_page_qr_accepts_a_local_path(client, db):
    response = client.get(reverse("news:page-qr"), {"path": "/category/latest/"})
    assert_svg_of(response, BASE + "/category/latest/")


def test_page_qr_keeps_the_query(client, db):
    response = client.get(reverse("news:page-qr"), {"path": "/search/?q=%E7%A6%B9%E5%B7%9E"})
    assert_svg_of(response, BASE + "/search/?q=%E7%A6%B9%E5%B7%9E")


@pytest.mark.parametrize(
    "path",
    [
        "//evil.example",
        "//evil.example/page/",
        "http://evil.example",
        "https://evil.example/",
        "\\evil",
        "\\\\evil",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
        "/line\nbreak/",
        "/carriage\rreturn/",
        "/tab\t/",
        "/nul\x00/",
        "/right-to-left\u202e/",
        "/" + "a" * 600,
    ],
    ids=lambda p: repr(p)[:30],
)
def test_page_qr_refuses_anything_but_a_local_path(client, db, path):
    expected = 400 if "\x00" in path else 404  # NUL is refused before any view (yzgz.middleware)
    assert client.get(reverse("news:page-qr"), {"path": path}).status_code == expected


def test_page_qr_refuses_post(client, db):
    assert client.post(reverse("news:page-qr") + "?path=/").status_code == 405


def test_footer_mobile_version_points_at_this_pages_code(client, seed_article):
    url = seed_article.get_absolute_url() + "?cpage=1"
    page = get_html(client, url)
    [src] = lxml_html.fromstring(page).xpath('//details[contains(@class, "mobile-version")]//img/@src')
    assert src == f"/qr.svg?path={seed_article.get_absolute_url()}%3Fcpage%3D1"
    assert_svg_of(client.get(src), BASE + url)


def test_footer_mobile_version_of_a_very_long_address_falls_back_to_the_path(client, seed_article):
    page = get_html(client, "/category/latest/?q=" + "x" * 600)
    [src] = lxml_html.fromstring(page).xpath('//details[contains(@class, "mobile-version")]//img/@src')
    assert src == "/qr.svg?path=/category/latest/"
    assert client.get(src).status_code == 200


def test_footer_mobile_version_of_a_unicode_path(client, seed_article):
    url = reverse("news:tag-detail", args=["党建"])
    page = get_html(client, url)
    [src] = lxml_html.fromstring(page).xpath('//details[contains(@class, "mobile-version")]//img/@src')
    assert src == "/qr.svg?path=/tag/%25E5%2585%259A%25E5%25BB%25BA/"
    assert_svg_of(client.get(src), BASE + "/tag/%E5%85%9A%E5%BB%BA/")
