"""Accountability beyond the notice, on a real build: status history (timeline, revised deadlines,
overdue against the current deadline), what changed (/updates/, Atom feeds), open data (CSV, JSON,
schemas), printed sheets with QR codes, and hostile update text shown as text.

One build per module, from a copy of data/ where three Jinpu items got updates (see UPDATES)."""
from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from disclosure.site.open_data import CSV_COLUMNS, csv_cell as _cell
from disclosure.qr import qr_svg
from disclosure.site.open_data import FIELDS

ATOM = "{http://www.w3.org/2005/Atom}"
SITE_URL = "https://gongshi.example.gov.cn/zg/"
JINPU = "jinpu-2019"
HOSTILE_NOTE = "<script>alert('note')</script>全部完成 {{ 7*7 }} **不应加粗**"
HOSTILE_REASON = "<b>理由</b>需跨年度实施"
# Appended to the items' `updates: []` (YAML block text).
UPDATES = {
    "1": '''updates:
  - date: "2020-01-15"
    status: in_progress
    note: 机构改革方案已报批。
    deadline: "2026-06"
    reason: 等待省级批复文件
  - date: "2024-06-30"
    status: in_progress
    note: |-
      已完成 3 个街道的选任。
      其余街道正在考察。
    evidence:
      - evidence/jinpu-1-选任名单.pdf
      - https://www.example.gov.cn/notice/1.html
''',
    "2": f'''updates:
  - date: "2021-03-01"
    status: done
    note: "{HOSTILE_NOTE}"
    evidence:
      - "javascript:alert(1)"
      - "java\\tscript:alert(2)"
      - "<img src=x onerror=alert(3)>"
      - "//evil.example/x"
''',
    "3": f'''updates:
  - date: "2022-01-10"
    status: ongoing
    note: 跨年度推进。
    deadline: "2027-06"
    reason: "{HOSTILE_REASON}"
''',
}


def add_updates(data: Path) -> None:
    for item_id, block in UPDATES.items():
        path = data / "notices" / JINPU / "items" / f"{item_id}.yml"
        text = path.read_text("utf-8")
        assert text.rstrip().endswith("updates: []")
        path.write_text(text.rstrip()[: -len("updates: []")] + block, "utf-8")


@pytest.fixture(scope="module")
def site(module_scratch_data, tmp_path_factory) -> Path:
    add_updates(module_scratch_data)
    out = tmp_path_factory.mktemp("history") / "site"
    from conftest import run_mkdocs_build
    result = run_mkdocs_build(out, data_dir=module_scratch_data, extra_env={"DISCLOSURE_SITE_URL": SITE_URL})
    assert result.returncode == 0, result.stderr
    return out


def item_html(site: Path, item_id: str, notice: str = JINPU) -> str:
    return (site / notice / "items" / item_id / "index.html").read_text("utf-8")


def section(page: str, marker: str) -> str:
    return page.split(marker, 1)[1].split("</section>", 1)[0]


def figures_of(block: str) -> list[int]:
    return [int(re.search(rf'data-figure="{k}">(\d+)<', block)[1]) for k in ("total", "done", "not_done", "overdue")]


# -- status history -----------------------------------------------------------------------------------
def test_timeline_lists_the_notice_then_every_update_in_order(site):
    timeline = section(item_html(site, "1"), "data-timeline>")
    assert re.findall(r'data-update="([\d-]+)"', timeline) == ["2019-08-21", "2020-01-15", "2024-06-30"]
    text = html.unescape(re.sub(r"<[^>]+>", "", timeline))
    assert "2019年8月21日" in text and "通报发布，整改时限 2019年12月" in text
    assert "2020年1月15日" in text and "2024年6月30日" in text
    assert "已完成 3 个街道的选任。\n其余街道正在考察。" in text  # verbatim, line break kept
    assert "整改时限调整为 2026年6月。调整理由：等待省级批复文件" in text
    assert timeline.count('data-update-status="in_progress"') == 3
    assert "◔" in timeline  # the icon beside the word


def test_current_status_and_deadline_are_the_latest(site):
    done = item_html(site, "2")
    assert 'data-item-id="2" data-status="done" data-overdue="false"' in done
    assert "（2021年3月1日更新）" in html.unescape(section(done, "data-state>"))
    state = html.unescape(section(item_html(site, "1"), "data-state>"))
    assert 'data-deadline="2026-06"' in state and ">2026年6月<" in state
    assert "原定 2019年12月 → 调整为 2026年6月：等待省级批复文件" in re.sub(r"<[^>]+>", "", state)


