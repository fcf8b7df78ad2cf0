"""schemathesis against /api/v1/openapi.json as the running app serves it: every operation, with
data generated from the schema (valid and invalid), anonymous and with a resident's token.

Every response must be no 5xx, carry a documented status code and content type, and match the
documented schema. CI runs ``API_FUZZ_EXAMPLES`` (default 20) examples per operation and mode;
``make fuzz`` runs 300.
"""

import os

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from news.api.models import ApiToken
from news.articles.factories import make_article, make_category, make_user
from news.articles.models import SiteSettings
from news.comments.models import Comment
from news.viewcounts.models import ReactionVote
from yzgz.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "20"))


@pytest.fixture
def api_schema(db, settings):
    settings.API_RATE_PER_IP = settings.API_RATE_PER_TOKEN = 10**6
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    site = SiteSettings.current()
    site.comment_min_interval = 0
    site.save()
    category = make_category("模糊测试栏目", slug="fuzz")
    articles = [make_article(title=f"模糊测试文章{i}", category=category, tags=["钧瓷"]) for i in range(3)]
    resident = make_user("模糊测试居民", phone="+8613800138011", phone_verified_at=timezone.now())
    parent = Comment.objects.create(article=articles[0], user=resident, body="第一条评论", status="approved")
    Comment.objects.create(article=articles[0], user=resident, body="一条回复", status="approved", parent=parent)
    # As Django's test client does: a request's end must not close the test's database connection
    # (on PostgreSQL it holds the test's transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
        schema.token = ApiToken.issue(resident, "fuzz")[0]
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def operations():
    """(method, path, mode) of every operation in the schema the API builds (no database needed):
    schema-valid data for each, and invalid data for those that take any input."""
    from news.api.api import api

    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, GenerationMode.POSITIVE
            if operation.get("parameters") or operation.get("requestBody"):
                yield method.upper(), path, GenerationMode.NEGATIVE


# schemathesis' own pytest plugin does not run under pytest 9 yet ("'Function' object has no
# attribute '_nodeid'"), so each operation's strategy is drawn here with hypothesis directly.
@pytest.mark.parametrize(("method", "path", "mode"), list(operations()))
def test_every_operation_matches_its_schema(api_schema, method, path, mode):
    operation = api_schema[path][method]
    token = {"Authorization": f"Bearer {api_schema.token}"}

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        headers = token if method != "GET" or path.startswith("/api/v1/me") else None
        # Left out: "schema-valid data is accepted". A cursor is any string by its schema but only
        # one a list gave out is read, and a wrong password is a 400 as on the login page; those
        # refusals are still checked against the documented statuses and the Error schema.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()


def test_linked_operations_in_sequence(api_schema):
    """Stateful: schemathesis follows the schema's links (an article id from the list or a search
    into the article, its comments, a comment and a reaction) in sequences, with the token."""
    token = {"Authorization": f"Bearer {api_schema.token}"}
    machine = api_schema.as_state_machine()
    assert machine.bundles, "the schema declares no links to follow"

    class WithToken(machine):
        def get_call_kwargs(self, case):
            return {"headers": token}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response, excluded_checks=[positive_data_acceptance], headers=token, transport_kwargs=kwargs
            )

    WithToken.run(
        settings=hypothesis.settings(
            max_examples=EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            derandomize=True,
            database=None,
        )
    )
    # The links were followed: something was written to a real article the list gave.
    assert Comment.objects.count() > 2 or ReactionVote.objects.exists()
