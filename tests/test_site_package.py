"""disclosure.site without MkDocs: figures, overdue wording, URLs, full-text reassembly, escaping,
items.json records, navigation."""
from __future__ import annotations

import re

import datetime as dt
import html
from pathlib import Path

import pytest

from helpers import write_test_data

from disclosure.model import Item
from disclosure.site import BuildContext, build_site, urls
from disclosure.site.settings import AsOfError, as_of_from_env, parse_as_of
from disclosure.site.figures import figures
from disclosure.site.notice import notice_paragraphs
from disclosure.site.open_data import items_records
from disclosure.site.overdue import elapsed_text, overdue_note
from support.synthetic import HOSTILE, write_synthetic_data
from disclosure.validate import load_dataset

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 26)
INDENT = " \t\u00a0\u3000\r\ufeff"


@pytest.fixture(scope="module")
def dataset(test_data):
    return load_dataset(test_data)


@pytest.fixture(scope="module")
def jinpu(dataset):
    return dataset.notice("jinpu-2019")


@pytest.fixture(scope="module")
def site(dataset):
    return build_site(dataset, BuildContext(AS_OF, "巡视整改情况公示"))


def make_item(status="in_progress", deadline="2019-12", **extra) -> Item:
    return Item("n", "1", "(1)", "关于“某”的问题。", "某", ["措施"], status, "整改进展情况:正在整改。", deadline, **extra)


# -- as-of date -------------------------------------------------------------------------------------
def test_as_of_defaults_to_today_and_env_overrides():
    assert as_of_from_env({}, today=dt.date(2030, 1, 2)) == dt.date(2030, 1, 2)
    assert as_of_from_env({"DISCLOSURE_AS_OF": "2026-11-26"}) == AS_OF


@pytest.mark.parametrize("bad", ["2026-13-01", "26-11-26", "2026/11/26", "tomorrow", "2026-11-26T00:00"])
def test_invalid_as_of_is_a_chinese_error(bad):
    with pytest.raises(AsOfError, match="DISCLOSURE_AS_OF.*YYYY-MM-DD"):
        parse_as_of(bad)


# -- figures and overdue ----------------------------------------------------------------------------
def test_figures_of_the_real_notice(jinpu):
    fig = figures(jinpu.items, AS_OF)
    assert (fig.total, fig.done, fig.not_done, fig.overdue) == (44, 20, 24, 23)
    not_overdue_open = [i.id for i in jinpu.items if i.status != "done" and not i.overdue(AS_OF)]
    assert not_overdue_open == ["5-2"]  # the 2030-12 one


def test_overdue_starts_the_day_after_the_deadline_month():
    item = make_item(deadline="2019-12")
    assert not item.overdue(dt.date(2019, 12, 31))
    assert overdue_note(item, dt.date(2019, 12, 31)) == ""
    assert overdue_note(item, dt.date(2020, 1, 1)) == "已过整改时限，未见完成报告（已超过 1 天）"
    assert overdue_note(item, dt.date(2020, 1, 20)).endswith("（已超过 20 天）")
    assert overdue_note(item, AS_OF) == "已过整改时限，未见完成报告（已超过 6 年 10 个月）"


def test_done_or_undated_items_are_never_overdue():
    assert overdue_note(make_item(status="done"), AS_OF) == ""
    assert overdue_note(make_item(deadline=None), AS_OF) == ""


@pytest.mark.parametrize("since,as_of,text", [
    (dt.date(2020, 1, 1), dt.date(2020, 2, 1), "1 个月"),
    (dt.date(2020, 1, 1), dt.date(2021, 1, 1), "1 年"),
    (dt.date(2020, 1, 31), dt.date(2020, 2, 29), "30 天"),
    (dt.date(2020, 1, 1), dt.date(2026, 12, 1), "6 年 11 个月"),
])
def test_elapsed_text_never_overstates(since, as_of, text):
    assert elapsed_text(since, as_of) == text


