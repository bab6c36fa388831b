"""Search on the real built site (not the harness): from the header box on any page to exact
results on /search/, from a subfolder, and offline once loaded. Expected sets come from the
published items.json by plain substring — independent of the engine."""
from __future__ import annotations

import json
import shutil
from urllib.parse import quote

import pytest

from helpers import serve_directory

pytestmark = pytest.mark.browser

PLAIN_QUERIES = ["党费", "丁氏家族", "中介", "黑中介", "环境", "生态环境", "饮水", "水厂", "信访", "拆迁",
                 "垃圾", "污水", "招商", "2020年12月", "村", "不存在的词语"]
AND_QUERIES = {"农村 饮水": ["农村", "饮水"], "环境 整改": ["环境", "整改"], "党 费": ["党", "费"]}
EQUIVALENT = {  # a query and the plain text it must find exactly the same items as
    "黨費": "党费", "生態環境": "生态环境", "(5)二是": "(5)二是", "（5）二是": "(5)二是",
    "整改进展情况：正在整改，": "整改进展情况:正在整改,",
}


@pytest.fixture(scope="module")
def records(built_site) -> list[dict]:
    return json.loads((built_site / "data" / "items.json").read_text("utf-8"))


def text_of(record: dict) -> str:
    return "\n".join([record["heading"], record["finding"], record["label"], record["status_text"],
                      *record["measures"], *record.get("responsible", [])])


def expected(records, words: list[str]) -> set[tuple[str, str]]:
    return {(r["notice"], r["id"]) for r in records if all(w in text_of(r) for w in words)}


def results(page) -> tuple[int, set[tuple[str, str]]]:
    page.wait_for_selector("[data-search-app][data-search-state]")
    page.wait_for_function("document.querySelector('[data-result-count]') !== null")
    while page.locator(".search-more:visible").count():  # show every result, not just 20
        before = page.locator("[data-search-results] [data-item-id]").count()
        page.click(".search-more")
        page.wait_for_function(f"document.querySelectorAll('[data-search-results] [data-item-id]').length > {before}")
    shown = page.eval_on_selector_all("[data-search-results] [data-item-id]",
                                      "els => els.map(e => [e.dataset.notice, e.dataset.itemId])")
    return int(page.inner_text("[data-result-count]")), {tuple(x) for x in shown}


def search(page, base: str, query: str):
    page.goto(f"{base}search/?q={quote(query)}")
    return results(page)


def test_plain_words_return_exactly_the_items_that_contain_them(page, site_url, records):
    for query in PLAIN_QUERIES:
        want = expected(records, [query])
        assert search(page, site_url, query) == (len(want), want), query
    assert expected(records, ["党费"])  # the oracle is not vacuous
    assert not expected(records, ["不存在的词语"])


def test_several_words_must_all_match(page, site_url, records):
    for query, words in AND_QUERIES.items():
        want = expected(records, words)
        assert search(page, site_url, query) == (len(want), want), query


def test_full_width_and_traditional_queries_find_the_same_items(page, site_url, records):
    for query, plain in EQUIVALENT.items():
        want = expected(records, [plain])
        assert want, plain
        assert search(page, site_url, query) == (len(want), want), query


def test_header_box_on_an_item_page_goes_to_search_by_keyboard(page, site_url, records):
    page.goto(site_url + "jinpu-2019/items/5-2/")
    page.focus("#site-search-q")
    page.keyboard.type("党费")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    want = expected(records, ["党费"])
    assert results(page) == (len(want), want)
    assert all(url.startswith(site_url) for url in page.seen_requests), page.seen_requests


def test_ranking_puts_heading_and_finding_hits_first(page, site_url, records):
    query = "环境"
    search(page, site_url, query)
    order = page.eval_on_selector_all("[data-search-results] [data-item-id]", "els => els.map(e => e.dataset.itemId)")
    head_hit = {r["id"] for r in records if query in r["heading"] or query in r["finding"]}
    flags = [item in head_hit for item in order]
    assert any(flags) and not all(flags)
    assert flags == sorted(flags, reverse=True)  # every head hit comes before every measures-only hit


def test_result_cards_say_whose_they_are(page, site_url, records):
    """Every card names the unit (the inspected unit, else the issuer) and, where the published
    records carry the notice's issue date (`issued`), the date in the site's style."""
    search(page, site_url, "整改")
    by_key = {(r["notice"], r["id"]): r for r in records}
    shown = page.eval_on_selector_all("[data-search-results] [data-item-id]", """els => els.map(e =>
        [e.dataset.notice, e.dataset.itemId, e.querySelector('[data-result-source]').textContent])""")
    assert len(shown) == len(expected(records, ["整改"])) > 20
    for notice, item, source in shown:
        record = by_key[(notice, item)]
        y, m, d = (record.get("issued") or "--").split("-")
        date = f" · {int(y)}年{int(m)}月{int(d)}日 通报" if record.get("issued") else ""
        assert source == record["unit"] + date, (notice, item)
    assert len({source for _, _, source in shown}) == 2  # the two notices' cards are told apart


def test_search_from_a_subfolder_and_result_links_work(page, built_site, tmp_path, records):
    shutil.copytree(built_site, tmp_path / "disclosure")
    with serve_directory(tmp_path) as root_url:
        base = root_url + "disclosure/"
        want = expected(records, ["丁氏家族"])
        assert search(page, base, "丁氏家族") == (len(want), want)
        page.click("[data-search-results] [data-item-id] a")
        page.wait_for_selector("article[data-item-id]")
        assert page.url.startswith(base + "jinpu-2019/items/")
        assert all(url.startswith(base) for url in page.seen_requests), page.seen_requests


def test_offline_once_loaded(page, site_url, records):
    search(page, site_url, "党费")
    page.route("**/*", lambda route: route.abort())  # the network is gone
    page.evaluate("""() => { window.__rendered = 0; document.querySelector('[data-search-app]')
        .addEventListener('search:rendered', () => { window.__rendered++; }, { once: true }); }""")
    page.fill("[data-search-input]", "饮水")
    page.press("[data-search-input]", "Enter")
    page.wait_for_function("window.__rendered > 0")
    want = expected(records, ["饮水"])
    assert results(page) == (len(want), want)
