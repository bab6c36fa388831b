"""Accessibility: axe-core (shipped inside axe-playwright-python, no download) finds no critical or
serious violation on the main pages, search with results included; and a keyboard-only reader gets
from the home page through the header search to an item, seeing where the focus is at every step."""
from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

PAGES = {
    "home": "",
    "item": "jinpu-2019/items/5-2/",
    "category": "jinpu-2019/categories/1/",
    "group": "jinpu-2019/categories/1/2/",
    "search with results": f"search/?q={quote('饮水')}",
    "contact": "contact/",
    "full text": "jinpu-2019/full-text/",
    "updates": "updates/",
}
FOCUS = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return {tag: el.tagName, id: el.id, text: (el.textContent || '').trim().slice(0, 30),
          href: el.getAttribute('href'), visible: outline || shadow};
}"""


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


@pytest.mark.parametrize("name", PAGES)
def test_no_critical_or_serious_violations(page, site_url, axe, name):
    page.goto(site_url + PAGES[name])
    if name == "search with results":
        page.wait_for_selector("[data-search-results] [data-item-id]")
    results = axe.run(page)
    bad = [f"{v['impact']} {v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
           for v in results.response["violations"] if v["impact"] in ("critical", "serious")]
    assert not bad, "\n".join(bad)
    assert results.response["passes"], "axe ran no rules: the check would be vacuous"


def tab_until(page, condition: str, limit: int, steps: list) -> dict:
    """Press Tab until the focused element satisfies the JS condition; every step must show focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        steps.append(focus)
        assert focus["visible"], f"focus not visible on {focus} (steps so far: {len(steps)})"
        if page.evaluate(f"() => {{ const el = document.activeElement; return {condition}; }}"):
            return focus
    raise AssertionError(f"not reached in {limit} Tab presses; last focus: {steps[-1]}")


def test_keyboard_only_home_to_search_to_item(page, site_url):
    steps: list[dict] = []
    page.goto(site_url)
    tab_until(page, "el.id === 'site-search-q'", 10, steps)
    page.keyboard.type("饮水")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    first = page.locator("[data-search-results] a").first
    first.wait_for()
    href = first.get_attribute("href")
    tab_until(page, "el === document.querySelector('[data-search-results] a')", 40, steps)
    page.keyboard.press("Enter")
    page.wait_for_selector("article[data-item-id]")
    assert page.url.split("?")[0].rstrip("/").endswith(href.strip("./").rstrip("/").split("/")[-1])
    assert "饮水" in page.inner_text("article")
    tab_until(page, "true", 1, steps)  # on the item page, the first Tab shows a visible focus too
    assert len(steps) >= 3
