"""The importer against the corpus: fragments in the real phrasings of the genre, each with the
facts a careful reader takes from it (tests/notices/corpus/expected.yml). Every fact must be
right and nothing invented; each fragment is also imported without losing a line.

Optional facts, checked where a fragment states them: figures_text (the sentence the figures came
from), page_lines (exactly the lines that are page furniture: nothing of the body among them), and
per item its heading and the number of its measure paragraphs."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from disclosure.importer import import_notice
from helpers import ROOT

CORPUS = ROOT / "tests" / "notices" / "corpus"
EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text("utf-8"))
INSPECTION_KEYS = ("kind", "unit", "round", "stage")  # portal metadata: only what the text states
FIGURE_KEYS = ("total", "done", "partly_done", "mostly_done", "ongoing", "in_progress", "rate")


def facts(name: str) -> dict:
    result = import_notice((CORPUS / f"{name}.txt").read_bytes(), name)
    n = result.notice
    figures = {k: v for k, v in n.get("stated_figures", {}).items() if k in FIGURE_KEYS}
    want = EXPECTED.get(name, {})
    wanted_items = want.get("items", [])

    def item_facts(i: dict, e: dict) -> dict:
        out = {"label": i["label"], "status": i["status"], "deadline": i.get("deadline")}
        if "heading" in e:
            out["heading"] = i["heading"]
        if "measures" in e:
            out["measures"] = len(i["measures"])
        return out
    got = {
        "title": n.get("title"), "issuer": n.get("issuer"), "issued": n.get("issued"),
        "published": n.get("published"), "figures": figures,
        "truncated": any(i.get("truncated") for i in result.items),
        "inspection": {k: n["inspection"].get(k) for k in INSPECTION_KEYS},
        "items": [item_facts(i, e) for i, e in zip(result.items, wanted_items + [{}] * len(result.items))],
    }
    if "figures_text" in want:
        got["figures_text"] = n.get("stated_figures", {}).get("text")
    if "page_lines" in want:
        got["page_lines"] = n.get("page", {}).get("lines", [])
    return got, result


def expected_facts(name: str) -> dict:
    e = EXPECTED[name]
    out = {"title": e["title"], "issuer": e["issuer"], "issued": e["issued"], "published": e["published"],
           "figures": {k: v for k, v in (e.get("figures") or {}).items() if k in FIGURE_KEYS},
           "truncated": bool(e.get("truncated")),
           "inspection": {k: (e.get("inspection") or {}).get(k) for k in INSPECTION_KEYS},
           "items": [{k: i[k] if k in i else None for k in ("label", "status", "deadline", "heading", "measures")
                      if k in i or k in ("label", "status", "deadline")} for i in e["items"]]}
    for key in ("figures_text", "page_lines"):
        if key in e:
            out[key] = e[key]
    return out


def count_facts(e: dict) -> int:
    """How many facts a fragment's expectation states (each item field, each figure, each page line)."""
    scalar = 4 + 1 + len(INSPECTION_KEYS)  # title issuer issued published, truncated, inspection
    figures = max(1, len(e.get("figures") or {})) + ("figures_text" in e)
    items = sum(len([k for k in i if k in ("label", "status", "deadline", "heading", "measures")]) for i in e["items"]) \
        or 1  # items: [] is one fact
    return scalar + figures + items + len(e.get("page_lines", []))


def test_the_corpus_is_large_enough():
    assert len(EXPECTED) >= 35
    assert sum(count_facts(e) for e in EXPECTED.values()) >= 785  # issue 30 round 4: 785 facts, each checked
    assert sorted(EXPECTED) == sorted(p.stem for p in CORPUS.glob("*.txt"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_expected_fact_is_read(name):
    got, _ = facts(name)
    want = expected_facts(name)
    wrong = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    assert not wrong, "\n".join(f"{k}: got {g!r}\n     want {w!r}" for k, (g, w) in wrong.items())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nothing_from_the_fragment_is_lost(name):
    _, result = facts(name)
    assert "unplaced" not in result.notice, result.notice["unplaced"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_import_is_valid_data_or_says_what_staff_must_fill_in(name, tmp_path):
    """What the importer writes passes the validator, except the facts the source does not state
    (a title, a signature date): those it leaves out, never invents, and the validator names them."""
    from disclosure.errors import DataErrors
    from disclosure.importer import write
    from disclosure.validate import load_dataset
    _, result = facts(name)
    write(result, tmp_path / "data" / "notices" / name)
    unstated = {key for key in ("title", "issued") if EXPECTED[name].get(key) is None}
    try:
        load_dataset(tmp_path / "data")
        missing = set()
    except DataErrors as exc:
        missing = {key for key in ("title", "issued") if f"缺少必填字段 “{key}”" in exc.report()}
        assert exc.report().count("notice.yml") == len(missing), exc.report()  # nothing else is wrong
    assert missing == unstated
