"""The search engine in headless Chromium, on a stand-alone harness page (harness.py).

Every expected result set comes from the brute-force substring oracle (query.oracle_ids) over the
real notice, never from the engine. Both index layouts are exercised: the single bundle a small site
gets, and the sharded positional index a large site gets (forced here on the same 50 items of two notices)."""
from __future__ import annotations

import datetime as dt
import random
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from helpers import merged_data_folder
from support.search_page import CHROMIUM, CHROMIUM_ARGS, StaticServer, write_site
from disclosure.search.index import build_index, fnv1a
from disclosure.search.normalize import WHITESPACE, normalize, query_words
from support.search_oracle import IndexReader, item_key, oracle_ids
from support.search_records import portal_records, records_from_dataset, with_issue_dates
from disclosure.validate import load_dataset

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)

DATA = merged_data_folder()  # data/ plus the fictional sample notice
SITES = {"bundle": "", "sharded": "sharded/", "subfolder": "disclosure/", "portal": "portal/"}
PHONE = {"width": 375, "height": 812}

QUERIES = [
    # words citizens type, 1-6 characters, straight from the notice
    "党费", "丁氏家族", "中介", "黑中介", "环境", "生态环境", "软枣猕猴桃", "学校", "饮水", "村", "水厂",
    "扶贫", "巡视", "信访", "拆迁", "土地", "医院", "食品", "垃圾", "污水", "招商", "水", "2020年12月",
    # several words: all must match
    "农村 饮水", "环境 整改", "巡视 土地 村", "党 费",
    # full-width punctuation and Latin case
    "（5）二是", "整改进展情况：正在整改，", "GDP", "gdp", "Ｇｄｐ",
    # traditional script
    "黨費", "環境", "飲水", "生態環境",
    # nothing
    "幼儿园", "不存在的词语",
]


@cache
def records() -> list[dict]:
    dataset = load_dataset(DATA)
    return with_issue_dates(records_from_dataset(dataset, dt.date(2025, 6, 1)), dataset)


@cache
def portal() -> list[dict]:
    """30 notices of different units and dates, each with the real notice's 44 items: 1,320 items, the
    same headings in every notice (issue 28: "search results don't say whose they are")."""
    return portal_records([r for r in records() if r["notice"] == "jinpu-2019"], 30)


PORTAL_RULES = {"bundle_max_gzip_bytes": 0, "common_cards": 64}  # most cards in the shards, as at 40,000 items


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    every_result = ' data-page-size="100"'  # show all matches, so whole sets can be compared
    write_site(root, build_index(records()), SITES["bundle"], every_result)
    write_site(root, build_index(records(), bundle_max_gzip_bytes=0), SITES["sharded"], every_result)
    write_site(root, build_index(records()), SITES["subfolder"])
    write_site(root, build_index(portal(), **PORTAL_RULES), SITES["portal"])
    with StaticServer(root) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(e))
    yield page
    context.close()
    assert not errors, errors


def open_search(page, server, site="bundle", query=""):
    suffix = "?q=" + query if query else ""
    page.goto(server.url + SITES[site] + "search/" + suffix)
    page.wait_for_selector("[data-search-app][data-search-state]")


def run(page, query: str):
    page.evaluate("q => window.disclosureSearch.apps[0].search(q)", query)


def shown(page) -> list[tuple[str, str]]:
    return [tuple(x) for x in page.eval_on_selector_all(
        "[data-search-results] [data-item-id]", "els => els.map(e => [e.dataset.notice, e.dataset.itemId])")]


def count(page) -> int:
    return int(page.inner_text("[data-result-count]"))


def after_render(page, action):
    """Do something that triggers a search, and wait until its results are on screen."""
    page.evaluate("""() => { window.__rendered = 0;
        document.querySelector('[data-search-app]').addEventListener('search:rendered',
            () => { window.__rendered++; }, { once: true }); }""")
    action()
    page.wait_for_function("window.__rendered > 0")


# ---------------------------------------------------------------- the JS mirrors the Python

