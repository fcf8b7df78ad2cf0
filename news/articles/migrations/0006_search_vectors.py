"""PostgreSQL only: generated tsvector columns over the search documents, with GIN indexes,
then a search document for every existing article. SQLite keeps the plain text columns."""

import html
import re
import unicodedata

from django.db import migrations

FORWARD = [
    "ALTER TABLE news_searchdocument ADD COLUMN title_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED",
    "ALTER TABLE news_searchdocument ADD COLUMN vector tsvector "
    "GENERATED ALWAYS AS (setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'D')) "
    "STORED",
    # Keep the vectors in the row (compressed) instead of TOAST: a common word matches thousands
    # of rows, and fetching each vector from the TOAST table made counting 10x slower.
    "ALTER TABLE news_searchdocument ALTER COLUMN title_vector SET STORAGE MAIN",
    "ALTER TABLE news_searchdocument ALTER COLUMN vector SET STORAGE MAIN",
    # fastupdate off: articles are written rarely, and a pending list slows every search after a burst.
    "CREATE INDEX news_searchdocument_vector_gin ON news_searchdocument USING GIN (vector) WITH (fastupdate = off)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS news_searchdocument_vector_gin",
    "ALTER TABLE news_searchdocument DROP COLUMN IF EXISTS vector",
    "ALTER TABLE news_searchdocument DROP COLUMN IF EXISTS title_vector",
]


def add_vectors(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def drop_vectors(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


# The tokeniser and the HTML-to-text step as they were when this migration was written
# (frozen: migrations never import live code; news.search.documents is the live one).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_TAG = re.compile(r"<[^>]*>")


def html_to_text(value):
    return " ".join(html.unescape(_TAG.sub(" ", value or "")).split())


def document_text(text):
    out = []
    for run in _TOKEN.findall(unicodedata.normalize("NFKC", text or "").casefold()):
        out.extend([run] if run[0].isascii() or len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    return " ".join(out)


def index_existing(apps, schema_editor):
    article_model = apps.get_model("news", "Article")
    document_model = apps.get_model("news", "SearchDocument")
    batch = []
    for article in article_model.objects.only("id", "title", "summary", "body").iterator(chunk_size=500):
        batch.append(
            document_model(
                article_id=article.pk,
                title=document_text(article.title),
                body=document_text(f"{article.summary} {html_to_text(article.body)}"),
            )
        )
        if len(batch) >= 500:
            document_model.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    document_model.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("news", "0005_search_documents")]

    operations = [
        migrations.RunPython(add_vectors, drop_vectors),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]
