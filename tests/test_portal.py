"""A regional portal: many notices of many units and rounds. Generated portals (outside data/) show
that no page grows with the number of notices, that every notice is reachable from home in at
most three links, and that the directory's filter finds a unit's notice in a phone-sized browser."""
from __future__ import annotations

import datetime as dt
import re
from collections import deque
from pathlib import Path

import pytest

from disclosure.buildcache import NOT_SITE_WIDE
from disclosure.site import BuildContext, build_site, urls
from disclosure.site.portal import PAGE_SIZE
from support.synthetic import write_synthetic_portal
from disclosure.validate import load_dataset
from helpers import ROOT, serve_directory

AS_OF = dt.date(2026, 11, 26)
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def portals(tmp_path_factory):
    out = {}
    for n in (60, 200):  # both fill the first page of the directory and of /updates/
        data = write_synthetic_portal(ROOT / "data", tmp_path_factory.mktemp(f"portal{n}") / "data", n)
        out[n] = build_site(load_dataset(data), BuildContext(AS_OF, "整改公示"))
    return out


def pages_by_url(site) -> dict[str, str]:
    return {p.url: p.html for p in site.pages}


def test_nav_is_the_same_fixed_set_of_sections_whatever_the_site_holds(portals):
    assert portals[60].nav == portals[200].nav
    titles = [list(entry)[0] for entry in portals[200].nav]
    assert titles == ["首页", "通报目录", "搜索", "最近更新", "开放数据", "联系方式", "关于本站"]
    assert "unit-" not in str(portals[200].nav)


# The directory's pages hold other notices at each size (their titles and year/round groups differ):
# test_directory_pages_are_bounded_and_list_every_notice_once compares its full pages instead.
@pytest.mark.parametrize("url", ["", "search/", "updates/", "data/", "contact/", "unit-0007/",
                                 "unit-0007/full-text/", "unit-0007/items/1/", "unit-0007/categories/1/",
                                 "unit-0007/print/"])
def test_page_size_does_not_grow_with_the_number_of_notices(portals, url):
    small, big = len(pages_by_url(portals[60])[url]), len(pages_by_url(portals[200])[url])
    assert abs(big - small) <= 0.05 * small, (url, small, big)


