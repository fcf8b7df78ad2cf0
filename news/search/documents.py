"""Chinese-aware search over published articles.

Chinese has no spaces, so a two-character word must be found inside any sentence. Each
article keeps a search document (:class:`news.search.models.SearchDocument`) whose text is the
article's tokens: every run of Chinese characters becomes its overlapping bigrams ("党建观摩"
→ "党建 建观 观摩"), every run of Latin letters or digits becomes one lower-case word. On
PostgreSQL two generated ``tsvector`` columns (``'simple'`` configuration, GIN-indexed) hold
them, and a query becomes a phrase of bigrams ("社区党建" → ``社区 <-> 区党 <-> 党建``), so
"观摩" finds every article that contains it and nothing that merely contains 观 and 摩.

The ranking: articles with the words in their title come first, newest first; then the
articles that have them only in the summary or body, those that use them most first
(``ts_rank``), newer first among equals. Title matches are read from a narrow copy of the
title vectors (``news_searchtitle``, migration ``search.0002``) through an index in
publication order, so a word in thousands of titles costs only its newest few dozen. On
SQLite a plain ``LIKE`` search stands in, in the same order but with body-only matches
newest first.

:func:`tokens` is the one tokeniser; swap it (for jieba, say) and rebuild with
``manage.py rebuild_search_index``.
"""

import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import BooleanField, Case, FloatField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from news.articles.sanitize import html_to_text

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")


def normalize(text):
    return unicodedata.normalize("NFKC", text or "").casefold()


def _grams(run):
    if run[0].isascii():
        return [run]
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text):
    """The search tokens of a text, in order: Chinese bigrams and lower-case Latin words."""
    out = []
    for run in _TOKEN.findall(normalize(text)):
        out.extend(_grams(run))
    return out


def document_text(text):
    return " ".join(tokens(text))


def query_terms(query):
    """The query's terms (runs of Chinese, Latin words, numbers), at most MAX_TERMS."""
    return _TOKEN.findall(normalize(query[:MAX_QUERY_LENGTH]))[:MAX_TERMS]


def tsquery(terms):
    """A to_tsquery() string: each term a phrase of its bigrams, all terms required.

    Terms come from the token regex, so they hold only Chinese characters, a-z and 0-9:
    nothing can be read as a tsquery operator.
    """
    parts = []
    for term in terms:
        grams = _grams(term)
        if len(grams) == 1 and not term.isascii() and len(term) == 1:
            parts.append(f"{term}:*")  # one character: any bigram starting with it
        else:
            parts.append("(" + " <-> ".join(grams) + ")" if len(grams) > 1 else grams[0])
    return " & ".join(parts)


def search(queryset, query):
    """Narrow and order ``queryset`` (already the public articles) by a reader's query."""
    terms = query_terms(query)
    if not terms:
        return queryset.none(), terms
    if connection.vendor == "postgresql":
        return _search_postgresql(queryset, terms), terms
    return _search_fallback(queryset, terms), terms


@dataclass(frozen=True)
class Filters:
    """What a reader narrowed the search to: categories (a category with its sub-categories) and
    a publication window ``[start, end)`` of aware datetimes; empty means everything."""

    category_ids: tuple = ()
    start: datetime | None = None
    end: datetime | None = None

    def apply(self, queryset):
        if self.category_ids:
            queryset = queryset.filter(category_id__in=self.category_ids)
        if self.start is not None:
            queryset = queryset.filter(published_at__gte=self.start)
        if self.end is not None:
            queryset = queryset.filter(published_at__lt=self.end)
        return queryset

    def sql(self):
        """`` AND …`` over ``doc`` (PostgreSQL: a search document or its title copy), and its parameters."""
        from news.articles.models import Article

        parts, params = [], []
        if self.category_ids:
            marks = ", ".join(["%s"] * len(self.category_ids))
            parts.append(f"doc.article_id IN (SELECT id FROM {Article._meta.db_table} WHERE category_id IN ({marks}))")  # noqa: S608 - placeholders only
            params.extend(self.category_ids)
        if self.start is not None:
            parts.append("doc.published_at >= %s")
            params.append(self.start)
        if self.end is not None:
            parts.append("doc.published_at < %s")
            params.append(self.end)
        return "".join(f" AND {part}" for part in parts), params


NO_FILTERS = Filters()
# Twenty pages of ten. A word in thousands of articles (社区, 钧瓷) shows "more than 200 results;
# here are the best" and the filters narrow it; counting further cost more than the page
# itself on 20,000 articles (search p50 9.6 ms at 1,000 against 8.6 ms at 200; 6.5 ms on the demo).
COUNT_CAP = 200


