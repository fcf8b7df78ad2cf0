"""import_discuz keeps what readers saw on the old portal: pictures, downloads, line breaks, entities, 表态.

The rows are written the way Discuz's own code writes them:

* the portal editor inserts a picture as the thumbnail linked to the full-size file
  (``<p><a href="data/attachment/portal/….jpg" target="_blank"><img src="….jpg.thumb.jpg"></a></p>``)
  and a file as a link to ``portal.php?mod=attachment&id=N`` (a ``portal_attachment`` row);
* a comment is stored escaped once (``dhtmlspecialchars``) and after ``nl2br``
  (``line<br />\\r\\nline``);
* 表态 columns ``click1…click8`` follow ``home_click.displayorder`` highest first, ties by id
  (admincp_click's ``ORDER BY displayorder DESC``): a default install has every displayorder 0.

Each is checked field by field after one committed import, as in test_import_discuz.
"""

import io
import re
import zipfile
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from PIL import Image

from news.articles.factories import make_image_bytes
from news.articles.models import Article
from news.comments.models import Comment
from news.legacy.models import Attachment, LegacyId
from news.viewcounts.models import Reaction
from tests.legacy import discuz_fixture as fx
from tests.legacy.test_import_discuz import article, category, comment, member, mysql_or_skip, ts, ucenter_md5

DAY = "202110/25"
PASSWORD = "旧站密码2021"
SALT = "9c1b2a"
FULL_WIDTH, THUMB_WIDTH = 1600, 300

# The portal editor's markup (static/js/portal.js insertImage: the thumbnail, linked to the file).
LINKED_PICTURE = (
    f'<p><a href="data/attachment/portal/{DAY}/big.jpg" target="_blank">'
    f'<img src="data/attachment/portal/{DAY}/big.jpg.thumb.jpg" border="0"></a></p>'
)
LINKED_WITHOUT_ORIGINAL = (
    f'<p><a href="data/attachment/portal/{DAY}/gone.jpg" target="_blank">'
    f'<img src="data/attachment/portal/{DAY}/gone.jpg.thumb.jpg" border="0"></a></p>'
)
FILES = (
    '<p><a href="portal.php?mod=attachment&amp;id=7" target="_blank">名单.xlsx</a></p>'
    '<p><a href="portal.php?mod=attachment&amp;id=8" target="_blank">通知.pdf</a></p>'
    '<p><a href="portal.php?mod=attachment&amp;id=9" target="_blank">伪装.xlsx</a></p>'
)
LINKS = (
    '<p><a href="portal.php?mod=view&amp;aid=11">相关：下一篇</a>'
    '<a href="article-11-1.html">静态地址</a>'
    '<a href="http://www.yzgz.cn/portal.php?mod=view&amp;aid=11">旧域名</a>'
    '<a href="http://other.example.cn/article-11-1.html">别的网站</a></p>'
)


PREFIX = "yz_"  # not the default pre_: a real install may use any


def put(cursor, table, rows):
    fx.insert(cursor, table, rows, prefix=PREFIX)


