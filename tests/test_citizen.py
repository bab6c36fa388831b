"""What a citizen met on a phone and a desktop (issue 16): the search page's own form, tables at
375 px, a notice without items, the notice's own claim vs later progress, feedback that always has
a way, and 关怀模式 (elder-friendly mode: larger text, more spacing, stronger contrast, 44 px
targets), remembered across pages, axe-clean and without horizontal scroll in both modes.
Screenshots of home, a notice, an item and the search page in both modes go to test-artifacts/."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from disclosure.site import BuildContext, build_site
from disclosure.site.render import finding_beyond_heading, label_text
from disclosure.validate import load_dataset
from helpers import ROOT, serve_directory

AS_OF = dt.date(2026, 11, 26)
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
CORPUS = ROOT / "tests" / "notices" / "corpus"
PAGES = {"home": "", "notice": "jinpu-2019/", "item": "jinpu-2019/items/5-2/", "search": "search/?q=%E9%A5%AE%E6%B0%B4"}


# -- pages built from other notices -------------------------------------------------------------------
@pytest.fixture(scope="module")
def other_site(tmp_path_factory):
    """data/ plus two corpus notices (问题1: labels; no items) and contact variants on Jinpu."""
    root = tmp_path_factory.mktemp("citizen")
    data = root / "data"
    shutil.copytree(ROOT / "data", data)
    for name, nid in (("town-problem-n-status-first", "town-2024"), ("district-roundup-no-items", "roundup-2022")):
        done = subprocess.run([sys.executable, "-m", "disclosure.cli", "import", str(CORPUS / f"{name}.txt"),
                               "--out", str(data / "notices" / nid)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    notice = data / "notices" / "town-2024" / "notice.yml"
    text = notice.read_text("utf-8")
    text = re.sub(r"^contact:.*?(?=^\S|\Z)", "contact:\n  email: jubao@example.gov.cn\n"
                  "  web_form: https://xf.example.gov.cn/form?from=site\n", text, flags=re.S | re.M)
    notice.write_text(text, "utf-8")
    roundup = data / "notices" / "roundup-2022" / "notice.yml"
    roundup.write_text(re.sub(r"^contact:.*?(?=^\S|\Z)", "contact: {}\n", roundup.read_text("utf-8"), flags=re.S | re.M),
                       "utf-8")
    site = build_site(load_dataset(data), BuildContext(AS_OF, "站", site_url="https://xuncha.example.gov.cn/"))
    return {p.url: p.html for p in site.pages}, load_dataset(data)


def test_item_numbers_show_without_trailing_colons_and_titles_once(other_site):
    pages, dataset = other_site
    notice = pages["town-2024/"]
    rows = re.findall(r'<tr data-item-id="[^"]+".*?</tr>', notice, re.S)
    assert rows and all(not re.search(r'data-label="编号"[^>]*>问题\d+[:：]<', r) for r in rows)
    assert 'data-label="编号" data-sort="00001">问题1</td>' in notice
    for item, row in zip(dataset.notice("town-2024").items, rows):
        assert row.count(item.heading.rstrip("。")) == 1, row  # the title once, then what the finding adds
    assert label_text("问题1:") == "问题1" and label_text("1.") == "1" and label_text("(1)") == "(1)"


def test_finding_beyond_heading_drops_a_repeated_title():
    from disclosure.model import Item
    item = Item("n", "1", "1.", "党建工作不扎实。", "党建工作不扎实。支部会议记录不全。", [], "done", "", None)
    assert finding_beyond_heading(item) == "支部会议记录不全。"
    same = Item("n", "2", "2.", "关于“X”的问题。", "关于“X”的问题。", [], "done", "", None)
    assert finding_beyond_heading(same) == ""


def test_a_notice_without_items_says_so_instead_of_zero_percent(other_site):
    pages, _ = other_site
    notice = pages["roundup-2022/"]
    assert "data-no-items" in notice and "已完成 0%" not in notice and "dsc-progress__done" not in notice


def test_the_notice_banner_compares_the_claim_with_its_own_status_lines(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    page = lambda: next(p.html for p in build_site(load_dataset(data), BuildContext(AS_OF, "站")).pages if p.url == "jinpu-2019/")  # noqa: E731
    before = page()
    # the notice says 已完成19项; its own status lines say 20: that is a discrepancy with the notice
    assert "已完成 19 项" in before and "已完成 20 项，与原文说法不同" in before and "data-progress-since" not in before
    item = data / "notices" / "jinpu-2019" / "items" / "1.yml"
    item.write_text(item.read_text("utf-8").replace("updates: []", 'updates:\n  - date: "2021-03-01"\n'
                                                    "    status: done\n    note: 已全部完成。"), "utf-8")
    after = page()
    assert "已完成 20 项，与原文说法不同" in after  # later progress is not counted against the notice
    assert re.search(r"data-progress-since>通报发布时已完成 20 项；此后按发文单位公布的进展，现已完成 21 项", after)


def test_feedback_offers_call_mail_and_web_form_or_the_site_contact(other_site, built_site):
    pages, dataset = other_site
    notice = dataset.notice("town-2024")
    item = notice.items[0]
    page = pages[f"town-2024/items/{item.id}/"]
    mail = re.search(r'href="(mailto:[^"]+)" data-feedback-way="email"', page)[1].replace("&amp;", "&")
    parts = urlsplit(mail)
    query = parse_qs(parts.query)
    assert unquote(parts.path) == "jubao@example.gov.cn"
    assert query["subject"] == [f"[town-2024-{item.id}] {item.heading}"]
    assert f"第 {label_text(item.label)} 项" in query["body"][0]  # 问题1: -> 第 问题1 项, never 第 问题1: 项 and f"https://xuncha.example.gov.cn/town-2024/items/{item.id}/" in query["body"][0]
    form = re.search(r'href="([^"]+)" data-feedback-way="web"', page)[1].replace("&amp;", "&")
    assert form == f"https://xf.example.gov.cn/form?from=site&item=town-2024-{item.id}"
    jinpu = (built_site / "jinpu-2019" / "items" / "5-2" / "index.html").read_text("utf-8")
    assert re.search(r'href="tel:0411[0-9]+" data-feedback-way="phone"', jinpu)
    # a notice without contacts: test_a_notice_without_contacts_points_every_item_to_the_site_contact


def test_a_notice_without_contacts_points_every_item_to_the_site_contact(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    notice = data / "notices" / "jinpu-2019" / "notice.yml"
    notice.write_text(re.sub(r"^contact:.*?(?=^\S|\Z)", "contact: {}\n", notice.read_text("utf-8"), flags=re.S | re.M),
                      "utf-8")
    pages = {p.url: p.html for p in build_site(load_dataset(data), BuildContext(AS_OF, "站")).pages}
    box = pages["jinpu-2019/items/5-2/"].split("data-feedback>", 1)[1].split("</section>", 1)[0]
    assert 'data-feedback-way="site"' in box and 'href="../../../contact/"' in box


# -- in a browser: the search form, tables at 375 px, care mode ------------------------------------
def _open(browser, url: str, viewport: dict, care: bool | None = None):
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE)
    tab = context.new_page()
    tab.goto(url)
    if care is not None and (tab.get_attribute("html", "data-care-mode") == "on") != care:
        tab.click("[data-care-toggle]")
    return context, tab


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_search_page_form_looks_like_a_form(browser, site_url, viewport):
    context, tab = _open(browser, site_url + "search/", viewport)
    tab.wait_for_selector("[data-search-app][data-search-state=ready]")
    box = tab.evaluate("""() => { const s = getComputedStyle(document.querySelector('[data-search-input]'));
        const b = getComputedStyle(document.querySelector('.search-form button'));
        return {border: parseFloat(s.borderTopWidth), style: s.borderTopStyle, size: parseFloat(s.fontSize),
                height: document.querySelector('[data-search-input]').getBoundingClientRect().height,
                button: b.backgroundColor, buttonHeight: document.querySelector('.search-form button').getBoundingClientRect().height}; }""")
    assert box["border"] >= 1 and box["style"] == "solid" and box["size"] >= 16 and box["height"] >= 44, box
    assert box["button"] not in ("rgba(0, 0, 0, 0)", "transparent") and box["buttonHeight"] >= 44, box
    assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()


@pytest.mark.browser
def test_the_items_table_at_375px_has_a_readable_caption_and_no_empty_headers(browser, site_url):
    context, tab = _open(browser, site_url + "jinpu-2019/", PHONE)
    caption = tab.locator("[data-items-table] caption").first
    box = caption.bounding_box()
    line = tab.evaluate("parseFloat(getComputedStyle(document.querySelector('[data-items-table] caption')).lineHeight)")
    assert box["width"] > 200 and box["height"] < 2.5 * line, (box, line)  # one line, not a character per line
    empty = tab.evaluate("""() => [...document.querySelectorAll('[data-items-table] thead th')]
        .filter(th => th.offsetParent !== null && !th.textContent.trim()).length""")
    assert empty == 0
    assert tab.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


CARE_SIZES = """() => {
  const p = document.querySelector('article [data-finding] p');
  const s = getComputedStyle(p);
  const targets = [...document.querySelectorAll('button, select, input:not([type=hidden]), .dsc-pager a, .dsc-local-nav a, .dsc-footer a')]
    .filter(el => el.offsetParent !== null)
    .map(el => { const r = el.getBoundingClientRect(); return [el.tagName + '.' + el.className, r.width, r.height]; });
  return {size: parseFloat(s.fontSize), line: parseFloat(s.lineHeight) / parseFloat(s.fontSize), color: s.color,
          small: targets.filter(t => t[1] < 44 || t[2] < 44)};
}"""


@pytest.mark.browser
def test_care_mode_toggles_is_remembered_and_sizes_everything_up(browser, site_url, artifacts):
    context, tab = _open(browser, site_url + PAGES["item"], PHONE)
    plain = tab.evaluate(CARE_SIZES)
    tab.goto(site_url)
    toggle = tab.locator("[data-care-toggle]")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    assert "关怀模式" in toggle.inner_text() and tab.get_attribute("html", "data-care-mode") is None
    toggle.click()
    assert tab.get_attribute("html", "data-care-mode") == "on" and toggle.get_attribute("aria-pressed") == "true"
    tab.goto(site_url + PAGES["item"])  # another page: still on
    assert tab.get_attribute("html", "data-care-mode") == "on"
    cared = tab.evaluate(CARE_SIZES)
    assert cared["size"] >= 20 and cared["line"] >= 1.8 and cared["small"] == [], cared
    assert plain["size"] < 20  # without it the page is as before
    assert cared["color"] == "rgb(0, 0, 0)"  # stronger contrast: black body text
    tab.reload()
    assert tab.get_attribute("html", "data-care-mode") == "on"  # a later visit too
    tab.click("[data-care-toggle]")
    tab.goto(site_url + PAGES["notice"])
    assert tab.get_attribute("html", "data-care-mode") is None
    context.close()
    no_js = browser.new_context(java_script_enabled=False, viewport=PHONE)
    plain_tab = no_js.new_page()
    plain_tab.goto(site_url)
    assert plain_tab.locator("[data-care-toggle]").is_hidden()  # without JavaScript: the page as it was
    no_js.close()


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_both_modes_have_no_horizontal_scroll_no_axe_violation_and_a_screenshot(browser, site_url, artifacts, care):
    from axe_playwright_python.sync_playwright import Axe
    axe = Axe()
    for name, path in PAGES.items():
        for viewport in (PHONE, DESKTOP):
            context, tab = _open(browser, site_url + path, viewport, care=care)
            if name == "search":
                tab.wait_for_selector("[data-search-results] [data-item-id]")
            assert (tab.get_attribute("html", "data-care-mode") == "on") == care
            assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (name, viewport)
            if viewport is PHONE:
                results = axe.run(tab)
                bad = [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
                       for v in results.response["violations"] if v["impact"] in ("critical", "serious")]
                assert not bad, (name, care, bad)
            mode = "care" if care else "normal"
            tab.screenshot(path=str(artifacts / f"{name}-{mode}-{viewport['width']}.png"), full_page=False)
            context.close()
    for name in PAGES:
        assert (artifacts / f"{name}-{'care' if care else 'normal'}-375.png").stat().st_size > 5000


def test_staff_and_maintainer_pages_are_not_published(built_site):
    """The public site is for citizens: the staff guide, the promises with their test names, the
    performance figures, how search works and the administrator's guide stay in the repository's
    docs/ (issues 28, 29)."""
    for page in ("staff-guide", "admin-guide", "promises", "performance", "how-search-works"):
        assert not (built_site / page).exists(), page
    for html in built_site.rglob("*.html"):
        text = html.read_text("utf-8")
        for page in ("staff-guide/", "admin-guide/", "promises/", "performance/", "how-search-works/"):
            assert f'{page}"' not in text, (html, page)
    about = (built_site / "about" / "index.html").read_text("utf-8")
    assert "mkdocs.yml" not in about and "DISCLOSURE_" not in about


@pytest.fixture(scope="module")
def other_site_url(other_site, tmp_path_factory, build_site):
    """The same data built by MkDocs and served, for the browser."""
    _, dataset = other_site
    data = dataset.notices[0].folder.parent.parent
    out = tmp_path_factory.mktemp("citizen-site") / "site"
    done = build_site(out, data_dir=data)
    assert done.returncode == 0, done.stderr
    with serve_directory(out) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_each_defect_is_gone_in_the_browser(browser, other_site_url, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    tab = context.new_page()
    # a notice without items: says so, no bar, no 0%
    tab.goto(other_site_url + "roundup-2022/")
    assert tab.locator("[data-no-items]").first.is_visible() and tab.locator(".dsc-progress").count() == 0
    assert "已完成 0%" not in tab.inner_text("article")
    # 问题1: numbers without their colon, each title once per row
    tab.goto(other_site_url + "town-2024/")
    first = tab.locator("[data-items-table] tbody tr").first
    number = first.locator("td").first.inner_text()
    assert number.rstrip().endswith("问题1") and not number.rstrip().endswith(":"), number
    heading = first.locator("[data-item-link]").inner_text()
    assert first.inner_text().count(heading.rstrip("。")) == 1
    # the Jinpu banner: the claim against its own status lines, visible
    tab.goto(other_site_url + "jinpu-2019/")
    assert "与原文说法不同" in tab.locator("[data-stated-figures]").inner_text()
    # feedback ways are real links; no page talks about a missing address; no horizontal scroll
    tab.goto(other_site_url + "town-2024/items/" + first.get_attribute("data-item-id") + "/")
    for way in ("email", "web"):
        assert tab.locator(f"[data-feedback-way={way}]").is_visible()
    assert "配置网址" not in tab.inner_text("body")
    assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()