def count(queryset, terms, cap=COUNT_CAP, published_only=False, filters=NO_FILTERS):
    """How many articles match, up to ``cap`` + 1 (shown as "more than 200"), without ranking them.

    Counting every one of 6,000 matches cost more than ranking the first page; readers page
    through a few pages and then narrow the search, so the count stops at :data:`COUNT_CAP`.
    With ``published_only`` (``queryset`` is then ignored) it is :meth:`RankedIds.count`.
    """
    if not terms:
        return 0
    if published_only:
        return RankedIds(terms, filters=filters, cap=cap).count()
    queryset = filters.apply(queryset)
    if connection.vendor == "postgresql":
        matches = matching(queryset, tsquery(terms))
    else:
        matches = _search_fallback(queryset, terms)
    return matches.order_by().values("pk")[: cap + 1].count()


def matching(queryset, query):
    """The articles of ``queryset`` whose search document matches (PostgreSQL), unordered."""
    return queryset.filter(search_document__isnull=False).extra(  # noqa: S610 - constant SQL, query as parameter
        where=[f"{TABLE}.vector @@ to_tsquery('simple', %s)"], params=[query]
    )


TABLE = "news_searchdocument"
TITLES = "news_searchtitle"  # PostgreSQL only: article_id, title_vector, status, published_at


def _search_postgresql(queryset, terms):
    query = tsquery(terms)
    table = TABLE
    in_title = f"{table}.title_vector @@ to_tsquery('simple', %s)"
    score = f"CASE WHEN {in_title} THEN 0 ELSE ts_rank({table}.vector, to_tsquery('simple', %s)) END"
    return (
        matching(queryset, query)
        .annotate(
            # The SQL is constant; the query travels as a parameter. Title matches go newest
            # first (their score is 0 for all), body-only ones by how much they match.
            in_title=RawSQL(in_title, [query], BooleanField()),  # noqa: S611 - constant SQL, bound query
            score=RawSQL(score, [query, query], FloatField()),  # noqa: S611 - constant SQL, bound query
        )
        .order_by("-in_title", "-score", "-published_at", "-id")
    )


def _search_fallback(queryset, terms):
    """SQLite and others: every term somewhere in title, summary or body; title matches first,
    newest first within each group."""
    in_title = Q()
    for term in terms:
        queryset = queryset.filter(Q(title__icontains=term) | Q(summary__icontains=term) | Q(body__icontains=term))
        in_title &= Q(title__icontains=term)
    return queryset.annotate(
        in_title=Case(When(in_title, then=Value(True)), default=Value(False), output_field=BooleanField()),
        score=Value(0.0, output_field=FloatField()),
    ).order_by("-in_title", "-published_at", "-id")


STATISTICS_SECONDS = 600
_statistics = {"read": None, "value": (0, {})}


