"""Security headers Django 5.2 does not set itself: Content-Security-Policy and Permissions-Policy.

The policy allows scripts only from our own origin. There is no ``'unsafe-inline'`` and
there are no per-request nonces: the public templates have no inline script at all, and
the one inline script the admin needs (the rich-text editor's ``<script type="importmap">``)
is allowed by the SHA-256 of its exact text, computed from the same object that renders
it. A hash, unlike a nonce, stays valid in a page served from the Redis or nginx cache.

Styles may be inline (the admin and the editor set ``style`` attributes); images in the
admin may come from any http(s) origin so that a picture pasted into the editor shows
before the save copies it into our storage. Public pages load images from us only.
"""

import base64
import hashlib
import re
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings

PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "geolocation=()",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
        "fullscreen=(self)",
        # No "web-share": Chromium does not know that feature name and warns on every page;
        # navigator.share (the share button on phones) is allowed to our own pages by default.
        "clipboard-write=(self)",  # 复制链接
    ]
)

_INLINE_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.DOTALL)


def script_hash(text):
    digest = hashlib.sha256(text.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


@cache
def inline_script_hashes():
    """The hashes of the inline scripts we render on purpose: the editor's import map."""
    from django_prose_editor.widgets import prose_editor_base_media

    importmap = prose_editor_base_media["importmap"].render()
    return tuple(script_hash(body) for body in _INLINE_SCRIPT.findall(str(importmap)) if body)


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


@cache
def _asset_origins():
    """Where static files come from when they are served by another host (a CDN)."""
    return tuple(o for o in (_origin(settings.STATIC_URL),) if o)


@cache
def _image_origins():
    """Static files' host and the uploads' (object storage, a CDN): uploads are only ever pictures."""
    return tuple(sorted({o for o in (*_asset_origins(), _origin(settings.MEDIA_URL)) if o}))


def content_security_policy(path):
    admin = path.startswith("/admin/")
    assets = " ".join(_asset_origins())
    script_src = " ".join(["'self'", *_asset_origins(), *(inline_script_hashes() if admin else ())])
    img_src = f"'self' data: blob: {' '.join(_image_origins())}" + (" https: http:" if admin else "")
    directives = [
        "default-src 'self'",
        f"script-src {script_src}",
        f"style-src 'self' 'unsafe-inline' {assets}",
        f"img-src {img_src}",
        f"font-src 'self' data: {assets}",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if settings.SESSION_COOKIE_SECURE:
        directives.append("upgrade-insecure-requests")
    return "; ".join(" ".join(d.split()) for d in directives)


class SecurityHeadersMiddleware:
    """Add CSP and Permissions-Policy to every response Django makes (nginx adds them to files)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(request.path))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
