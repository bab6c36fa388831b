"""Phone first (issue 28, items 3 and 8), on the generated 40-notice portal at 375 px and 1280 px.

Search: under 768 px the results come before the facets, which sit behind a 筛选 button saying how
many filters are on (筛选(2)), opened and closed with the mouse or the keyboard; one hit is on the
first phone screen (375 x 812). At 1280 px the facets are shown beside/above the results as before.
A checked facet option keeps its place. An item page reaches its own notice's contact in one tap
from the top. The leftovers of item 8: "第 4 项", never "第 4. 项"; the copied web-page furniture
after the full text, apart from it; no menu icon on a link that is not a menu; a Chinese 404 page
and no English sentence on any public page. axe finds nothing critical or serious, normal and 关怀模式."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import yaml

from test_care_mode import MIN_PX, SMALL_TEXTS

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
ONE_HIT = "季节性缺水"  # only item 1 of the fictional sample notice says it
MANY = "饮水"  # every synthetic notice and Jinpu
MENU_ICON = "M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z"  # Material's .icons/material/menu.svg (☰)


def _open(browser, url: str, viewport: dict, care: bool = False):
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE)
    if care:
        context.add_init_script("try { localStorage.setItem('dsc-care-mode', 'on'); } catch (e) {}")
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda e: tab.errors.append(e))
    tab.goto(url)
    return context, tab


def _search(browser, base: str, query: str, viewport: dict, care: bool = False):
    context, tab = _open(browser, base + "search/?q=" + quote(query), viewport, care)
    tab.wait_for_selector("[data-search-app][data-search-state=ready]")
    return context, tab


def _rendered(tab, action):
    """Do something that re-runs the search and wait for its results (search.js's search:rendered)."""
    tab.evaluate("""() => { window.__rendered = 0; document.querySelector('[data-search-app]')
        .addEventListener('search:rendered', () => { window.__rendered++; }, { once: true }); }""")
    action()
    tab.wait_for_function("window.__rendered > 0")


def _axe(tab) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(tab)
    return [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("critical", "serious")]


def _notice_tel(site: Path, notice_id: str) -> str:
    """The notice's own phone, from its notice.yml, as a tel: link (render.tel_href)."""
    notice = yaml.safe_load((site.parent / "data" / "notices" / notice_id / "notice.yml").read_text("utf-8"))
    return "tel:" + re.sub(r"[^0-9+]", "", notice["contact"]["phone"])


# ---- search ------------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_one_hit_is_on_the_first_phone_screen(browser, portal40_url, care):
    context, tab = _search(browser, portal40_url, ONE_HIT, PHONE, care)
    try:
        assert tab.inner_text("[data-result-count]") == "1"
        toggle = tab.locator("[data-facets-toggle]")
        assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        assert tab.locator("[data-search-facets]").is_hidden()  # behind the button, not above the result
        card = tab.locator("[data-search-results] [data-item-id]")
        assert card.count() == 1 and card.get_attribute("data-notice") == "shixian-xuncha-2024"
        heading, source = card.locator(".search-result__link").bounding_box(), card.locator("[data-result-source]").bounding_box()
        if care:  # 20 px text and more: its title and whose it is still start on the first screen
            assert heading["y"] + 40 <= PHONE["height"], heading
        else:  # the whole card, its excerpt too, without scrolling
            box = card.bounding_box()
            assert box["y"] + box["height"] <= PHONE["height"], box
            assert source["y"] + source["height"] <= PHONE["height"], source
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert not tab.errors
    finally:
        context.close()


@pytest.mark.browser
def test_the_facets_sit_behind_a_filter_button_with_the_count_of_active_filters(browser, portal40_url):
    context, tab = _search(browser, portal40_url, MANY, PHONE)
    try:
        toggle = tab.locator("[data-facets-toggle]")
        facets = tab.locator("[data-search-facets]")
        first = tab.locator("[data-search-results] [data-item-id]").first
        assert toggle.inner_text().strip() == "筛选" and facets.is_hidden()
        assert toggle.bounding_box()["y"] < first.bounding_box()["y"] < PHONE["height"]  # results on the first screen
        assert toggle.get_attribute("aria-controls") == facets.get_attribute("id")
        toggle.focus()  # the keyboard opens it: Enter
        tab.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true" and facets.is_visible()
        assert facets.bounding_box()["y"] < first.bounding_box()["y"]  # opened under the button, above the list
        status = tab.locator("[data-facet=status] input[type=checkbox]").first
        _rendered(tab, status.check)
        assert toggle.inner_text().replace(" ", "").startswith("筛选(1)")
        unit = tab.locator("[data-facet=unit] input[type=checkbox]").nth(2)
        chosen = unit.get_attribute("value")
        _rendered(tab, unit.check)
        assert toggle.inner_text().replace(" ", "").startswith("筛选(2)")
        assert facets.is_visible()  # stays open while choosing
        query = parse_qs(urlsplit(tab.evaluate("location.href")).query)
        assert query["unit"] == [chosen] and len(query["status"]) == 1
        toggle.focus()  # Space closes it, focus stays on the button
        tab.keyboard.press("Space")
        assert toggle.get_attribute("aria-expanded") == "false" and facets.is_hidden()
        assert tab.evaluate("document.activeElement.hasAttribute('data-facets-toggle')")
        tab.reload()  # the filters are in the address: still on, still counted, closed again
        tab.wait_for_selector("[data-search-app][data-search-state=ready]")
        assert toggle.inner_text().replace(" ", "").startswith("筛选(2)") and facets.is_hidden()
        assert tab.locator("[data-search-results] [data-item-id]").count() >= 1
        toggle.click()  # and a tap opens it
        assert facets.is_visible() and tab.is_checked(f"[data-facet=unit] input[value='{chosen}']")
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert not tab.errors
    finally:
        context.close()


@pytest.mark.browser
def test_at_1280px_the_facets_show_without_a_button(browser, portal40_url):
    context, tab = _search(browser, portal40_url, MANY, DESKTOP)
    try:
        assert tab.locator("[data-facets-toggle]").is_hidden()
        facets = tab.locator("[data-search-facets]")
        assert facets.is_visible() and tab.locator("[data-facet=unit]").is_visible()
        assert tab.locator(".dsc-header [data-site-search]").is_visible()  # the header's form as before
        first = tab.locator("[data-search-results] [data-item-id]").first
        assert facets.bounding_box()["y"] < first.bounding_box()["y"]
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_a_checked_facet_option_keeps_its_place(browser, portal40_url, viewport):
    """It used to jump to the front: the option under the pointer changed, and one (double) click
    ended with two units checked."""
    context, tab = _search(browser, portal40_url, MANY, viewport)
    try:
        if viewport is PHONE:
            tab.click("[data-facets-toggle]")
        values = lambda: tab.eval_on_selector_all(  # noqa: E731
            "[data-facet=unit] input[type=checkbox]", "bs => bs.map(b => [b.value, b.checked])")
        before = values()
        assert len(before) == 8 and not any(c for _, c in before)
        option = tab.locator("[data-facet=unit] label.search-facet__option").nth(4)
        _rendered(tab, option.click)
        after = values()
        assert [v for v, _ in after] == [v for v, _ in before]  # every option where it was
        assert [v for v, c in after if c] == [before[4][0]]  # the one clicked, and only it
        _rendered(tab, tab.locator("[data-facet=unit] label.search-facet__option").nth(4).click)  # same spot again
        assert values() == before  # unchecked: no second unit
        assert not tab.errors
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_the_phone_search_page_is_axe_clean_and_large_enough_in_care_mode(browser, portal40_url, care):
    context, tab = _search(browser, portal40_url, MANY, PHONE, care)
    try:
        assert not _axe(tab)
        tab.click("[data-facets-toggle]")
        tab.locator("[data-facet=status] input[type=checkbox]").first.check()
        tab.wait_for_function("document.querySelector('[data-facets-toggle]').textContent.includes('(1)')")
        assert not _axe(tab)
        if care:
            found = tab.evaluate(SMALL_TEXTS, MIN_PX)
            assert found["total"] > 20 and found["small"] == [], found["small"][:10]
            size = tab.evaluate("parseFloat(getComputedStyle(document.querySelector('[data-facets-toggle]')).fontSize)")
            assert size >= MIN_PX
        toggle = tab.locator("[data-facets-toggle]").bounding_box()
        assert toggle["height"] >= 44 and toggle["width"] >= 44
    finally:
        context.close()


# ---- an item page: its own contact one tap from the top -------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_an_item_pages_own_contact_is_one_tap_from_the_top(browser, portal40_url, portal40_site, viewport, care):
    notice = "unit-0005"
    context, tab = _open(browser, portal40_url + f"{notice}/items/1/", viewport, care)
    try:
        jump = tab.locator("[data-jump-contact]")
        box = jump.bounding_box()
        assert jump.is_visible() and box["y"] + box["height"] <= viewport["height"]  # on the first screen
        assert box["height"] >= 44  # a target a finger hits
        jump.click()
        tab.wait_for_function("location.hash === '#feedback'")
        phone = tab.locator("[data-feedback] [data-feedback-way=phone]")
        assert phone.get_attribute("href") == _notice_tel(portal40_site, notice)  # its own notice's, no other
        header = tab.locator(".dsc-header").bounding_box()
        heading = tab.locator("#feedback").bounding_box()
        where = phone.bounding_box()
        assert heading["y"] >= header["y"] + header["height"] - 1  # not under the sticky header
        assert where["y"] + where["height"] <= viewport["height"]  # the number is on screen: one tap
        if viewport is PHONE:
            assert not _axe(tab)
        assert not tab.errors
    finally:
        context.close()


def test_every_item_pages_feedback_box_gives_its_own_notices_contact(portal40_site):
    """The feedback box (对这一项有意见建议？) of every item page of the 40 notices: its own notice's
    phone and address, never another unit's or the site operator's."""
    checked = 0
    for yml in sorted((portal40_site.parent / "data" / "notices").glob("unit-*/notice.yml")):
        notice = yaml.safe_load(yml.read_text("utf-8"))
        for page in sorted((portal40_site / notice["id"] / "items").glob("*/index.html")):
            html = page.read_text("utf-8")
            box = html.split("data-feedback>", 1)[1].split("</section>", 1)[0]
            assert re.findall(r'href="(tel:[^"]*)"', box) == [_notice_tel(portal40_site, notice["id"])], page
            assert notice["contact"]["address"] in box, page
            assert '"tel:00007650000"' not in box  # the operator's (site.yml)
            jump = re.search(r'<a class="dsc-jump__link" href="([^"]+)" data-jump-contact>', html)
            assert jump and jump[1] == "#feedback" and '<h2 id="feedback">' in html
            checked += 1
    assert checked == 400


# ---- the leftovers of item 8 ---------------------------------------------------------------------

def test_an_item_number_reads_di_4_xiang_and_the_label_stays_verbatim(portal40_site):
    sample = portal40_site / "shixian-xuncha-2024" / "items" / "4" / "index.html"
    html = sample.read_text("utf-8")
    assert '<span class="dsc-item__label">4．</span>' in html  # the notice's own label, as printed
    assert "第 4 项" in html and "第 4． 项" not in html
    jinpu = (portal40_site / "jinpu-2019" / "full-text" / "index.html").read_text("utf-8")
    assert "查看第 (1) 项当前状态" in jinpu
    stray = re.compile(r"第 [^<>\s]{1,10}[.．:：、] 项")
    for page in portal40_site.rglob("*.html"):
        found = stray.findall(page.read_text("utf-8"))
        assert not found, (page, found[:3])


def test_web_page_furniture_follows_the_full_text_apart_from_it(portal40_site):
    html = (portal40_site / "jinpu-2019" / "full-text" / "index.html").read_text("utf-8")
    notice = yaml.safe_load((portal40_site.parent / "data" / "notices" / "jinpu-2019" / "notice.yml").read_text("utf-8"))
    lines = notice["page"]["lines"]
    assert "【打印】" in lines and "责编:督察处" in lines
    text = html.split('<div class="dsc-fulltext"', 1)[1].split("</div>", 1)[0]
    start = html.split('<div class="dsc-fulltext"', 1)[0].split("<h1", 1)[1]
    aside = html.split("data-page-lines>", 1)[1].split("</aside>", 1)[0]
    assert html.index("data-page-lines") > html.index('<div class="dsc-fulltext"')  # after the text
    assert "原网页上的其他文字" in aside
    for line in lines:  # nothing dropped, word for word, none of it in or before the notice's text
        assert f"<li>{line.replace('>', '&gt;')}</li>" in aside, line
        assert line.replace(">", "&gt;") not in text and line.replace(">", "&gt;") not in start, line
    assert text.lstrip().split(">", 1)[1].lstrip().startswith('<p class="dsc-ft-title">中共大连金普新区')


def test_no_menu_icon_on_a_link_that_is_not_a_menu(portal40_site):
    item = (portal40_site / "unit-0005" / "items" / "1" / "index.html").read_text("utf-8")
    header = item.split("<header", 1)[1].split("</header>", 1)[0]
    assert MENU_ICON not in header and "__drawer" not in header  # no drawer on item pages, no ☰
    home = re.search(r"<a [^>]*data-header-home>(.*?)</a>", header, re.S)
    assert home and re.sub(r"<[^>]+>|\s", "", home[1]) == "首页"
    directory = (portal40_site / "notices" / "index.html").read_text("utf-8")
    assert MENU_ICON in directory.split("</header>", 1)[0] and 'for="__drawer"' in directory  # a real menu there


class _Words(HTMLParser):
    """Text and the attributes people hear or see (aria-label, title, alt, placeholder, value)."""

    def __init__(self):
        super().__init__()
        self.skip, self.found = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg", "code"):
            self.skip += 1
        for key, value in attrs:
            if key in ("aria-label", "title", "alt", "placeholder", "value", "aria-description") and value:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg", "code"):
            self.skip -= 1

    def handle_data(self, data):
        if self.skip <= 0:
            self.found.append(data)


ENGLISH = re.compile(r"[A-Za-z]{3,}(?:\s+|,\s*)[A-Za-z]{2,}")  # two words in a row
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+|\b[\w-]+(?:\.[\w-]+)+\b")  # e-mail, web and file names
TECHNICAL_NAMES = {"JSON Schema"}  # a format's name, explained in Chinese beside it


def test_no_english_sentence_on_any_public_page(portal40_site):
    notfound = (portal40_site / "404.html").read_text("utf-8")
    assert "Not found" not in notfound and "没有找到这个页面" in notfound
    pages = sorted(portal40_site.rglob("*.html"))
    assert len(pages) > 400
    for page in pages:
        words = _Words()
        words.feed(page.read_text("utf-8"))
        english = [m for text in words.found for m in ENGLISH.findall(ADDRESSES.sub(" ", text))
                   if m not in TECHNICAL_NAMES]
        assert not english, (page, english[:5])
