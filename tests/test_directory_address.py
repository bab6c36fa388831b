"""The directory in the address (issue 28, item 7): /notices/?q=<unit or region>&kind=&year=&round=&overdue=1
is what the filter form shows and applies — on load, after a reload, from a shared link — and every
change of the form is written back (history.replaceState). Without JavaScript the page says the
filter needs it. 联系方式 gets the same unit filter (directory.js, on the contact page's hidden
form.disclosure-contact-filter and its blocks' data-unit / data-issuer), with ?q= in the address too:
tried on a small page made to that contract."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from helpers import ROOT, serve_directory

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def _index(site: Path) -> list[dict]:
    return json.loads((site / "notices" / "index.json").read_text("utf-8"))


def _expected(index: list[dict], q: str = "", kind: str = "", year: str = "", round_: str = "",
              overdue: bool = False) -> list[str]:
    """The notices the filter must list, by the rule the page states (unit, region or title contains q)."""
    out = []
    for n in index:
        titles = n["title"] + "".join(m["title"] for m in n.get("later", []))
        if ((not q or q in n["unit"] + n["region"] + titles) and (not kind or n["kind"] == kind)
                and (not year or n["year"] == year) and (not round_ or n["round"] == round_)
                and (not overdue or n["overdue"] > 0)):
            out.append(n["id"])
    return out[:200]


def _open(browser, url: str, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda e: tab.errors.append(e))
    tab.goto(url)
    return context, tab


def _ready(tab):
    tab.wait_for_selector("[data-directory-filter][data-filter-ready]")


def _listed(tab) -> list[str]:
    return tab.eval_on_selector_all("[data-filter-results] [data-entry]", "els => els.map(e => e.dataset.entry)")


def _address(tab) -> str:
    """The address as the page has it now (tab.url follows history.replaceState only a moment later)."""
    return tab.evaluate("location.href")


def _query(tab) -> dict[str, list[str]]:
    return parse_qs(urlsplit(_address(tab)).query)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_a_shared_directory_link_opens_filtered_and_a_reload_keeps_it(browser, portal40_url, portal40_site, viewport):
    index = _index(portal40_site)
    unit = next(n["unit"] for n in index if n["id"] == "unit-0011")
    want = _expected(index, q=unit)
    assert want and len(want) < len(index)
    context, tab = _open(browser, portal40_url + "notices/?q=" + quote(unit), viewport)
    try:
        _ready(tab)
        assert tab.input_value("[data-filter=text]") == unit  # shown in the form
        assert _listed(tab) == want and tab.locator("[data-directory-pages]").is_hidden()
        assert f"找到 {len(want)} 份通报" in tab.inner_text("[data-filter-count]")
        tab.reload()
        _ready(tab)
        assert tab.input_value("[data-filter=text]") == unit and _listed(tab) == want
        # the form writes the address: typing, a choice, the checkbox
        region = next(n["region"] for n in index if n["region"])
        tab.fill("[data-filter=text]", region)
        assert _query(tab) == {"q": [region]}
        year = sorted({n["year"] for n in index})[-1]
        tab.select_option("[data-filter=year]", year)
        tab.check("[data-filter=overdue]")
        assert _query(tab) == {"q": [region], "year": [year], "overdue": ["1"]}
        want = _expected(index, q=region, year=year, overdue=True)
        assert _listed(tab) == want
        tab.reload()  # all of it survives a reload
        _ready(tab)
        assert tab.input_value("[data-filter=text]") == region and tab.input_value("[data-filter=year]") == year
        assert tab.is_checked("[data-filter=overdue]") and _listed(tab) == want
        tab.fill("[data-filter=text]", "")  # emptied: the plain paged list and a plain address again
        tab.select_option("[data-filter=year]", "")
        tab.uncheck("[data-filter=overdue]")
        assert urlsplit(_address(tab)).query == "" and tab.locator("[data-directory-pages]").is_visible()
        assert tab.locator("[data-filter-results]").is_hidden()
        assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert not tab.errors
    finally:
        context.close()


@pytest.mark.browser
def test_every_filter_of_the_form_is_a_parameter_of_the_address(browser, portal40_url, portal40_site):
    index = _index(portal40_site)
    kind = index[0]["kind"]
    round_ = next(n["round"] for n in index if n["round"])
    year = index[0]["year"]
    url = portal40_url + "notices/page/2/?" + "&".join(
        f"{k}={quote(v)}" for k, v in (("kind", kind), ("round", round_), ("year", year), ("overdue", "1")))
    context, tab = _open(browser, url, DESKTOP)
    try:
        _ready(tab)  # a later page of the directory takes the same address
        assert tab.input_value("[data-filter=kind]") == kind and tab.input_value("[data-filter=round]") == round_
        assert tab.input_value("[data-filter=year]") == year and tab.is_checked("[data-filter=overdue]")
        assert _listed(tab) == _expected(index, kind=kind, year=year, round_=round_, overdue=True)
        tab.goto(portal40_url + "notices/?year=1800")  # a value the form does not offer: not applied
        _ready(tab)
        assert tab.input_value("[data-filter=year]") == "" and tab.locator("[data-directory-pages]").is_visible()
        assert not tab.errors
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_without_javascript_the_directory_says_the_filter_needs_it(browser, portal40_url, viewport):
    context, tab = _open(browser, portal40_url + "notices/?q=" + quote("示例"), viewport, java_script_enabled=False)
    try:
        note = tab.locator("[data-directory-no-script]")
        assert note.is_visible() and "需要浏览器启用脚本" in note.inner_text()
        assert "按年份" in note.inner_text() and "按单位" in note.inner_text()
        assert tab.locator("[data-directory-filter]").is_hidden()
        assert tab.locator("[data-directory-pages] [data-entry]").count() > 5  # the list as it is
    finally:
        context.close()
    context, tab = _open(browser, portal40_url + "notices/", viewport)
    try:
        _ready(tab)
        assert tab.locator("[data-directory-no-script]").count() == 0 or tab.locator("[data-directory-no-script]").is_hidden()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_the_filtered_directory_is_axe_clean_in_both_modes(browser, portal40_url, care):
    from axe_playwright_python.sync_playwright import Axe
    from test_care_mode import MIN_PX, SMALL_TEXTS
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    if care:
        context.add_init_script("try { localStorage.setItem('dsc-care-mode', 'on'); } catch (e) {}")
    tab = context.new_page()
    try:
        tab.goto(portal40_url + "notices/?q=" + quote("示例1"))
        _ready(tab)
        assert tab.locator("[data-filter-results] [data-entry]").count() > 0
        bad = [f"{v['impact']} {v['id']}" for v in Axe().run(tab).response["violations"]
               if v["impact"] in ("critical", "serious")]
        assert not bad
        if care:
            assert tab.evaluate(SMALL_TEXTS, MIN_PX)["small"] == []
    finally:
        context.close()


# ---- 联系方式: the contract with the contact page's template ----------------------------------------

CONTACT_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>联系方式</title></head><body><main>
<h1>联系方式</h1>
<form class="disclosure-contact-filter" hidden role="search">
  <label for="contact-q">按单位查找</label> <input id="contact-q" type="search" name="q">
</form>
<section data-contact-operator><h2>本站主办单位</h2><p>电话：0000-7650000</p></section>
<section data-contact-notice="a" data-unit="示例县水务局" data-issuer="中共示例县水务局党组"><h2>中共示例县水务局党组</h2><p>电话：0000-1</p></section>
<section data-contact-notice="b" data-unit="示例12镇" data-issuer="示例12镇党委"><h2>示例12镇党委</h2><p>电话：0000-2</p></section>
<section data-contact-notice="c" data-unit="示例县交通局" data-issuer="中共示例县交通局党组"><h2>中共示例县交通局党组</h2><p>电话：0000-3</p></section>
<section data-contact-notice="d" data-issuer="&lt;b&gt;示例县林业局&lt;/b&gt;"><h2>示例县林业局</h2><p>电话：0000-4</p></section>
</main><script src="../notices/directory.js" defer></script></body></html>
"""