def title_statistics():
    """(headlines, {bigram: share of headlines holding it}) for the common bigrams, from the last
    ANALYZE of the title table, read at most every :data:`STATISTICS_SECONDS` per process."""
    now = time.monotonic()
    if _statistics["read"] is None or now - _statistics["read"] > STATISTICS_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT (SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = '{TITLES}'::regclass),
                       most_common_elems::text::text[], most_common_elem_freqs
                FROM pg_stats
                WHERE schemaname = current_schema() AND tablename = '{TITLES}' AND attname = 'title_vector'
                """  # noqa: S608 - constant SQL
            )
            row = cursor.fetchone()
        _statistics["value"] = (row[0], dict(zip(row[1], row[2], strict=False))) if row and row[1] else (0, {})
        _statistics["read"] = now
    return _statistics["value"]


class RankedIds:
    """The ids of the published articles matching ``terms``, best first, fetched per slice, and
    how many there are up to ``cap`` + 1.

    A sequence for :class:`~django.core.paginator.Paginator` (which slices it; set the
    paginator's count from :meth:`count`). On PostgreSQL the search documents and their narrow
    title copies carry the article's status and time (kept current by triggers), so nothing
    joins the article table.

    Title matches come first, newest first, read from the narrow title table: the first
    ``cap`` + 1 of them in one statement, which is the count too when a word is in more titles
    than the cap, and every page of title matches the reader can reach. For a word in many
    headlines the statement walks the publication-time index and stops there (a word in 2,000
    titles costs the same as one in 200); for a rarer one it takes the GIN index and sorts the
    matches (:meth:`_walk_titles` chooses).
    Body-only matches follow, ranked by ``ts_rank`` over the whole document; a word in
    thousands of bodies costs that full ranking only for the pages after the title matches,
    and its count stops at the cap.
    """

    _VISIBLE = "doc.status = 'published' AND doc.published_at <= %s"
    # Title matches, two ways (see _walk_titles()): every match found (by the GIN index) and then
    # sorted, the CTE keeping PostgreSQL from walking the headlines instead; or the headlines
    # walked newest first until the limit, the match written so that no index can answer it
    # (ts_match_vq is the function behind @@).
    _TITLE = f"""
        WITH matches AS MATERIALIZED (
            SELECT doc.article_id, doc.published_at
            FROM {TITLES} AS doc, to_tsquery('simple', %s) AS q(query)
            WHERE doc.title_vector @@ q.query AND {_VISIBLE}{{narrow}}
        )
        SELECT article_id FROM matches ORDER BY published_at DESC, article_id DESC LIMIT %s OFFSET %s
    """  # noqa: S608 - constant SQL; the query, time and bounds are parameters
    _TITLE_WALK = f"""
        SELECT doc.article_id
        FROM {TITLES} AS doc, to_tsquery('simple', %s) AS q(query)
        WHERE ts_match_vq(doc.title_vector, q.query) AND {_VISIBLE}{{narrow}}
        ORDER BY doc.published_at DESC, doc.article_id DESC
        LIMIT %s OFFSET %s
    """  # noqa: S608 - constant SQL; the query, time and bounds are parameters
    _BODY_ONLY = f"""
        SELECT doc.article_id
        FROM {TABLE} AS doc, to_tsquery('simple', %s) AS q(query)
        WHERE doc.vector @@ q.query AND NOT doc.title_vector @@ q.query AND {_VISIBLE}{{narrow}}
        ORDER BY ts_rank(doc.vector, q.query) DESC, doc.published_at DESC, doc.article_id DESC
        LIMIT %s OFFSET %s
    """  # noqa: S608 - constant SQL; the query, time and bounds are parameters
    # Every visible match (the document's vector holds the title's words too), up to a limit.
    _ALL = f"""
        SELECT count(*) FROM (
            SELECT 1 FROM {TABLE} AS doc, to_tsquery('simple', %s) AS q(query)
            WHERE doc.vector @@ q.query AND {_VISIBLE}{{narrow}}
            LIMIT %s
        ) AS capped
    """  # noqa: S608 - constant SQL; the query, time and limit are parameters
    _TITLE_COUNT = f"""
        SELECT count(*) FROM {TITLES} AS doc, to_tsquery('simple', %s) AS q(query)
        WHERE doc.title_vector @@ q.query AND {_VISIBLE}{{narrow}}
    """  # noqa: S608 - constant SQL

    def __init__(self, terms, now=None, filters=NO_FILTERS, cap=None):
        from django.utils import timezone

        self.terms = terms
        self.filters = filters
        self.cap = COUNT_CAP if cap is None else cap
        self.now = now or timezone.now()
        self._first_titles = None
        self._title_total = None
        self._count = None

    def __len__(self):  # pragma: no cover - the paginator's count is set from count()
        raise TypeError("set Paginator.count from RankedIds.count()")

    def count(self):
        """How many visible articles match, up to ``cap`` + 1."""
        if self._count is None:
            if not self.terms:
                self._count = 0
            elif connection.vendor != "postgresql":
                from news.articles.models import Article

                self._count = count(Article.objects.published(), self.terms, self.cap, filters=self.filters)
            elif len(self._titles()) > self.cap:
                self._count = self.cap + 1  # more than the cap in the headlines alone
            else:
                self._count = self._fetch(self._ALL, self.cap + 1)[0]
        return self._count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if not self.terms or (stop is not None and stop <= start):
            return []
        if connection.vendor != "postgresql":
            from news.articles.models import Article

            published = self.filters.apply(Article.objects.published())
            return list(_search_fallback(published, self.terms).values_list("pk", flat=True)[index])
        wanted = None if stop is None else stop - start
        titles = self._titles()
        if len(titles) > self.cap and (stop is None or stop > len(titles)):
            ids = self._fetch(self._title_query(), wanted, start)  # beyond the first cap + 1
        else:
            ids = titles[start:stop]
        if wanted is not None and len(ids) == wanted:
            return ids  # a page of title matches
        # The title matches end in or before this slice; the body-only ones follow them.
        offset = max(start - self.title_total(), 0)
        return ids + self._fetch(self._BODY_ONLY, None if wanted is None else wanted - len(ids), offset)

    def title_total(self):
        """How many visible articles match in the title (no cap: titles are short)."""
        if self._title_total is None:
            titles = self._titles()
            self._title_total = len(titles) if len(titles) <= self.cap else self._fetch(self._TITLE_COUNT)[0]
        return self._title_total

    def _titles(self):
        """The first ``cap`` + 1 title matches."""
        if self._first_titles is None:
            self._first_titles = self._fetch(self._title_query(), self.cap + 1, 0)
        return self._first_titles

    def _title_query(self):
        return self._TITLE_WALK if self._walk_titles() else self._TITLE

    def _walk_titles(self):
        """Whether walking the headlines newest first finds the first ``cap`` + 1 matches sooner
        than the GIN index finds (and the sort orders) every match.

        PostgreSQL estimates a phrase's matches as if its bigrams were independent: 夏都街道 (夏都,
        都街, 街道, which always come together) in 3,610 of 20,000 headlines is estimated at 208,
        so it takes the index and sorts them all (4 ms) where the walk would stop after about
        1,100 headlines (0.8 ms). A phrase is in no more headlines than its rarest bigram, and
        ANALYZE keeps how many headlines hold each common bigram (``pg_stats.most_common_elems``):
        with that share ``s`` of ``n`` headlines, the walk reads about cap / s of them and the
        index s × n, so the walk wins when s² × n > cap. Only without filters: with a category
        or a date range the matches are found and sorted, since how far the walk would go to
        fill the page is not known here.
        """
        if self.filters != NO_FILTERS:
            return False
        headlines, shares = title_statistics()
        share = 1.0
        for term in self.terms:
            grams = _grams(term)
            if len(term) == 1 and not term.isascii():
                return False  # a prefix (字:*): its bigrams are not known here
            share *= min(shares.get(gram, 0.0) for gram in grams)
        return share * share * headlines > self.cap + 1

    def _fetch(self, query, *bounds):
        """The first column of ``query`` with its filters, after the query and time: ``bounds``."""
        narrow, params = self.filters.sql()
        with connection.cursor() as cursor:
            cursor.execute(query.format(narrow=narrow), [tsquery(self.terms), self.now, *params, *bounds])
            return [row[0] for row in cursor.fetchall()]


SNIPPET_RADIUS = 50


def snippet(article, terms, radius=SNIPPET_RADIUS):
    """A piece of the article's text around the first match, escaped, matches in <mark>."""
    text = article.excerpt or ""  # plain text already: unescaping again would decode "&lt;" typed by the author
    positions = _find(text, terms)
    if not positions:
        text = html_to_text(article.body)
        positions = _find(text, terms)
    start = max(min(positions) - radius, 0) if positions else 0
    piece = text[start : start + 2 * radius + 40]
    return mark_safe(  # noqa: S308 - every piece of text below is escaped
        ("…" if start else "") + highlight(piece, terms) + ("…" if start + len(piece) < len(text) else "")
    )


