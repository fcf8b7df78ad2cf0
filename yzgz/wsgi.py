"""WSGI entry point for the app servers (Granian, started by :mod:`yzgz.appserver`)."""

import os

from django.core.wsgi import get_wsgi_application

from yzgz import net

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yzgz.settings")
django_application = get_wsgi_application()


def allowed_networks(value, name="FORWARDED_ALLOW_IPS"):
    """The proxies whose X-Forwarded-Proto (https) is believed, parsed as Django's own
    DJANGO_TRUSTED_PROXIES is (:func:`yzgz.net.parse_trusted_proxies`; a typo stops the start);
    ``*`` (None here) believes everyone, as gunicorn's ``forwarded_allow_ips`` did."""
    return None if value.strip() == "*" else net.trusted_networks(net.parse_trusted_proxies(value, name))


# FORWARDED_ALLOW_IPS, else the list Django believes X-Forwarded-For from, else nginx on this host.
_ALLOWED = allowed_networks(
    os.environ.get("FORWARDED_ALLOW_IPS") or os.environ.get("DJANGO_TRUSTED_PROXIES") or "127.0.0.1"
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
        if _ALLOWED is None or not address:
            believed = True  # or a Unix socket (no address): only the local proxy can reach it
        else:
            peer = net.parse_address(address)
            believed = peer is not None and net.is_trusted(peer, _ALLOWED)
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