def test_overdue_is_computed_from_the_revised_deadline(site):
    one = html.unescape(item_html(site, "1"))
    assert "已过整改时限，未见完成报告（已超过 4 个月）" in one  # since 2026-07-01, not since 2020
    assert "6 年 10 个月" not in one
    three = item_html(site, "3")
    assert 'data-overdue="false"' in re.search(r"<article [^>]*>", three)[0]  # 2027-06 not yet reached
    assert "data-overdue-note" not in three
    assert figures_of((site / JINPU / "index.html").read_text("utf-8")) == [44, 21, 23, 21]  # item 2 done, 3 not overdue
    home = (site / "index.html").read_text("utf-8")
    entry = home.split(f'data-entry="{JINPU}"')[1].split("</li>")[0]
    assert re.findall(r'data-entry-figure="(\w+)">(\d+)<', entry) == [("total", "44"), ("done", "21"), ("overdue", "21")]


# -- what changed ---------------------------------------------------------------------------------------
def parse_feed(path: Path) -> ET.Element:
    root = ET.fromstring(path.read_bytes())
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert root.find(ATOM + required) is not None and root.find(ATOM + required).text, required
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(ATOM + required).text, required
        link = entry.find(f"{ATOM}link")  # no rel: "alternate" (RFC 4287 4.2.7.2)
        assert link.get("href") and link.get("rel", "alternate") == "alternate"
    return root