# -- URLs -------------------------------------------------------------------------------------------
def test_url_scheme(jinpu):
    item = next(i for i in jinpu.items if i.id == "5-2")
    assert urls.item_url(item) == "jinpu-2019/items/5-2/"
    assert urls.notice_url(jinpu) == "jinpu-2019/"
    assert urls.category_url(jinpu, jinpu.categories[0]) == "jinpu-2019/categories/1/"
    assert urls.src_uri("jinpu-2019/items/5-2/") == "jinpu-2019/items/5-2/index.md"


@pytest.mark.parametrize("target,page,expected", [
    ("jinpu-2019/items/5-3/", "jinpu-2019/items/5-2/", "../5-3/"),
    ("", "jinpu-2019/items/5-2/", "../../../"),
    ("", "", "./"),
    ("search/", "", "search/"),
    ("data/items.json", "contact/", "../data/items.json"),
])
def test_relative_links(target, page, expected):
    assert urls.relative(target, page) == expected


# -- the full notice --------------------------------------------------------------------------------
def test_reassembled_notice_contains_every_line_of_the_source(jinpu):
    paragraphs = notice_paragraphs(jinpu)
    source = (jinpu.folder / jinpu.source).read_text("utf-8")
    lines = [line.strip(INDENT) for line in source.splitlines() if line.strip(INDENT)]
    missing = [line for line in lines if not any(line in p for p in paragraphs)]
    assert not missing


def test_reassembled_notice_keeps_the_original_order(jinpu):
    body = "\n".join(notice_paragraphs(jinpu))
    page_lines = set(jinpu.page.get("lines", []))  # web-page clutter is shown apart, first
    source = (jinpu.folder / jinpu.source).read_text("utf-8")
    position = 0
    for line in (raw.strip(INDENT) for raw in source.splitlines()):
        if not line or line in page_lines:
            continue
        found = body.find(line, position)
        assert found >= 0, f"out of order: {line[:40]}"
        position = found


def test_issue_heading_is_not_repeated_as_a_finding(jinpu):
    paragraphs = notice_paragraphs(jinpu)
    for node, _trail in jinpu.walk():
        assert paragraphs.count(node.label + node.title) == 1


# -- generated pages --------------------------------------------------------------------------------
def test_every_item_gets_a_page_with_its_words_verbatim(site, jinpu):
    pages = {p.url: p for p in site.pages}
    for item in jinpu.items:
        body = html.unescape(pages[urls.item_url(item)].html)
        assert item.finding_paragraph in body
        assert item.status_text in body
        for measure in item.measures:
            assert measure in body
        assert pages[urls.item_url(item)].article == {
            "page": "item", "notice": "jinpu-2019", "item-id": item.id, "status": item.status,
            "overdue": "true" if item.overdue(AS_OF) else "false"}


def test_nav_is_fixed_and_a_notices_pages_carry_its_local_nav(site):
    flat = str(site.nav)
    assert "items/" not in flat and "jinpu-2019" not in flat
    assert "notices/index.md" in flat and "contact/index.md" in flat and "about.md" in flat
    pages = {p.url: p.html for p in site.pages}
    for url in ("jinpu-2019/", "jinpu-2019/categories/1/", "jinpu-2019/full-text/", "jinpu-2019/print/"):
        local = pages[url].split('data-local-nav="jinpu-2019"', 1)[1].split("</nav>", 1)[0]
        assert 'href="' in local and "通报全文" in local and "打印公示单" in local, url
        assert local.count("<li>") == 4 + len(next(n for n in site.dataset.notices if n.id == "jinpu-2019").categories)


