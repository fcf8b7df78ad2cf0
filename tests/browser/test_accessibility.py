"""axe-core finds no serious or critical accessibility problem on the main public pages.

axe-core comes from the npm registry, pinned in package.json / package-lock.json at the
repository root (`npm ci` installs it into node_modules/), and is injected into each page
after it has loaded. The pages and their content are the ones whose HTML
tests/site/test_html_validity.py checks.
"""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.site.test_html_validity import make_pages

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
PAGES = ["home", "category", "article", "topic", "gallery", "search", "login", "register"]
VIEWPORTS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]

# Only what the report needs leaves the page: axe's own result objects are large.
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({
      target: node.target.map(String).join(" "),
      summary: node.failureSummary || "",
    })),
  }));
}"""


@pytest.fixture(scope="session")
def axe_script():
    if not AXE.exists():
        message = f"{AXE.relative_to(AXE.parents[2])} is missing: run `npm ci` at the repository root"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


@pytest.fixture
def pages(seed_article, resident, settings, media_root):
    settings.SERVE_MEDIA = True  # the article's cover is part of what axe looks at
    return make_pages(seed_article, resident)


def serious_violations(page, axe_script):
    # Through the DevTools protocol, not a <script> element: the site's CSP refuses inline scripts.
    page.evaluate(axe_script.read_text(encoding="utf-8") + "\n;undefined")
    return [violation for violation in page.evaluate(RUN_AXE) if violation["impact"] in BLOCKING]


def describe(violation, shown=10):
    """The rule, its help text, and the selector and axe's reason for each element."""
    lines = [f"{violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"][:shown]:
        reason = " ".join(node["summary"].replace("Fix any of the following:", "").split())
        lines.append(f"    {node['target']}" + (f"\n        {reason[:300]}" if reason else ""))
    if len(violation["nodes"]) > shown:
        lines.append(f"    … and {len(violation['nodes']) - shown} more")
    return "\n".join(lines)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(open_page, pages, axe_script, name, viewport):
    page = open_page(pages[name], viewport=viewport)
    violations = serious_violations(page, axe_script)
    assert not violations, f"axe-core on {name} ({pages[name]}), {viewport['width']}px wide:\n" + "\n".join(
        map(describe, violations)
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_article_forms_new_parts_have_no_serious_violations(open_page, browser, reporter, axe_script, viewport):
    """#20: the 署名 section, the word count and the buttons that replaced the status menu, as axe sees
    them in the reporter's add form (the rest of the page is Django's admin, not ours)."""
    from tests.browser.test_comments_journey import admin_log_in

    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = admin_log_in(open_page, context, reporter, "/admin/news/article/add/")
    page.locator(".yz-editor-count").wait_for()
    page.evaluate(axe_script.read_text(encoding="utf-8") + "\n;undefined")
    ours = "[['.yz-workflow'], ['.yz-editor-count'], ['#id_reporters'], ['#id_responsible_editor']]"
    violations = page.evaluate(RUN_AXE.replace("axe.run(document,", f"axe.run({{include: {ours}}},"))
    serious = [violation for violation in violations if violation["impact"] in BLOCKING]
    assert not serious, "\n".join(map(describe, serious))
    context.close()
