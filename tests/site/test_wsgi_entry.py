"""yzgz/wsgi.py, the app servers' entry point: what reaches Django from Granian's environ.

Granian starts every request's environ from a copy of the process environment (the secret key,
DATABASE_URL with its password, the SMS and storage credentials); the entry point takes them
out, and believes X-Forwarded-Proto only from the proxies in FORWARDED_ALLOW_IPS (the job
gunicorn's ``forwarded_allow_ips`` did). tests/site/test_multihost.py sends a forged
X-Forwarded-Proto to real app servers on a network of their own.
"""

import os
import subprocess
import sys

import pytest

from yzgz import appserver, net, wsgi


@pytest.fixture
def seen(monkeypatch):
    environs = []

    def django_application(environ, start_response):
        environs.append(dict(environ))
        start_response("200 OK", [])
        return [b""]

    monkeypatch.setattr(wsgi, "django_application", django_application)
    return environs


def granian_environ(**request):
    """An environ as Granian builds it: the process environment (as the app server started with
    it), then the request's keys."""
    scope = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "REMOTE_ADDR": "127.0.0.1", "SERVER_SOFTWARE": "Granian"}
    return {**wsgi._PROCESS_ENV, **scope, **request}


def test_the_process_environment_never_reaches_django(seen, monkeypatch):
    monkeypatch.setitem(wsgi._PROCESS_ENV, "DATABASE_URL", "postgres://yzgz:password@db/yzgz")
    environ = granian_environ(DATABASE_URL="postgres://yzgz:password@db/yzgz", HTTP_USER_AGENT="Mozilla/5.0")
    wsgi.application(environ, lambda status, headers: None)
    (passed,) = seen
    assert "DATABASE_URL" not in passed and "yzgz:password@db" not in repr(passed)
    assert "DJANGO_SETTINGS_MODULE" in os.environ and "DJANGO_SETTINGS_MODULE" not in passed
    assert not set(wsgi._PROCESS_ENV) & set(passed) - {"PATH_INFO", "REQUEST_METHOD", "REMOTE_ADDR", "SERVER_SOFTWARE"}
    assert passed["HTTP_USER_AGENT"] == "Mozilla/5.0" and passed["PATH_INFO"] == "/"


def test_a_request_header_named_like_a_variable_is_kept(seen, monkeypatch):
    monkeypatch.setitem(wsgi._PROCESS_ENV, "HTTP_X_NAME", "from the process")
    wsgi.application(granian_environ(HTTP_X_NAME="from the request"), lambda status, headers: None)
    assert seen[0]["HTTP_X_NAME"] == "from the request"


@pytest.mark.parametrize(
    ("address", "believed"),
    [
        ("127.0.0.1", True),
        ("10.0.0.10", True),
        ("::ffff:10.0.0.10", True),  # nginx's IPv4 address as a dual-stack socket reports it
        ("10.0.0.12", False),
        ("203.0.113.9", False),
        ("garbage", False),
    ],
)
def test_x_forwarded_proto_is_believed_from_the_proxies_only(seen, monkeypatch, address, believed):
    monkeypatch.setattr(wsgi, "_ALLOWED", wsgi.allowed_networks("127.0.0.1, 10.0.0.10/32"))
    monkeypatch.setattr(wsgi, "_believed", {})
    environ = granian_environ(REMOTE_ADDR=address, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_SSL="on")
    wsgi.application(environ, lambda status, headers: None)
    assert ("HTTP_X_FORWARDED_PROTO" in seen[0]) is believed
    assert ("HTTP_X_FORWARDED_SSL" in seen[0]) is believed


def test_the_proxy_list_is_read_as_djangos_and_a_typo_stops_the_start():
    assert wsgi.allowed_networks("*") is None
    assert wsgi.allowed_networks("127.0.0.1") == net.trusted_networks(net.parse_trusted_proxies("127.0.0.1"))
    with pytest.raises(ValueError, match=r"FORWARDED_ALLOW_IPS: '10\.0\.0\.300'"):
        wsgi.allowed_networks("127.0.0.1, 10.0.0.300")


def test_the_app_server_command_is_granians_with_the_projects_settings(monkeypatch):
    monkeypatch.setenv("APP_THREADS", "3")
    command = appserver.command("10.0.0.11:8101", "--pid-file", "/run/yzgz.pid")
    assert command[:3] == [sys.executable, "-m", "granian"]
    assert command[command.index("--host") + 1] == "10.0.0.11" and command[command.index("--port") + 1] == "8101"
    assert command[command.index("--blocking-threads") + 1] == "3"
    assert command[-3:] == ["--pid-file", "/run/yzgz.pid", "yzgz.wsgi:application"]
    refused = subprocess.run(
        [sys.executable, "-m", "yzgz.appserver", "no-port"], capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0 and "ADDRESS:PORT" in refused.stderr