def test_directory_pages_are_bounded_and_list_every_notice_once(portals):
    site = portals[200]
    # the directory's own pages; notices/years/<year>/ (its static ways in, issue 28) are tested in test_overdue_page.py
    pages = {p.url: p.html for p in site.pages if p.article.get("page") == "directory"}
    assert len(pages) == -(-200 // PAGE_SIZE)
    listed = [nid for h in pages.values() for nid in re.findall(r'data-entry="([^"]+)"', h)]
    assert sorted(listed) == sorted(n.id for n in site.dataset.notices)
    full = [len(h) for u, h in pages.items() if h.count("data-entry=") == PAGE_SIZE]
    assert max(full) - min(full) <= 0.05 * min(full)
    assert max(len(p.html) for p in site.pages) < 150_000


def test_contact_pages_are_paged_and_pagers_stay_small(portals):
    """/contact/ names every issuer, 40 a page; a pager shows first, last and 3 either side only."""
    from disclosure.site.portal import CONTACT_PAGE_SIZE
    site = portals[200]
    pages = {u: h for u, h in pages_by_url(site).items() if u.startswith(urls.CONTACT)}
    assert len(pages) == -(-200 // CONTACT_PAGE_SIZE)
    named = [nid for h in pages.values() for nid in re.findall(r'data-contact-notice="([^"]+)"', h)]
    assert sorted(named) == sorted(n.id for n in site.dataset.notices)
    # 30 pages: page 15's pager links 1, 12..18 (15 itself is the current page, not a link) and 30
    from disclosure.site.render import render
    html = render("updates.html", urls.updates_url(15), AS_OF, changes=[], titles={}, several=True, page=15, pages=30)
    shown = sorted(int(n) for n in re.findall(r'aria-label="第 (\d+) 页"', html))
    assert shown == [1, 12, 13, 14, 16, 17, 18, 30] and html.count("…") == 2


def test_every_notice_is_reachable_from_home_in_three_links(portals):
    site = portals[200]
    html = pages_by_url(site)
    depth = {"": 0}
    queue = deque([""])
    while queue:
        url = queue.popleft()
        if depth[url] == 3 or url not in html:
            continue
        for href in re.findall(r'href="([^"#?]+)"', html[url]):
            target = _resolve(url, href)
            if target is not None and target not in depth:
                depth[target] = depth[url] + 1
                queue.append(target)
    unreached = [n.id for n in site.dataset.notices if urls.notice_url(n) not in depth]
    assert unreached == []


def _resolve(page: str, href: str) -> str | None:
    if href.startswith(("http:", "https:", "mailto:", "tel:", "/")):
        return None
    parts = [p for p in page.split("/") if p]
    for part in href.split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part and part != ".":
            parts.append(part)
    return "/".join(parts) + ("/" if href.endswith("/") or href in ("", ".", "./") else "")


def test_home_shows_site_figures_latest_notices_and_most_overdue_units(portals):
    site = portals[200]
    home = pages_by_url(site)[""]
    total = len(site.dataset.items)
    assert f'data-site-figure="total" data-figure="total">{total}<' in home
    for key in ("done", "in_progress", "overdue"):
        assert f'data-site-figure="{key}"' in home
    assert home.count("data-entry=") == 5 and "data-overdue-units" in home
    assert 'data-items-table' not in home  # no notice's table on the home page


@pytest.mark.browser
def test_directory_filter_finds_a_units_notice_on_a_phone(browser, tmp_path, build_site):
    data = write_synthetic_portal(ROOT / "data", tmp_path / "data", 60)
    out = tmp_path / "site"
    done = build_site(out, data_dir=data)
    assert done.returncode == 0, done.stderr
    with serve_directory(out) as url:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        tab = context.new_page()
        tab.goto(url + "notices/")
        tab.wait_for_selector("[data-directory-filter]:not([hidden])")
        tab.fill("[data-filter=text]", "示例12镇党委")
        tab.wait_for_selector("[data-filter-results]:not([hidden]) [data-entry]")
        hits = tab.locator("[data-filter-results] [data-entry]")
        expected = sorted(n for n in range(60) if n % 3 and n % 37 + 1 == 12)
        assert hits.count() == len(expected)
        assert "找到 %d 份通报" % len(expected) in tab.locator("[data-filter-count]").inner_text()
        assert tab.evaluate("document.documentElement.scrollWidth") <= 375
        hits.first.locator("a").click()
        tab.wait_for_selector("article[data-page=notice]")
        assert "示例12镇党委" in tab.locator("h1").first.inner_text()
        _search_facets_scale(tab, url, expected)
        context.close()
        no_js = browser.new_context(java_script_enabled=False)
        plain = no_js.new_page()
        plain.goto(url + "notices/")
        assert plain.locator("[data-directory-pages] [data-entry]").count() == PAGE_SIZE
        assert plain.locator("[data-directory-filter]").is_hidden()
        plain.locator("[data-directory-pager] a[rel=next]").click()
        plain.wait_for_url("**/notices/page/2/")
        no_js.close()


def _search_facets_scale(tab, url, expected):
    """Search facets by unit and round: 60 notices of 46 units give a unit facet of its top 8 values
    with exact counts and a text box that finds any other unit; rounds (6) are listed in full."""
    tab.goto(url + "search/")
    tab.wait_for_selector("[data-search-app][data-search-state=ready]")
    tab.click("[data-facets-toggle]")  # on a phone the facets sit behind 筛选 (issue 28)
    unit = tab.locator("[data-facet=unit]")
    units = {f"示例{n % 37 + 1}镇党委" if n % 3 else f"示例县第{n % 29 + 1}局党组" for n in range(60)}
    assert unit.locator("[data-facet-more]").count() == 0 and unit.locator("input[type=checkbox]").count() == 8
    assert unit.locator("[data-facet-all]").get_attribute("data-facet-all") == str(len(units))
    assert tab.locator("[data-facet=round] input[type=checkbox]").count() == 6
    assert tab.locator("[data-facet=round] [data-facet-filter]").count() == 0
    assert tab.locator("[data-facet=notice]").count() == 0  # no checkbox per notice
    tab.locator("[data-facet-filter=unit]").fill("示例12镇")
    option = tab.locator("[data-facet=unit] label", has=tab.locator("[data-facet-value='示例12镇党委']"))
    option.wait_for()
    assert option.locator("[data-facet-count]").inner_text() == f"({2 * len(expected)})"  # 2 items a notice
    assert tab.locator("[data-facet=unit] input[type=checkbox]").count() == 1  # only units containing the text
    assert tab.evaluate("document.documentElement.scrollWidth") <= 375
    option.locator("input").check()
    tab.wait_for_function(f"document.querySelector('[data-result-count]').textContent === '{2 * len(expected)}'")
    assert "unit=" in tab.url
    shown = tab.eval_on_selector_all("[data-search-results] [data-item-id]", "els => els.map(e => e.dataset.notice)")
    assert shown and set(shown) <= {f"unit-{n:04d}" for n in expected}


def test_the_footer_on_every_page_does_not_grow_with_the_issuers(portals):
    """A footer names one contact (its notice's, or the operator's: tests/test_contacts.py): the
    template context every page shares holds no list of issuers, and what it holds for the notices'
    own pages is the same, as the build cache sees it, however many notices there are."""
    contexts = [site.template_context for site in portals.values()]
    for n, context in zip(portals, contexts):
        assert len(context["notice_contacts"]) == n and "contacts" not in context
    site_wide = [{k: v for k, v in c.items() if k not in NOT_SITE_WIDE} for c in contexts]
    assert repr(sorted(site_wide[0].items())) == repr(sorted(site_wide[1].items()))
