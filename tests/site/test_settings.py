"""Settings from the environment: production refuses unsafe defaults and passes check --deploy."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
            "DJANGO_SITE_URL": "https://yzgz.example.cn",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_database_url_selects_postgresql_with_persistent_checked_connections():
    code = (
        "import django; from django.conf import settings; db = settings.DATABASES['default']; "
        "print(db['ENGINE'], db['NAME'], db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'], "
        "bool(db.get('OPTIONS', {}).get('pool')))"
    )
    url = "postgres://u:p@127.0.0.1:5432/yzgz_example"
    result = run_python(code, DJANGO_SETTINGS_MODULE="yzgz.settings", DATABASE_URL=url)
    assert result.stdout.split() == ["django.db.backends.postgresql", "yzgz_example", "300", "True", "False"], (
        result.stderr
    )
    # psycopg's pool on request; Django then hands the health check to the pool (check_connection).
    result = run_python(code, DJANGO_SETTINGS_MODULE="yzgz.settings", DATABASE_URL=url, DATABASE_POOL="1")
    assert result.stdout.split() == ["django.db.backends.postgresql", "yzgz_example", "0", "True", "True"], (
        result.stderr
    )


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
    assert result.stdout.strip() == "yzgz.cache.ResilientRedisCache", result.stderr


# One production process (DJANGO_DEBUG=0, HTTPS behind the proxy) on a throwaway SQLite
# database: it logs a resident in and prints the headers and cookies of the pages asked.
HEADERS_PROBE = """
import json, django
from django.core.management import call_command
django.setup()
from django.conf import settings
# The one thing changed: static URLs without collectstatic's manifest (not a security setting).
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from django.test import Client
get_user_model().objects.create_user("probe", password="Pr0be-password-2026")
client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="yzgz.example.cn")
out = {}
for path in ["/", "/accounts/login/", "/admin/login/", "/csrf/"]:
    response = client.get(path)
    out[path] = {"status": response.status_code, "headers": dict(response.headers)}
response = client.post("/accounts/login/", {"username": "probe", "password": "Pr0be-password-2026"})
out["login"] = {"status": response.status_code}
out["cookies"] = {
    name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]}
    for name, c in client.cookies.items()
}
from yzgz.security import inline_script_hashes
from django_prose_editor.widgets import prose_editor_base_media
out["importmap"] = str(prose_editor_base_media["importmap"].render())
out["hashes"] = list(inline_script_hashes())
print("JSON" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_probe(tmp_path_factory):
    db = tmp_path_factory.mktemp("prod") / "probe.sqlite3"
    result = run_python(
        HEADERS_PROBE,
        DJANGO_SETTINGS_MODULE="yzgz.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=STRONG_KEY,
        DJANGO_ALLOWED_HOSTS="yzgz.example.cn",
        DJANGO_SITE_URL="https://yzgz.example.cn",
        DATABASE_URL=f"sqlite:///{db}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    return json.loads(result.stdout.split("JSON", 1)[1])


def _csp(headers):
    return dict(
        [*d.split(" ", 1), ""][:2] for d in (part.strip() for part in headers["Content-Security-Policy"].split(";"))
    )


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/csrf/"])
def test_production_pages_carry_the_security_headers(production_probe, path):
    page = production_probe[path]
    assert page["status"] == 200
    headers = page["headers"]
    csp = _csp(headers)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["script-src"].startswith("'self'")
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert "upgrade-insecure-requests" in csp
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(item.strip().split("=", 1) for item in headers["Permissions-Policy"].split(","))
    assert policy["camera"] == policy["microphone"] == policy["geolocation"] == policy["payment"] == "()"


def test_only_the_admin_allows_the_editor_import_map_by_its_hash(production_probe):
    from yzgz.security import script_hash

    body = production_probe["importmap"].split(">", 1)[1].rsplit("</script>", 1)[0]
    assert production_probe["hashes"] == [script_hash(body)]
    assert script_hash(body) in _csp(production_probe["/admin/login/"]["headers"])["script-src"]
    assert "sha256" not in _csp(production_probe["/"]["headers"])["script-src"]
    # Pictures pasted into the editor may show before the save copies them; public pages load ours only.
    assert "https:" in _csp(production_probe["/admin/login/"]["headers"])["img-src"]
    assert "https:" not in _csp(production_probe["/"]["headers"])["img-src"]


def test_production_cookies_are_secure_httponly_and_samesite(production_probe):
    assert production_probe["login"]["status"] == 302
    cookies = production_probe["cookies"]
    for name in ("sessionid", "csrftoken"):
        assert cookies[name] == {"secure": True, "httponly": True, "samesite": "Lax"}, name


SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),  # an AWS access key id
    re.compile(r"(?i)DJANGO_SECRET_KEY\s*=\s*['\"]?(?!change-me|django-insecure)[A-Za-z0-9_\-!@#$%^&*()+=]{40,}"),
    re.compile(r"(?i)postgres(?:ql)?://[^:/\s]+:(?!p@|pass@|password@)[^@\s]{6,}@"),  # a password in a URL
]


def test_no_secret_is_committed():
    files = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    found = []
    for name in filter(None, files):
        path = ROOT / name.decode()
        if not path.is_file() or path.suffix in {".png", ".jpg", ".mo", ".gz"} or path.name.endswith(".lock"):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{name.decode()}: {p.pattern}" for p in SECRET_PATTERNS if p.search(text)]
    assert found == []
    assert ".prod/" in (ROOT / ".gitignore").read_text()  # where make prod keeps its generated key