def test_data_is_escaped_not_interpreted(tmp_path):
    data = write_synthetic_data(ROOT / "data", tmp_path / "data", 3, hostile=True)
    hostile_site = build_site(load_dataset(data), BuildContext(AS_OF, "站"))
    page = next(p for p in hostile_site.pages if p.url == "jinpu-2019/items/3/")
    assert "<script>alert" not in page.html and "<img src=x" not in page.html and "<b>不应加粗" not in page.html
    assert "&lt;script&gt;" in page.html
    unescaped = html.unescape(page.html)
    for text in [HOSTILE["heading"], HOSTILE["finding"], *HOSTILE["measures"]]:
        assert text in unescaped  # shown literally: no Markdown, no Jinja evaluation
    home = next(p for p in hostile_site.pages if p.url == "")
    assert "<script>alert" not in home.html


# -- items.json -------------------------------------------------------------------------------------
def test_items_json_records(dataset, jinpu):
    records = items_records(dataset, AS_OF)
    assert len(records) == 50
    assert len({(r["notice"], r["id"]) for r in records}) == 50
    records = [r for r in records if r["notice"] == "jinpu-2019"]
    five_two = next(r for r in records if r["id"] == "5-2")
    assert set(five_two) == {"id", "notice", "url", "heading", "finding", "measures", "status", "status_text",
                             "deadline", "overdue", "label", "category", "responsible", "notice_title",
                             "status_label", "original_deadline", "last_update", "unit", "round",
                             "continues", "problem", "issued"}
    assert five_two["issued"] == "2019-08-12"  # the notice's date: search cards show it (issue 28)
    assert (five_two["continues"], five_two["problem"]) == (None, "jinpu-2019/5-2")  # no follow-up: its own problem
    assert (five_two["unit"], five_two["round"]) == ("金普新区", "")  # what the notice states; it names no round
    assert (five_two["status_label"], five_two["original_deadline"], five_two["last_update"]) == ("正在整改", "2030-12", None)
    assert five_two["url"] == "jinpu-2019/items/5-2/"
    assert five_two["deadline"] == "2030-12" and five_two["overdue"] is False
    assert five_two["category"] == [n.title for n in jinpu.node(next(i for i in jinpu.items if i.id == "5-2"))]
    assert len(five_two["category"]) == 3
    assert sum(r["overdue"] for r in records) == 23
    assert sum(r["status"] == "done" for r in records) == 20


def test_synthetic_data_has_exactly_n_valid_items(tmp_path):
    data = write_synthetic_data(ROOT / "data", tmp_path / "data", 100)
    assert len(load_dataset(data).items) == 100


# -- several notices ----------------------------------------------------------------------------------
def test_two_notices_get_separate_urls_and_a_nested_nav(tmp_path):
    import shutil
    data = tmp_path / "data"
    write_test_data(data)
    second = data / "notices" / "jinpu-2020"
    shutil.copytree(data / "notices" / "jinpu-2019", second)
    notice_yml = second / "notice.yml"
    notice_yml.write_text(notice_yml.read_text("utf-8").replace('id: "jinpu-2019"', 'id: "jinpu-2020"')
                          .replace('issued: "2019-08-12"', 'issued: "2020-08-12"'), "utf-8")
    two = build_site(load_dataset(data), BuildContext(AS_OF, "站"))
    page_urls = [p.url for p in two.pages]
    assert len(page_urls) == len(set(page_urls))
    assert "jinpu-2020/items/5-2/" in page_urls and "jinpu-2019/items/5-2/" in page_urls
    assert [n.id for n in two.dataset.notices] == ["shixian-xuncha-2024", "jinpu-2020", "jinpu-2019"]  # newest first
    assert "jinpu" not in str(two.nav)  # the nav does not list notices: the directory does
    home = next(p for p in two.pages if p.url == "")
    assert home.html.count('data-entry-figure="total">44<') == 2
    assert 'href="jinpu-2020/"' in home.html and 'href="jinpu-2019/"' in home.html
    directory = next(p for p in two.pages if p.url == "notices/")
    assert [re.findall(r'data-entry="([^"]+)"', directory.html)] == [["shixian-xuncha-2024", "jinpu-2020", "jinpu-2019"]]