def tricky_strings() -> list[str]:
    rng = random.Random(7)
    fields = [f for r in records() for f in [r["heading"], r["finding"], *r["measures"], r["status_text"]]]
    samples = rng.sample(fields, 20)
    codes = list(range(0xFF00, 0xFF66)) + list(range(0x20, 0x7F)) + [ord(c) for c in WHITESPACE]
    return samples + [
        "".join(chr(c) for c in codes), "（5）二是：ＧＤＰ，Ａbc", "ß İ ǅ ﬁ Ⅱ ① ＿ ～ ￥ ｡ ｢ ｣",
        "𠀀𠀁 a\u00a0b\u2028c\u200bd", "e\u0301 é", "　全角　空格　", "",
    ]


def test_js_normalisation_equals_python(page, server):
    open_search(page, server)
    strings = tricky_strings()
    js = page.evaluate("""ss => ss.map(s => [window.disclosureSearch.normalize(s),
                                          window.disclosureSearch.queryWords(s)])""", strings)
    assert js == [[normalize(s), query_words(s)] for s in strings]
    grams = ["党费", "a", "𠀀x", "(5", "费"]
    assert page.evaluate("gs => gs.map(g => window.disclosureSearch.fnv1a(g))", grams) == [fnv1a(g) for g in grams]


# ---------------------------------------------------------------- exact results

@pytest.mark.parametrize("site", ["bundle", "sharded"])
def test_queries_return_exactly_the_oracle_items(page, server, site):
    assert len(QUERIES) >= 30
    open_search(page, server, site)
    reader = IndexReader(build_index(records(), bundle_max_gzip_bytes=0 if site == "sharded" else 150_000))
    for query in QUERIES:
        run(page, query)
        expected = oracle_ids(records(), query)
        assert set(shown(page)) == expected, query
        assert count(page) == len(expected), query
        ranked = [item_key(records()[o]) for o, _ in reader.search(query)]
        assert shown(page) == ranked, query  # heading/finding hits first, then notice order


def random_words() -> list[str]:
    """Substrings of 3-9 characters of the real text, and each with one character changed: the engine
    looks up only the bigrams at offsets 0, 2, 4 ... and the last one, which must still be exact."""
    rng = random.Random(2019)
    texts = [normalize(f) for r in records() for f in [r["heading"], r["finding"], *r["measures"]] if len(f) > 12]
    words = []
    for _ in range(30):
        text = rng.choice(texts)
        length = rng.randint(3, 9)
        start = rng.randrange(len(text) - length)
        word = text[start:start + length]
        at = rng.randrange(length)
        words += [word, word[:at] + rng.choice("的是村党改") + word[at + 1:]]
    return words


def test_long_and_near_miss_words_match_exactly_on_the_sharded_site(page, server):
    open_search(page, server, "sharded")
    reader = IndexReader(build_index(records(), bundle_max_gzip_bytes=0))
    for word in random_words():
        run(page, word)
        assert count(page) == len(oracle_ids(records(), word)), word
        assert shown(page) == [item_key(records()[o]) for o, _ in reader.search(word)], word


def test_empty_result_and_highlight_are_dom_text(page, server):
    open_search(page, server, query="不存在的词语")
    assert count(page) == 0 and shown(page) == []
    run(page, "党费")
    marks = page.eval_on_selector_all("[data-search-results] mark", "ms => ms.map(m => m.textContent)")
    assert marks and set(marks) == {"党费"}
    run(page, "（5）二是")
    assert page.eval_on_selector_all("[data-search-results] mark", "ms => ms.map(m => m.textContent)") == []
    run(page, "黨費")  # the simplified text is highlighted for a traditional query
    assert "党费" in page.eval_on_selector_all("[data-search-results] mark", "ms => ms.map(m => m.textContent)")