def fill(cursor):
    put(cursor, "portal_category", [category(1, 0, "新闻", 1, foldername="news")])
    put(cursor, "common_member", [member(1, "YuZhou", ts("2015-03-01 09:00")), member(2, "lisi", 0)])
    put(
        cursor,
        "ucenter_members",
        [
            {"uid": 1, "username": "YuZhou", "password": ucenter_md5(PASSWORD, SALT), "salt": SALT, "email": "",
             "regdate": 0},
        ],
    )  # fmt: skip
    put(
        cursor,
        "portal_article_title",
        [
            article(
                10, 1, 1, "YuZhou", "图片与附件", ts("2021-10-25 09:00"),
                author="王记者", **{"from": "河南省人民政府网"}, fromurl="https://www.henan.gov.cn/2021/10-25/1.html",
                click1=5, click2=4, click3=3, click4=2, click5=1,
            ),
            article(11, 1, 1, "YuZhou", "被链接的文章", ts("2021-10-25 10:00"), author=""),
        ],
    )  # fmt: skip
    put(
        cursor,
        "portal_article_content",
        [
            {"aid": 10, "title": "", "content": LINKED_PICTURE + LINKED_WITHOUT_ORIGINAL + FILES + LINKS,
             "pageorder": 1, "dateline": ts("2021-10-25 09:00")},
            {"aid": 11, "title": "", "content": "<p>第二篇。</p>", "pageorder": 1, "dateline": ts("2021-10-25 10:00")},
        ],
    )  # fmt: skip
    put(
        cursor,
        "portal_attachment",
        [
            {"attachid": 7, "filename": "名单.xlsx", "attachment": f"{DAY}/list.xlsx", "isimage": 0, "aid": 10},
            {"attachid": 8, "filename": "通知.pdf", "attachment": f"{DAY}/missing.pdf", "isimage": 0, "aid": 10},
            {"attachid": 9, "filename": "伪装.xlsx", "attachment": f"{DAY}/fake.xlsx", "isimage": 0, "aid": 10},
        ],
    )
    # A default install's five reactions (displayorder 0 each), then the admin moved 鸡蛋 and 鲜花 up.
    put(
        cursor,
        "home_click",
        [
            {"clickid": 1, "name": "路过", "icon": "luguo.gif", "idtype": "aid", "available": 1, "displayorder": 0},
            {"clickid": 2, "name": "雷人", "icon": "leiren.gif", "idtype": "aid", "available": 1, "displayorder": 0},
            {"clickid": 3, "name": "握手", "icon": "woshou.gif", "idtype": "aid", "available": 1, "displayorder": 0},
            {"clickid": 4, "name": "鲜花", "icon": "xianhua.gif", "idtype": "aid", "available": 1, "displayorder": 1},
            {"clickid": 5, "name": "鸡蛋", "icon": "jidan.gif", "idtype": "aid", "available": 1, "displayorder": 2},
        ],
    )
    day = ts("2021-10-25 15:00")
    put(
        cursor,
        "portal_comment",
        [
            # What the reader typed, after dhtmlspecialchars and nl2br.
            comment(1, 10, 2, "lisi", "第一行<br />\r\n第二行<br />\r\n<br />\r\n第四行", day),
            comment(2, 10, 2, "lisi", "A &amp;amp; B &amp;lt;C&amp;gt; &amp;quot;引号&amp;quot;", day + 60),
            comment(3, 10, 2, "lisi", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 5 &lt; 6", day + 120),
        ],
    )


def a_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def attachment_folder(root):
    day = root / "portal" / DAY
    day.mkdir(parents=True)
    (day / "big.jpg").write_bytes(make_image_bytes(FULL_WIDTH, 1000))
    (day / "big.jpg.thumb.jpg").write_bytes(make_image_bytes(THUMB_WIDTH, 188, seed=1))
    (day / "gone.jpg.thumb.jpg").write_bytes(make_image_bytes(THUMB_WIDTH, 188, seed=2))  # the original is lost
    (day / "list.xlsx").write_bytes(a_zip())
    (day / "fake.xlsx").write_bytes(b"<html><script>alert(1)</script></html>")
    return root


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker, tmp_path_factory):
    mysql_or_skip()
    name = fx.database_name("fidelity")
    fx.create_database(name, prefix=PREFIX)
    with fx.server(database=name) as conn, conn.cursor() as cursor:
        fill(cursor)
    work = tmp_path_factory.mktemp("fidelity")
    folder = attachment_folder(work / "attachment")
    media = override_settings(MEDIA_ROOT=work / "media")
    media.enable()
    try:
        with django_db_blocker.unblock():
            call_command(
                "import_discuz",
                "--from",
                f"mysql://root@127.0.0.1:3306/{name}",
                "--prefix",
                PREFIX,
                "--attachments",
                str(folder),
                "--old-domain",
                "http://WWW.yzgz.cn/",
                "--report",
                str(work / "report.tsv"),
                stdout=io.StringIO(),
            )
            yield {"report": (work / "report.tsv").read_text(encoding="utf-8"), "folder": folder}
            call_command("flush", interactive=False, verbosity=0)
            from django.apps import apps

            from accounts.roles import sync_roles
            from news.viewcounts.reactions import create_default_reactions

            sync_roles(apps)
            create_default_reactions()
    finally:
        media.disable()
        fx.drop_database(name)


@pytest.fixture
def page(imported, db):
    return Article.objects.get(pk=LegacyId.new_for(LegacyId.Kind.ARTICLE, 10))


def stored_width(url):
    name = url.removeprefix(default_storage.base_url)
    with default_storage.open(name) as handle, Image.open(handle) as image:
        return image.width


# --- 1, 2: pictures --------------------------------------------------------------------------
def test_a_linked_thumbnail_becomes_the_original_picture_and_its_link_the_original(page):
    first = re.search(r'<a href="([^"]+)"[^>]*><img src="([^"]+)"', page.body)
    assert first, page.body
    href, src = first.groups()
    assert href == src, "the picture and its link show the same, imported, original"
    assert "data/attachment" not in href and ".thumb." not in src
    assert stored_width(src) == FULL_WIDTH, "the full-size original was imported, not the thumbnail"
    # The page shows it through the picture pipeline (renditions of the original).
    assert "srcset" in page.body_html and "data/attachment" not in page.body_html


