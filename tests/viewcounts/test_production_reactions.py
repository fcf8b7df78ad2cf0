"""表态 through the production stack (nginx in front when installed, two app servers, PostgreSQL,
Redis): a client that never sends a cookie back is still one visitor, and writes no session.

The outside probe posted 40 reactions without a session cookie and every one counted, each
leaving a new row in django_session.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

from django.contrib.sessions.models import Session
from django.db import connection  # noqa: F401 - read by the skipif condition string

from news.articles.factories import make_article
from news.articles.models import Article
from news.viewcounts.models import Reaction, ReactionVote
from tests.site.test_production_stack import pytestmark, stack, static_root  # noqa: F401 - its skips and fixtures


def post_without_cookies(url, data, cookie):
    """One POST with only the CSRF cookie, as a client that keeps no cookie jar."""
    request = urllib.request.Request(  # noqa: S310 - the test's own http:// URL
        url,
        data=urllib.parse.urlencode(data).encode(),
        headers={"Accept": "application/json", "User-Agent": "Mozilla/5.0 stuffer", "Cookie": cookie},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_all("Set-Cookie") or []


def test_forty_cookieless_reactions_count_once_and_write_no_session(stack, category, reporter):
    article = make_article(title="表态不能刷", category=category, author=reporter)
    base = stack["front"] or stack["a"]
    with urllib.request.urlopen(base + "/csrf/", timeout=15) as response:  # noqa: S310
        token = json.load(response)["token"]
        csrf = SimpleCookie(response.headers["Set-Cookie"])["csrftoken"].value
    reactions = list(Reaction.objects.filter(is_active=True).values_list("pk", flat=True))
    sessions = Session.objects.count()

    answers = [
        post_without_cookies(
            f"{base}/article/{article.pk}/react/",
            {"reaction": reactions[n % len(reactions)], "csrfmiddlewaretoken": token},
            f"csrftoken={csrf}",
        )
        for n in range(40)
    ]

    assert {status for status, _cookies in answers} == {200, 429}  # moved at most ten times a minute
    assert not [c for _status, cookies in answers for c in cookies if c.startswith("sessionid=")]
    assert Article.objects.get(pk=article.pk).reaction_count == 1
    assert ReactionVote.objects.filter(article=article).count() == 1
    assert Session.objects.count() == sessions
