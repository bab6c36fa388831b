"""/overdue/ and the directory's static ways in (issue 28, items 7 and 9): every overdue problem of the
portal, each once, longest overdue first, paged, filterable by unit without JavaScript (units/<slug>/
overdue/), linked from home; the directory's notices by year and by the unit name's first character;
/contact/'s unit filter hooks. In-process on the generated 40-notice portal (write_portal40), at
1,000 notices for the size bounds, and in Chromium on the built portal40 site."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import write_portal40
from disclosure import urls
from disclosure.buildcache import page_keys
from disclosure.site import BuildContext, build_site
from disclosure.site.overdue import overdue_rows
from disclosure.site.portal import (MAX_INITIALS, OVERDUE_PAGE_SIZE, PAGE_SIZE, UNITS_PAGE_SIZE, directory_pages,
                                    entries, units)
from disclosure.site.render import Bodies, render
from disclosure.validate import load_dataset
from helpers import ROOT

AS_OF = dt.date(2026, 11, 26)
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    data = write_portal40(tmp_path_factory.mktemp("overdue40") / "data")
    site = build_site(load_dataset(data), BuildContext(AS_OF, "整改公示"))
    return data, site, {p.url: p for p in site.pages}


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-overdue-row data-item="([^"]+)" data-since="([^"]+)"', html)


def _paged(pages: dict, first: str) -> list[str]:
    """The bodies of a paged list, following its pager's rel=next links from its first page."""
    out, url = [], first
    while url is not None:
        html = pages[url].html
        out.append(html)
        found = re.search(r'rel="next" href="([^"]+)"', html)
        url = _resolve(url, found[1]) if found else None
    return out


def _resolve(page: str, href: str) -> str:
    parts = [p for p in page.split("/") if p]
    for part in href.split("#")[0].split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part and part != ".":
            parts.append(part)
    return "/".join(parts) + ("/" if parts else "")