def test_data_is_never_parsed_as_html(browser, tmp_path):
    record = {"id": "1", "notice": "n", "url": "n/items/1/", "label": "(1)", "status": "done",
              "heading": '<img src=x onerror="window.__pwned=1">整改', "finding": "<b>粗</b>整改",
              "measures": ["<script>window.__pwned=1</script>"], "status_text": "已完成", "deadline": None,
              "overdue": False, "category": ["类"], "unit": '<img src=y onerror="window.__pwned=2">镇',
              "issued": "2019-08-12"}
    write_site(tmp_path, build_index([record]))
    with StaticServer(tmp_path) as srv:
        page = browser.new_page()
        page.goto(srv.url + "search/?q=整改")
        page.wait_for_selector("[data-search-state=ready]")
        assert page.eval_on_selector_all("[data-search-results] img, [data-search-results] b", "e => e.length") == 0
        assert "<img src=x" in page.inner_text("[data-search-results]")
        assert page.inner_text("[data-result-source]") == '<img src=y onerror="window.__pwned=2">镇 · 2019年8月12日 通报'
        assert page.evaluate("window.__pwned") is None
        page.close()


def test_pages_of_twenty_with_a_more_button(browser, server):
    """Twenty cards a page (meta.json's page_size; the shards carry each gram's first twenty cards)."""
    page = browser.new_page()
    open_search(page, server, "subfolder", "")  # default page size, all 50 items (two notices) match
    assert count(page) == 50 and len(shown(page)) == 20
    after_render(page, lambda: page.click("text=显示更多结果"))
    assert len(shown(page)) == 40
    after_render(page, lambda: page.click("text=显示更多结果"))
    assert len(shown(page)) == 50 and page.is_hidden(".search-more")
    page.close()


