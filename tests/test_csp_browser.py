"""The site under its real security headers: served with every `add_header` of deploy/nginx.conf
(parsed from the file, so this tests the policy that ships), Chromium reports no Content-Security-
Policy violation on the main pages, and the search still works."""
from __future__ import annotations

import http.server
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from helpers import serve_directory

pytestmark = pytest.mark.browser

NGINX_CONF = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf"
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
"""


def nginx_headers() -> dict[str, str]:
    """The constant response headers nginx adds (Cache-Control is a per-path variable: left out)."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text("utf-8"))
    headers = dict(re.findall(r'add_header\s+([A-Za-z-]+)\s+"([^"]*)"\s+always;', text))
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    return headers


def test_the_policy_is_read_from_the_shipped_config():
    headers = nginx_headers()
    policy = headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in re.search(r"script-src ([^;]+)", policy)[1]
    assert {"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} <= headers.keys()


@pytest.fixture(scope="module")
def csp_url(built_site):
    headers = nginx_headers()

    class WithHeaders(http.server.SimpleHTTPRequestHandler):
        def end_headers(self):
            for name, value in headers.items():
                self.send_header(name, value)
            super().end_headers()

        def log_message(self, *args):
            pass

    with serve_directory(built_site, WithHeaders) as url:
        yield url


@pytest.fixture
def watched(page):
    """The page, with CSP reports from the console and from securitypolicyviolation events."""
    page.console_csp = []
    page.on("console", lambda msg: page.console_csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.add_init_script(COLLECT_VIOLATIONS)
    return page


def violations(page) -> list[str]:
    return page.console_csp + page.evaluate("window.__cspViolations")


def test_the_header_is_really_sent(watched, csp_url):
    response = watched.goto(csp_url)
    assert response.headers["content-security-policy"] == nginx_headers()["Content-Security-Policy"]


def test_a_violation_would_be_seen(watched, csp_url):
    """The listeners work: an inline script injected by the test is blocked and reported."""
    watched.goto(csp_url)
    watched.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }")
    watched.wait_for_timeout(200)
    assert violations(watched) and watched.evaluate("window.x") is None


@pytest.mark.parametrize("path", ["", "jinpu-2019/items/5-2/", "jinpu-2019/full-text/", "contact/",
                                  "jinpu-2019/categories/1/", "updates/", "404.html"])
def test_no_violation_on_the_main_pages(watched, csp_url, path):
    watched.goto(csp_url + path)
    watched.wait_for_load_state("networkidle")
    assert violations(watched) == []


def test_search_works_under_the_policy(watched, csp_url):
    watched.goto(f"{csp_url}search/?q={quote('饮水')}")
    watched.wait_for_selector("[data-search-results] [data-item-id]")
    assert int(watched.inner_text("[data-result-count]")) > 0
    watched.get_by_label("搜索整改事项").first.fill("党费")  # the header form, under the same policy
    watched.keyboard.press("Enter")
    watched.wait_for_url("**/search/?q=*")
    watched.wait_for_selector("[data-search-results] [data-item-id]")
    watched.wait_for_load_state("networkidle")
    assert violations(watched) == []


def test_the_items_table_script_works_under_the_policy(watched, csp_url):
    """disclosure.js (filter and sort) is the site's other script."""
    watched.goto(csp_url + "jinpu-2019/")
    notice = watched.locator("[data-notice='jinpu-2019']")
    notice.locator("select[data-status-filter]").first.select_option("done")
    assert notice.locator("table[data-items-table]").first.locator("tbody tr:visible").count() == 20
    assert violations(watched) == []