@pytest.fixture(scope="module")
def contact_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("contact-filter")
    (root / "contact").mkdir()
    (root / "notices").mkdir()
    (root / "contact" / "index.html").write_text(CONTACT_PAGE, "utf-8")
    shutil.copy2(ROOT / "src" / "disclosure" / "site" / "directory.js", root / "notices" / "directory.js")
    with serve_directory(root) as url:
        yield url


def _shown(tab) -> list[str]:
    return tab.eval_on_selector_all("[data-contact-notice]", "els => els.filter(e => !e.hidden && "
                                    "e.getClientRects().length).map(e => e.dataset.contactNotice)")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_contact_page_filters_its_units_with_q_in_the_address(browser, contact_url, viewport):
    context, tab = _open(browser, contact_url + "contact/?q=" + quote("水务"), viewport)
    try:
        form = tab.locator("form.disclosure-contact-filter")
        form.wait_for(state="visible")  # shown by the script; hidden without it
        box = form.locator("input[name=q]")
        assert box.input_value() == "水务" and _shown(tab) == ["a"]
        assert tab.locator("[data-contact-operator]").is_visible()  # the operator's block is not a unit's
        assert "找到 1 份" in tab.inner_text("[data-contact-filter-count]")
        box.fill("党组")  # by issuer as well as by unit
        assert _shown(tab) == ["a", "c"] and _query(tab) == {"q": ["党组"]}
        box.fill("林业局")  # markup-like text in an attribute is only text
        assert _shown(tab) == ["d"]
        tab.reload()
        tab.locator("form.disclosure-contact-filter").wait_for(state="visible")
        assert box.input_value() == "林业局" and _shown(tab) == ["d"]
        box.fill("没有这个单位")
        assert _shown(tab) == [] and "没有" in tab.inner_text("[data-contact-filter-count]")
        box.fill("")
        assert _shown(tab) == ["a", "b", "c", "d"] and urlsplit(_address(tab)).query == ""
        box.fill("示例12镇")
        box.press("Enter")  # submitting does not leave the page
        assert _shown(tab) == ["b"] and urlsplit(_address(tab)).path.endswith("/contact/")
        assert not tab.errors
    finally:
        context.close()
    context, tab = _open(browser, contact_url + "contact/?q=" + quote("水务"), viewport, java_script_enabled=False)
    try:
        assert tab.locator("form.disclosure-contact-filter").is_hidden() and len(_shown(tab)) == 4
    finally:
        context.close()
