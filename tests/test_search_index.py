"""Search index: normalisation rules, AND semantics, and exactness against a brute-force oracle.

The oracle (query.oracle_ids) checks every field of every real item by plain substring; the index
reader (query.IndexReader) evaluates the built files the way search.js does. They must agree on
every query: precision and recall 100%."""
from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import merged_data_folder
from disclosure.search.index import CARD_FIELDS, build_index, card, fnv1a, gzip_size, searchable_text
from disclosure.search.normalize import normalize, query_words, word_variants
from support.search_oracle import IndexReader, item_key, oracle_ids
from support.search_records import portal_records, records_from_dataset, with_issue_dates
from disclosure.search.tradmap import traditional_to_simplified_map
from disclosure.validate import load_dataset

DATA = merged_data_folder()  # data/ plus the fictional sample notice


@cache
def records() -> list[dict]:
    dataset = load_dataset(DATA)
    return with_issue_dates(records_from_dataset(dataset, dt.date(2025, 6, 1)), dataset)


SMALL = {"common_cards": 8, "card_min_posting": 2}  # 50 items: most cards in shards, as on a large site


@cache
def readers() -> dict[str, IndexReader]:
    return {"bundle": IndexReader(build_index(records())),
            "sharded": IndexReader(build_index(records(), bundle_max_gzip_bytes=0))}


def found_ids(reader: IndexReader, query: str) -> set[tuple[str, str]]:
    return {item_key(records()[o]) for o, _ in reader.search(query)}


# ---------------------------------------------------------------- normalisation