def test_the_overdue_list_holds_every_overdue_problem_once_longest_overdue_first(portal):
    _, site, pages = portal
    dataset = site.dataset
    expected = {f"{p.latest.notice.id}/{p.latest.item.id}": p for p in dataset.problems if p.overdue(AS_OF)}
    assert len(expected) > OVERDUE_PAGE_SIZE  # the portal fills more than one page
    bodies = _paged(pages, urls.overdue_url())
    assert len(bodies) == -(-len(expected) // OVERDUE_PAGE_SIZE)
    listed = [row for body in bodies for row in _rows(body)]
    assert all(len(_rows(body)) <= OVERDUE_PAGE_SIZE for body in bodies)
    assert sorted(item for item, _ in listed) == sorted(expected)  # each overdue problem, once
    since = [day for _, day in listed]
    assert since == sorted(since)  # longest overdue first
    # the home page's site-wide overdue figure counts the same problems, and links here
    home = pages[urls.HOME].html
    assert re.search(r'data-site-figure="overdue" data-figure="overdue">(\d+)<', home)[1] == str(len(expected))
    assert f'href="{urls.overdue_url()}" data-overdue-link' in home
    assert f"data-overdue-total=\"{len(expected)}\"" in bodies[0]


def test_each_row_shows_the_heading_verbatim_its_unit_notice_deadline_and_how_long_with_a_link(portal):
    _, site, pages = portal
    body = pages[urls.overdue_url()].html
    first = body.split("data-overdue-row ", 1)[1].split("</li>", 1)[0]
    row = overdue_rows(site.dataset, AS_OF)[0]
    problem = next(p for p in site.dataset.problems if p.latest.item.id == row.item_id
                   and p.latest.notice.id == row.notice_id)
    item, notice = problem.latest.item, problem.latest.notice
    assert htmllib.escape(item.heading, quote=False) in first
    assert f'href="../{urls.item_url(item)}"' in first
    assert site.dataset.series(notice)[0].unit in first and htmllib.escape(notice.title, quote=False) in first
    y, m = problem.deadline.split("-")
    assert f"{int(y)}年{int(m)}月" in first
    assert re.search(r"<span data-elapsed>已超过 (\d+ 年 ?)?(\d+ 个月)?</span>", first)
    # the oldest deadline of the whole portal comes first
    assert problem.deadline == min(p.deadline for p in site.dataset.problems if p.overdue(AS_OF))


def test_the_unit_filter_works_without_javascript_a_static_page_per_unit(portal):
    _, site, pages = portal
    rows = overdue_rows(site.dataset, AS_OF)
    by_unit: dict[str, set[str]] = {}
    for r in rows:
        by_unit.setdefault(r.unit, set()).add(f"{r.notice_id}/{r.item_id}")
    assert len(by_unit) > 10
    top = pages[urls.overdue_url()].html
    for unit, items in by_unit.items():
        listed = [item for body in _paged(pages, urls.unit_overdue_url(unit)) for item, _ in _rows(body)]
        assert sorted(listed) == sorted(items), unit
        # reachable from the units index (按单位查找), which every overdue page links to
    assert f'href="../{urls.units_url()}"' in top
    index = "".join(_paged(pages, urls.units_url()))
    for unit in by_unit:
        assert f'href="{urls.relative(urls.unit_overdue_url(unit), urls.units_url())}" data-unit-overdue-link' in index, unit
    # the units with the most overdue problems are linked from the first page, most first
    linked = re.findall(r'href="\.\./(units/[^"]+/overdue/)" data-unit-overdue-link', top)
    counts = sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    assert linked == [urls.unit_overdue_url(u) for u, _ in counts[:len(linked)]] and linked


def test_every_unit_and_every_year_lists_its_notices_once(portal):
    _, site, pages = portal
    listed = entries(site.dataset, AS_OF)
    all_units = units(listed)
    index = "".join(_paged(pages, urls.units_url()))
    named = [htmllib.unescape(n) for n in re.findall(r'<li data-unit-row><a href="[^"]+">([^<]+)</a>', index)]
    assert named == [u.unit for u in all_units] == sorted({e.unit for e in listed})
    for u in all_units:
        shown = [i for body in _paged(pages, urls.unit_url(u.unit)) for i in re.findall(r'data-entry="([^"]+)"', body)]
        assert shown == [e.notice.id for e in u.entries], u.unit
    for year in {e.year for e in listed}:
        shown = [i for body in _paged(pages, urls.year_url(year)) for i in re.findall(r'data-entry="([^"]+)"', body)]
        assert shown == [e.notice.id for e in listed if e.year == year], year


def test_the_directory_ways_partial_links_every_year_and_first_character(portal):
    _, site, pages = portal
    listed = entries(site.dataset, AS_OF)

    class Seen(Bodies):
        def render(self, template, page_url, as_of, **context):
            self.context = context
            return super().render(template, page_url, as_of, **context)

    bodies = Seen()
    directory_pages(listed, AS_OF, bodies)
    html = render("_directory_ways.html", urls.directory_url(2), AS_OF, **bodies.context)
    years = sorted({e.year for e in listed}, reverse=True)
    assert re.findall(r'href="\.\./\.\./years/(\d{4})/"', html) == years
    initials = re.findall(r'href="\.\./\.\./\.\./units/(?:page/\d+/)?#(initial-[0-9a-f]+)">(.)</a>', html)
    assert [c for _, c in initials] == sorted({e.unit[0] for e in listed})
    for anchor, char in initials:
        assert anchor == f"initial-{ord(char):x}"
    assert 'href="../../../overdue/"' in html
    for href in re.findall(r'href="([^"#]+)', html):  # every link goes to a page the site makes
        assert _resolve(urls.directory_url(2), href) in pages, href
    if "data-directory-ways" in pages[urls.DIRECTORY].html:  # directory.html includes it (another helper's)
        assert 'href="years/' in pages[urls.DIRECTORY].html


def test_contact_cards_carry_the_unit_and_issuer_for_the_filter_escaped(tmp_path):
    data = write_portal40(tmp_path / "data")
    notice_yml = data / "notices" / "unit-0003" / "notice.yml"
    notice = yaml.safe_load(notice_yml.read_text("utf-8"))
    notice["inspection"]["unit"] = '示例"><script>alert(1)</script>单位'
    notice_yml.write_text(yaml.safe_dump(notice, allow_unicode=True, sort_keys=False), "utf-8")
    site = build_site(load_dataset(data), BuildContext(AS_OF, "整改公示"))
    pages = {p.url: p.html for p in site.pages}
    contact = "".join(h for u, h in pages.items() if u.startswith(urls.CONTACT))
    cards = re.findall(r'<section class="dsc-contact-card" data-contact-notice="([^"]+)" data-unit="([^"]*)" '
                       r'data-issuer="([^"]*)">', contact)
    assert len(cards) == len(site.dataset.notices)
    by_id = {n.id: n for n in site.dataset.notices}
    for notice_id, unit, issuer in cards:
        assert htmllib.unescape(unit) == by_id[notice_id].unit and htmllib.unescape(issuer) == by_id[notice_id].issuer
    assert "<script>alert(1)" not in contact and "示例&#34;&gt;&lt;script&gt;" in contact
    first = pages[urls.CONTACT]
    form = re.search(r'<form class="disclosure-contact-filter" hidden[^>]*>(.*?)</form>', first, re.S)[1]
    label = re.search(r'<label[^>]*for="([^"]+)">按单位查找</label>', form)
    assert re.search(rf'<input id="{label[1]}" type="search" name="q"', form)
    assert form.count("<input") == 1
    assert f'href="../{urls.units_url()}"' in first.split("</form>", 1)[1]  # the static way in, outside the form
    # hostile unit names are escaped on the new pages too
    for url in (urls.units_url(), urls.unit_url(notice["inspection"]["unit"]), urls.overdue_url()):
        assert "<script>alert(1)" not in "".join(_paged({u: p for u, p in ((p.url, p) for p in site.pages)}, url))


def test_a_preview_rebuild_and_a_new_day_give_the_lists_a_full_build_gives(portal, tmp_path):
    """Bodies reuse (the preview) must not keep a stale overdue list; every new page is a portal page,
    keyed by its own body (buildcache), so a publish renders again exactly those whose lists changed."""
    data, site, _ = portal
    keys = page_keys(site, "code")
    new = [p.src_uri for p in site.portal_pages if p.url.startswith((urls.OVERDUE, urls.UNITS, f"{urls.DIRECTORY}years/"))]
    assert new and all(keys[src] is not None for src in new)
    # mark the longest overdue problem done, rebuild reusing the last Site, compare with a fresh build
    row = overdue_rows(site.dataset, AS_OF)[0]
    item_file = data / "notices" / row.notice_id / "items" / f"{row.item_id}.yml"
    original = item_file.read_text("utf-8")
    item = yaml.safe_load(original)
    item["updates"] = [{"date": "2026-11-20", "status": "done", "note": "已完成整改"}]
    item_file.write_text(yaml.safe_dump(item, allow_unicode=True, sort_keys=False), "utf-8")
    try:
        for as_of in (AS_OF, AS_OF + dt.timedelta(days=40)):
            fresh = build_site(load_dataset(data), BuildContext(as_of, "整改公示"))
            again = build_site(load_dataset(data), BuildContext(as_of, "整改公示"), last=site)
            assert [(p.url, p.html) for p in again.portal_pages] == [(p.url, p.html) for p in fresh.portal_pages]
            listed = {i for p in fresh.portal_pages if p.url.startswith(urls.OVERDUE) for i, _ in _rows(p.html)}
            assert f"{row.notice_id}/{row.item_id}" not in listed and listed
            if as_of == AS_OF:  # the first overdue page lost a row: its key moves, so a publish renders it
                first = urls.src_uri(urls.OVERDUE)
                assert page_keys(again, "code")[first] != keys[first]
            site = again
    finally:
        item_file.write_text(original, "utf-8")


def test_no_new_page_passes_its_bound_at_1000_notices_of_1000_units(tmp_path):
    """1,000 notices of 1,000 units whose names start with 1,000 different characters (the Jinpu
    notice's first 4 items each). The bodies stay bounded (the theme adds ~20 KB); make bench
    measures the built pages at 40,000 items."""
    source = ROOT / "data" / "notices" / "jinpu-2019"
    text = (source / "notice.yml").read_text("utf-8")
    assert 'id: "jinpu-2019"' in text and "  unit: 金普新区\n" in text
    data = tmp_path / "data"
    for n in range(1000):
        folder = data / "notices" / f"n{n:04d}"
        (folder / "items").mkdir(parents=True)
        for name in ("1.yml", "2.yml", "3.yml", "4.yml"):
            shutil.copy2(source / "items" / name, folder / "items" / name)
        shutil.copy2(source / "source.txt", folder / "source.txt")
        unit = f"{chr(0x4E00 + n * 7)}{n}乡镇党委关于某某工作的领导小组办公室"
        (folder / "notice.yml").write_text(text.replace('id: "jinpu-2019"', f'id: "n{n:04d}"').replace(
            "  unit: 金普新区\n", f"  unit: {unit}\n"), "utf-8")
    site = build_site(load_dataset(data), BuildContext(AS_OF, "整改公示"))
    sizes = {p.url: len(p.html.encode("utf-8")) for p in site.portal_pages}
    assert sum(1 for p in site.portal_pages if p.article.get("page") == "unit") >= 1000
    biggest = max(sizes.items(), key=lambda kv: kv[1])
    assert biggest[1] < 120_000, biggest  # the page's body; the theme adds ~20 KB
    assert len(overdue_rows(site.dataset, AS_OF)) > 10 * OVERDUE_PAGE_SIZE
    pages = {p.url: p.html for p in site.portal_pages}
    assert len(pages[urls.units_url()].split("data-unit-row")) - 1 == UNITS_PAGE_SIZE
    ways = render("_directory_ways.html", urls.DIRECTORY, AS_OF, ways_years=[("2024", 1)],
                  ways_initials=[(c, f"{urls.units_url(9)}#initial-{ord(c):x}") for c in "甲乙"] * (MAX_INITIALS // 2),
                  ways_units=1000, ways_more_initials=True)
    assert len(ways.encode("utf-8")) < 25_000


# ---- in Chromium, on the built 40-notice portal -------------------------------------------------------

def _axe_bad(tab) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(tab)
    return [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("critical", "serious")]


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_overdue_page_from_home_then_filtered_by_unit_without_javascript(browser, portal40_url, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(portal40_url)
        tab.locator("[data-home-units] [data-overdue-link]").click()
        tab.wait_for_url("**/overdue/")
        assert tab.locator("h1").inner_text() == "已过整改时限的问题"
        rows = tab.locator("[data-overdue-row]")
        assert rows.count() == OVERDUE_PAGE_SIZE
        first = rows.first
        assert first.locator("[data-elapsed]").inner_text().startswith("已超过 ")
        assert first.locator(".dsc-overdue-row__heading a").is_visible()
        assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        unit = tab.locator("[data-overdue-by-unit] [data-unit-overdue-link]").first
        name = unit.inner_text().split("（")[0]
        count = int(re.search(r"（(\d+) 项）", unit.inner_text())[1])
        unit.click()
        tab.wait_for_url("**/units/*/overdue/")
        assert tab.locator("h1").inner_text() == f"{name}：已过整改时限的问题"
        assert tab.locator("[data-overdue-row]").count() == min(count, OVERDUE_PAGE_SIZE)
        assert all(name in t for t in tab.locator(".dsc-overdue-row__meta").all_inner_texts())
        tab.locator("[data-overdue-row] .dsc-overdue-row__heading a").first.click()
        tab.wait_for_selector("article[data-page=item]")
        assert tab.locator("[data-overdue-note]").is_visible()  # the item page says it is overdue too
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_new_portal_pages_have_no_axe_violation_no_sideways_scroll_and_care_mode_sizes(browser, portal40_url, care):
    from test_care_mode import MIN_PX, SMALL_TEXTS
    for path in (urls.overdue_url(), urls.units_url(), urls.year_url("2024"), urls.contact_url()):
        for viewport in (PHONE, DESKTOP):
            context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE)
            if care:
                context.add_init_script("try { localStorage.setItem('dsc-care-mode', 'on'); } catch (e) {}")
            tab = context.new_page()
            try:
                tab.goto(portal40_url + path)
                assert (tab.get_attribute("html", "data-care-mode") == "on") == care
                assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (path, viewport)
                assert _axe_bad(tab) == [], (path, care, viewport["width"])
                if care:
                    found = tab.evaluate(SMALL_TEXTS, MIN_PX)
                    assert found["total"] > 20 and found["small"] == [], (path, found["small"][:10])
            finally:
                context.close()


@pytest.mark.browser
def test_contact_page_without_javascript_keeps_the_filter_hidden_and_shows_the_way_by_unit(browser, portal40_url):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(portal40_url + urls.CONTACT)
        assert tab.locator("form.disclosure-contact-filter").is_hidden()
        ways = tab.locator("[data-contact-ways]")
        assert ways.is_visible() and "按单位查找" in ways.inner_text()
        ways.locator("a", has_text="按单位查找").click()
        tab.wait_for_url("**/units/")
        unit = tab.locator("[data-unit-row] > a", has_text="示例12镇党委")
        name = unit.inner_text()
        assert name == "示例12镇党委"
        unit.click()
        tab.wait_for_selector("article[data-page=unit]")
        assert tab.locator("h1").inner_text() == name
        cards = tab.locator("[data-contact-notice]")
        assert cards.count() >= 1 and cards.first.locator("[data-contact=phone]").inner_text().startswith("0000-765")
    finally:
        context.close()
