"""A notice's overview, phone first (issue 28, item 3): under 768 px it opens with the title, the
figures and the item list, and the category and sub-page links (the local nav) come after them: by
the order of the markup, with CSS alone (no JavaScript). From 768 px the local nav is back on top.
Chromium at 375 and 1280 px on the built 40-notice portal, with and without JavaScript."""
from __future__ import annotations

import pytest

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
NOTICES = ["jinpu-2019/", "unit-0007/"]


def _tops(tab) -> dict[str, float]:
    return tab.evaluate("""() => {
      const top = (sel) => { const e = document.querySelector(sel); return e ? e.getBoundingClientRect().top + scrollY : null; };
      return {title: top('article h1'), figures: top('article [data-figures]'), items: top('article [data-items-table]'),
              categories: top('article [data-category-table]'), nav: top('article [data-local-nav]')};
    }""")


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("path", NOTICES)
def test_on_a_phone_the_title_figures_and_items_come_before_the_local_nav(browser, portal40_url, path, javascript):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  java_script_enabled=javascript)
    tab = context.new_page()
    try:
        tab.goto(portal40_url + path)
        top = _tops(tab)
        assert None not in top.values(), top
        assert top["title"] < top["figures"] < top["items"] < top["categories"] < top["nav"], top
        assert top["title"] < PHONE["height"]  # the title on the first screen
        # the local nav is still there, after the content, with every sub-page
        nav = tab.locator("article [data-local-nav]")
        assert nav.is_visible() and nav.locator("a").count() >= 4
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", NOTICES)
def test_at_1280_the_local_nav_is_on_top_and_nothing_overlaps(browser, portal40_url, path):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    tab = context.new_page()
    try:
        tab.goto(portal40_url + path)
        top = _tops(tab)
        assert top["nav"] < top["title"] < top["figures"] < top["items"], top
        nav_box = tab.locator("article [data-local-nav]").bounding_box()
        assert nav_box["y"] + nav_box["height"] <= tab.locator("article h1").bounding_box()["y"] + 1
        assert tab.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_the_phone_first_overview_passes_axe_in_both_modes(browser, portal40_url, care):
    from axe_playwright_python.sync_playwright import Axe
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    if care:
        context.add_init_script("try { localStorage.setItem('dsc-care-mode', 'on'); } catch (e) {}")
    tab = context.new_page()
    try:
        tab.goto(portal40_url + NOTICES[0])
        assert (tab.get_attribute("html", "data-care-mode") == "on") == care
        top = _tops(tab)
        assert top["items"] < top["nav"]  # care mode keeps the order
        results = Axe().run(tab)
        bad = [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
               for v in results.response["violations"] if v["impact"] in ("critical", "serious")]
        assert bad == [], bad
    finally:
        context.close()
