"""No markup from data: every text field of two notices and their items holds HTML, JavaScript URLs,
Jinja and Markdown. The built site shows all of it as typed — in Chromium no dialog opens, no element
comes from data, the literal text is visible — and items.json, items.csv and the Atom feeds carry it as
data."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from conftest import run_mkdocs_build
from helpers import ROOT, serve_directory

VALID = ROOT / "tests" / "bad_data" / "valid"
SCRIPT, IMG, JINJA, RAW = "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{{ 7*7 }}", "{% raw %}R{% endraw %}"
MARKDOWN, LINK, BOLD = "**粗体**", "[链接](javascript:alert(1))", "<b>加粗</b>"
WORD = "敌意测试"  # a search term found only in hostile text
NOT_TEXT = {"id", "category", "group", "issue", "status", "deadline", "date", "issued", "published", "source",
            "kind", "role", "total", "done", "in_progress"}  # codes, ids and dates: the schema keeps them plain


def hostile(field: str) -> str:
    """One field's text: its name (to find it) and every kind of markup, plus the search word."""
    return f"〔{field}〕{SCRIPT}{IMG}{JINJA}{RAW} {MARKDOWN} {LINK} {BOLD} javascript:alert(1) &amp; {WORD}"


def poison(value, field: str = ""):
    """Every string leaf that is free text becomes hostile; codes and ids stay valid."""
    if isinstance(value, dict):
        return {k: (v if k in NOT_TEXT else poison(v, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, field) for v in value]
    return hostile(field) if isinstance(value, str) else value


def write_yaml(path: Path, data: dict):
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def hostile_notice(folder: Path, notice_id: str):
    shutil.copytree(VALID / "notices" / "demo", folder)
    notice = yaml.safe_load((folder / "notice.yml").read_text("utf-8"))
    notice["contact"].update(email="x@example.invalid", web_form="javascript:alert(1)", note="x")
    notice.update(issued_text="x", addressees="x", unplaced=["x"],
                  page={"breadcrumb": "x", "editor": "x", "lines": ["x"]})
    notice["inspection"]["period"] = "x"
    notice["categories"][0]["paragraphs"] = ["x"]
    notice = poison(notice)
    notice["id"] = notice_id
    write_yaml(folder / "notice.yml", notice)
    for path in (folder / "items").glob("*.yml"):
        item = yaml.safe_load(path.read_text("utf-8"))
        item["responsible"] = ["x", "y"]
        if item["status"] == "done":
            item["no_deadline"] = "x"
        for update in item["updates"]:
            update.update(deadline="2025-06", reason="x")
        item = poison(item)
        for update in item["updates"]:
            update["evidence"] = ["javascript:alert(1)", IMG, "//evil.invalid/x.pdf", "java\tscript:alert(1)"]
        write_yaml(path, item)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """Two hostile notices (two, so notice titles reach the navigation too), built for real."""
    root = tmp_path_factory.mktemp("hostile")
    for notice_id in ("demo", "demo-two"):
        hostile_notice(root / "data" / "notices" / notice_id, notice_id)
    # site.yml: the operator's text reaches every portal page's footer (the filings are patterns, not text)
    write_yaml(root / "data" / "site.yml", poison({"operator": "x", "contact": {"phone": "x", "address": "x", "email": "x"},
                                                  "report": {"phone": "x", "note": "x"}}))
    result = run_mkdocs_build(root / "site", data_dir=root / "data")
    assert result.returncode == 0, result.stderr[-3000:]
    return root / "site"


@pytest.fixture(scope="module")
def hostile_url(hostile_site):
    with serve_directory(hostile_site) as url:
        yield url


# -- the files, read as bytes ------------------------------------------------------------------------
def test_the_data_really_is_hostile_everywhere(hostile_site):
    """Guard against a vacuous pass: the fields this test means to cover are hostile in the data."""
    notice = yaml.safe_load((hostile_site.parent / "data/notices/demo/notice.yml").read_text("utf-8"))
    item = yaml.safe_load((hostile_site.parent / "data/notices/demo/items/1.yml").read_text("utf-8"))
    for field in ("title", "issuer", "addressees", "issued_text"):
        assert notice[field] == hostile(field)
    assert notice["categories"][0]["title"] == hostile("title")
    assert notice["categories"][0]["groups"][0]["issues"][0]["title"] == hostile("title")
    assert notice["sections"][0]["paragraphs"] == [hostile("paragraphs")]
    assert set(notice["contact"].values()) == {hostile(k) for k in ("phone", "address", "email", "web_form", "note")}
    site = yaml.safe_load((hostile_site.parent / "data/site.yml").read_text("utf-8"))
    assert site["operator"] == hostile("operator") and site["report"]["note"] == hostile("note")
    for field in ("label", "heading", "finding", "finding_lead", "finding_tail", "status_text"):
        assert item[field] == hostile(field)
    assert item["measures"] == [hostile("measures")] and item["responsible"] == [hostile("responsible")] * 2
    assert item["updates"][0]["note"] == hostile("note") and item["updates"][0]["reason"] == hostile("reason")


RAW_MARKUP = [re.compile(p, re.I) for p in (r"<script>alert", r"<img src=x", r"<b>加粗", r"href=\"\s*javascript:",
                                            r"href=\"//evil", r"<strong>粗体</strong>", r"\b49\b.{0,3}\{% raw")]


def test_no_page_contains_the_markup_unescaped(hostile_site):
    found = {}
    for page in hostile_site.rglob("*.html"):
        html = page.read_text("utf-8")
        hits = [p.pattern for p in RAW_MARKUP if p.search(html)]
        if hits:
            found[str(page.relative_to(hostile_site))] = hits
    assert not found
    item = (hostile_site / "demo/items/1/index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in item and "{{ 7*7 }}" in item


def test_open_data_and_feeds_carry_the_text_as_data(hostile_site):
    records = json.loads((hostile_site / "data/items.json").read_text("utf-8"))
    record = next(r for r in records if r["notice"] == "demo" and r["id"] == "1")
    assert record["heading"] == hostile("heading") and record["measures"] == [hostile("measures")]
    assert record["notice_title"] == hostile("title")
    rows = list(csv.DictReader(io.StringIO((hostile_site / "data/items.csv").read_bytes().decode("utf-8-sig"))))
    row = next(r for r in rows if r["事项编号(id)"] == "1" and r["通报编号(notice)"] == "demo")
    assert row["标题(heading)"] == hostile("heading") and row["整改措施(measures)"] == hostile("measures")
    for feed in ("feed.xml", "demo/feed.xml"):
        raw = (hostile_site / feed).read_bytes()
        assert b"<script>" not in raw and b"<img " not in raw  # escaped inside the XML
        atom = "{http://www.w3.org/2005/Atom}"
        entries = ET.fromstring(raw).findall(f"{atom}entry")
        texts = [e.findtext(f"{atom}title") + (e.findtext(f"{atom}content") or "") for e in entries]
        assert any(hostile("heading").rstrip("。") in t and hostile("note") in t for t in texts), texts[:2]
        assert all(e.find(f"{atom}content").get("type") == "text" for e in entries)


# -- in Chromium -------------------------------------------------------------------------------------
FROM_DATA = """() => {
  const all = [...document.querySelectorAll('*')];
  return {
    img: document.querySelectorAll('img[src="x"], [onerror]').length,
    scripts: [...document.scripts].filter(s => s.textContent.includes('alert(')).length,
    jsLinks: [...document.querySelectorAll('a[href]')].filter(a => /^\\s*javascript:/i.test(a.getAttribute('href'))).length,
    outLinks: [...document.querySelectorAll('a[href]')].filter(a => a.host && a.host !== location.host).length,
    bold: all.filter(e => e.tagName === 'B' && e.textContent === '加粗').length,
    markdown: all.filter(e => ['STRONG', 'EM'].includes(e.tagName) && e.textContent === '粗体').length,
  };
}"""
PAGES = ["", "demo/", "demo/items/1/", "demo/items/2/", "demo/categories/1/", "demo/categories/1/1/", "demo/full-text/",
         "contact/", "updates/", "demo/print/", "data/", "about/"]


def assert_shown_literally(page, path: str, dialogs: list[str]):
    created = page.evaluate(FROM_DATA)
    assert created == {k: 0 for k in created}, (path, created)
    text = page.inner_text("body")
    for literal in (SCRIPT, IMG, JINJA, RAW, MARKDOWN, BOLD):
        assert literal in text, (path, literal)
    assert not dialogs, (path, dialogs)


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_pages_show_hostile_text_as_text(page, hostile_url, path):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_url + path)  # "load": inline markup would have run by now
    if path == "about/":  # a hand-written page: data reaches it only through the footer
        assert hostile("address") in page.inner_text("footer") and not dialogs
        return
    assert_shown_literally(page, path, dialogs)
    if path == "demo/items/1/":
        assert SCRIPT in page.title()  # <title> too, escaped once (not &lt; shown)
        assert "&lt;" not in page.title()


@pytest.mark.browser
def test_navigation_titles_are_text(page, hostile_url):
    """Data reaches navigation only in a notice's local nav and the directory: as text, escaped once."""
    page.goto(hostile_url + "demo/")
    nav = page.locator("[data-local-nav]").first.text_content()
    assert SCRIPT in nav and "&lt;" not in nav
    page.goto(hostile_url + "notices/")
    listing = page.locator("[data-directory-pages]").first.text_content()
    assert SCRIPT in listing and "&lt;" not in listing


@pytest.mark.browser
def test_search_results_show_hostile_text_as_text(page, hostile_url):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{hostile_url}search/?q={quote(WORD)}")
    page.wait_for_selector("[data-search-results] [data-item-id]")
    results = page.locator("[data-search-results]").inner_text()
    assert "〔heading〕" in results and SCRIPT in results
    assert_shown_literally(page, "search", dialogs)
    page.locator("[data-search-results] a").first.click()  # a result link leads to the item, no dialog
    page.wait_for_selector("article[data-item-id]")
    assert not dialogs
