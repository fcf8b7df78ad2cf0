"""The site's own address (``SITE_URL``): every absolute URL is built from it, never from the
Host header a client sent.

* :func:`absolute_url` makes canonical links, ``og:url``, JSON-LD, QR codes, share links,
  feeds, sitemaps and robots.txt absolute. Without ``SITE_URL`` (development) it falls back to
  the request, and to the bare path when the request's Host is refused, so an error page
  never fails on a bad Host.
* :func:`on_site_address` hands Django's syndication and sitemap views a request whose host
  and scheme are the site's, since they read both from the request.
* :class:`SiteHostMiddleware` refuses (400) a request whose Host is neither the site's address
  nor this app server's own port (what nginx's health checks or an operator on the app host
  use), so ``Host: 127.0.0.1:6666`` gets no page at all.
"""

from functools import wraps
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost, MiddlewareNotUsed
from django.http.request import split_domain_port

DEFAULT_PORTS = {"http": "80", "https": "443"}


def parse_site_url(value):
    """``scheme://host[:port]`` without a trailing slash, or ``ValueError`` saying what is wrong."""
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"DJANGO_SITE_URL must look like https://www.example.cn, not {value!r}.")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"DJANGO_SITE_URL is the site's origin only (no path, query or user): {value!r}.")
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(f"DJANGO_SITE_URL has an invalid port: {value!r}.") from None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def site_url():
    return getattr(settings, "SITE_URL", "")


def absolute_url(location, request=None):
    """``location`` (a path, or already absolute) as an absolute URL of this site."""
    if site_url():
        return urljoin(site_url() + "/", location)
    if request is None:
        return location
    try:
        return request.build_absolute_uri(location)
    except DisallowedHost:
        return location  # the error page for that very Host must still render


def _host_and_port(netloc, scheme):
    host, port = split_domain_port(netloc)
    return host, port or DEFAULT_PORTS.get(scheme, "")


class SiteRequest:
    """A request that reports the site's host and scheme (for Django's feed and sitemap views)."""

    def __init__(self, request):
        object.__setattr__(self, "_request", request)

    def __getattr__(self, name):
        return getattr(self._request, name)

    def __setattr__(self, name, value):
        setattr(self._request, name, value)

    @property
    def scheme(self):
        return urlsplit(site_url()).scheme

    def get_host(self):
        return urlsplit(site_url()).netloc

    def is_secure(self):
        return self.scheme == "https"

    def build_absolute_uri(self, location=None):
        return absolute_url(self._request.get_full_path() if location is None else location)


def on_site_address(view):
    """Run ``view`` with a request whose host and scheme are ``SITE_URL``'s (when it is set)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(SiteRequest(request) if site_url() else request, *args, **kwargs)

    return wrapper


class SiteHostMiddleware:
    """With ``SITE_URL`` set, a Host must be the site's address or this app server's own port.

    ``ALLOWED_HOSTS`` (checked first, by ``get_host``) compares host names without the port;
    this adds the port, so a client cannot make the site answer as another address.
    """

    def __init__(self, get_response):
        if not site_url():
            raise MiddlewareNotUsed
        self.get_response = get_response
        parts = urlsplit(site_url())
        self.site = _host_and_port(parts.netloc, parts.scheme)

    def __call__(self, request):
        host, port = _host_and_port(request.get_host(), request.scheme)
        if (host, port) != self.site and port != request.META.get("SERVER_PORT"):
            raise DisallowedHost(f"Host {request.get_host()!r} is not the site's address {site_url()}.")
        return self.get_response(request)
