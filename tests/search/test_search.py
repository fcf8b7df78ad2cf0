"""Search (/search/?q=), the tags page, the monthly archive and error pages that never fail."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from news.articles.factories import make_article
from news.articles.models import Article, SiteSettings
from news.search.documents import query_terms, snippet, tokens, tsquery

pytestmark = pytest.mark.django_db


def results(client, q, **params):
    response = client.get("/search/", {"q": q, **params})
    assert response.status_code == 200
    page = response.content.decode()
    start = page.find('<ul class="items">')
    block = page[start : page.find("</ul>", start)] if start >= 0 else ""
    titles = []
    for part in block.split('<h2 class="item__title"><a href="')[1:]:
        titles.append(part.split(">", 1)[1].split("<", 1)[0])
    return titles, page


@pytest.fixture
def news(category, reporter):
    now = timezone.now()
    return {
        "seed": make_article(
            title="禹州夏都街道开展第三季度党建观摩活动",
            body="<p>全体科级干部、各社区支部书记参加观摩。</p>",
            category=category,
            author=reporter,
            published_at=now - timedelta(days=3),
        ),
        "flood": make_article(
            title="防汛工作部署会召开",
            summary="面对汛情，各社区做好准备。",
            body="<p>汛情就是命令。COVID-19 防控同步推进，2021年全市投入资金。</p>",
            category=category,
            author=reporter,
            published_at=now - timedelta(days=2),
        ),
        "body_only": make_article(
            title="钧瓷文化节开幕",
            body="<p>市民在社区观摩钧瓷烧制，社区干部介绍党建工作。</p>",
            category=category,
            author=reporter,
            published_at=now - timedelta(days=1),
        ),
        "draft": make_article(
            title="草稿：社区观摩",
            body="<p>观摩</p>",
            category=category,
            author=reporter,
            status=Article.Status.DRAFT,
        ),
    }


def test_tokens_are_chinese_bigrams_and_latin_words():
    assert tokens("党建观摩 COVID-19 防控") == ["党建", "建观", "观摩", "covid", "19", "防控"]
    assert tsquery(query_terms("社区党建 2021")) == "(社区 <-> 区党 <-> 党建) & 2021"


def test_a_two_character_word_inside_sentences_finds_every_article(client, news):
    titles, _page = results(client, "观摩")
    assert set(titles) == {news["seed"].title, news["body_only"].title}


def test_word_in_the_summary_is_found(client, news):
    titles, _page = results(client, "汛情")
    assert titles == [news["flood"].title]


def test_title_matches_rank_above_body_only_matches(client, news):
    titles, _page = results(client, "观摩")
    assert titles[0] == news["seed"].title  # older, but 观摩 is in its title


def test_several_words_must_all_match(client, news):
    titles, _page = results(client, "社区 党建")
    assert set(titles) == {news["seed"].title, news["body_only"].title}
    titles, _page = results(client, "汛情 钧瓷")
    assert titles == []


def test_a_phrase_matches_only_where_its_characters_are_adjacent(client, news):
    titles, _page = results(client, "社区观摩")
    assert titles == [news["body_only"].title]


def test_latin_words_are_case_insensitive_and_numbers_work(client, news):
    assert results(client, "covid")[0] == [news["flood"].title]
    assert results(client, "COVID")[0] == [news["flood"].title]
    assert results(client, "2021")[0] == [news["flood"].title]


def test_full_width_query_matches(client, news):
    assert results(client, "ＣＯＶＩＤ")[0] == [news["flood"].title]


def test_drafts_and_scheduled_articles_are_never_found(client, news, category, reporter):
    make_article(
        title="明天的观摩", category=category, author=reporter, published_at=timezone.now() + timedelta(days=1)
    )
    titles, _page = results(client, "观摩")
    assert "草稿：社区观摩" not in titles
    assert "明天的观摩" not in titles


def test_edits_and_withdrawals_update_the_index(client, news):
    article = news["flood"]
    article.title = "防洪抢险演练举行"
    article.summary = ""
    article.body = "<p>演练内容丰富。</p>"
    article.save()
    assert results(client, "汛情")[0] == []
    assert results(client, "抢险")[0] == [article.title]
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert results(client, "抢险")[0] == []


def test_results_show_a_highlighted_snippet(client, news):
    _titles, page = results(client, "汛情")
    assert "<mark>汛情</mark>" in page


LEAD = "<p>" + "城区道路养护工作持续推进。" * 20 + "</p>"  # 240 characters before the words


@pytest.mark.parametrize(
    ("words", "query"),
    [
        ("今年的ＧＤＰ目标，２０２６年已定", "2026"),
        ("老街区〸字路口改造完成", "十字"),
        ("Yuzhou News：服务站开放", "news"),
    ],
)
def test_the_snippet_is_where_the_words_are_as_search_finds_them(words, query):
    """The search index folds full-width digits, the Hangzhou numerals and case (NFKC): the
    snippet is cut around the same place, though it looks in the plain text first."""
    article = Article(excerpt="摘要", body=f"{LEAD}<p>{words}</p>")
    piece = snippet(article, query_terms(query))
    assert piece.startswith("…") and words[:6] in piece.replace("<mark>", "").replace("</mark>", "")
    assert snippet(article, query_terms("没有的词")).startswith("城区道路")


def test_matched_text_is_escaped_in_the_snippet(client, category, reporter):
    make_article(
        title="安全提示",
        summary="请勿点击 <script>alert(1)</script> 这样的链接",
        category=category,
        author=reporter,
    )
    _titles, page = results(client, "script")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;<mark>script</mark>&gt;" in page


def test_results_are_paginated_with_the_query_kept(client, category, reporter):
    for i in range(12):
        make_article(title=f"社区新闻{i}", category=category, author=reporter)
    first, page = results(client, "社区")
    second, _page = results(client, "社区", page=2)
    assert (len(first), len(second)) == (10, 2)
    assert "?q=%E7%A4%BE%E5%8C%BA&amp;page=2" in page


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", None),
        ("x" * 300, "已缩短为 100 个字"),
        ("'; DROP TABLE news_article; --", None),
        ("<img src=x onerror=alert(1)>", None),
        ("\x01\x02\x1b", None),  # NUL never reaches the view: tests/site/test_nul_input.py
        ("& | ! <-> :*", "请输入要搜索的字词"),
    ],
)
def test_bad_queries_get_a_normal_page(client, news, q, message):
    _titles, page = results(client, q)
    assert "<img src=x onerror" not in page
    if message:
        assert message in page
    assert Article.objects.filter(pk=news["seed"].pk).exists()


def test_page_out_of_range_shows_the_last_page_with_a_message(client, news):
    titles, page = results(client, "观摩", page=99)
    assert titles
    assert "没有这一页" in page


def test_query_is_echoed_escaped(client, news):
    _titles, page = results(client, '"><b>粗</b>')
    assert "&lt;b&gt;粗&lt;/b&gt;" in page
    assert "<b>粗</b>" not in page


def test_header_has_a_search_box(client, news):
    page = client.get("/").content.decode()
    assert 'action="/search/"' in page and 'name="q"' in page


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the GIN index exists on PostgreSQL")
def test_postgresql_has_the_generated_vectors_and_their_gin_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'news_searchdocument_vector_gin'")
        (definition,) = cursor.fetchone()
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'news_searchdocument'::regclass "
            "AND attname IN ('vector', 'title_vector') ORDER BY attname"
        )
        columns = cursor.fetchall()
    assert "USING gin (vector)" in definition and "fastupdate=off" in definition
    assert columns == [("title_vector", "m"), ("vector", "m")]  # kept in the row, not in TOAST
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'news_searchdocument_title_gin'")
        (title_index,) = cursor.fetchone()
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'news_article'::regclass AND NOT tgisinternal")
        triggers = [name for (name,) in cursor.fetchall()]
    assert "USING gin (title_vector)" in title_index
    assert triggers == ["news_article_search_visibility"]


# --- tags page and archive ------------------------------------------------------------------


def test_tags_page_lists_tags_of_published_articles_by_use(client, category, reporter):
    make_article(category=category, author=reporter, tags=["党建", "社区"])
    make_article(category=category, author=reporter, tags=["党建"])
    make_article(category=category, author=reporter, tags=["草稿标签"], status=Article.Status.DRAFT)
    page = client.get("/tags/").content.decode()
    assert page.index("党建") < page.index("社区")
    assert "草稿标签" not in page


def test_month_archive_lists_that_months_articles_in_local_time(client, category, reporter):
    zone = timezone.get_current_timezone()
    # 00:30 on 1 November in Shanghai is still October in UTC: it belongs to November here.
    november = make_article(title="十一月一日凌晨", category=category, author=reporter)
    Article.objects.filter(pk=november.pk).update(published_at=datetime(2025, 11, 1, 0, 30, tzinfo=zone))
    october = make_article(title="十月底", category=category, author=reporter)
    Article.objects.filter(pk=october.pk).update(published_at=datetime(2025, 10, 31, 23, 0, tzinfo=zone))
    page = client.get("/archive/2025/11/").content.decode()
    assert "十一月一日凌晨" in page and "十月底" not in page
    assert 'href="/archive/2025/10/"' in page


@pytest.mark.parametrize("url", ["/archive/2025/13/", "/archive/2025/0/", "/archive/1/1/", "/archive/99999/1/"])
def test_impossible_months_are_404(client, db, url):
    assert client.get(url).status_code == 404


def test_error_page_renders_even_when_the_database_is_unavailable(client, db, monkeypatch):
    def broken(cls=None):
        raise RuntimeError("database is down")

    monkeypatch.setattr(SiteSettings, "current", classmethod(broken))
    response = client.get("/article/424242/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_huge_result_set_is_counted_up_to_a_cap(client, category, reporter, monkeypatch):
    from news.search import documents as search

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for i in range(5):
        make_article(title=f"社区动态{i}", category=category, author=reporter)
    titles, page = results(client, "社区动态")
    assert "结果超过 3 条" in page
    assert titles == ["社区动态4", "社区动态3", "社区动态2"]  # the best (here: newest) three


def test_rescheduling_by_update_hides_an_article_from_search_at_once(client, news):
    """The search documents' copy of status and time follows any UPDATE (a trigger on PostgreSQL)."""
    article = news["seed"]
    assert article.title in results(client, "观摩")[0]
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() + timedelta(days=1))
    assert article.title not in results(client, "观摩")[0]
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(days=1))
    assert article.title in results(client, "观摩")[0]