def date_text(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def cards(page) -> list[dict]:
    return page.eval_on_selector_all("[data-search-results] [data-item-id]", """els => els.map(e => ({
        key: [e.dataset.notice, e.dataset.itemId], heading: e.querySelector('h3').textContent,
        source: e.querySelector('[data-result-source]').textContent,
        right: e.querySelector('[data-result-source]').getBoundingClientRect().right}))""")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_first_page_shows_twenty_cards_that_say_whose_they_are(browser, server, viewport):
    """饮用水 is in one item of each of the 30 notices: 30 results whose headings are all the same.
    The first page shows 20, each naming its unit and the notice's date, so no two look alike, and
    it needs no docs file: the shard that answers the word carries their cards (with cards.json)."""
    context = browser.new_context(**({"viewport": viewport, "is_mobile": True, "has_touch": True} if viewport else {}))
    page = context.new_page()
    open_search(page, server, "portal")
    requests = []
    page.on("request", lambda r: requests.append(urlsplit(r.url).path))
    run(page, "饮用水")
    by_key = {item_key(r): r for r in portal()}
    want = oracle_ids(portal(), "饮用水")
    assert count(page) == len(want) == 30
    shown_cards = cards(page)
    assert len(shown_cards) == 20 and {tuple(c["key"]) for c in shown_cards} <= want
    for c in shown_cards:
        record = by_key[tuple(c["key"])]
        assert c["source"] == f"{record['unit']} · {date_text(record['issued'])} 通报"
    assert len({c["heading"] for c in shown_cards}) == 1  # the same heading 20 times ...
    assert len({(c["heading"], c["source"]) for c in shown_cards}) == 20  # ... and still told apart
    assert not [p for p in requests if "/docs/" in p], requests  # no docs file per card
    assert [p for p in requests if "/shards/" in p]
    if viewport:
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert all(c["right"] <= viewport["width"] for c in shown_cards)
    after_render(page, lambda: page.click("text=显示更多结果"))  # the rest, from their docs files
    assert {tuple(c["key"]) for c in cards(page)} == want
    context.close()


def test_a_label_shows_its_cards_without_docs_files(page, server):
    """（5）二是 is a label (原文编号), in every notice: the card's title shows it, so the snippet is the
    finding's start, and the first page needs no docs file either."""
    open_search(page, server, "portal")
    requests = []
    page.on("request", lambda r: requests.append(urlsplit(r.url).path))
    run(page, "（5）二是")
    assert count(page) == len(oracle_ids(portal(), "（5）二是")) == 30 and len(cards(page)) == 20
    assert not [p for p in requests if "/docs/" in p], requests


def test_portal_queries_match_the_oracle_with_cards_from_shards(page, server):
    """The sharded portal (cards in shards, cards.json and docs mixed on one page): every card shows
    the right item, unit and date, in the oracle's order."""
    open_search(page, server, "portal")
    reader = IndexReader(build_index(portal(), **PORTAL_RULES))
    by_key = {item_key(r): r for r in portal()}
    body_only = 0  # first-page items whose snippet comes from the measures: shown first, filled in after
    for query in ["饮水", "党费", "黑中介", "软枣猕猴桃", "村", "问题", "整改 村", "农村 饮水", "黨費", "不存在的词语"]:
        run(page, query)
        ranked = [item_key(portal()[o]) for o, _ in reader.search(query)]
        assert count(page) == len(ranked) == len(oracle_ids(portal(), query)), query
        body_only += sum(score < len(query.split()) for _, score in reader.search(query)[:20])
        shown_cards = cards(page)
        assert [tuple(c["key"]) for c in shown_cards] == ranked[:20], query
        for c in shown_cards:
            record = by_key[tuple(c["key"])]
            assert c["source"] == f"{record['unit']} · {date_text(record['issued'])} 通报", query
            assert record["heading"] in c["heading"], query
        assert page.query_selector("[data-snippet-pending]") is None, query  # every snippet came
        marks = page.eval_on_selector_all("[data-search-results] [data-item-id]",
                                          "els => els.map(e => e.querySelectorAll('mark').length)")
        assert all(marks), query  # each card shows where a word is: in its heading or its snippet
    assert body_only > 0


# ---------------------------------------------------------------- deployment shape

def test_works_from_a_subfolder_and_stays_on_the_host(page, server):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    open_search(page, server, "subfolder", "饮水")
    assert set(shown(page)) == oracle_ids(records(), "饮水")
    href = page.get_attribute("[data-search-results] a", "href")
    assert urlsplit(href).path.startswith("/disclosure/jinpu-2019/items/")
    paths = [urlsplit(u) for u in requests]
    assert all(u.netloc == urlsplit(server.url).netloc for u in paths), requests
    assert all(u.path.startswith("/disclosure/") for u in paths if u.path != "/favicon.ico"), requests


def test_bundle_site_works_offline_once_loaded(page, server):
    open_search(page, server, "bundle", "党费")
    page.route("**/*", lambda route: route.abort())  # network gone
    for query in ["饮水", "黨費", "村 土地", "不存在的词语"]:
        run(page, query)
        assert set(shown(page)) == oracle_ids(records(), query), query


def test_sharded_site_offline_answers_from_fetched_files_and_never_guesses(page, server):
    # Sharded: a query works offline when its shards and result docs were fetched before in this
    # page; any other query shows an error and no count rather than a wrong one.
    open_search(page, server, "sharded", "饮水")
    run(page, "党费")
    page.route("**/*", lambda route: route.abort())
    run(page, "饮水")
    assert set(shown(page)) == oracle_ids(records(), "饮水")
    run(page, "软枣猕猴桃")
    assert page.get_attribute("[data-search-app]", "data-search-state") == "error"
    assert page.query_selector("[data-result-count]") is None
    page.unroute("**/*")
    run(page, "软枣猕猴桃")  # back online: the failed files are fetched again
    assert set(shown(page)) == oracle_ids(records(), "软枣猕猴桃")


# ---------------------------------------------------------------- facets and the URL

def facet_value(record: dict, key: str) -> str:
    return {"status": record["status"], "overdue": "1" if record["overdue"] else "0",
            "year": (record["deadline"] or "none")[:4], "category": record["category"][0],
            "unit": record["unit"], "round": record["round"] or "none"}[key]


def shown_facet_counts(page) -> dict[tuple[str, str], int]:
    rows = page.eval_on_selector_all("[data-facet] input[type=checkbox]", """bs => bs.map(b => [b.name, b.value,
        b.closest('label').querySelector('[data-facet-count]').textContent])""")
    return {(k, v): int(c.strip("()")) for k, v, c in rows}


def expected_facet_counts(query: str, filters: dict[str, set[str]]) -> dict[tuple[str, str], int]:
    matched = [r for r in records() if item_key(r) in oracle_ids(records(), query)]
    counts: dict[tuple[str, str], int] = {}
    for key in ("status", "overdue", "year", "category", "unit", "round"):
        for r in matched:
            if all(facet_value(r, k) in vs for k, vs in filters.items() if vs and k != key):
                counts[(key, facet_value(r, key))] = counts.get((key, facet_value(r, key)), 0) + 1
    return counts


@pytest.mark.parametrize("site", ["bundle", "sharded"])
def test_facets_filter_and_count_with_the_query(page, server, site):
    open_search(page, server, site, "村")
    shown_counts = shown_facet_counts(page)
    expected = expected_facet_counts("村", {})
    single_valued = {k for k in ("status", "overdue", "year", "category", "unit", "round")
                     if len({facet_value(r, k) for r in records()}) < 2}  # not offered: nothing to choose
    offered = {kv: n for kv, n in expected.items() if kv[0] not in single_valued}
    # a facet of more than 8 values shows its 8 most frequent (exact counts) and a box to find the rest
    boxed = set(page.eval_on_selector_all("[data-facet-filter]", "bs => bs.map(b => b.dataset.facetFilter)"))
    assert boxed == {k for k in {k for k, _ in offered} if sum(key == k for key, _ in offered) > 8}
    assert shown_counts == {kv: n for kv, n in offered.items() if kv[0] not in boxed}
    for key in boxed:
        top = sorted((n for (k, _), n in offered.items() if k == key), reverse=True)[:8]
        assert sorted((n for (k, _), n in shown_counts.items() if k == key), reverse=True) == top

    year = min(v for (k, v) in shown_counts if k == "year")
    after_render(page, lambda: page.check(f"[data-facet=year] input[value='{year}']"))
    assert parse_qs(urlsplit(page.url).query)["year"] == [year]
    want = {item_key(r) for r in records()
            if item_key(r) in oracle_ids(records(), "村") and facet_value(r, "year") == year}
    assert set(shown(page)) == want and count(page) == len(want)
    got = shown_facet_counts(page)
    exp = expected_facet_counts("村", {"year": {year}})
    assert {kv: n for kv, n in got.items() if n} == {kv: n for kv, n in exp.items() if kv[0] not in single_valued}

    page.focus(f"[data-facet=year] input[value='{year}']")  # keyboard: space toggles it back off
    after_render(page, lambda: page.keyboard.press("Space"))
    assert "year" not in parse_qs(urlsplit(page.url).query)
    assert set(shown(page)) == oracle_ids(records(), "村")


def test_url_holds_the_search_and_back_button_restores_it(page, server):
    open_search(page, server, "bundle", "党费")
    box = page.get_by_label("搜索整改事项", exact=False)
    assert box.input_value() == "党费"
    box.fill("饮水")
    after_render(page, lambda: box.press("Enter"))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["饮水"]
    status = next(v for (k, v) in shown_facet_counts(page) if k == "status")
    after_render(page, lambda: page.check(f"[data-facet=status] input[value='{status}']"))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["饮水"], "status": [status]}

    after_render(page, page.go_back)
    assert parse_qs(urlsplit(page.url).query) == {"q": ["饮水"]}
    assert not page.is_checked(f"[data-facet=status] input[value='{status}']")
    after_render(page, page.go_back)
    assert box.input_value() == "党费"
    assert set(shown(page)) == oracle_ids(records(), "党费")
    after_render(page, page.go_forward)
    assert set(shown(page)) == oracle_ids(records(), "饮水")

    shared = server.url + "search/?q=" + "饮水" + "&status=" + status  # a shared link restores it all
    page.goto(shared)
    page.wait_for_selector("[data-search-state=ready]")
    assert page.is_checked(f"[data-facet=status] input[value='{status}']")
    assert box.input_value() == "饮水"
