"""Settings from the environment: production refuses unsafe defaults and passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3y-" + "x7Qp9vLm2Rt8Zw4Nc6Bf1Hy5Ju0Kd3Sg7Ae9Xo2Mi4Pl6Tr8Vb" * 2


def run_python(code, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def load_settings(**env):
    return run_python("import django; from django.conf import settings; django.setup(); print('ok')", **env)


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="yzgz.settings", DJANGO_ALLOWED_HOSTS="x.cn")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_default_secret_key():
    result = load_settings(
        DJANGO_DEBUG="0",
        DJANGO_SETTINGS_MODULE="yzgz.settings",
        DJANGO_ALLOWED_HOSTS="x.cn",
        DJANGO_SECRET_KEY="django-insecure-development-only-key-never-use-in-production",
    )
    assert result.returncode != 0
    assert "default or too short" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = load_settings(DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="yzgz.settings", DJANGO_SECRET_KEY=STRONG_KEY)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))},
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": STRONG_KEY,
            "DJANGO_ALLOWED_HOSTS": "yzgz.example.cn",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_database_url_selects_postgresql_with_a_connection_pool():
    code = (
        "import django; from django.conf import settings; "
        "db = settings.DATABASES['default']; print(db['ENGINE'], db['NAME'], bool(db['OPTIONS'].get('pool')))"
    )
    result = run_python(
        code, DJANGO_SETTINGS_MODULE="yzgz.settings", DATABASE_URL="postgres://u:p@127.0.0.1:5432/yzgz_example"
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "yzgz_example", "True"], result.stderr


def test_default_database_is_sqlite_and_cache_is_local_memory():
    code = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND'])"
    )
    result = run_python(code, DJANGO_SETTINGS_MODULE="yzgz.settings")
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
    ], result.stderr


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/3"])
def test_redis_url_selects_the_redis_cache(url):
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = run_python(code, DJANGO_SETTINGS_MODULE="yzgz.settings", REDIS_URL=url)
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache", result.stderr
