"""The article page shows every element of the old portal's page, in its order and wording."""

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from news.articles.models import SiteSettings

pytestmark = pytest.mark.django_db

SEED_SUMMARY = (
    "10月24日,夏都街道党工委组织开展了第三季度党建观摩活动,全体科级干部、各社区支部书记、各部门负责人共30余人参加。"
    "此次观摩以“创五好、强双基”示范行动、新型城市社区为重点,对阳光、金桂、广场3个社区以实"
)


def text_of(html, separator=" "):
    """Visible text: tags replaced by ``separator``, whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", separator, html)).strip()


@pytest.fixture
def page(client, seed_article):
    response = client.get(seed_article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_meta_line_matches_the_old_page(page, seed_article):
    meta = re.search(r'<p class="article__meta">(.*?)</p>', page, re.S).group(1)
    assert text_of(meta, separator="") == ("2021-10-25 13:16| 发布者: yzgz006| 查看: 630| 评论: 0|来自: 融媒顺店工作站")
    assert 'href="/publisher/yzgz006/"' in meta
    assert f'href="{seed_article.source.get_absolute_url()}"' in meta


def test_time_is_shown_in_asia_shanghai(page):
    assert 'datetime="2021-10-25T13:16:00+08:00"' in page


def test_title_is_the_h1(page):
    assert re.search(r"<h1[^>]*>禹州夏都街道开展2021年第三季度党建观摩活动</h1>", page)


def test_breadcrumb_reads_site_home_category_view_content(page):
    crumb = re.search(r'<nav class="breadcrumb.*?</nav>', page, re.S).group(0)
    assert text_of(crumb) == "禹州关注 首页 最新资讯 查看内容"
    assert 'href="/category/latest/"' in crumb


def test_summary_is_cut_from_the_body_like_the_old_page(page):
    summary = text_of(re.search(r'<div class="article__summary">(.*?)</div>', page, re.S).group(1))
    assert summary.startswith("摘要: " + SEED_SUMMARY)
    assert summary.endswith("…")


def test_body_has_every_paragraph(page, seed_article):
    assert page.count("<p>", page.index('class="article__body"')) >= 10
    assert "以优异的成绩迎接党的十九届六中全会的召开。" in page
    assert "“巧花调解室”" in text_of(page) or "‘巧花调解室’" in text_of(page)


def test_previous_and_next_are_the_old_pages_neighbours(page):
    text = text_of(page)
    assert "上一篇: @禹州人!已波及11省份!国家卫健委:本轮疫情扩散风险仍在加大" in text.replace(":@", ": @")
    assert "下一篇: 禹州市交通运输局优化营商环境 提升出租车行业形象" in text.replace(":禹", ": 禹")


def test_elements_appear_in_the_old_pages_order(page):
    text = text_of(page, separator="")
    order = [
        "快捷登录",
        "禹州关注",
        "快捷导航",
        "查看内容",
        "禹州夏都街道开展2021年第三季度党建观摩活动",
        "2021-10-25 13:16",
        "摘要:",
        "10月24日",
        "路过",
        "雷人",
        "握手",
        "鲜花",
        "鸡蛋",
        "分享到:",
        "上一篇:",
        "下一篇:",
        "最新评论",
        "客服热线",
        "18768801199 周一至周日:09:00 - 21:00",
        "公司地址:禹州市裕华大街中段",
        "禹州关注,一座城市的思考与远见。",
        "手机版",
        "小黑屋",
        "豫ICP备19007333号-1",
        "公安备案号:41108102000262",
        "经营许可证:豫B2-20230773",
        "GMT+8,",
        "返回顶部",
    ]
    positions = []
    start = 0
    for needle in order:
        found = text.find(needle, start)
        assert found >= 0, f"{needle!r} missing after position {start}"
        positions.append(found)
        start = found + 1
    assert positions == sorted(positions)


def test_icp_number_links_to_the_national_filing_site(page):
    assert re.search(r'<a href="https://beian.miit.gov.cn/"[^>]*>豫ICP备19007333号-1</a>', page)


def test_footer_links_blackroom_and_back_to_top(page):
    assert 'href="/blackroom/"' in page
    assert re.search(r'<a href="#top"[^>]*>返回顶部</a>', page)
    assert '<body id="top">' in page


def test_share_links_carry_the_article_url(page, seed_article):
    assert "service.weibo.com/share/share.php?url=http%3A%2F%2Ftestserver%2Farticle%2F" in page
    assert "sns.qzone.qq.com" in page
    assert "复制链接" in page


def test_render_line_reports_real_time_and_query_count(client, seed_article):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(seed_article.get_absolute_url())
    line = re.search(
        r"GMT\+8, (\d{4}-\d\d-\d\d \d\d:\d\d), Processed in (\d+\.\d{6}) second\(s\), (\d+) queries\.",
        response.content.decode(),
    )
    assert line, "render statistics line missing"
    seconds, queries = float(line.group(2)), int(line.group(3))
    assert 0 < seconds < 5
    # Django's own query capture of the same request gives the same number.
    assert queries == len(captured.captured_queries)


def test_render_line_can_be_hidden_in_site_settings(client, seed_article):
    settings = SiteSettings.current()
    settings.show_render_stats = False
    settings.save()
    response = client.get(seed_article.get_absolute_url())
    assert b"Processed in" not in response.content
    assert b"yzgz:render-stats" not in response.content


def test_footer_follows_site_settings_edits(client, seed_article):
    settings = SiteSettings.current()
    settings.hotline = "0374-8888888"
    settings.icp_number = "豫ICP备00000000号-9"
    settings.save()
    page = client.get(seed_article.get_absolute_url()).content.decode()
    assert "0374-8888888" in page
    assert "豫ICP备00000000号-9" in page
    assert "18768801199" not in page


def test_quick_login_box_posts_to_login_with_csrf_and_returns_here(page, seed_article):
    form = re.search(r'<form method="post" action="/accounts/login/".*?</form>', page, re.S).group(0)
    assert 'name="csrfmiddlewaretoken"' in form
    assert f'name="next" value="{seed_article.get_absolute_url()}"' in form


def test_logged_in_reader_sees_user_menu_instead_of_login_box(client, seed_article, resident):
    client.force_login(resident)
    page = client.get(seed_article.get_absolute_url()).content.decode()
    assert "快捷登录" not in page
    assert "resident1" in page
    assert "退出" in page


def test_quick_navigation_lists_categories_and_blackroom(page):
    nav = re.search(r'<nav class="dropdown__panel quick-nav__panel".*?</nav>', page, re.S).group(0)
    for name in ("首页", "最新资讯", "乡镇动态", "神垕镇", "小黑屋"):
        assert name in nav


def test_tags_link_to_unicode_tag_pages(page):
    assert 'href="/tag/%E5%85%9A%E5%BB%BA/"' in page or 'href="/tag/党建/"' in page


def test_page_is_simplified_chinese(page):
    assert '<html lang="zh-Hans">' in page


def test_english_is_available_by_choice(client, seed_article):
    client.cookies["django_language"] = "en"
    page = client.get(seed_article.get_absolute_url()).content.decode()
    assert "Publisher:" in page
    assert "Back to top" in page


@override_settings(LANGUAGE_CODE="zh-hans")
def test_english_browser_still_gets_chinese(client, seed_article):
    page = client.get(seed_article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "发布者:" in page
