"""Images pasted from another page (a WeChat article, a website) are copied to our storage.

A reporter who pastes a WeChat article gets ``<img src="https://mmbiz.qpic.cn/…">``:
hot-linked pictures that the other site may block, change or track readers with. On
save, :func:`localise` downloads each one (10 s, 10 MB, at most 30 per save), cleans it
like an upload and points the body at our copy. Addresses that resolve to private,
loopback or link-local networks are refused, at every redirect, so the newsroom form
cannot be used to probe the servers' own network.
"""

import ipaddress
import re
import socket
import urllib.error
import urllib.request
from html import escape, unescape
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from news import images
from news.editor import store_body_image

TIMEOUT = 10
MAX_IMAGES = 30
_REMOTE_IMG = re.compile(r'(<img\s[^>]*?src=")(https?://[^"]+)(")', re.IGNORECASE)


class RemoteImageError(Exception):
    pass


def _check_host(url):
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise RemoteImageError(_("not a web address"))
    if getattr(settings, "NEWS_FETCH_PRIVATE_IMAGES", False):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        raise RemoteImageError(_("the address does not resolve")) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise RemoteImageError(_("the address is on a private network"))


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check_host(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_CheckedRedirects)


def fetch(url):
    """The bytes at ``url`` (an image, at most the upload limit), or :class:`RemoteImageError`."""
    _check_host(url)
    request = urllib.request.Request(  # noqa: S310 - _check_host allowed only http(s)
        url, headers={"User-Agent": "YuzhouFocus-newsroom/1.0", "Accept": "image/*"}
    )
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            data = response.read(images.MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise RemoteImageError(_("it could not be downloaded")) from exc
    if len(data) > images.MAX_BYTES:
        raise RemoteImageError(_("it is larger than 10 MB"))
    return data


def discard(stored):
    """Delete images stored by a save that failed, with their renditions."""
    for name, width in stored:
        for target in images.rendition_widths(width):
            for extension, _format, _mime in images.RENDITION_FORMATS:
                default_storage.delete(images.rendition_name(name, target, extension))
        default_storage.delete(name)


def localise(body):
    """``(body, stored)`` with remote images replaced by our copies.

    Raises :class:`ValidationError` naming the images that failed; nothing is kept then.
    """
    urls = list(dict.fromkeys(unescape(m.group(2)) for m in _REMOTE_IMG.finditer(body or "")))
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
        return match.group(1) + escape(local[unescape(match.group(2))]) + match.group(3)

    return _REMOTE_IMG.sub(replace, body), stored
