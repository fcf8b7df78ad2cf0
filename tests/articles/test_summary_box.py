"""The 摘要 box on the article page: shown where it adds something, not to repeat a short body."""

import re

import pytest

from news.articles.factories import make_article

pytestmark = pytest.mark.django_db

BOX = 'class="article__summary"'
LONG_BODY = "".join(
    f"<p>第{n}段：夏都街道党工委组织开展第三季度党建观摩活动，各社区交流了经验。</p>" for n in range(12)
)


def page_of(client, article):
    return client.get(article.get_absolute_url()).content.decode()


def test_a_short_article_does_not_repeat_its_body_in_the_summary_box(client):
    article = make_article(body="<p>今天上午，禹州市区部分路段临时交通管制。</p>")
    page = page_of(client, article)
    assert BOX not in page
    visible = re.sub(r"<[^>]+>", "", page.split("</head>", 1)[1])
    assert visible.count("部分路段临时交通管制") == 1  # the body only


def test_a_body_not_much_longer_than_its_cut_summary_shows_no_box(client):
    article = make_article(body="<p>" + "钧瓷文化节开幕。" * 20 + "</p>")  # 160 characters: the cut is 120
    assert BOX not in page_of(client, article)


def test_a_long_article_shows_the_summary_cut_from_its_body(client):
    article = make_article(body=LONG_BODY)
    page = page_of(client, article)
    assert BOX in page
    assert article.excerpt.endswith("…")


def test_an_editors_own_summary_is_always_shown(client):
    article = make_article(body="<p>今天上午，禹州市区部分路段临时交通管制。</p>", summary="出行请注意绕行。")
    page = page_of(client, article)
    assert BOX in page and "出行请注意绕行。" in page


def test_the_seed_article_keeps_its_summary_as_on_the_old_page(client, seed_article):
    assert BOX in page_of(client, seed_article)
