"""The Content-Security-Policy from django-csp is the policy we wrote before it, directive for
directive, and our per-request sources do not displace a view's own ``@csp_update``."""

import pytest
from csp.decorators import csp_update
from django.http import HttpResponse
from django.test import RequestFactory

from yzgz.security import ContentSecurityPolicyMiddleware, inline_script_hashes

pytestmark = pytest.mark.django_db

PUBLIC = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "media-src": "'self'",
    "frame-src": "https://v.qq.com https://player.bilibili.com",  # the two video players (#20)
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(header):
    """``{directive: sources}``; django-csp does not keep the directives in one order."""
    return dict([*part.strip().split(" ", 1), ""][:2] for part in header.split(";"))


def test_a_public_page_has_every_directive_of_the_policy_and_no_other(client):
    assert policy(client.get("/")["Content-Security-Policy"]) == PUBLIC


def test_the_admin_adds_the_import_map_hash_and_any_picture_origin(client):
    (importmap,) = inline_script_hashes()
    expected = {**PUBLIC, "script-src": f"'self' {importmap}", "img-src": "'self' data: blob: https: http:"}
    assert policy(client.get("/admin/login/")["Content-Security-Policy"]) == expected


def test_a_views_own_csp_update_is_kept_next_to_ours():
    @csp_update({"script-src": "https://maps.example.cn", "connect-src": ["https://api.example.cn"]})
    def view(request):
        return HttpResponse("ok")

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/admin/map/"))
    directives = policy(response["Content-Security-Policy"])
    assert directives["script-src"] == f"'self' {inline_script_hashes()[0]} https://maps.example.cn"
    assert directives["connect-src"] == "'self' https://api.example.cn"
    assert directives["img-src"] == "'self' data: blob: https: http:"