@pytest.mark.parametrize("raw, expected", [
    ("（5）二是", "(5)二是"),
    ("整改进展情况：正在整改，", "整改进展情况:正在整改,"),
    ("ＧＤＰ增长", "gdp增长"),
    ("GDP", "gdp"),
    ("党 费\t\n", "党费"),
    ("党\u3000费", "党费"),
    ("党\u00a0费\u200b", "党费"),
    ("“党费”。、", "“党费”。、"),          # CJK punctuation is kept as printed
    ("Ⅱ①", "Ⅱ①"),                        # no compatibility folding beyond full-width ASCII
    ("İ", "İ"),                            # non-ASCII case is left alone (Python/JS differ there)
    ("𠀀a", "𠀀a"),                          # astral characters pass through as one code point
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_query_words_split_on_any_whitespace_and_fold():
    assert query_words(" 党费\u3000 ＧＤＰ  ") == ["党费", "gdp"]
    assert query_words("   ") == []


def test_word_variants_keep_the_typed_form():
    trad = {"黨": "党", "費": "费", "乾": "干"}
    assert word_variants("黨費", trad) == ["黨費", "党费"]
    assert word_variants("党费", trad) == ["党费"]


def test_trad_map_covers_corpus_characters_only():
    mapping = traditional_to_simplified_map({"党", "费", "发"})
    assert mapping["黨"] == "党" and mapping["費"] == "费"
    assert mapping["發"] == "发" and mapping["髮"] == "发"
    assert set(mapping.values()) <= {"党", "费", "发"}


def test_fnv1a_known_vector():
    assert fnv1a("a") == 0xE40C292C  # published FNV-1a 32-bit test vector


# ---------------------------------------------------------------- the index files

def test_build_is_deterministic_and_complete():
    first, second = build_index(records()), build_index(records())
    assert first == second
    assert set(first) == {"search/meta.json", "search/bundle.json", "search/search.js"}
    sharded = build_index(records(), bundle_max_gzip_bytes=0)
    assert any(p.startswith("search/shards/") for p in sharded)
    assert any(p.startswith("search/docs/") for p in sharded)
    assert "search/cards.json" in sharded
    meta = json.loads(sharded["search/meta.json"])
    assert meta["count"] == len(records()) == 50  # both notices
    assert all(len(col["column"]) == 50 for col in meta["facets"].values())


# ---------------------------------------------------------------- what a result card shows

@pytest.mark.parametrize("mode", ["bundle", "sharded"])
def test_meta_gives_every_item_its_unit_date_status_and_deadline(mode):
    """The card's facts come from meta.json columns, for every item in both layouts: nothing per card
    to fetch, and a status or deadline change rewrites meta.json, never a shard."""
    files = build_index(records(), bundle_max_gzip_bytes=0 if mode == "sharded" else 150_000)
    meta = json.loads(files["search/meta.json"])
    assert meta["version"] == 2 and meta["page_size"] == 20
    at = lambda column, o: column["column"][o]  # noqa: E731
    for o, r in enumerate(records()):
        assert meta["notices"]["values"][at(meta["notices"], o)] == r["notice"]
        assert meta["notices"]["issued"][at(meta["notices"], o)] == r["issued"]
        assert meta["facets"]["unit"]["labels"][at(meta["facets"]["unit"], o)] == r["unit"]
        assert meta["deadline"]["values"][at(meta["deadline"], o)] == (r["deadline"] or "")
        assert meta["facets"]["status"]["values"][at(meta["facets"]["status"], o)] == r["status"]
    assert len({r["issued"] for r in records()}) == 2 and all(r["issued"] for r in records())  # two notices


def test_records_without_an_issue_date_still_index():
    bare = [{k: v for k, v in r.items() if k != "issued"} for r in records()]
    meta = json.loads(build_index(bare, bundle_max_gzip_bytes=0)["search/meta.json"])
    assert set(meta["notices"]["issued"]) == {""}


def _first_page(reader: IndexReader, gram: str, size: int) -> tuple[int, list[int]]:
    """(hits, first page) of a gram by brute force over the texts: heading/finding hits first."""
    hits = []
    for o, (text, head_end) in enumerate(_texts()):
        at = text.find(gram)
        if at >= 0:
            hits.append((at >= head_end, o))
    return len(hits), [o for _, o in sorted(hits)][:size]


@pytest.mark.parametrize("rules", [{}, SMALL], ids=["default", "small"])
def test_each_shard_carries_exactly_the_first_page_cards_of_its_grams(rules):
    files = build_index(records(), bundle_max_gzip_bytes=0, **rules)
    reader = IndexReader(files)
    meta = reader.meta
    common = json.loads(files["search/cards.json"])
    assert {int(o) for o in common} == set(range(min(meta["common_cards"], 50)))
    expected: dict[str, set[int]] = {p: set() for p in files if p.startswith("search/shards/")}
    grams = {t[i:i + n] for t, _ in _texts() for n in (1, 2) for i in range(len(t) - n + 1)}
    for gram in grams - {g for g in grams if "\n" in g}:
        hits, page = _first_page(reader, gram, meta["page_size"])
        if hits >= meta["card_min_posting"]:
            expected[reader.shard_path(gram)].update(o for o in page if o >= meta["common_cards"])
    for path, ordinals in expected.items():
        carried = json.loads(files[path])["cards"]
        assert {int(o) for o in carried} == ordinals, path
    for o, c in {**common, **{k: v for p in expected for k, v in json.loads(files[p])["cards"].items()}}.items():
        assert c == [records()[int(o)][k] for k in CARD_FIELDS] == card(records()[int(o)])
    if rules:
        assert sum(len(v) for v in expected.values()) > 50  # the shards do carry cards here


@pytest.mark.parametrize("rules", [{}, SMALL], ids=["default", "small"])
def test_the_first_page_of_a_one_or_two_character_word_needs_no_docs_file(rules):
    """The shard that answers such a word, with cards.json, holds the cards of its first page, unless
    the word is in fewer items than card_min_posting (then it has at most that many results)."""
    reader = IndexReader(build_index(records(), bundle_max_gzip_bytes=0, **rules))
    size, least = reader.meta["page_size"], reader.meta["card_min_posting"]
    words = sorted({normalize(f)[i:i + n] for r in records() for f in (r["heading"], r["finding"], *r["measures"])
                    for n in (1, 2) for i in range(len(normalize(f)) - n + 1)})
    covered = 0
    for word in words:
        page = [o for o, _ in reader.search(word)][:size]
        cards = reader.cards_in(reader.looked_up(word))
        missing = [o for o in page if o not in cards]
        assert not missing or len(reader.search(word)) < least, word
        covered += not missing
    assert covered > len(words) * 0.9


def test_several_words_find_cards_where_the_shards_have_them():
    """Not guaranteed (their first page is an intersection), so only measured: most of the first page."""
    reader = IndexReader(build_index(records(), bundle_max_gzip_bytes=0, **SMALL))
    page = [o for o, _ in reader.search("整改 问题")][:20]
    cards = reader.cards_in(reader.looked_up("整改 问题"))
    assert len(page) == 20 and sum(o in cards for o in page) >= 10


@cache
def portal() -> list[dict]:
    return portal_records([r for r in records() if r["notice"] == "jinpu-2019"], 60)  # 60 x 44 = 2,640 items


def test_card_data_adds_a_bounded_share_to_the_index():
    """On a 2,640-item portal whose notices repeat the same headings: the cards in shards and
    cards.json stay a small share of the index (docs/performance.md has the 40,000-item numbers)."""
    files = build_index(portal())
    shards = [json.loads(v) for p, v in files.items() if p.startswith("search/shards/")]
    assert shards and "search/bundle.json" not in files
    card_bytes = sum(len(json.dumps(s["cards"], ensure_ascii=False, separators=(",", ":"))) for s in shards)
    total = sum(len(v) for v in files.values())
    common = files["search/cards.json"]
    assert len(json.loads(common)) == 1024
    assert card_bytes + len(common) < 0.15 * total, (card_bytes, len(common), total)
    assert gzip_size(common) < 100_000
    assert gzip_size(files["search/meta.json"]) < 60_000


def test_no_match_across_field_boundaries():
    record = {"id": "x", "heading": "甲乙", "finding": "丙丁", "measures": ["戊"]}
    text, head_end = searchable_text(record)
    assert head_end == len("甲乙\n丙丁")
    for name, reader in {"b": IndexReader(build_index([record])),
                         "s": IndexReader(build_index([record], bundle_max_gzip_bytes=0))}.items():
        assert reader.search("乙丙") == [], name
        assert reader.search("丙丁") == [(0, 1)], name
        assert reader.search("戊") == [(0, 0)], name


@pytest.mark.parametrize("mode", ["bundle", "sharded"])
@pytest.mark.parametrize("query", [
    "党费", "丁氏家族", "中介", "黑中介", "环境", "生态环境", "饮水", "农村 饮水", "（5）二是",
    "黨費", "gdp", "GDP", "正在整改，", "不存在的词语组合", "水", "党", "20", "2020年12月",
])
def test_named_queries_match_oracle(mode, query):
    assert found_ids(readers()[mode], query) == oracle_ids(records(), query)


def test_ranking_puts_heading_and_finding_hits_first():
    reader = readers()["sharded"]
    results = reader.search("党费")
    scores = [s for _, s in results]
    assert scores == sorted(scores, reverse=True)
    for ordinal, score in results:
        in_head = any("党费" in normalize(f) for f in (records()[ordinal]["heading"], records()[ordinal]["finding"]))
        assert bool(score) == in_head


@cache
def _texts() -> list[tuple[str, int]]:
    return [searchable_text(r) for r in records()]


def _corpus_texts() -> list[str]:
    return [t for t, _ in _texts()]


@st.composite
def corpus_substring(draw):
    """A random substring (1-8 code points) of a random item's searchable text, not across fields."""
    text = draw(st.sampled_from(_corpus_texts()))
    field = draw(st.sampled_from([f for f in text.split("\n") if f]))
    start = draw(st.integers(0, len(field) - 1))
    return field[start:start + draw(st.integers(1, 8))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(corpus_substring(), min_size=1, max_size=3))
def test_random_corpus_substrings_exact(words):
    query = " ".join(words)
    expected = oracle_ids(records(), query)
    if len(words) == 1:
        assert expected  # a word taken from the corpus is found at least where it was taken
    for reader in readers().values():
        assert found_ids(reader, query) == expected


def _disguise(word: str, choices: list[int]) -> str:
    """Write ASCII in full width and/or upper case: must not change results."""
    out = []
    for ch, choice in zip(word, choices):
        if choice & 1 and ch.isascii() and ch.isalpha():
            ch = ch.upper()
        if choice & 2 and "!" <= ch <= "~":
            ch = chr(ord(ch) + 0xFEE0)
        out.append(ch)
    return "".join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpus_substring(), st.lists(st.integers(0, 3), min_size=8, max_size=8))
def test_width_case_and_spacing_do_not_change_results(word, choices):
    plain = found_ids(readers()["sharded"], word)
    assert plain == found_ids(readers()["sharded"], _disguise(word, choices)) == oracle_ids(records(), word)


# ---------------------------------------------------------------- incremental: equal to a full build

def written(tmp: Path, files: dict[str, bytes]) -> Path:
    for path, data in files.items():
        (tmp / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp / path).write_bytes(data)
    return tmp / "search"


def edited(base: list[dict], changes: dict[int, dict]) -> list[dict]:
    return [dict(r, **changes.get(i, {})) for i, r in enumerate(base)]


EDITS = st.dictionaries(
    st.integers(min_value=0, max_value=49),
    st.fixed_dictionaries({}, optional={
        "status_text": st.text(alphabet="整改完成已正在党费村饮水（）5进展", max_size=12),
        "status": st.sampled_from(["done", "in_progress"]),
        "heading": st.text(alphabet="关于农村饮水问题党费收缴", min_size=1, max_size=15),
        "measures": st.lists(st.text(alphabet="一是建立制度完成饮水并网", max_size=20), max_size=2),
    }), max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=EDITS, small=st.booleans())
def test_an_index_patched_from_the_previous_one_equals_a_full_build(tmp_path_factory, changes, small):
    base, rules = records(), SMALL if small else {}  # small: the patched shards' cards are re-derived
    before = build_index(base, bundle_max_gzip_bytes=0, **rules)
    after = edited(base, changes)
    full = build_index(after, bundle_max_gzip_bytes=0, **rules)
    patched = build_index(after, bundle_max_gzip_bytes=0, previous=written(tmp_path_factory.mktemp("i"), before),
                          **rules)
    assert patched == full


@pytest.mark.parametrize("rules", [{}, SMALL], ids=["default", "small"])
def test_a_patch_changes_only_the_shards_of_the_changed_text(tmp_path, rules):
    base = records()
    before = build_index(base, bundle_max_gzip_bytes=0, **rules)
    after = edited(base, {3: {"status_text": "整改状态:已完成"}})
    patched = build_index(after, bundle_max_gzip_bytes=0, previous=written(tmp_path, before), **rules)
    differ = {p for p in patched if before.get(p) != patched[p]}
    shards = {p for p in differ if p.startswith("search/shards/")}
    count = json.loads(patched["search/meta.json"])["shard_count"]
    status_grams = {t[i:i + n] for t in (normalize(base[3]["status_text"]), normalize("整改状态:已完成"))
                    for n in (1, 2) for i in range(len(t) - n + 1)}
    assert shards and shards <= {f"search/shards/{fnv1a(g) % count}.json" for g in status_grams}
    assert differ - shards == {"search/meta.json", "search/docs/3.json"}
    assert type(patched["search/cards.json"]).__name__ == "Unchanged"  # linked, not written again


def test_a_changed_card_rebuilds_in_full_and_equals_the_full_build(tmp_path):
    """A heading is on a card, which may be copied into any number of shards: the full build runs."""
    base = records()
    before = build_index(base, bundle_max_gzip_bytes=0, **SMALL)
    after = edited(base, {30: {"heading": "关于农村饮水问题"}})
    patched = build_index(after, bundle_max_gzip_bytes=0, previous=written(tmp_path, before), **SMALL)
    assert patched == build_index(after, bundle_max_gzip_bytes=0, **SMALL)
    assert not any(type(v).__name__ == "Unchanged" for v in patched.values())


def test_a_damaged_previous_index_falls_back_to_the_full_build(tmp_path):
    base = records()
    previous = written(tmp_path, build_index(base, bundle_max_gzip_bytes=0))
    after = edited(base, {0: {"status_text": "整改状态:已完成"}})
    for shard in (previous / "shards").glob("*.json"):
        shard.write_text("{broken", "utf-8")
    assert build_index(after, bundle_max_gzip_bytes=0, previous=previous) == build_index(after, bundle_max_gzip_bytes=0)


@given(st.text())
def test_the_translate_table_is_exactly_the_per_code_point_rule(text):
    from disclosure.search.normalize import fold_char
    assert normalize(text) == "".join(fold_char(ch) for ch in text)
