"""Reading old Discuz! rows (news.legacy.discuz), without a MySQL server."""

import pytest

from news.legacy import discuz


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("第一行<br />第二行", "第一行\n第二行"),
        # Escaped once by Discuz: decoded once. A reader who typed "&amp;" sees "&amp;" again.
        ("&lt;b&gt;不是标签&lt;/b&gt; &amp;amp;", "<b>不是标签</b> &amp;"),
        ('<div class="quote"><blockquote>原话</blockquote></div>回复', "原话\n回复"),
        ("[b]粗体[/b][url=http://x.cn]链接[/url][img]http://x.cn/a.jpg[/img][em:12:]", "粗体链接"),
        ("一<br /><br /><br /><br />二", "一\n\n二"),
        ("表情😀，“引号”——破折号…", "表情😀，“引号”——破折号…"),
    ],
)
def test_comment_text(message, text):
    assert discuz.comment_text(message) == text


@pytest.mark.parametrize(
    ("src", "path"),
    [
        ("data/attachment/portal/202110/25/a.jpg", "portal/202110/25/a.jpg"),
        ("http://www.yzgz.cn/data/attachment/portal/202110/25/a.jpg?x=1", "portal/202110/25/a.jpg"),
        ("/data/attachment/forum/202001/01/%E5%9B%BE.png", "forum/202001/01/图.png"),
        ("data/attachment/portal/../../config/config_global.php", None),
        ("static/image/smiley/default/smile.gif", None),
        ("https://mmbiz.qpic.cn/abc", None),
    ],
)
def test_attachment_path(src, path):
    assert discuz.attachment_path(src) == path


def test_rewrite_images_replaces_or_drops():
    body = '<p><img src="data/attachment/portal/a.jpg" alt="x"><img src=\'data/attachment/portal/b.jpg\'></p>'
    new = {"portal/a.jpg": "/media/body/a.jpg"}
    assert discuz.rewrite_images(body, new.get) == '<p><img src="/media/body/a.jpg" alt="x"></p>'


def test_join_pages_keeps_order_breaks_and_titles():
    pages = [
        {"title": "", "content": "<p>一</p>"},
        {"title": "第二 &amp; 页", "content": "<p>二</p>[attach]3[/attach]"},
    ]
    assert discuz.join_pages(pages) == "<p>一</p>\n<hr>\n<h2>第二 &amp; 页</h2>\n<p>二</p>"


@pytest.mark.parametrize(
    ("password", "salt", "encoded"),
    [
        ("0123456789abcdef0123456789ABCDEF", "a1b2c3", "discuz_md5$a1b2c3$0123456789abcdef0123456789abcdef"),
        ("$2y$10$" + "a" * 53, "", "discuz_bcrypt$$2y$10$" + "a" * 53),
        ("0123456789abcdef0123456789abcdef", "", None),  # md5 without its salt cannot be checked
        ("", "", None),
        ("not-a-hash", "abc", None),
    ],
)
def test_password_hash(password, salt, encoded):
    assert discuz.password_hash(password, salt) == encoded


def test_parse_url():
    assert discuz.parse_url("mysql://u:p%40ss@db.local:3307/portal") == {
        "host": "db.local", "port": 3307, "user": "u", "password": "p@ss", "database": "portal",
    }  # fmt: skip
    for bad in ("", "mysql://host", "http://h/db", "mysql://h:x/db"):
        with pytest.raises(discuz.DiscuzError):
            discuz.parse_url(bad)


@pytest.mark.parametrize(("value", "valid"), [(0, False), (None, False), (1635139000, True), (99999999999, False)])
def test_timestamp_placeholders(value, valid):
    assert (discuz.timestamp(value) is not None) == valid
