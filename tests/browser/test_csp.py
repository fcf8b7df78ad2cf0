"""The Content-Security-Policy holds in the browser: an injected inline script does not run.

The other browser tests prove the opposite half: every page, the admin's rich-text editor
included, works under the same policy without a single console error.
"""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/", "/admin/login/"])
def test_an_inline_script_that_got_into_a_page_is_refused(open_page, seed_article, path):
    page = open_page(path)
    violations = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    # What an XSS would do if a payload ever reached the DOM unescaped.
    page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.__injected = 1";
            document.body.appendChild(s);
            const img = document.createElement("img");
            img.setAttribute("src", "data:,");
            img.setAttribute("onerror", "window.__injected = 2");
            document.body.appendChild(img);
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__injected") is None
    assert len(violations) >= 2, violations
    # Expected refusals, not problems of the page: the policy did its job.
    open_page.problems[:] = [p for p in open_page.problems if "Content Security Policy" not in p]
