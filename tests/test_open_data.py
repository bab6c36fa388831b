"""Feeds, CSV and QR codes as library functions (the site tests check they are published)."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from disclosure.site.open_data import CSV_COLUMNS, items_csv
from disclosure.feed import atom, changes
from disclosure.model import Update
from disclosure.qr import qr_svg
from disclosure.validate import load_dataset

from helpers import ROOT

ATOM = "{http://www.w3.org/2005/Atom}"


def dataset_with_updates():
    ds = load_dataset(ROOT / "data")
    item = next(i for i in ds.notice("jinpu-2019").items if i.id == "1")
    item.updates = [Update("2020-01-15", "in_progress", "机构改革方案已批复。", "2020-06", "等待省级批复文件"),
                    Update("2020-07-01", "done", "<script>alert(1)</script> 已全部完成。")]
    return ds, item


def test_changes_newest_first_and_feed_is_valid_atom():
    ds, item = dataset_with_updates()
    found = changes([ds.notice("jinpu-2019")], lambda n, i: f"{n.id}/items/{i.id}/", lambda n: f"{n.id}/")
    assert [c.date for c in found[:2]] == ["2020-07-01", "2020-01-15"]
    assert "整改时限调整为2020年6月：等待省级批复文件" in found[1].text
    xml = atom(found, feed_id="site", title="整改公示", site_url="https://example.org/gs/", self_path="feed.xml")
    root = ET.fromstring(xml)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(found)
    assert entries[0].find(f"{ATOM}updated").text.startswith("2020-07-01")
    assert entries[0].find(f"{ATOM}link").get("href") == "https://example.org/gs/jinpu-2019/items/1/"
    assert b"<script>" not in xml and "&lt;script&gt;" in xml.decode()
    assert len({e.find(f"{ATOM}id").text for e in entries}) == len(entries)


def test_feed_is_reproducible():
    ds, _ = dataset_with_updates()
    found = changes(ds.notices, lambda n, i: "x/", lambda n: "y/")
    kwargs = dict(feed_id="s", title="t", site_url="", self_path="feed.xml")
    assert atom(found, **kwargs) == atom(found, **kwargs)


def test_csv_has_bom_header_and_one_row_per_record():
    records = [{"notice": "n", "id": str(i), "heading": "关于“x”,含逗号", "measures": ["一", "二"], "overdue": i % 2 == 0}
               for i in range(3)]
    data = items_csv(records)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 4 and len(rows[0]) == len(CSV_COLUMNS)
    assert rows[1][4] == "关于“x”,含逗号" and rows[1][13] == "一\n二" and rows[1][11] == "是"


def test_qr_svg_is_inline_and_escaped():
    svg = qr_svg("https://example.org/a?b=1&c=2", "事项 <5>")
    assert svg.startswith("<svg") and "<title>事项 &lt;5&gt;</title>" in svg
    assert svg.startswith('<svg role="img" aria-label="事项 &lt;5&gt;" ')  # named for screen readers
    assert svg.count("<svg") == 1 and "<5>" not in svg