# Characters NFKC leaves alone, or turns into punctuation only: ASCII (case-folding is enough),
# general and CJK punctuation (not 〸〹〺, which become 十卄卅), the unified ideographs, and
# full-width punctuation (not the full-width digits and letters, which become 0-9 and a-z).
_NFKC_ADDS_NO_TERM = re.compile(
    "[\x00-\x7f\u2010-\u2027\u3000-\u3037\u303b-\u303f\u4e00-\u9fff"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]*"
)


def _find(text, terms):
    """Where the terms start in ``text``: in its case-folded self first, whose positions are the
    text's own; NFKC (full-width ２０２６ found by 2026) only when that finds none and the text has
    a character NFKC could turn into part of a term. NFKC costs twenty times the rest, and the
    articles found by their headline alone seldom have the words in their text."""
    positions = _positions(text.casefold(), terms)
    if positions or _NFKC_ADDS_NO_TERM.fullmatch(text):
        return positions
    return _positions(normalize(text), terms)


def _positions(lowered, terms):
    return [position for term in terms if (position := lowered.find(term)) >= 0]


def highlight(text, terms):
    """Escape ``text`` and wrap each occurrence of a term (case-insensitive) in <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in sorted(set(terms), key=len, reverse=True)), re.I)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def index_article(article):
    """Write the article's search document (called on every save)."""
    from news.search.models import SearchDocument

    SearchDocument.objects.update_or_create(
        article_id=article.pk,
        defaults={
            "title": document_text(article.title),
            "body": document_text(f"{article.summary} {html_to_text(article.body)}"),
            "status": article.status,
            "published_at": article.published_at,
        },
    )


def index_article_on_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return  # loading fixtures
    if update_fields is not None and not {"title", "summary", "body", "status", "published_at"} & set(update_fields):
        return  # counters and flags do not change what is searched, or who may find it
    index_article(instance)