def test_pages_across_title_and_body_matches_follow_the_ranking(client, category, reporter):
    """Title matches (ranked on their own) then body-only matches, whatever slice a page asks for."""
    from news.search.documents import RankedIds, search

    now = timezone.now()
    for i in range(7):
        make_article(title=f"钧瓷展览{i}", body="<p>展品众多。</p>", category=category, author=reporter,
                     published_at=now - timedelta(hours=i))  # fmt: skip
    for i in range(8):
        body = "<p>" + "钧瓷" * (1 + i % 3) + "。</p>"
        make_article(title=f"非遗新闻{i}", body=body, category=category, author=reporter,
                     published_at=now - timedelta(hours=i, minutes=30))  # fmt: skip
    terms = query_terms("钧瓷")
    expected = list(search(Article.objects.published(), "钧瓷")[0].values_list("pk", flat=True))
    assert len(expected) == 15
    assert [Article.objects.get(pk=pk).title.startswith("钧瓷") for pk in expected] == [True] * 7 + [False] * 8
    ranked = RankedIds(terms)
    for start, stop in [(0, 5), (5, 10), (3, 12), (7, 15), (10, 20), (0, 15)]:
        assert ranked[start:stop] == expected[start:stop], (start, stop)
    titles_first, _page = results(client, "钧瓷")
    titles_second, _page = results(client, "钧瓷", page=2)
    assert [t[:2] for t in titles_first] == ["钧瓷"] * 7 + ["非遗"] * 3
    assert len(titles_second) == 5