def test_site_feed_is_atom_with_the_updates_newest_first(site):
    root = parse_feed(site / "feed.xml")
    entries = root.findall(f"{ATOM}entry")
    dates = [e.find(f"{ATOM}updated").text[:10] for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert len(entries) == 2 + 4  # two notices published, four updates
    latest_update = next(e for e in entries if e.find(f"{ATOM}updated").text.startswith("2024-06-30"))
    assert latest_update.find(f"{ATOM}link").get("href") == SITE_URL + "jinpu-2019/items/1/"
    assert "已完成 3 个街道的选任" in latest_update.find(f"{ATOM}content").text
    revised = next(e for e in entries if e.find(f"{ATOM}updated").text.startswith("2022-01-10"))
    assert HOSTILE_REASON in revised.find(f"{ATOM}content").text  # as text: the parser unescaped it
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == SITE_URL + "feed.xml"
    raw = (site / "feed.xml").read_text("utf-8")
    assert "<script>" not in raw and "<b>" not in raw


def test_each_notice_has_its_own_feed(site):
    jinpu = parse_feed(site / JINPU / "feed.xml").findall(f"{ATOM}entry")
    assert len(jinpu) == 1 + 4
    assert all("/jinpu-2019/" in e.find(f"{ATOM}link").get("href") for e in jinpu)
    other = parse_feed(site / "shixian-xuncha-2024" / "feed.xml").findall(f"{ATOM}entry")
    assert len(other) == 1  # published, no updates yet


def test_updates_page_lists_changes_newest_first(site):
    page = (site / "updates" / "index.html").read_text("utf-8")
    dates = re.findall(r'<time datetime="([\d-]+)"', page)
    assert dates == sorted(dates, reverse=True) and len(dates) == 6
    assert 'href="../jinpu-2019/items/1/"' in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<b>理由" not in page
    assert 'rel="alternate" type="application/atom+xml"' in page  # the feed is announced in <head>


# -- open data ------------------------------------------------------------------------------------------
def read_csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == [f"{title}({key})" for key, title in CSV_COLUMNS]
    return [dict(zip([key for key, _ in CSV_COLUMNS], row)) for row in rows[1:]]


def test_csv_rows_are_the_json_records(site):
    records = json.loads((site / "data" / "items.json").read_text("utf-8"))
    rows = read_csv(site / "data" / "items.csv")
    assert len(rows) == len(records) == 50
    for row, record in zip(rows, records):
        assert row == {key: _cell(record[key]) for key, _ in CSV_COLUMNS}
    one = next(r for r in rows if (r["notice"], r["id"]) == (JINPU, "1"))
    assert (one["status_label"], one["deadline"], one["original_deadline"], one["last_update"], one["overdue"]) == \
        ("正在整改", "2026-06", "2019-12", "2024-06-30", "是")
    two = next(r for r in records if (r["notice"], r["id"]) == (JINPU, "2"))
    assert (two["status"], two["status_label"], two["overdue"], two["last_update"]) == \
        ("done", "已完成", False, "2021-03-01")


def test_per_notice_files_are_slices_of_the_site_files(site):
    records = json.loads((site / "data" / "items.json").read_text("utf-8"))
    for notice in (JINPU, "shixian-xuncha-2024"):
        mine = json.loads((site / notice / "items.json").read_text("utf-8"))
        assert mine == [r for r in records if r["notice"] == notice] and mine
        assert [r["id"] for r in read_csv(site / notice / "items.csv")] == [r["id"] for r in mine]


def test_records_match_their_published_schema_and_field_page(site):
    import jsonschema
    schema = json.loads((site / "data" / "items.schema.json").read_text("utf-8"))
    records = json.loads((site / "data" / "items.json").read_text("utf-8"))
    jsonschema.validate(records, schema)
    assert {f.key for f in FIELDS} == set(records[0])  # every field described, nothing extra
    assert {key: title for key, title in CSV_COLUMNS} == {f.key: f.title for f in FIELDS if f.key in dict(CSV_COLUMNS)}
    page = (site / "data" / "index.html").read_text("utf-8")
    assert all(f'data-field="{f.key}"' in page for f in FIELDS)
    for name in ("item.schema.json", "notice.schema.json"):
        assert json.loads((site / "data" / name).read_text("utf-8"))["$id"] == name


# -- printed sheets -------------------------------------------------------------------------------------
def test_item_page_carries_a_qr_code_of_its_absolute_address(site):
    page = item_html(site, "5-2")
    assert qr_svg(SITE_URL + "jinpu-2019/items/5-2/", "第 (5)二是 项页面的二维码") in page


def test_notice_print_pages_have_one_sheet_per_item(site):
    """Paged (20 sheets a page), each page linking to every other: 44 items make 3 pages."""
    pages = [(site / JINPU / "print" / "index.html").read_text("utf-8")]
    pages += [(site / JINPU / "print" / "page" / str(n) / "index.html").read_text("utf-8") for n in (2, 3)]
    assert not (site / JINPU / "print" / "page" / "4").exists()
    sheets = [s for page in pages for s in re.findall(r'<section class="dsc-sheet" data-sheet="([^"]+)"', page)]
    assert len(sheets) == 44 and len(set(sheets)) == 44
    assert [len(re.findall('data-sheet=', p)) for p in pages] == [20, 20, 4]
    assert all(len(re.findall(r'<svg role="img" aria-label="[^"<>]+" viewBox=', p)) == p.count('class="qr"') > 0
               for p in pages)  # every QR code named for screen readers
    assert 'href="page/2/"' in pages[0] and 'href="../3/"' in pages[1] and "本页第 41–44 项" in pages[2]
    page = pages[0]
    assert qr_svg(SITE_URL + "jinpu-2019/items/1/", "第 (1) 项页面的二维码") in page


# -- hostile text ---------------------------------------------------------------------------------------
def test_hostile_update_text_and_evidence_show_as_text(site):
    raw = item_html(site, "2")
    assert "<script>alert('note')" not in raw and "&lt;script&gt;" in raw
    assert "**不应加粗**" in html.unescape(raw) and "{{ 7*7 }}" in html.unescape(raw)
    hrefs = re.findall(r'href="([^"]*)"', raw)
    assert not [h for h in hrefs if "script" in h.lower() or "evil" in h], hrefs
    assert "<img src=x" not in raw
    evidence = re.findall(r"<span data-evidence-text>(.*?)</span>", raw)
    assert [html.unescape(e) for e in evidence] == ["javascript:alert(1)", "java\tscript:alert(2)",
                                                   "<img src=x onerror=alert(3)>", "//evil.example/x"]
    three = item_html(site, "3")
    assert "<b>理由" not in three and "&lt;b&gt;理由&lt;/b&gt;需跨年度实施" in three


def test_safe_evidence_becomes_links(site):
    raw = item_html(site, "1")
    assert '<a href="../../../evidence/jinpu-1-选任名单.pdf" data-evidence>' in raw
    assert '<a href="https://www.example.gov.cn/notice/1.html" data-evidence>' in raw


def test_evidence_links_only_for_web_addresses_and_site_paths():
    from disclosure.site.evidence import evidence_href
    page = "jinpu-2019/items/1/"
    assert evidence_href("https://www.example.gov.cn/a.pdf", page) == "https://www.example.gov.cn/a.pdf"
    assert evidence_href("/evidence/验收 报告.pdf", page) == "../../../evidence/验收 报告.pdf"
    for text in ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x", "java\nscript:x", "data:text/html,x",
                 "vbscript:x", "//evil.example/x", "\\\\evil\\x", "http:///x", "../../etc/passwd", "<img src=x>",
                 "mailto:a@b", "见会议纪要", "evidence/", ".pdf", "",
                 # percent-encoded escapes: a browser decodes them before resolving the path
                 "%2e%2e/%2e%2e/etc/passwd.txt", "evidence/%2E%2E/%2e%2e/%2e%2e/x.pdf", "..%2f..%2f..%2fx.pdf",
                 "%252e%252e/x.pdf", "%2F%2Fevil.example/x.pdf", "evidence/%5c..%5cx.pdf", "a%0ab.pdf"]:
        assert evidence_href(text, page) is None, text
    assert evidence_href("evidence/%E9%AA%8C%E6%94%B6.pdf", page) == "../../../evidence/验收.pdf"


