"""Withdrawn items and notices, and corrections of official text, as the site shows them: the
address still answers, saying when and why; figures, tables, open data and search leave them out."""
from __future__ import annotations

import datetime as dt
import json

from disclosure import urls
from disclosure.site import BuildContext, build_site
from disclosure.validate import load_dataset

AS_OF = dt.date(2026, 11, 26)


def append(path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def test_a_withdrawn_item_keeps_a_page_and_leaves_every_count(scratch_data):
    items = scratch_data / "notices" / "jinpu-2019" / "items"
    append(items / "8.yml", 'withdrawn:\n  date: "2024-06-24"\n  reason: 与第 9 项重复,合并公示。\n')
    append(items / "9.yml", 'corrections:\n  - date: "2024-06-23"\n    reason: 标题录入漏字,按原文更正。\n')
    dataset = load_dataset(scratch_data)
    site = build_site(dataset, BuildContext(AS_OF, "测试", site_url=""))
    pages = {p.url: p for p in site.pages}
    gone = pages["jinpu-2019/items/8/"]
    assert gone.article["page"] == "withdrawn" and gone.article["withdrawn"] == "2024-06-24"
    assert "2024年6月24日" in gone.html and "与第 9 项重复,合并公示。" in gone.html
    assert "发现的问题" not in gone.html and 'data-finding' not in gone.html
    assert "本页原文于 2024年6月23日 更正：标题录入漏字,按原文更正。" in pages["jinpu-2019/items/9/"].html
    records = json.loads(site.files["data/items.json"])
    assert "8" not in {r["id"] for r in records if r["notice"] == "jinpu-2019"}
    assert len([r for r in records if r["notice"] == "jinpu-2019"]) == 43
    assert 'data-item-link="8"' not in pages["jinpu-2019/"].html
    assert 'data-site-figure="total" data-figure="total">49<' in pages[""].html  # 50 items, one withdrawn
    assert 'data-figure="total">43<' in pages["jinpu-2019/"].html


def test_a_withdrawn_notice_keeps_its_addresses_saying_why(scratch_data):
    notice = scratch_data / "notices" / "shixian-xuncha-2024" / "notice.yml"
    append(notice, 'withdrawn:\n  date: "2024-07-01"\n  reason: 误发,已由发文单位撤回。\n')
    dataset = load_dataset(scratch_data)
    assert [n.id for n in dataset.notices] == ["jinpu-2019"]
    site = build_site(dataset, BuildContext(AS_OF, "测试", site_url=""))
    pages = {p.url: p for p in site.pages}
    overview = pages["shixian-xuncha-2024/"]
    assert overview.article["page"] == "withdrawn" and "误发,已由发文单位撤回。" in overview.html
    item_pages = [u for u in pages if u.startswith("shixian-xuncha-2024/items/")]
    assert item_pages and all(pages[u].article["page"] == "withdrawn" for u in item_pages)
    assert {r["notice"] for r in json.loads(site.files["data/items.json"])} == {"jinpu-2019"}
    assert 'data-entry="shixian-xuncha-2024"' not in pages[""].html + pages["notices/"].html


def test_a_year_and_a_unit_whose_notices_are_all_withdrawn_keep_their_addresses(scratch_data):
    """notices/years/2024/ and the unit's pages were published while the 2024 notice was up; after
    it is withdrawn they still answer, saying so, with a link to the withdrawn notice's own page."""
    notice = scratch_data / "notices" / "shixian-xuncha-2024" / "notice.yml"
    before = build_site(load_dataset(scratch_data), BuildContext(AS_OF, "测试", site_url=""))
    unit = next(n.unit for n in load_dataset(scratch_data).notices if n.id == "shixian-xuncha-2024")
    addresses = (urls.year_url("2024"), urls.unit_url(unit), urls.unit_overdue_url(unit))
    published = {p.url for p in before.pages}
    assert {urls.year_url("2024"), urls.unit_url(unit)} <= published
    append(notice, 'withdrawn:\n  date: "2024-07-01"\n  reason: 误发,已由发文单位撤回。\n')
    site = build_site(load_dataset(scratch_data), BuildContext(AS_OF, "测试", site_url=""))
    pages = {p.url: p for p in site.pages}
    assert published - set(pages) == set()  # no address that answered before is gone
    for address in addresses:
        page = pages[address]
        assert page.article["page"] == "all-withdrawn", address
        assert "data-all-withdrawn" in page.html and 'data-withdrawn-notice="shixian-xuncha-2024"' in page.html
        assert "2024年7月1日" in page.html
    assert "2024年印发的通报都已由本站管理员撤下" in pages[urls.year_url("2024")].html
    assert urls.year_url("2019") not in {p.url for p in site.pages if p.article.get("page") == "all-withdrawn"}
