"""#22 in a real browser: the schema page (Swagger UI from our own static files) renders the
live schema, lists every operation, and runs one against the API, at 1280 and 375 px.

Swagger UI parses the schema with a stricter parser than Python's json: it refused a schema
with a repeated key (``"200"`` twice in a response map) that every Python client accepted.
"""

import pytest
from playwright.sync_api import expect

from news.articles.factories import make_article
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("viewport", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_the_schema_page_lists_and_runs_the_operations(open_page, category, reporter, viewport, name):
    make_article(title="接口文档页的文章", category=category, author=reporter)
    page = open_page("/api/v1/docs", viewport=viewport)
    expect(page.get_by_role("heading", name="禹州关注 API")).to_be_visible()
    expect(page.locator(".swagger-ui .errors-wrapper")).to_have_count(0)
    expect(page.locator(".opblock")).to_have_count(14)
    operation = page.locator(".opblock").filter(has_text="文章列表 / List articles")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tr.response .response-col_status").first).to_have_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text("接口文档页的文章")
    screenshot(page, f"api-docs-{name}")
