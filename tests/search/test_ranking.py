"""The search ranking: title matches first, newest first; then body-only matches (on PostgreSQL
those that use the words most first); pages exact across the boundary; only what readers may
see; and, on PostgreSQL, the narrow title table (``news_searchtitle``) an exact copy of the
search documents whatever writes them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from news.articles.factories import make_article
from news.articles.models import Article
from news.search.documents import RankedIds, count, query_terms, title_statistics

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the title table is PostgreSQL's")


def ranked(query, start=0, stop=50):
    return list(RankedIds(query_terms(query))[start:stop])


def found(query):
    return count(Article.objects.published(), query_terms(query), published_only=True)


def title_copies():
    """The narrow title table next to what it copies, for every article."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.article_id, d.title_vector::text, d.status, d.published_at,"
            " t.article_id, t.title_vector::text, t.status, t.published_at"
            " FROM news_searchdocument d FULL JOIN news_searchtitle t ON t.article_id = d.article_id"
            " ORDER BY 1, 5"
        )
        return [(row[:4], row[4:]) for row in cursor.fetchall()]


def assert_in_sync():
    rows = title_copies()
    assert rows, "no search documents"
    for document, copy in rows:
        assert document == copy


@pytest.fixture
def mixed(category, reporter):
    """Six headlines with 钧瓷 (hours apart) and five articles with it only in the body."""
    now = timezone.now()
    titles = [
        make_article(
            title=f"钧瓷展览第{i}场",
            body="<p>展品众多。</p>",
            category=category,
            author=reporter,
            published_at=now - timedelta(hours=i),
        )
        for i in range(6)
    ]
    bodies = [
        make_article(
            title=f"非遗新闻{i}",
            body="<p>市民参观钧瓷烧制。</p>",
            category=category,
            author=reporter,
            published_at=now - timedelta(hours=i, minutes=30),
        )
        for i in range(5)
    ]
    return titles, bodies


def test_title_matches_come_first_newest_first_then_body_only_matches(mixed):
    titles, bodies = mixed
    assert ranked("钧瓷") == [a.pk for a in titles] + [a.pk for a in bodies]


def test_a_newer_title_match_outranks_an_older_one_that_repeats_the_word(category, reporter):
    now = timezone.now()
    older = make_article(
        title="钧瓷钧瓷钧瓷大展", category=category, author=reporter, published_at=now - timedelta(days=2)
    )
    newer = make_article(title="钧瓷小展", category=category, author=reporter, published_at=now - timedelta(days=1))
    assert ranked("钧瓷") == [newer.pk, older.pk]


@postgresql_only
def test_body_only_matches_that_use_the_word_more_come_first(category, reporter):
    now = timezone.now()
    headline = make_article(
        title="钧瓷节开幕", category=category, author=reporter, published_at=now - timedelta(days=9)
    )
    once = make_article(title="新闻一", body="<p>钧瓷。</p>", category=category, author=reporter,
                        published_at=now - timedelta(days=1))  # fmt: skip
    often = make_article(title="新闻二", body="<p>钧瓷、钧瓷、钧瓷。</p>", category=category, author=reporter,
                         published_at=now - timedelta(days=5))  # fmt: skip
    assert ranked("钧瓷") == [headline.pk, often.pk, once.pk]


SLICES = [(0, 3), (3, 6), (4, 8), (5, 7), (6, 11), (7, 9), (0, 11), (10, 20), (2, None)]


@pytest.mark.parametrize(("start", "stop"), SLICES)
@pytest.mark.parametrize("cap", [2, 4, 5, 6, 200])
@pytest.mark.parametrize("walk", [False, True], ids=["index", "walk"])
def test_every_slice_is_the_same_piece_of_the_ranking(monkeypatch, mixed, start, stop, cap, walk):
    """Whatever the cap (the first cap + 1 headlines are read at once, later ones per slice) and
    whether PostgreSQL walks the headlines newest first or takes the GIN index."""
    monkeypatch.setattr(RankedIds, "_walk_titles", lambda self: walk)
    titles, bodies = mixed
    everything = [a.pk for a in titles] + [a.pk for a in bodies]
    assert list(RankedIds(query_terms("钧瓷"), cap=cap)[start:stop]) == everything[start:stop]
    assert RankedIds(query_terms("钧瓷"), cap=cap).count() == min(len(everything), cap + 1)


@postgresql_only
def test_a_word_in_more_headlines_than_the_cap_is_counted_and_paged_by_one_statement(mixed, django_assert_num_queries):
    titles, _bodies = mixed
    title_statistics()  # read once per process every ten minutes
    ranking = RankedIds(query_terms("钧瓷"), cap=4)
    with django_assert_num_queries(1):
        assert ranking.count() == 5
        assert ranking[0:2] + ranking[2:4] + ranking[4:5] == [a.pk for a in titles[:5]]


@postgresql_only
def test_a_rarer_word_is_counted_by_one_more_statement_and_its_bodies_by_another(mixed, django_assert_num_queries):
    titles, bodies = mixed
    title_statistics()
    ranking = RankedIds(query_terms("钧瓷"))
    with django_assert_num_queries(2):  # the headlines, then every match up to the cap
        assert ranking.count() == 11
        assert ranking[0:5] == [a.pk for a in titles[:5]]
    with django_assert_num_queries(1):  # the body-only matches after the sixth headline
        assert ranking[5:10] == [titles[5].pk] + [a.pk for a in bodies[:4]]


