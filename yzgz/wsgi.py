"""WSGI entry point for the app servers (Granian, started by :mod:`yzgz.appserver`)."""

import ipaddress
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yzgz.settings")
django_application = get_wsgi_application()

# The proxies whose X-Forwarded-Proto (https) is believed: FORWARDED_ALLOW_IPS, else the same
# list Django believes X-Forwarded-For from (DJANGO_TRUSTED_PROXIES), else nginx on this host.
FORWARDED_ALLOW_IPS = [
    item
    for item in (os.environ.get("FORWARDED_ALLOW_IPS") or os.environ.get("DJANGO_TRUSTED_PROXIES") or "127.0.0.1")
    .replace(" ", "")
    .split(",")
    if item
]
_ALLOWED = (
    [] if "*" in FORWARDED_ALLOW_IPS else [ipaddress.ip_network(item, strict=False) for item in FORWARDED_ALLOW_IPS]
)
SCHEME_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PROTOCOL", "HTTP_X_FORWARDED_SSL")
_believed = {}

# Granian starts every request's environ from a copy of the process environment: the secret
# key, DATABASE_URL with its password, the SMS and storage credentials. They are not the
# request's, and an error report (or anything that prints request.META) must never carry them.
_PROCESS_ENV = dict(os.environ)


def _proxy(address):
    """Whether a request from ``address`` (REMOTE_ADDR) may say it came over HTTPS."""
    believed = _believed.get(address)
    if believed is None:
        if "*" in FORWARDED_ALLOW_IPS or not address:
            believed = True  # or a Unix socket (no address): only the local proxy can reach it
        else:
            try:
                peer = ipaddress.ip_address(address)
            except ValueError:
                believed = False
            else:
                believed = any(peer in network for network in _ALLOWED)
        if len(_believed) < 1024:
            _believed[address] = believed
    return believed


def application(environ, start_response):
    for key in _PROCESS_ENV.keys() & environ.keys():
        if environ[key] == _PROCESS_ENV[key]:
            del environ[key]
    if not _proxy(environ.get("REMOTE_ADDR", "")):
        for header in SCHEME_HEADERS:
            environ.pop(header, None)
    return django_application(environ, start_response)
