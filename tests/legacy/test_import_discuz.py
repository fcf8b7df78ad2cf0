"""import_discuz against a real Discuz! X portal database in MariaDB/MySQL (127.0.0.1:3306, root).

A throwaway database is made for the module, filled with rows shaped like a real portal,
imported once (committed, like a real run), and checked field by field; then imported again,
redirected to, logged into, and fed bad input. Without a MySQL server the module is skipped,
except in CI, where that is a failure.
"""

import hashlib
import io
import os
from datetime import UTC, datetime

import pymysql
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation

from accounts.models import Ban
from news.articles.factories import make_image_bytes
from news.articles.models import Article, Category, Source
from news.comments.models import Comment
from news.legacy.models import LegacyId
from news.viewcounts.models import Reaction
from tests.legacy import discuz_fixture as fx

HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "accounts.hashers.DiscuzMD5PasswordHasher",
    "accounts.hashers.DiscuzBcryptPasswordHasher",
]
BCRYPT_PASSWORD = "rasmuslerdorf"
BCRYPT_HASH = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"  # written by PHP
MD5_PASSWORD = "旧密码yz2021"
MD5_SALT = "3f9a1c"


def zh(message):
    """``message`` as the importer writes it: in the site language (until make messages, English)."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def ts(text):
    """Unix seconds of a Beijing time ``YYYY-mm-dd HH:MM``."""
    moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    return int(moment.timestamp()) - 8 * 3600


def ucenter_md5(password, salt):
    inner = hashlib.md5(password.encode(), usedforsecurity=False).hexdigest()
    return hashlib.md5((inner + salt).encode(), usedforsecurity=False).hexdigest()


def mysql_or_skip():
    try:
        fx.server().close()
    except pymysql.MySQLError as exc:
        message = f"no MySQL/MariaDB server on 127.0.0.1:3306 (root, no password): {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def category(catid, upid, name, order, **extra):
    return {
        "catid": catid, "upid": upid, "catname": name, "displayorder": order, "description": "",
        "seotitle": "", "keyword": "", "allowcomment": 1, "shownav": 1, "foldername": "", **extra,
    }  # fmt: skip


def article(aid, catid, uid, username, title, dateline, **extra):
    row = {
        "aid": aid, "catid": catid, "uid": uid, "username": username, "title": title, "dateline": dateline,
        "from": "", "fromurl": "", "summary": "", "pic": "", "status": 0, "allowcomment": 1, "contents": 1,
        "preaid": 0, "nextaid": 0, **{f"click{i}": 0 for i in range(1, 9)},
    }  # fmt: skip
    row.update(extra)
    return row


def member(uid, username, regdate, **extra):
    return {"uid": uid, "username": username, "email": f"u{uid}@example.cn", "regdate": regdate,
            "status": 0, "groupid": 10, "groupexpiry": 0, "password": "x" * 32, **extra}  # fmt: skip


def comment(cid, aid, uid, username, message, dateline, status=0, idtype="aid", postip="1.2.3.4"):
    return {"cid": cid, "id": aid, "idtype": idtype, "uid": uid, "username": username,
            "message": message, "dateline": dateline, "status": status, "postip": postip}  # fmt: skip


PAGE_1 = (
    "<p>10月25日上午，夏都街道开展“党建观摩”活动——全体党员参加…《禹州日报》、钧瓷文化园！</p>"
    '<p><img src="data/attachment/portal/202110/25/body1.png" alt="现场"></p>'
    '<p><b>未闭合的加粗<script>alert(1)</script><p onclick="x()">点我</p>'
)
PAGE_2 = '<p>第二页：大家点赞 😀👍</p><img src="http://www.yzgz.cn/data/attachment/portal/202110/25/missing.jpg">'
PAGE_3 = "<p>第三页，完。</p>[attach]12[/attach]"


def fill(cursor):
    fx.insert(
        cursor,
        "portal_category",
        [
            category(1, 0, "新闻", 1, foldername="news"),
            category(2, 1, "最新资讯", 2, foldername="zuixin"),
            category(3, 2, "乡镇动态", 3),  # a third level: ours has two
            category(4, 0, "公告", 4, allowcomment=0),
            category(5, 99, "孤儿栏目", 5),  # its parent is gone
        ],
    )
    fx.insert(
        cursor,
        "home_click",
        [
            # Discuz numbers click1..click8 by displayorder, highest first (ties by id). Reordered
            # by the old admin: 鸡蛋 (id 5) now comes before 鲜花 (id 4), so column 4 counts eggs.
            {"clickid": 1, "name": "路过", "icon": "luguo.gif", "idtype": "aid", "available": 1, "displayorder": 9},
            {"clickid": 2, "name": "雷人", "icon": "leiren.gif", "idtype": "aid", "available": 1, "displayorder": 8},
            {"clickid": 3, "name": "握手", "icon": "woshou.gif", "idtype": "aid", "available": 1, "displayorder": 7},
            {"clickid": 5, "name": "鸡蛋", "icon": "jidan.gif", "idtype": "aid", "available": 1, "displayorder": 6},
            {"clickid": 4, "name": "鲜花", "icon": "xianhua.gif", "idtype": "aid", "available": 1, "displayorder": 5},
            {"clickid": 6, "name": "喜欢", "icon": "xihuan.gif", "idtype": "aid", "available": 1, "displayorder": 4},
            {"clickid": 7, "name": "停用", "icon": "x.gif", "idtype": "aid", "available": 0, "displayorder": 10},
            {"clickid": 8, "name": "日志", "icon": "x.gif", "idtype": "blogid", "available": 1, "displayorder": 0},
        ],
    )
    fx.insert(
        cursor,
        "common_member",
        [
            member(1, "yzgz006", ts("2015-03-01 09:00")),
            member(2, "张三", ts("2019-05-04 10:00")),
            member(3, "Lisi", ts("2020-01-01 08:00")),
            member(5, "捣乱者", ts("2020-02-02 08:00"), groupid=4),
            member(6, "坏日期", 0),
            member(8, "早已解禁", ts("2020-02-02 08:00"), groupid=4, groupexpiry=ts("2021-01-01 00:00")),
        ],
    )
    # An inactive member moved to the archive, whose name differs from Lisi only in case.
    fx.insert(cursor, "common_member_archive", [member(4, "lisi", ts("2018-01-01 08:00"))])
    fx.insert(
        cursor,
        "ucenter_members",
        [
            {"uid": 1, "username": "yzgz006", "password": ucenter_md5(MD5_PASSWORD, MD5_SALT), "salt": MD5_SALT,
             "email": "", "regdate": 0},
            {"uid": 2, "username": "张三", "password": BCRYPT_HASH, "salt": "", "email": "", "regdate": 0},
            {"uid": 3, "username": "Lisi", "password": ucenter_md5("lisi-pw", "aaaaaa"), "salt": "aaaaaa",
             "email": "", "regdate": 0},
            {"uid": 5, "username": "捣乱者", "password": "not-a-hash", "salt": "", "email": "", "regdate": 0},
        ],
    )  # fmt: skip
    fx.insert(
        cursor,
        "common_member_crime",
        [{"cid": 1, "uid": 5, "operatorid": 1, "operator": "yzgz006", "action": 4, "reason": "恶意灌水",
          "dateline": ts("2021-06-01 12:00")}],
    )  # fmt: skip
    fx.insert(
        cursor,
        "portal_article_title",
        [
            article(
                100, 2, 1, "yzgz006", "禹州夏都街道开展2021年第三季度党建观摩活动", ts("2021-10-25 13:16"),
                summary="夏都街道组织党员观摩学习。", pic="portal/202110/25/cover1.jpg", contents=3,
                **{"from": "融媒顺店工作站", "fromurl": "http://www.yzgz.cn/shundian"},
                click1=3, click2=1, click3=0, click4=2, click5=7, click6=4,
            ),
            article(101, 2, 1, "yzgz006", "待审核的稿件", ts("2021-10-26 09:00"), status=1),
            article(102, 1, 2, "张三", "被忽略的稿件", ts("2021-10-27 09:00"), status=2),
            article(103, 99, 2, "张三", "栏目已删除的文章", 0),
            article(104, 4, 1, "yzgz006", "停水通知 &quot;紧急&quot; &amp; 提醒", ts("2021-11-01 08:00")),
            article(105, 3, 1, "yzgz006", "", ts("2021-11-02 08:00"), pic="portal/202111/02/fake.jpg"),
        ],
    )  # fmt: skip
    fx.insert(
        cursor,
        "portal_article_content",
        [
            {"cid": 1, "aid": 100, "title": "", "content": PAGE_1, "pageorder": 1, "dateline": ts("2021-10-25 13:16")},
            {"cid": 3, "aid": 100, "title": "活动现场", "content": PAGE_3, "pageorder": 3, "dateline": 0},
            {"cid": 2, "aid": 100, "title": "观摩", "content": PAGE_2, "pageorder": 2, "dateline": 0},
            {"cid": 4, "aid": 101, "title": "", "content": "<p>待审</p>", "pageorder": 1, "dateline": 0},
            {"cid": 5, "aid": 102, "title": "", "content": "<p>忽略</p>", "pageorder": 1, "dateline": 0},
            {"cid": 6, "aid": 103, "title": "", "content": "<p>孤儿</p>", "pageorder": 1,
             "dateline": ts("2021-10-28 10:00")},
            {"cid": 7, "aid": 104, "title": "", "content": "<p>明日停水</p>", "pageorder": 1, "dateline": 0},
            {"cid": 8, "aid": 105, "title": "", "content": "<p>乡镇</p>", "pageorder": 1, "dateline": 0},
        ],
    )  # fmt: skip
    fx.insert(
        cursor,
        "portal_article_count",
        [{"aid": 100, "catid": 2, "viewnum": 630, "commentnum": 9, "favtimes": 0, "sharetimes": 0}],
    )
    day = ts("2021-10-25 15:00")
    fx.insert(
        cursor,
        "portal_comment",
        [
            comment(1, 100, 3, "Lisi", "支持！&lt;好样的&gt;<br />第二行", day),
            comment(2, 100, 2, "张三", '<div class="quote"><blockquote>引用</blockquote></div>点赞😀[em:3:]', day + 60),
            comment(3, 100, 4, "lisi", "待审核的评论", day + 120, status=1),
            comment(4, 100, 3, "Lisi", "被忽略的评论", day + 180, status=2),
            comment(5, 100, 0, "", "游客的评论", day + 240),
            comment(6, 100, 7, "消失的会员", "会员已删除", day + 300, postip="not-an-ip"),
            comment(7, 100, 3, "Lisi", "日期坏了", 0),
            comment(8, 7, 3, "Lisi", "专题评论", day, idtype="topicid"),
            comment(9, 999, 3, "Lisi", "文章不存在", day),
            comment(10, 104, 1, "yzgz006", "<b></b>", day),
        ],
    )


def attachments(root):
    portal = root / "portal"
    (portal / "202110" / "25").mkdir(parents=True)
    (portal / "202111" / "02").mkdir(parents=True)
    (portal / "202110" / "25" / "cover1.jpg").write_bytes(make_image_bytes(1000, 600))
    (portal / "202110" / "25" / "body1.png").write_bytes(make_image_bytes(500, 300, image_format="PNG"))
    (portal / "202111" / "02" / "fake.jpg").write_bytes(b"<?php echo 'not an image'; ?>")
    return root


@pytest.fixture(scope="module")
def discuz(tmp_path_factory):
    """The old portal: its database URL and its attachment folder."""
    mysql_or_skip()
    name = fx.database_name()
    fx.create_database(name)
    with fx.server(database=name) as conn, conn.cursor() as cursor:
        fill(cursor)
    root = attachments(tmp_path_factory.mktemp("discuz") / "attachment")
    yield {"url": f"mysql://root@127.0.0.1:3306/{name}", "name": name, "attachments": root}
    fx.drop_database(name)


def run(discuz, *args, report=None):
    out = io.StringIO()
    call_command(
        "import_discuz",
        "--from",
        discuz["url"],
        "--attachments",
        str(discuz["attachments"]),
        "--report",
        str(report),
        *args,
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def imported(discuz, django_db_setup, django_db_blocker, tmp_path_factory):
    """One committed import, as a real run does it; everything it wrote goes at the end."""
    work = tmp_path_factory.mktemp("import")
    media = override_settings(MEDIA_ROOT=work / "media")
    media.enable()
    try:
        with django_db_blocker.unblock():
            output = run(discuz, report=work / "report.tsv")
            yield {"output": output, "report": (work / "report.tsv").read_text(encoding="utf-8"), "work": work}
            call_command("flush", interactive=False, verbosity=0)
            from django.apps import apps

            from accounts.roles import sync_roles
            from news.viewcounts.reactions import create_default_reactions

            sync_roles(apps)
            create_default_reactions()
    finally:
        media.disable()


@pytest.fixture
def new(imported, db):
    def lookup(kind, old_id):
        return LegacyId.new_for(kind, old_id)

    return lookup


# --- categories ----------------------------------------------------------------------
def test_category_tree_order_and_fixups(new):
    news, latest = Category.objects.get(pk=new("category", 1)), Category.objects.get(pk=new("category", 2))
    assert (news.name, news.slug, news.parent, news.order) == ("新闻", "news", None, 1)
    assert (latest.name, latest.slug, latest.parent, latest.order) == ("最新资讯", "zuixin", news, 2)
    # Third level hangs under its top-level ancestor; a lost parent makes it top-level.
    assert Category.objects.get(pk=new("category", 3)).parent == news
    assert Category.objects.get(pk=new("category", 5)).parent is None


# --- members -------------------------------------------------------------------------
def test_members_who_published_or_commented(new):
    user_model = get_user_model()
    publisher = user_model.objects.get(pk=new("member", 1))
    assert (publisher.username, publisher.email) == ("yzgz006", "u1@example.cn")
    assert publisher.date_joined == datetime(2015, 3, 1, 1, 0, tzinfo=UTC)
    assert publisher.password == f"discuz_md5${MD5_SALT}${ucenter_md5(MD5_PASSWORD, MD5_SALT)}"
    assert user_model.objects.get(pk=new("member", 2)).password == f"discuz_bcrypt${BCRYPT_HASH}"
    # Members who neither published nor commented are not imported.
    assert new("member", 6) is None and new("member", 8) is None


def test_username_differing_only_in_case_is_renamed(new, imported):
    user_model = get_user_model()
    assert user_model.objects.get(pk=new("member", 3)).username == "Lisi"
    assert user_model.objects.get(pk=new("member", 4)).username == "lisi_4"
    assert "username taken (case-insensitively): lisi → lisi_4" in imported["report"]


def test_missing_member_gets_a_stand_in_without_password(new, imported):
    stand_in = get_user_model().objects.get(pk=new("member", 7))
    assert stand_in.username == "消失的会员" and not stand_in.has_usable_password()
    assert "member missing from the old tables" in imported["report"]


def test_banned_member_is_on_the_blackroom(new, client):
    ban = Ban.objects.active().get(user_id=new("member", 5))
    assert ban.reason == "恶意灌水" and ban.expires_at is None
    assert ban.created_at == datetime(2021, 6, 1, 4, 0, tzinfo=UTC)
    assert not get_user_model().objects.get(pk=new("member", 5)).has_usable_password()
    page = client.get("/blackroom/").content.decode()
    assert "捣乱者" in page and "恶意灌水" in page


# --- articles ------------------------------------------------------------------------
def test_article_fields(new):
    article = Article.objects.get(pk=new("article", 100))
    assert article.title == "禹州夏都街道开展2021年第三季度党建观摩活动"
    assert article.author.username == "yzgz006"
    assert article.category.slug == "zuixin"
    assert (article.source.name, article.source.url) == ("融媒顺店工作站", "http://www.yzgz.cn/shundian")
    assert article.summary == "夏都街道组织党员观摩学习。"
    assert article.published_at == datetime(2021, 10, 25, 5, 16, tzinfo=UTC)
    assert article.is_public and article.allow_comments
    assert article.view_count == 630
    assert Source.objects.filter(name="融媒顺店工作站").count() == 1


def test_pages_joined_in_order_and_sanitised(new):
    body = Article.objects.get(pk=new("article", 100)).body
    first, second, third = body.index("党建观摩"), body.index("第二页"), body.index("第三页")
    assert first < body.index("<h2>观摩</h2>") < second < body.index("<h2>活动现场</h2>") < third
    assert body.count("<hr>") == 2
    assert "“党建观摩”活动——全体党员参加…《禹州日报》、钧瓷文化园！" in body
    assert "😀👍" in body
    assert "<script" not in body and "onclick" not in body and "[attach]" not in body


def test_body_images_copied_and_rewritten_missing_ones_reported(new, imported):
    article = Article.objects.get(pk=new("article", 100))
    assert "data/attachment" not in article.body and "missing.jpg" not in article.body
    name = LegacyId.objects.get(kind="image", old_id="portal/202110/25/body1.png").new_id
    assert f'src="/media/{name}"' in article.body
    assert default_storage.exists(name)
    assert "<picture>" in article.body_html  # rendered as renditions like an editor's upload
    assert "portal/202110/25/missing.jpg\tfailed\tmissing file: article 100" in imported["report"]


def test_cover_through_the_image_pipeline(new, imported):
    article = Article.objects.get(pk=new("article", 100))
    assert article.cover.name.startswith("covers/2021/10/cover1")
    assert (article.cover_width, article.cover_height) == (1000, 600)
    assert default_storage.exists(f"renditions/{article.cover.name.rsplit('.', 1)[0]}-400w.webp")
    broken = Article.objects.get(pk=new("article", 105))
    assert not broken.cover
    assert "portal/202111/02/fake.jpg\tfailed\tnot a usable image: article 105" in imported["report"]


def test_pending_and_ignored_articles_are_not_public(new):
    assert Article.objects.get(pk=new("article", 101)).status == Article.Status.REVIEW
    assert Article.objects.get(pk=new("article", 102)).status == Article.Status.DRAFT
    public = set(Article.objects.published().values_list("pk", flat=True))
    assert new("article", 101) not in public and new("article", 102) not in public


def test_article_fixups(new, imported):
    orphan = Article.objects.get(pk=new("article", 103))
    assert orphan.category.slug == "uncategorized"
    assert orphan.published_at == datetime(2021, 10, 28, 2, 0, tzinfo=UTC)  # from its page
    untitled = Article.objects.get(pk=new("article", 105))
    assert untitled.title == zh("Untitled") and untitled.category.parent.slug == "news"
    notice = Article.objects.get(pk=new("article", 104))
    assert notice.title == '停水通知 "紧急" & 提醒'  # the old site stored titles HTML-escaped
    assert not notice.allow_comments  # its category closed comments
    assert "103\tfixed\tunknown category: 99" in imported["report"]


def test_reactions_mapped_by_name_not_position(new):
    counts = Article.objects.get(pk=new("article", 100)).reaction_counts
    by_name = {Reaction.objects.get(pk=pk).name: n for pk, n in counts.items()}
    assert by_name == {"路过": 3, "雷人": 1, "鸡蛋": 2, "鲜花": 7, "喜欢": 4}
    assert Article.objects.get(pk=new("article", 100)).reaction_count == 17
    assert not Reaction.objects.get(name="喜欢").is_active  # added, hidden until an editor shows it


# --- comments ------------------------------------------------------------------------
def test_comments_text_status_and_time(new):
    def body(cid):
        return Comment.objects.get(pk=new("comment", cid))

    first = body(1)
    assert first.body == "支持！<好样的>\n第二行"
    assert first.user.username == "Lisi" and first.status == Comment.Status.APPROVED
    assert first.created_at == datetime(2021, 10, 25, 7, 0, tzinfo=UTC)
    assert str(first.ip_address) == "1.2.3.4"
    assert body(2).body == "引用\n点赞😀"
    assert body(3).status == Comment.Status.PENDING and body(3).user.username == "lisi_4"
    assert body(4).status == Comment.Status.REJECTED
    assert body(5).user.username == "discuz_guest" and body(5).user.nickname == zh("Guest")
    assert body(6).ip_address is None
    assert body(7).created_at == datetime(2021, 10, 25, 5, 16, tzinfo=UTC)  # the article's time


def test_comment_count_recounted_from_approved(new):
    assert Article.objects.get(pk=new("article", 100)).comment_count == 5  # old commentnum said 9


def test_unimportable_comments_listed(new, imported):
    assert new("comment", 8) is None and new("comment", 9) is None and new("comment", 10) is None
    assert "9\tfailed\tarticle not imported: 999" in imported["report"]
    assert "10\tfailed\tempty text" in imported["report"]
    assert "comments on topics (not imported) ×1" in imported["output"]


# --- old passwords and old links -----------------------------------------------------
@pytest.mark.parametrize(("uid", "username", "password"), [(1, "yzgz006", MD5_PASSWORD), (2, "张三", BCRYPT_PASSWORD)])
def test_old_password_logs_in_and_is_upgraded(new, client, settings, uid, username, password):
    settings.PASSWORD_HASHERS = HASHERS
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    user = get_user_model().objects.get(pk=new("member", uid))
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.parametrize(
    ("old", "kind", "old_id", "suffix"),
    [
        ("/portal.php?mod=view&aid=100", "article", 100, ""),
        ("/portal.php?mod=view&aid=100&page=2", "article", 100, ""),
        ("/article-100-3.html", "article", 100, ""),
        ("/portal.php?mod=list&catid=2", None, None, "/category/zuixin/"),
        ("/home.php?mod=space&uid=1", None, None, "/publisher/yzgz006/"),
        ("/home.php?mod=space&uid=3", None, None, "/"),  # only commented: no public page of their own
        ("/portal.php", None, None, "/"),
    ],
)
def test_old_links_redirect_permanently(new, client, old, kind, old_id, suffix):
    response = client.get(old)
    assert response.status_code == 301
    expected = f"/article/{new(kind, old_id)}/" if kind else suffix
    assert response["Location"] == expected


@pytest.mark.parametrize(
    "old",
    [
        "/portal.php?mod=view&aid=12345",
        "/portal.php?mod=view&aid=101",  # pending: readers may not see it
        "/portal.php?mod=view&aid=abc",
        "/portal.php?mod=view",
        "/portal.php?mod=list&catid=777",
        "/article-999-1.html",
        "/home.php?mod=space&uid=6",
        "/home.php?mod=spacecp",
        "/portal.php?mod=topic",
    ],
)
def test_unknown_old_links_are_404(imported, db, client, old):
    assert client.get(old).status_code == 404


# --- runs ------------------------------------------------------------------------------
def test_second_run_imports_nothing_twice(imported, db, discuz, tmp_path):
    before = {model: model.objects.count() for model in (Article, Comment, Category, Source, LegacyId, Ban)}
    before["users"] = get_user_model().objects.count()
    output = run(discuz, report=tmp_path / "again.tsv")
    after = {model: model.objects.count() for model in (Article, Comment, Category, Source, LegacyId, Ban)}
    after["users"] = get_user_model().objects.count()
    assert after == before
    article_line = next(line for line in output.splitlines() if line.startswith("article "))
    assert article_line.split()[1:4] == ["0", "0", "6"]  # imported, updated, unchanged


def test_since_picks_up_edits_and_counts(imported, new, db, discuz, tmp_path):
    with fx.server(database=discuz["name"]) as conn, conn.cursor() as cursor:
        cursor.execute("UPDATE pre_portal_article_count SET viewnum = 700 WHERE aid = 100")
        cursor.execute(
            "UPDATE pre_portal_article_content SET content = '<p>第三页，已更正。</p>', dateline = %s WHERE cid = 3",
            (ts("2026-11-27 10:00"),),
        )
        cursor.execute("UPDATE pre_portal_comment SET status = 0 WHERE cid = 3")
        cursor.execute("UPDATE pre_common_member SET groupid = 10 WHERE uid = 5")  # unbanned
        cursor.execute(
            "INSERT INTO pre_portal_comment (cid, uid, username, id, idtype, dateline, status, message, postip) "
            "VALUES (11, 3, 'Lisi', 100, 'aid', %s, 0, '新评论', '')",
            (ts("2026-11-27 11:00"),),
        )
    try:
        run(discuz, "--since", "2026-11-27", report=tmp_path / "since.tsv")
        article = Article.objects.get(pk=new("article", 100))
        assert article.view_count == 700
        assert "第三页，已更正。" in article.body and "第二页" in article.body
        assert Comment.objects.get(pk=new("comment", 11)).body == "新评论"
        assert not Ban.objects.active().filter(user_id=new("member", 5)).exists()
        # --since reads only newer comments: the old one approved meanwhile waits for a full run.
        assert article.comment_count == 6
        run(discuz, report=tmp_path / "full.tsv")
        assert Comment.objects.get(pk=new("comment", 3)).status == Comment.Status.APPROVED
        assert Article.objects.get(pk=article.pk).comment_count == 7
    finally:
        with fx.server(database=discuz["name"]) as conn, conn.cursor() as cursor:
            cursor.execute("UPDATE pre_portal_article_count SET viewnum = 630 WHERE aid = 100")
            cursor.execute("UPDATE pre_portal_article_content SET content = %s, dateline = 0 WHERE cid = 3", (PAGE_3,))
            cursor.execute("UPDATE pre_portal_comment SET status = 1 WHERE cid = 3")
            cursor.execute("UPDATE pre_common_member SET groupid = 4 WHERE uid = 5")
            cursor.execute("DELETE FROM pre_portal_comment WHERE cid = 11")


def test_dry_run_writes_nothing(imported, db, discuz, tmp_path):
    LegacyId.objects.all().delete()  # as if nothing had been imported (rolled back after the test)
    counts = (Article.objects.count(), Comment.objects.count(), get_user_model().objects.count())
    output = run(discuz, "--dry-run", report=tmp_path / "dry.tsv")
    assert "Dry run: nothing was written." in output
    assert next(line for line in output.splitlines() if line.startswith("article ")).split()[1] == "6"
    assert (Article.objects.count(), Comment.objects.count(), get_user_model().objects.count()) == counts
    assert LegacyId.objects.count() == 0


def test_one_bad_row_is_reported_and_the_rest_imported(imported, db, discuz, tmp_path, monkeypatch):
    from news.legacy import discuz as reader

    real = reader.comment_text

    def flaky(message):
        if message == "游客的评论":
            raise ValueError("boom")
        return real(message)

    monkeypatch.setattr(reader, "comment_text", flaky)
    LegacyId.objects.filter(kind="comment").delete()  # as if the comments were never imported
    before = Comment.objects.count()
    output = run(discuz, report=tmp_path / "bad.tsv")
    assert Comment.objects.count() == before + 6  # seven importable, one failed
    assert "5\tfailed\tValueError: boom" in (tmp_path / "bad.tsv").read_text(encoding="utf-8")
    assert "comment failed: ValueError ×1" in output


# --- bad input -------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@127.0.0.1:1/nothing", "Cannot connect to the Discuz database 127.0.0.1:1/nothing"),
        ("postgres://root@127.0.0.1/x", "mysql://user:password@host:port/dbname"),
        ("mysql://root@127.0.0.1:port/x", "is not a number"),
    ],
)
def test_unreachable_or_malformed_database_is_a_clear_error(url, message, tmp_path):
    before = LegacyId.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("import_discuz", "--from", url, "--report", str(tmp_path / "r.tsv"))
    assert not (tmp_path / "r.tsv").exists() and LegacyId.objects.count() == before


@pytest.mark.django_db
def test_wrong_prefix_names_the_right_one(discuz, tmp_path):
    before = LegacyId.objects.count()
    with pytest.raises(CommandError, match=r"prefix 'cdb_'.*try --prefix pre_"):
        call_command("import_discuz", "--from", discuz["url"], "--prefix", "cdb_", "--report", str(tmp_path / "r"))
    with pytest.raises(CommandError, match="may only hold letters"):
        call_command("import_discuz", "--from", discuz["url"], "--prefix", "x`;drop", "--report", str(tmp_path / "r"))
    assert LegacyId.objects.count() == before and not (tmp_path / "r").exists()


@pytest.mark.django_db
def test_missing_tables_are_listed_before_anything_is_written(tmp_path):
    mysql_or_skip()
    before = Category.objects.count()
    name = fx.database_name("partial")
    fx.create_database(name, tables={"portal_category", "portal_article_title"})
    try:
        with pytest.raises(CommandError, match="pre_portal_article_content, pre_portal_comment, pre_common_member"):
            call_command("import_discuz", "--from", f"mysql://root@127.0.0.1/{name}", "--report", str(tmp_path / "r"))
    finally:
        fx.drop_database(name)
    assert Category.objects.count() == before and not (tmp_path / "r").exists()


@pytest.mark.django_db
def test_bad_since_and_attachment_folder(discuz, tmp_path):
    with pytest.raises(CommandError, match="not a date"):
        call_command("import_discuz", "--from", discuz["url"], "--since", "yesterday")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_discuz", "--from", discuz["url"], "--attachments", str(tmp_path / "nope"))
