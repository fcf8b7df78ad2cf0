"""Images pasted from another page (a WeChat article, a website) are copied to our storage.

A reporter who pastes a WeChat article gets ``<img src="https://mmbiz.qpic.cn/…">``:
hot-linked pictures that the other site may block, change or track readers with. On
save, :func:`localise` downloads each one (10 s, 10 MB, at most 30 per save), cleans it
like an upload and points the body at our copy. Addresses that resolve to private,
loopback or link-local networks are refused, at every redirect, so the newsroom form
cannot be used to probe the servers' own network; the connection goes to the address
that was checked, so DNS rebinding cannot get round it.
"""

import http.client
import ipaddress
import re
import socket
import ssl
from html import escape, unescape
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from news.articles.editor import store_body_image
from yzgz import images

TIMEOUT = 10
MAX_IMAGES = 30
MAX_REDIRECTS = 3
USER_AGENT = "YuzhouFocus-newsroom/1.0"
_REMOTE_IMG = re.compile(r'(<img\s[^>]*?src=")(https?://[^"]+)(")', re.IGNORECASE)


class RemoteImageError(Exception):
    pass


def _resolve(url):
    """``(parts, address)``: the URL's parts and the one address we will connect to.

    Every address the name resolves to must be public (unless the setting allows private
    ones, for tests); the connection then goes to that address, so a second lookup that
    answers differently (DNS rebinding) cannot send us to the local network.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise RemoteImageError(_("not a web address"))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise RemoteImageError(_("the address does not resolve")) from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise RemoteImageError(_("the address does not resolve"))
    if not getattr(settings, "NEWS_FETCH_PRIVATE_IMAGES", False):
        for address in addresses:
            if not ipaddress.ip_address(address).is_global:
                raise RemoteImageError(_("the address is on a private network"))
    return parts, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url):
    """The bytes at ``url`` (an image, at most the upload limit), or :class:`RemoteImageError`."""
    for _hop in range(MAX_REDIRECTS + 1):
        parts, port, address = _resolve(url)
        connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(parts.hostname, port, address, TIMEOUT)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
            response = connection.getresponse()
            if response.status in {301, 302, 303, 307, 308} and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status != 200:
                raise RemoteImageError(_("it could not be downloaded"))
            data = response.read(images.MAX_BYTES + 1)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise RemoteImageError(_("it could not be downloaded")) from exc
        finally:
            connection.close()
        if len(data) > images.MAX_BYTES:
            raise RemoteImageError(_("it is larger than 10 MB"))
        return data
    raise RemoteImageError(_("it could not be downloaded"))


def discard(stored):
    """Delete images stored by a save that failed, with their renditions."""
    for name, width in stored:
        images.delete_with_renditions(name, width)


def localise(body):
    """``(body, stored)`` with remote images replaced by our copies.

    Raises :class:`ValidationError` naming the images that failed; nothing is kept then.
    """
    urls = list(dict.fromkeys(unescape(m.group(2)) for m in _REMOTE_IMG.finditer(body or "")))
    # Our own uploads have absolute URLs too when they live in object storage (DJANGO_MEDIA_URL).
    urls = [url for url in urls if not url.startswith(settings.MEDIA_URL)]
    if not urls:
        return body, []
    if len(urls) > MAX_IMAGES:
        raise ValidationError(
            _("The body has %(count)d images from other sites; at most %(limit)d are copied in one save.")
            % {"count": len(urls), "limit": MAX_IMAGES}
        )
    stored, local, errors = [], {}, []
    for url in urls:
        try:
            data = fetch(url)
            name, cleaned = store_body_image(ContentFile(data, name=PurePosixPath(urlsplit(url).path).name or "image"))
        except (RemoteImageError, ValidationError) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            errors.append(_("Image %(url)s: %(reason)s") % {"url": url[:120], "reason": reason})
            continue
        stored.append((name, cleaned.width))
        local[url] = default_storage.url(name)
    if errors:
        discard(stored)
        raise ValidationError(
            [_("Images pasted from other sites are copied here on save, and some could not be:"), *errors]
        )

    def replace(match):
        url = unescape(match.group(2))
        return match.group(1) + escape(local[url]) + match.group(3) if url in local else match.group(0)

    return _REMOTE_IMG.sub(replace, body), stored
