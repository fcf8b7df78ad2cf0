"""The site's own Chinese error pages under `make run` (DEBUG on) too, and 4xx logged as one line.

A newcomer trying the site with `make run` saw Django's English technical 404 page, and every
403/404 printed to the console twice.
"""

import logging

import pytest
from django.conf import settings as django_settings

from yzgz.errors import OneLineClientErrors

pytestmark = pytest.mark.django_db

TECHNICAL = "you have <code>DEBUG = True</code>"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_PAGES = False
    return settings


def test_an_address_no_page_has_shows_the_chinese_404_page(debug, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and TECHNICAL not in page
    assert 'href="/"' in page  # the site's layout, with its way home


def test_an_article_that_is_not_there_shows_the_chinese_404_page(debug, client):
    response = client.get("/article/987654/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert TECHNICAL not in response.content.decode()


def test_a_refused_request_shows_the_chinese_403_page(debug, client):
    data = {"username": "bot", "password1": "x", "password2": "x", "website": "http://spam.example"}
    response = client.post("/accounts/register/", data)
    assert response.status_code == 403
    assert "403 Forbidden" not in response.content.decode()
    assert "没有权限" in response.content.decode()


def test_a_bug_shows_the_chinese_500_page(debug, client, monkeypatch):
    def broken(path):
        raise RuntimeError("a bug")

    monkeypatch.setattr("yzgz.urls.static", broken)  # /favicon.ico now fails
    client.raise_request_exception = False
    response = client.get("/favicon.ico")
    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_developers_can_ask_for_the_technical_pages(settings, client):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_PAGES = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert TECHNICAL in response.content.decode()


def test_a_404_is_one_line_in_the_log():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x/",), None)
    record.status_code = 404
    try:
        raise ValueError("the view's reason")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert OneLineClientErrors().filter(record)
    assert logging.Formatter().format(record) == "Not Found: /x/"


def test_djangos_messages_are_printed_once():
    """Through our console handler only: Django's own console handler would print each again."""
    django_logger = logging.getLogger("django")
    assert django_settings.LOGGING["loggers"]["django"]["propagate"] is False
    ours = [h for h in django_logger.handlers if type(h) is logging.StreamHandler]  # pytest adds its own
    assert len(ours) == 1
    assert not django_logger.propagate
    assert any(isinstance(f, OneLineClientErrors) for f in ours[0].filters)