# -- the real site (data/ as committed: two notices, no site_url) ----------------------------------------
def test_real_feeds_link_relative_to_themselves(built_site):
    root = parse_feed(built_site / "feed.xml")
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "feed.xml"
    hrefs = {e.find(f"{ATOM}link").get("href") for e in root.findall(f"{ATOM}entry")}
    assert hrefs == {"jinpu-2019/", "shixian-xuncha-2024/"}  # the two publications; no updates yet
    notice = parse_feed(built_site / JINPU / "feed.xml")
    assert [e.find(f"{ATOM}link").get("href") for e in notice.findall(f"{ATOM}entry")] == ["./"]


def test_real_open_data_covers_both_notices_and_is_linked_from_home(built_site):
    rows = read_csv(built_site / "data" / "items.csv")
    assert len(rows) == 50 and len({(r["notice"], r["id"]) for r in rows}) == 50
    assert len(read_csv(built_site / "shixian-xuncha-2024" / "items.csv")) == 6
    home = (built_site / "index.html").read_text("utf-8")
    for target in ("data/items.csv", "data/items.json", "feed.xml", "data/", "updates/", "notices/"):
        assert f'href="{target}"' in home, target
    notice = (built_site / "jinpu-2019" / "index.html").read_text("utf-8")
    for target in ("items.csv", "items.json", "feed.xml", "print/"):  # a notice's own files: on its page
        assert f'href="{target}"' in notice, target
    head = home.split("</head>")[0]
    assert '<link rel="alternate" type="application/atom+xml" title="最近更新" href="feed.xml">' in head


def test_a_preview_without_a_site_url_puts_the_path_in_the_qr_and_tells_the_public_nothing(built_site):
    page = (built_site / JINPU / "items" / "5-2" / "index.html").read_text("utf-8")
    assert qr_svg("/jinpu-2019/items/5-2/", "第 (5)二是 项页面的二维码") in page
    talk = [p for p in built_site.rglob("*.html") if "未配置网址" in p.read_text("utf-8") or "配置网址" in p.read_text("utf-8")]
    assert talk == []  # a production build refuses instead (test_publish); the public never reads about it
    head = page.split("</head>")[0]
    assert 'title="本通报的更新" href="../../feed.xml"' in head


# -- in a browser --------------------------------------------------------------------------------------
def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


@pytest.mark.browser
@pytest.mark.parametrize("path,pages", [("jinpu-2019/items/1/", 1),  # revised deadline, overdue note, evidence
                                        ("jinpu-2019/items/9/", 1),  # the longest finding
                                        ("jinpu-2019/print/", 20),  # one sheet per item, 20 a page
                                        ("jinpu-2019/print/page/3/", 4)])
def test_printed_sheets_fit_one_a4_page_each(browser, site, path, pages):
    import functools
    import http.server
    import socketserver
    import threading
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        tab = browser.new_page()
        tab.goto(f"http://127.0.0.1:{server.server_address[1]}/{path}")
        tab.emulate_media(media="print")
        qr = tab.locator("svg.qr").first.bounding_box()
        assert 140 <= qr["width"] <= 160 and qr["width"] == qr["height"]  # 4 cm at 96 dpi: scaled, not cropped
        if path.endswith("/items/1/"):
            assert not tab.locator("[data-measures]").is_visible() and tab.locator("[data-finding]").is_visible()
        assert pdf_pages(tab.pdf(format="A4")) == pages
        tab.close()
        server.shutdown()


@pytest.mark.browser
def test_search_finds_items_of_both_notices_and_facets_by_unit(page, site_url, built_site):
    records = json.loads((built_site / "data" / "items.json").read_text("utf-8"))
    query = "水"
    want = {(r["notice"], r["id"]) for r in records
            if any(query in text for text in [r["heading"], r["finding"], r["label"], r["status_text"],
                                              *r["measures"], *r["responsible"]])}
    assert {notice for notice, _ in want} == {"jinpu-2019", "shixian-xuncha-2024"}
    page.goto(f"{site_url}search/?q={query}")
    page.wait_for_selector("[data-search-app][data-search-state=ready]")
    assert int(page.inner_text("[data-result-count]")) == len(want)
    facet = page.locator("[data-facet=unit]")
    units = {r["notice"]: r["unit"] for r in records}
    assert units == {"jinpu-2019": "金普新区", "shixian-xuncha-2024": "中共示例县水务局党组"}  # stated, else the issuer
    for unit in units.values():
        assert unit in facet.inner_text()
    facet.locator("[data-facet-value='中共示例县水务局党组']").check()
    page.wait_for_function("document.querySelector('[data-result-count]').textContent === "
                           f"'{sum(n == 'shixian-xuncha-2024' for n, _ in want)}'")
    shown = page.eval_on_selector_all("[data-search-results] [data-item-id]", "els => els.map(e => e.dataset.notice)")
    assert shown and set(shown) == {"shixian-xuncha-2024"}
