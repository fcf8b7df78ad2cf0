"""Every article has a share picture (og:image): its cover, else the body's first picture, else the
site's default picture from the site settings — always an absolute URL."""

import pytest
from django.core.files.base import ContentFile
from lxml import html as lxml_html

from news.articles.factories import make_article, make_cover, make_image_bytes
from news.articles.models import SiteSettings
from yzgz import images

pytestmark = pytest.mark.django_db

BASE = "http://testserver"


def og_image(client, article):
    tree = lxml_html.fromstring(client.get(article.get_absolute_url()).content)
    props = {el.get("property"): el.get("content") for el in tree.xpath("//head/meta[@property]")}
    return props.get("og:image"), props.get("og:image:width"), props.get("og:image:height")


def body_picture(width=1600, height=900):
    name = images.store_with_renditions(
        "uploads/2024/05/street.jpg", ContentFile(make_image_bytes(width, height)), width
    )
    return f'<p>正文第一段。</p><p><img src="/media/{name}" alt="街景"></p><p><img src="/media/other.jpg"></p>', name


@pytest.fixture
def default_picture(media_root):
    site = SiteSettings.current()
    site.default_share_image = ContentFile(make_image_bytes(1200, 630, seed=7), name="share.jpg")
    site.save()
    return site.default_share_image.name


def test_the_cover_comes_first(client, category, reporter, media_root, default_picture):
    body, _name = body_picture()
    article = make_article(category=category, author=reporter, body=body, cover=make_cover(width=960, height=640))
    url, width, height = og_image(client, article)
    assert url.startswith(BASE + "/media/renditions/covers/") and url.endswith("-960w.jpg")
    assert (width, height) == ("960", "640")


def test_without_a_cover_the_bodys_first_picture_as_its_largest_jpeg(client, category, reporter, media_root):
    body, name = body_picture(1600, 900)
    article = make_article(category=category, author=reporter, body=body)
    url, width, height = og_image(client, article)
    assert url == BASE + "/media/" + images.rendition_name(name, 1200, "jpg")
    assert (width, height) == ("1200", "675")
    assert client.get(url.removeprefix(BASE)).status_code in (200, 404)  # served by nginx in production


def test_without_cover_or_body_picture_the_sites_default(client, category, reporter, default_picture):
    article = make_article(category=category, author=reporter)
    url, width, height = og_image(client, article)
    assert url == BASE + "/media/" + default_picture
    assert (width, height) == ("1200", "630")


def test_a_picture_from_elsewhere_is_not_the_share_picture(client, category, reporter, default_picture):
    article = make_article(
        category=category, author=reporter, body='<p>外链图片</p><img src="https://mmbiz.qpic.cn/x.jpg">'
    )
    assert og_image(client, article)[0] == BASE + "/media/" + default_picture


def test_with_nothing_at_all_there_is_no_og_image(client, category, reporter):
    article = make_article(category=category, author=reporter)
    assert og_image(client, article) == (None, None, None)


def test_the_default_picture_is_on_the_sites_address(client, category, reporter, default_picture, settings):
    settings.SITE_URL = "https://www.yzgz.example"
    article = make_article(category=category, author=reporter)
    assert og_image(client, article)[0] == "https://www.yzgz.example/media/" + default_picture


def test_the_default_picture_is_editable_in_the_admin_and_cleaned(client, editor, media_root):
    client.force_login(editor)
    site = SiteSettings.current()
    url = f"/admin/news/sitesettings/{site.pk}/change/"
    form = lxml_html.fromstring(client.get(url).content)
    assert form.xpath('//input[@name="default_share_image"]') and form.xpath('//input[@name="wechat_app_id"]')
    data = {
        field.get("name"): field.get("value") or ""
        for field in form.xpath("//form[@id='sitesettings_form']//input[@name]")
        if field.get("type") not in {"file", "checkbox", "submit"}
    }
    data.update({el.get("name"): el.xpath("string(option[@selected]/@value)") for el in form.xpath("//select[@name]")})
    data["show_render_stats"] = "on"

    def upload():
        return ContentFile(make_image_bytes(1200, 630), name="分享.jpg")

    response = client.post(url, {**data, "default_share_image": upload(), "wechat_app_id": "wx-not-an-appid"})
    assert response.status_code == 200 and "16 位字母或数字" in response.content.decode()
    response = client.post(url, {**data, "default_share_image": upload(), "wechat_app_id": " wx1234567890abcdef "})
    assert response.status_code == 302, response.content.decode()[:2000]
    site = SiteSettings.current()
    assert site.wechat_app_id == "wx1234567890abcdef"
    assert site.default_share_image_width == 1200


def test_the_default_picture_refuses_what_is_not_a_picture(client, editor, media_root):
    client.force_login(editor)
    site = SiteSettings.current()
    url = f"/admin/news/sitesettings/{site.pk}/change/"
    response = client.post(url, {"site_name": "禹州关注", "default_share_image": ContentFile(b"<svg/>", name="x.jpg")})
    assert response.status_code == 200
    assert not SiteSettings.current().default_share_image


def head_properties(client, url):
    tree = lxml_html.fromstring(client.get(url).content)
    return {el.get("property"): el.get("content") for el in tree.xpath("//head/meta[@property]")}


def test_home_and_list_pages_share_with_the_sites_default_picture(client, category, reporter, default_picture):
    article = make_article(category=category, author=reporter, tags=["钧瓷"])
    home = head_properties(client, "/")
    assert home["og:image"] == f"{BASE}/media/{default_picture}"
    assert home["og:title"] == "禹州关注" and home["og:url"] == f"{BASE}/"
    listed = head_properties(client, category.get_absolute_url() + "?page=1&utm_source=wechat")
    assert listed["og:image"] == f"{BASE}/media/{default_picture}"
    assert listed["og:title"] == category.name
    assert listed["og:url"] == f"{BASE}{category.get_absolute_url()}?page=1", "tracking is not part of it"
    assert head_properties(client, "/tag/钧瓷/")["og:title"] == "标签：钧瓷"
    assert article.pk


def test_home_and_list_pages_without_a_default_picture_have_no_og_image(client, category, reporter):
    make_article(category=category, author=reporter)
    assert "og:image" not in head_properties(client, "/")
    assert "og:title" in head_properties(client, category.get_absolute_url())
