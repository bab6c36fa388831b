"""Issue 28 as a citizen meets it on a generated 40-notice portal, at 1280 and 375 px in Chromium.

The portal (conftest.write_portal40: 40 synthetic units, each with its own phone 0000-765NNNNN, the
fictional operator of examples/sample-portal, the real Jinpu notice) plus the invented 2020
follow-up of Jinpu (tests/notices/followup), built by MkDocs and served over http. One test per
promise of the issue that this module owns: the right contacts on every page of a notice and the
operator's on portal pages; search cards that say whose they are, at least 20 a page; every text
≥ 20 px in 关怀模式; the follow-up as progress on the earlier item; a feed that opens as a Chinese
page; the footer's filings from the site settings. (The phone-first layout, the directory in the
address, /overdue/ and the charts have their own modules.)"""
from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_mkdocs_build, write_portal40
from helpers import ROOT, serve_directory
from test_care_mode import MIN_PX, SMALL_TEXTS

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
FOLLOWUP = ROOT / "tests" / "notices" / "followup" / "jinpu-2020-followup.txt"
UNIT_PHONE = re.compile(r"0000-765\d{5}")
OPERATOR_PHONE = "0000－7650000"  # examples/sample-portal/site.yml (full-width dash, as typed)
SAMPLED = ("unit-0003", "unit-0017", "unit-0038")


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("citizen-portal")
    data = write_portal40(root / "data")
    done = subprocess.run([sys.executable, "-m", "disclosure.cli", "import", str(FOLLOWUP), "--out",
                           str(data / "notices" / "jinpu-2020"), "--follows", "jinpu-2019"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = root / "site"
    built = run_mkdocs_build(out, data_dir=data)
    assert built.returncode == 0, built.stderr
    return out


@pytest.fixture(scope="module")
def url(portal):
    with serve_directory(portal) as address:
        yield address


def _phone_of(portal: Path, notice: str) -> str:
    phones = set(UNIT_PHONE.findall((portal / notice / "index.html").read_text("utf-8")))
    assert len(phones) == 1, (notice, phones)
    return phones.pop()


def _notice_pages(portal: Path, notice: str) -> list[Path]:
    folder = portal / notice
    pages = [folder / "index.html", folder / "print" / "index.html", folder / "full-text" / "index.html",
             *sorted((folder / "categories").glob("*/index.html"))[:2], *sorted((folder / "items").glob("*/index.html"))]
    assert all(p.is_file() for p in pages), [p for p in pages if not p.is_file()]
    return pages


@contextlib.contextmanager
def opened(browser, address: str, viewport: dict, care: bool = False):
    """A fresh Chromium tab at `address` (关怀模式 remembered as on when `care`), closed afterwards."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    if care:
        context.add_init_script("try { localStorage.setItem('dsc-care-mode', 'on'); } catch (e) {}")
    tab = context.new_page()
    try:
        tab.goto(address)
        yield tab
    finally:
        context.close()


# ---- 1. contacts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("notice", SAMPLED)
def test_every_page_of_a_notice_shows_its_own_phone_and_no_other_units(portal, notice):
    own = _phone_of(portal, notice)
    for page in _notice_pages(portal, notice):
        html = page.read_text("utf-8")
        assert own in html, page
        assert set(UNIT_PHONE.findall(html)) == {own}, (page, set(UNIT_PHONE.findall(html)))


@pytest.mark.parametrize("address", ["", "notices/", "search/", "updates/", "data/"])
def test_portal_pages_show_the_operators_phone_and_no_units(portal, address):
    html = (portal / address / "index.html").read_text("utf-8")
    assert OPERATOR_PHONE in html
    assert not UNIT_PHONE.search(html), UNIT_PHONE.findall(html)[:3]


@VIEWPORTS
def test_an_item_pages_footer_and_feedback_box_name_its_own_unit_in_the_browser(browser, portal, url, viewport):
    own = _phone_of(portal, "unit-0017")
    with opened(browser, f"{url}unit-0017/items/3/", viewport) as tab:
        footer = tab.inner_text("footer")
        assert own in footer and OPERATOR_PHONE not in footer
        assert set(UNIT_PHONE.findall(tab.inner_text("body"))) == {own}



@VIEWPORTS
def test_the_contact_filter_also_finds_the_units_of_the_other_pages(browser, portal, url, viewport):
    second = (portal / "contact" / "page" / "2" / "index.html").read_text("utf-8")
    notice, unit = re.search(r'data-contact-notice="([^"]+)" data-unit="([^"]+)"', second).groups()
    with opened(browser, f"{url}contact/", viewport) as tab:
        form = tab.locator("form.disclosure-contact-filter")
        form.wait_for(state="visible")
        here = {c.get_attribute("data-contact-notice") for c in tab.locator("[data-contact-notice]").all()}
        assert notice not in here
        form.locator("input[name=q]").fill(unit)
        tab.wait_for_selector("[data-contact-elsewhere][data-ready]")
        links = tab.locator("[data-contact-elsewhere] a")
        assert "其他页上还有" in tab.inner_text("[data-contact-elsewhere]")
        hit = next(a for a in links.all() if a.get_attribute("href").rstrip("/").endswith(notice))
        assert unit in hit.inner_text()
        hit.click()
        tab.wait_for_url(f"**/{notice}/")
        assert _phone_of(portal, notice) in tab.inner_text("footer")
        tab.go_back()
        form.wait_for(state="visible")
        form.locator("input[name=q]").fill("没有这个单位")
        tab.wait_for_selector("[data-contact-elsewhere][data-ready]")
        assert "其他页上没有" in tab.inner_text("[data-contact-elsewhere]")

# ---- 2. search cards --------------------------------------------------------------------------------

@VIEWPORTS
def test_search_shows_at_least_20_cards_each_naming_its_unit_and_date(browser, url, viewport):
    with opened(browser, f"{url}search/?q=%E9%A5%AE%E7%94%A8%E6%B0%B4", viewport) as tab:  # 饮用水: the same item in every unit
        tab.wait_for_selector("[data-search-results] [data-item-id]")
        cards = tab.eval_on_selector_all("[data-search-results] [data-item-id]", "els => els.map(e => e.innerText)")
        assert len(cards) >= 20, len(cards)
        assert all(re.search(r"示例\S*(镇党委|局党组)|金普新区|大连", c) for c in cards), cards[:3]
        assert all(re.search(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}", c) for c in cards), cards[:3]
        assert len(set(cards)) == len(cards), "two cards read the same: a citizen cannot tell them apart"


# ---- 4. 关怀模式 --------------------------------------------------------------------------------------

@VIEWPORTS
@pytest.mark.parametrize("address", ["", "unit-0017/", "unit-0017/items/3/", "notices/"])
def test_care_mode_makes_every_text_of_portal_pages_at_least_20px(browser, url, address, viewport):
    with opened(browser, f"{url}{address}", viewport, care=True) as tab:
        assert tab.get_attribute("html", "data-care-mode") == "on"
        found = tab.evaluate(SMALL_TEXTS, MIN_PX)
        assert found["total"] > 20 and found["small"] == [], (address, found["small"][:10])
        if viewport is PHONE:
            assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], address


# ---- 5. follow-up as progress -----------------------------------------------------------------------

@VIEWPORTS
def test_the_earlier_item_shows_the_follow_ups_statement_as_progress(browser, url, viewport):
    with opened(browser, f"{url}jinpu-2019/items/1/", viewport) as tab:
        body = tab.inner_text("main")
        assert "尚未公布此项的新进展" not in body
        link = tab.locator("a[href*='jinpu-2020/items/1']").first
        assert link.is_visible()
        assert "已完成" in body


# ---- 6. a feed opens as a Chinese page --------------------------------------------------------------

@VIEWPORTS
def test_a_units_feed_opens_as_a_chinese_page(browser, portal, url, viewport):
    notice = (portal / "unit-0017" / "index.html").read_text("utf-8")
    feed = re.search(r'href="([^"]*units/[^"]+/feed\.xml)"', notice)
    assert feed, "the notice overview links its unit's feed"
    with opened(browser, f"{url}unit-0017/{feed[1]}" if not feed[1].startswith("/") else url + feed[1], viewport) as tab:
        raw = tab.evaluate("document.documentElement.textContent")
        assert "does not appear to have any style information" not in raw
        help_box = tab.locator("xpath=//*[local-name()='div' and @class='feed-help']")
        assert help_box.is_visible() and "订阅源" in help_box.inner_text()
        titles = tab.locator("xpath=//*[local-name()='entry']/*[local-name()='title']")
        assert titles.count() > 0 and titles.first.is_visible()
        assert "示例" in raw  # the unit's own entries


# ---- 9. footer filings from the settings ------------------------------------------------------------

@VIEWPORTS
@pytest.mark.parametrize("address", ["", "unit-0017/items/3/"])
def test_every_footer_shows_the_operator_and_filings_from_site_yml(browser, url, address, viewport):
    with opened(browser, f"{url}{address}", viewport) as tab:
        footer = tab.inner_text("footer")
        for words in ("中共示例县委巡察工作领导小组办公室", "0000000000", "示ICP备00000000号",
                      "示公网安备 00000000000000号", "12388"):
            assert words in footer, (address, words)


# ---- 7. /contact/ finds a unit ------------------------------------------------------------------------

@VIEWPORTS
def test_the_contact_page_filters_by_unit_and_keeps_it_in_the_address(browser, url, viewport):
    with opened(browser, f"{url}contact/", viewport) as tab:
        form = tab.locator("form.disclosure-contact-filter")
        form.wait_for(state="visible")
        cards = tab.locator("[data-contact-notice]")
        everyone = cards.count()
        assert everyone > 10
        box = form.locator("input[name=q]")
        box.fill("示例12镇")
        tab.wait_for_function("location.search.includes('q=')")
        shown = [c for c in cards.all() if c.is_visible()]
        assert 0 < len(shown) < everyone
        assert all("示例12镇" in c.get_attribute("data-unit") for c in shown)
        tab.reload()
        form.wait_for(state="visible")
        assert box.input_value() == "示例12镇"
        assert sum(c.is_visible() for c in cards.all()) == len(shown)


# ---- axe on every kind of page, both widths, both modes ---------------------------------------------
# (/overdue/, units/, a year and /contact/ are swept the same way in test_overdue_page.py)
EVERY_KIND = ("", "notices/", "unit-0017/", "unit-0017/categories/1/", "unit-0017/items/3/", "unit-0017/full-text/",
              "unit-0017/print/", "jinpu-2019/items/1/", "jinpu-2020/", "updates/", "data/", "accessibility/",
              "about/", "search/?q=%E9%A5%AE%E7%94%A8%E6%B0%B4")


@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
@VIEWPORTS
def test_every_kind_of_page_has_no_critical_or_serious_axe_violation(browser, portal, url, viewport, care):
    from axe_playwright_python.sync_playwright import Axe
    axe = Axe()
    unit = re.search(r'href="(u[0-9a-f]{10}/)"', (portal / "units" / "index.html").read_text("utf-8"))
    assert unit, "the units index links no unit page"
    bad = {}
    for address in (*EVERY_KIND, "units/" + unit.group(1)):
        with opened(browser, f"{url}{address}", viewport, care) as tab:
            assert (tab.get_attribute("html", "data-care-mode") == "on") == care
            if address.startswith("search/"):
                tab.wait_for_selector("li.search-result [data-result-source]", timeout=10_000)
            found = [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
                     for v in axe.run(tab).response["violations"] if v["impact"] in ("critical", "serious")]
            if found:
                bad[address] = found
    assert bad == {}
