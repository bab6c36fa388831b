"""The public site in a real browser (system Chromium): navigation, phone width, no outside requests,
screenshots for a human look (test-artifacts/)."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
NO_OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > doc.clientWidth + 1 && getComputedStyle(el).visibility !== 'hidden';
  }).map(el => el.tagName + '.' + el.className).slice(0, 5);
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide};
}"""


def assert_only_local(page):
    hosts = {urlsplit(url).hostname for url in page.seen_requests if not url.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, page.seen_requests


def test_home_to_notice_to_item_and_back(page, site_url):
    page.goto(site_url)
    assert page.locator("[data-site-figure=total]").inner_text() == "50"
    page.locator("[data-latest] [data-entry='jinpu-2019'] a").first.click()
    page.wait_for_url("**/jinpu-2019/")
    jinpu = page.locator("[data-notice='jinpu-2019']")
    assert [jinpu.locator(f"[data-figure={k}]").first.inner_text() for k in ("total", "done", "not_done", "overdue")] \
        == ["44", "20", "24", "23"]
    jinpu.locator("table[data-items-table] a[data-item-link='5-2']").first.click()
    page.wait_for_url("**/jinpu-2019/items/5-2/")
    article = page.locator("article[data-item-id]")
    assert article.get_attribute("data-item-id") == "5-2"
    assert "83%的涉农街道农村饮用水" in page.locator("[data-finding]").inner_text()
    page.go_back()
    page.wait_for_url("**/jinpu-2019/")
    assert page.locator("[data-notice='jinpu-2019'] [data-figure=overdue]").first.inner_text() == "23"
    assert_only_local(page)


def test_status_filter_and_sort_enhance_the_table(page, site_url):
    page.goto(site_url + "jinpu-2019/")
    jinpu = page.locator("[data-notice='jinpu-2019']")
    table = jinpu.locator("table[data-items-table]").first
    jinpu.locator("select[data-status-filter]").first.select_option("overdue")
    assert table.locator("tbody tr:visible").count() == 23
    jinpu.locator("select[data-status-filter]").first.select_option("done")
    assert table.locator("tbody tr:visible").count() == 20
    jinpu.locator("select[data-status-filter]").first.select_option("all")
    jinpu.locator("button[data-sort-button=deadline]").first.click()
    jinpu.locator("button[data-sort-button=deadline]").first.click()  # descending: latest first
    assert table.locator("tbody tr").first.get_attribute("data-item-id") == "5-2"  # the 2030-12 one


def test_table_works_without_javascript(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(site_url + "jinpu-2019/")
    assert tab.locator("table[data-items-table] tbody tr:visible").count() == 44
    context.close()


@pytest.mark.parametrize("path", ["", "notices/", "jinpu-2019/", "jinpu-2019/items/1/", "jinpu-2019/full-text/",
                                  "jinpu-2019/categories/1/"])
def test_phone_width_has_no_horizontal_scroll(browser, site_url, path):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.goto(site_url + path)
    result = tab.evaluate(NO_OVERFLOW)
    assert result["scroll"] <= result["client"], result
    assert not result["wide"], result
    context.close()


def test_every_request_stays_on_the_site(page, site_url):
    for path in ["", "jinpu-2019/", "jinpu-2019/items/7-1/", "jinpu-2019/full-text/", "contact/", "about/",
                 "search/?q=饮水", "jinpu-2019/categories/2/4/", "does-not-exist/"]:
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
    assert_only_local(page)


def test_search_form_in_header_submits_to_search_page(page, site_url):
    page.goto(site_url + "jinpu-2019/items/1/")
    page.get_by_label("搜索整改事项").fill("饮水")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("[data-search-app]").count() == 1


def test_keyboard_focus_is_visible(page, site_url):
    page.goto(site_url)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, getComputedStyle(document.activeElement).outlineStyle]")
    assert "dsc-skip" in focused[0] and focused[1] != "none"


def test_screenshots(browser, site_url, artifacts):
    for name, viewport in [("phone", PHONE), ("desktop", {"width": 1280, "height": 900})]:
        context = browser.new_context(viewport=viewport)
        tab = context.new_page()
        for page_name, path in [("home", ""), ("item", "jinpu-2019/items/1/"), ("notice", "jinpu-2019/full-text/")]:
            tab.goto(site_url + path)
            target = artifacts / f"{page_name}-{name}.png"
            tab.screenshot(path=str(target), full_page=page_name != "notice")
            assert target.stat().st_size > 10_000
        context.close()


@pytest.mark.parametrize("path", ["jinpu-2019/items/1/", "jinpu-2019/full-text/"])
def test_print_shows_content_address_and_date_without_chrome(page, site_url, path):
    page.goto(site_url + path)
    page.emulate_media(media="print")
    assert not page.locator(".dsc-header").is_visible()
    assert not page.locator(".md-sidebar--primary").is_visible()
    info = page.locator("[data-print-info]")
    assert info.is_visible()
    assert site_url + path in info.inner_text() and "2026年11月26日" in info.inner_text()
    assert page.locator("[data-footer-contact]").is_visible()


@pytest.mark.parametrize("path", ["", "jinpu-2019/items/1/", "search/"])
def test_no_serious_accessibility_violations(page, site_url, path):
    from axe_playwright_python.sync_playwright import Axe
    page.goto(site_url + path)
    results = Axe().run(page)
    serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious
