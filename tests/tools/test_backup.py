"""`manage.py backup` / `restore` (make backup / make restore): a restore into an empty database
reproduces articles, comments, counts, users and uploads; restoring over a live site is refused."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from news.articles.factories import make_article, make_cover, make_user
from news.comments.models import Comment
from news.comments.services import _recount

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


@pytest.fixture
def newsroom(category, reporter, media_root):
    article = make_article(title="备份里的文章", category=category, author=reporter, cover=make_cover("backup.jpg"))
    resident = make_user("beifen", nickname="备份居民")
    for text in ("第一条评论", "第二条评论"):
        Comment.objects.create(article=article, user=resident, body=text, status=Comment.Status.APPROVED)
    _recount([article.pk])
    return article


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_dump and pg_restore need PostgreSQL")
def test_postgresql_backup_restores_into_an_empty_database(newsroom, media_root, tmp_path):
    backup_dir = tmp_path / "backup"
    call_command("backup", to=str(backup_dir), verbosity=0)
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["database"] == "postgresql" and manifest["comments"] == 2

    db = connection.settings_dict
    empty = f"yzgz_restore_{os.getpid()}"
    admin_url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{empty}"')
        admin.execute(f'CREATE DATABASE "{empty}"')
    try:
        restored_media = tmp_path / "restored-media"
        result = manage(
            "restore",
            str(backup_dir),
            DATABASE_URL=admin_url.rsplit("/", 1)[0] + f"/{empty}",
            DATABASE_POOL="0",
            DJANGO_MEDIA_ROOT=str(restored_media),
        )
        assert result.returncode == 0, result.stderr
        assert "Restored 1 articles, 2 comments" in result.stdout
        with psycopg.connect(admin_url.rsplit("/", 1)[0] + f"/{empty}") as restored:
            title, count, cover = restored.execute(
                "SELECT title, comment_count, cover FROM news_article WHERE id = %s", [newsroom.pk]
            ).fetchone()
            bodies = [row[0] for row in restored.execute("SELECT body FROM news_comment ORDER BY id")]
            nickname = restored.execute("SELECT nickname FROM accounts_user WHERE username = 'beifen'").fetchone()
            groups = restored.execute("SELECT count(*) FROM auth_group").fetchone()[0]
        assert (title, count) == ("备份里的文章", 2)
        assert bodies == ["第一条评论", "第二条评论"] and nickname == ("备份居民",)
        assert groups == 3  # the roles came back with their permissions' tables
        assert (restored_media / cover).read_bytes() == (media_root / cover).read_bytes()
        assert any((restored_media / "renditions").rglob("*.webp"))
        # A second restore into the now full database is refused.
        again = manage("restore", str(backup_dir), DATABASE_URL=admin_url.rsplit("/", 1)[0] + f"/{empty}")
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')


def test_sqlite_backup_restores_into_a_new_file(tmp_path):
    original, copy = tmp_path / "site.sqlite3", tmp_path / "restored.sqlite3"
    media, restored_media = tmp_path / "media", tmp_path / "restored-media"
    env = {"DATABASE_URL": f"sqlite:///{original}", "DJANGO_MEDIA_ROOT": str(media)}
    assert manage("migrate", "-v0", **env).returncode == 0
    script = (
        "from news.articles.factories import make_article, make_category, make_user;"
        "a = make_article(title='SQLite 备份', category=make_category(), author=make_user('jizhe'));"
        "print(a.pk)"
    )
    assert manage("shell", "-c", script, **env).returncode == 0
    (media / "covers").mkdir(parents=True)
    (media / "covers" / "x.jpg").write_bytes(b"picture")
    backup = manage("backup", "--to", str(tmp_path / "b"), **env)
    assert backup.returncode == 0, backup.stderr
    restored = manage(
        "restore", str(tmp_path / "b"), DATABASE_URL=f"sqlite:///{copy}", DJANGO_MEDIA_ROOT=str(restored_media)
    )
    assert restored.returncode == 0, restored.stderr
    assert "Restored 1 articles" in restored.stdout
    assert (restored_media / "covers" / "x.jpg").read_bytes() == b"picture"


@pytest.mark.django_db
def test_restoring_over_a_live_site_is_refused(newsroom, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "manifest.json").write_text(json.dumps({"database": connection.vendor}))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "b"), verbosity=0)


def test_a_directory_without_a_manifest_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(tmp_path), verbosity=0)
