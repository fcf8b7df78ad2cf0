"""Security headers Django 5.2 does not set itself: Content-Security-Policy and Permissions-Policy.

The Content-Security-Policy is django-csp's (``settings.CONTENT_SECURITY_POLICY``). It allows
scripts only from our own origin. There is no ``'unsafe-inline'`` and there are no per-request
nonces: the public templates have no inline script at all, and the one inline script the admin
needs (the rich-text editor's ``<script type="importmap">``) is allowed by the SHA-256 of its
exact text, computed from the same object that renders it. A hash, unlike a nonce, stays valid
in a page served from the Redis or nginx cache.

Styles may be inline (the admin and the editor set ``style`` attributes); images in the
admin may come from any http(s) origin so that a picture pasted into the editor shows
before the save copies it into our storage. Public pages load images from us only.
:class:`ContentSecurityPolicyMiddleware` adds those admin sources, the import map's hash and
the static files' and uploads' hosts (a CDN, object storage) to the settings' policy per request.
"""

import base64
import hashlib
import re
from functools import cache
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
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
        # No "fullscreen": its default is ours, and the frames we hand it to with allowfullscreen, which
        # CSP's frame-src limits to the players of 腾讯视频 and 哔哩哔哩 (news.articles.video). Naming
        # them here needs quotes, which the published copies' nginx headers cannot carry (yzgz.published).
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
    """Static files' host and the uploads' (object storage, a CDN): pictures, and videos' posters."""
    return tuple(sorted({*_asset_origins(), *_media_origins()}))


def _media_origins():
    """The uploads' host when it is not ours (object storage, a CDN): article videos play from there."""
    return tuple(o for o in (_origin(settings.MEDIA_URL),) if o)


def policy_additions(path):
    """Sources appended to the settings' directives for a response to ``path``."""
    admin = path.startswith("/admin/")
    assets = list(_asset_origins())
    return {
        "script-src": [*assets, *(inline_script_hashes() if admin else ())],
        "style-src": assets,
        "img-src": [*_image_origins(), *(["https:", "http:"] if admin else [])],
        "font-src": assets,
        "media-src": list(_media_origins()),
    }


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with :func:`policy_additions` (what depends on the request and on
    settings read at run time) appended to the enforced policy, as ``@csp_update`` would."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only:
            update = policy_additions(request.path)
            for directive, sources in (parts.update or {}).items():  # a view's own @csp_update
                if sources is not None:
                    extra = list(sources) if isinstance(sources, (list, tuple, set)) else [sources]
                    update[directive] = [*update.get(directive, []), *extra]
            parts.update = update
        return parts


class PermissionsPolicyMiddleware:
    """Add Permissions-Policy to every response Django makes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