def test_a_thumbnail_whose_original_is_lost_stays_without_a_dead_link(page, imported):
    pictures = re.findall(r'<img src="([^"]+)"', page.body)
    assert len(pictures) == 2, page.body
    thumb = pictures[1]
    assert stored_width(thumb) == THUMB_WIDTH  # the picture that was there
    assert not re.search(rf'<a [^>]*>\s*<img src="{re.escape(thumb)}"', page.body), "no link to the lost original"
    assert 'href="data/attachment' not in page.body
    assert f"portal/{DAY}/gone.jpg\tfailed\tmissing file: article 10" in imported["report"]


# --- 3: file attachments ---------------------------------------------------------------------
def test_an_attachment_is_imported_and_downloads_under_its_old_name(page, client, imported):
    item = Attachment.objects.get(pk=LegacyId.new_for(LegacyId.Kind.ATTACHMENT, 7))
    assert re.search(rf'<a href="{re.escape(item.get_absolute_url())}"[^>]*>名单.xlsx</a>', page.body), page.body
    response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('名单.xlsx')}"
    assert response["X-Content-Type-Options"] == "nosniff"
    expected = (imported["folder"] / "portal" / DAY / "list.xlsx").read_bytes()
    assert b"".join(response.streaming_content) == expected
    assert item.file.name.isascii(), "stored under an ASCII name; readers get the old one"
    # The old address (shared in chat groups) still reaches it.
    old = client.get("/portal.php?mod=attachment&id=7")
    assert (old.status_code, old["Location"]) == (301, item.get_absolute_url())


def test_a_missing_or_disguised_attachment_is_reported_and_loses_its_link(page, imported):
    for name in ("通知.pdf", "伪装.xlsx"):
        link = re.search(rf"<a\b([^>]*)>{name}</a>", page.body)
        assert link and "href" not in link.group(1), page.body  # the text stays, the dead address goes
    assert "8\tfailed\tmissing file: article 10" in imported["report"]
    assert "9\tfailed\tcontent is not .xlsx: article 10" in imported["report"]
    assert Attachment.objects.count() == 1
    assert "portal.php?mod=attachment" not in page.body


def test_an_unknown_attachment_is_404(imported, db, client):
    assert client.get("/attachment/999999/").status_code == 404
    assert client.get("/portal.php?mod=attachment&id=999").status_code == 404


# --- 4, 5: comments --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cid", "text"),
    [
        (1, "第一行\n第二行\n\n第四行"),
        (2, "A &amp; B &lt;C&gt; &quot;引号&quot;"),
        (3, "<script>alert(1)</script> & 5 < 6"),
    ],
)
def test_comments_keep_their_line_breaks_and_entities_as_the_old_page_showed_them(imported, db, client, cid, text):
    item = Comment.objects.get(pk=LegacyId.new_for(LegacyId.Kind.COMMENT, cid))
    assert item.body == text
    page = client.get(item.article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page  # shown as text, escaped once by our template


# --- 6: 表态 -------------------------------------------------------------------------------------
def test_reaction_counts_follow_discuzs_order_of_the_columns(page):
    names = {Reaction.objects.get(pk=pk).name: n for pk, n in page.reaction_counts.items()}
    # click1..click5 = 鸡蛋 (displayorder 2), 鲜花 (1), then 路过, 雷人, 握手 by id.
    assert names == {"鸡蛋": 5, "鲜花": 4, "路过": 3, "雷人": 2, "握手": 1}


# --- 7: links between old articles ---------------------------------------------------------
def test_links_to_old_articles_point_at_the_new_pages(page):
    target = Article.objects.get(pk=LegacyId.new_for(LegacyId.Kind.ARTICLE, 11)).get_absolute_url()
    assert page.body.count(f'href="{target}"') == 3  # portal.php, article-N-1.html and the old domain
    assert 'href="http://other.example.cn/article-11-1.html"' in page.body  # another site: left alone


# --- 8: usernames ------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["YuZhou", "yuzhou", "YUZHOU"])
def test_imported_members_log_in_typing_their_name_in_any_case(imported, db, client, settings, typed):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "accounts.hashers.DiscuzMD5PasswordHasher",
    ]
    response = client.post("/accounts/login/", {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert get_user_model().objects.filter(username__iexact="yuzhou").count() == 1


# --- 9: 原作者 and the source's address -----------------------------------------------------------
def test_the_original_author_and_the_source_address_come_over(page, client):
    assert page.byline == "王记者"
    assert page.source_url == "https://www.henan.gov.cn/2021/10-25/1.html"
    assert page.source.name == "河南省人民政府网"
    html = client.get(page.get_absolute_url()).content.decode()
    assert "王记者" in html
    assert 'href="https://www.henan.gov.cn/2021/10-25/1.html" rel="nofollow noopener"' in html
