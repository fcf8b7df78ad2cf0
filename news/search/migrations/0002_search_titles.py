"""PostgreSQL only: a narrow table of title vectors, the search's index of headlines.

``news_searchtitle`` holds, per search document, only what ranking title matches needs: the
title vector and the article's visibility (status, time). A row is ~300 bytes against ~3.5 KB
for a search document, and an index on the publication time lets a common word's newest
headlines be read without touching its thousands of other matches. Triggers on
``news_searchdocument`` keep it an exact copy whatever writes the documents (a save, the
visibility trigger on ``news_article``, a delete, a bulk load, a test flush). SQLite has no
such table: its fallback search reads the article table.
"""

from django.db import migrations

FORWARD = """
CREATE TABLE news_searchtitle (
    article_id bigint PRIMARY KEY,
    title_vector tsvector NOT NULL,
    status varchar(16) NOT NULL,
    published_at timestamptz NULL
);
INSERT INTO news_searchtitle (article_id, title_vector, status, published_at)
    SELECT article_id, title_vector, status, published_at FROM news_searchdocument;
CREATE INDEX news_searchtitle_vector_gin ON news_searchtitle USING GIN (title_vector) WITH (fastupdate = off);
-- The ranking's order (newest first) over what readers may see: a common word's first page is
-- the first few dozen entries of this index.
CREATE INDEX news_searchtitle_newest ON news_searchtitle (published_at DESC, article_id DESC)
    WHERE status = 'published';

CREATE FUNCTION news_searchtitle_copy() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM news_searchtitle WHERE article_id = OLD.article_id;
        RETURN OLD;
    END IF;
    INSERT INTO news_searchtitle (article_id, title_vector, status, published_at)
    VALUES (NEW.article_id, NEW.title_vector, NEW.status, NEW.published_at)
    ON CONFLICT (article_id) DO UPDATE SET
        title_vector = EXCLUDED.title_vector, status = EXCLUDED.status, published_at = EXCLUDED.published_at;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE FUNCTION news_searchtitle_empty() RETURNS trigger AS $$
BEGIN
    TRUNCATE news_searchtitle;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER news_searchtitle_insert AFTER INSERT ON news_searchdocument
FOR EACH ROW EXECUTE FUNCTION news_searchtitle_copy();
-- Every save rewrites the whole document; only a new title or visibility reaches the copy.
CREATE TRIGGER news_searchtitle_update AFTER UPDATE ON news_searchdocument
FOR EACH ROW WHEN (
    OLD.title IS DISTINCT FROM NEW.title OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.published_at IS DISTINCT FROM NEW.published_at OR OLD.article_id IS DISTINCT FROM NEW.article_id
) EXECUTE FUNCTION news_searchtitle_copy();
CREATE TRIGGER news_searchtitle_delete AFTER DELETE ON news_searchdocument
FOR EACH ROW EXECUTE FUNCTION news_searchtitle_copy();
CREATE TRIGGER news_searchtitle_truncate AFTER TRUNCATE ON news_searchdocument
FOR EACH STATEMENT EXECUTE FUNCTION news_searchtitle_empty();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS news_searchtitle_insert ON news_searchdocument;
DROP TRIGGER IF EXISTS news_searchtitle_update ON news_searchdocument;
DROP TRIGGER IF EXISTS news_searchtitle_delete ON news_searchdocument;
DROP TRIGGER IF EXISTS news_searchtitle_truncate ON news_searchdocument;
DROP FUNCTION IF EXISTS news_searchtitle_copy();
DROP FUNCTION IF EXISTS news_searchtitle_empty();
DROP TABLE IF EXISTS news_searchtitle;
"""


def add_titles(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def drop_titles(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_move_from_news")]

    operations = [migrations.RunPython(add_titles, drop_titles)]