def explain(statement):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgresql_only
def test_a_phrase_in_most_headlines_is_walked_newest_first_a_rarer_one_found_then_sorted(
    monkeypatch, category, reporter
):
    """PostgreSQL takes 夏都街道's bigrams for independent and expects it in few headlines; the
    search knows from ANALYZE's counts of each bigram that it is in most, and walks them."""
    from django.test.utils import CaptureQueriesContext

    from news.search import documents

    now = timezone.now()
    # 夏都, 都街 in a fifth of the headlines, 街道 in two fifths: PostgreSQL expects 夏都街道 in
    # 0.2 × 0.2 × 0.4 of them (2 of 150), where it is in 30.
    for i in range(150):
        title = ("夏都街道新闻", "钧台街道新闻", "神垕钧瓷", "禹州药材", "乡村振兴")[i % 5] + str(i)
        make_article(title=title, category=category, author=reporter, published_at=now - timedelta(hours=i))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE news_searchtitle")
    monkeypatch.setitem(documents._statistics, "read", None)  # read the new statistics
    ranking = RankedIds(query_terms("夏都街道"), cap=2)
    with CaptureQueriesContext(connection) as queries:
        page = ranking[0:3]
    assert len(page) == 3 and ranking.count() == 3
    plan = explain(queries.captured_queries[-1]["sql"])
    assert "Index Scan using news_searchtitle_newest" in plan, plan
    assert "Sort" not in plan and "Bitmap" not in plan, plan
    # For its first eleven, 禹州药材 in 30 headlines of 150 is better found than walked to.
    ranking = RankedIds(query_terms("禹州药材"), cap=10)
    with CaptureQueriesContext(connection) as queries:
        assert len(ranking[0:10]) == 10
    plan = explain(queries.captured_queries[-1]["sql"])
    assert "CTE Scan on matches" in plan and "news_searchtitle_newest" not in plan, plan


def test_pages_of_the_search_page_cross_from_titles_to_bodies(client, mixed):
    titles, bodies = mixed

    def page(number):
        response = client.get("/search/", {"q": "钧瓷", "page": number})
        return [article.pk for article in response.context["page_obj"].object_list]

    assert page(1) + page(2) == [a.pk for a in titles] + [a.pk for a in bodies]
    assert len(page(1)) == 10


@pytest.mark.parametrize(
    "change",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.REVIEW},
        {"status": Article.Status.WITHDRAWN},
        {"published_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["draft", "in-review", "withdrawn", "future"],
)
def test_an_article_readers_may_not_see_is_never_found(mixed, change):
    """Whether changed by a save or by a queryset .update(), in titles and in bodies alike."""
    titles, bodies = mixed
    hidden_by_save, hidden_by_update = titles[0], bodies[0]
    for field, value in change.items():
        setattr(hidden_by_save, field, value)
    hidden_by_save.save()
    Article.objects.filter(pk=hidden_by_update.pk).update(**change)
    results = ranked("钧瓷")
    assert hidden_by_save.pk not in results and hidden_by_update.pk not in results
    assert len(results) == found("钧瓷") == 9


def test_an_edited_title_is_found_by_its_new_words_at_once(mixed):
    titles, _bodies = mixed
    article = titles[3]
    article.title = "神垕古镇迎来游客"
    article.save()
    assert ranked("古镇") == [article.pk]
    assert article.pk not in ranked("展览")
    assert ranked("钧瓷")[:5] == [a.pk for a in titles if a.pk != article.pk]


def test_a_word_in_more_titles_than_the_cap_is_counted_as_more(monkeypatch, mixed):
    from news.search import documents

    monkeypatch.setattr(documents, "COUNT_CAP", 4)
    assert count(Article.objects.published(), query_terms("钧瓷"), cap=4, published_only=True) == 5
    assert count(Article.objects.published(), query_terms("展品"), cap=4, published_only=True) == 5  # body only
    assert count(Article.objects.published(), query_terms("展品"), cap=10, published_only=True) == 6


@postgresql_only
def test_the_title_table_copies_every_new_article(mixed):
    assert len(title_copies()) == 11
    assert_in_sync()


@postgresql_only
def test_the_title_table_follows_saves_and_queryset_updates(mixed):
    titles, bodies = mixed
    titles[0].title = "神垕新标题"
    titles[0].save()
    Article.objects.filter(pk=titles[1].pk).update(status=Article.Status.DRAFT)
    Article.objects.filter(pk__in=[bodies[0].pk, bodies[1].pk]).update(published_at=timezone.now() + timedelta(days=3))
    Article.objects.filter(pk=titles[2].pk).update(published_at=timezone.now() - timedelta(days=30))
    assert_in_sync()
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM news_searchtitle WHERE article_id = %s", [titles[1].pk])
        assert cursor.fetchone() == ("draft",)
        cursor.execute(
            "SELECT count(*) FROM news_searchtitle WHERE title_vector @@ to_tsquery('simple', '神垕 <-> 垕新')"
        )
        assert cursor.fetchone() == (1,)


@postgresql_only
def test_the_title_table_drops_deleted_articles(mixed):
    titles, bodies = mixed
    titles[0].delete()
    Article.objects.filter(pk__in=[a.pk for a in bodies]).delete()
    assert_in_sync()
    assert len(title_copies()) == 5
    assert titles[0].pk not in ranked("钧瓷")


@postgresql_only
def test_the_title_table_has_its_indexes_and_triggers(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'news_searchtitle'")
        indexes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'news_searchdocument'::regclass AND NOT tgisinternal"
            " ORDER BY tgname"
        )
        triggers = [name for (name,) in cursor.fetchall()]
    assert "USING gin (title_vector)" in indexes["news_searchtitle_vector_gin"]
    assert "(published_at DESC, article_id DESC) WHERE" in indexes["news_searchtitle_newest"]
    assert triggers == [
        "news_searchtitle_delete",
        "news_searchtitle_insert",
        "news_searchtitle_truncate",
        "news_searchtitle_update",
    ]
