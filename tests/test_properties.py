"""Property-based tests (hypothesis): random and mutated input never crashes the loader or the
importer, and the importer never loses a line."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure.errors import DataErrors
from disclosure.importer import import_notice, texts
from disclosure.yamlio import load_text, load_text_fast

from helpers import JINPU, body_lines

SOURCE_LINES = (JINPU / "source.txt").read_text("utf-8").splitlines()
ITEM_TEXT = (JINPU / "items" / "5-2.yml").read_text("utf-8")
NOISE = st.lists(st.sampled_from(list("关于“”\"'()（）:：,。一二三是1.、 \u00a0\t\n-[]{}#&*!|>%@`整改进展情况已完成正在")
                                 + ["问题1:", "(1)", "一、", "(一)", "一是关于“", "整改状态:", "2019年12月"]),
                 max_size=20).map("".join)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def lossless(raw: str):
    result = import_notice(raw.encode("utf-8"), "t")
    haystack = "\n".join(texts(result.notice, result.items))
    missing = [line for line in body_lines(raw) if line not in haystack]
    assert missing == []


@FAST
@given(st.lists(st.sampled_from(SOURCE_LINES), min_size=1, max_size=40))
def test_importer_keeps_every_line_of_shuffled_notice_lines(lines):
    lossless("\n".join(lines))


@FAST
@given(st.lists(st.one_of(st.sampled_from(SOURCE_LINES), NOISE), min_size=1, max_size=30))
def test_importer_keeps_every_line_of_noisy_input(lines):
    lossless("\n".join(lines))


@FAST
@given(st.integers(min_value=0, max_value=len(SOURCE_LINES)), st.integers(min_value=0, max_value=200))
def test_importer_keeps_every_line_of_a_truncated_notice(n_lines, cut):
    text = "\n".join(SOURCE_LINES[:n_lines])
    lossless(text[: max(0, len(text) - cut)])


def mutate(text: str, seed: int, edits: int) -> str:
    rnd = random.Random(seed)
    chars = list(text)
    for _ in range(edits):
        pos = rnd.randrange(len(chars) + 1)
        op = rnd.choice(("insert", "delete", "swap"))
        piece = rnd.choice([":", " ", "\t", "-", "\"", "'", "{", "[", "&a", "*a", "\n", "  ", "#", "|", "?"])
        if op == "insert" or not chars:
            chars.insert(pos, piece)
        elif op == "delete" and pos < len(chars):
            del chars[pos]
        elif pos < len(chars):
            chars[pos] = piece
    return "".join(chars)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=8))
def test_yaml_loader_raises_only_data_errors_on_mutated_items(seed, edits):
    try:
        load_text(mutate(ITEM_TEXT, seed, edits), "x.yml")
    except DataErrors as exc:
        assert all(e.file == "x.yml" for e in exc.errors)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_yaml_loader_raises_only_data_errors_on_random_text(text):
    try:
        load_text(text, "x.yml")
    except DataErrors:
        pass


ERROR = object()


def _data_or_error(load, text):
    try:
        return load(text, "x.yml").data
    except DataErrors:
        return ERROR


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=8))
def test_fast_loader_agrees_with_careful_loader(seed, edits):
    """The libyaml fast path must read every file exactly as the ruamel path does, or fall back."""
    text = mutate(ITEM_TEXT, seed, edits)
    assert _data_or_error(load_text_fast, text) == _data_or_error(load_text, text)


def test_fast_loader_agrees_on_all_committed_data():
    from helpers import ROOT
    from disclosure.yamlio import load_file
    for path in sorted((ROOT / "data").rglob("*.yml")):
        fast, careful = load_file(path, fast=True), load_file(path, fast=False)
        assert fast.data == careful.data and fast.positions is None, path


# The mutation test above only types punctuation, so it never writes the scalars where YAML readers
# disagree (YAML 1.1 vs 1.2, libyaml vs ruamel): 1_000, 0b101, -0x1F, 2019-1-1, 1:20. Staff do type
# such values unquoted; both loaders must read them alike, or the fast path must step aside.
NUMBER_LIKE = st.text(alphabet="0123456789_.-+:eExXoObB", min_size=1, max_size=9)
DATE_LIKE = st.from_regex(r"[0-9]{4}-[0-9]{1,2}(-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{2}:[0-9]{2}(Z|\+08:00)?)?)?",
                          fullmatch=True)


@settings(max_examples=400, deadline=None)
@given(st.one_of(NUMBER_LIKE, DATE_LIKE), st.sampled_from(["label: {}", "measures:\n  - {}", "updates:\n  - date: {}"]))
def test_fast_loader_agrees_on_number_and_date_like_scalars(value, shape):
    text = shape.format(value)
    assert _data_or_error(load_text_fast, text) == _data_or_error(load_text, text)


# Explicit tags (!!int x, !!python/…, !!omap) reach ruamel's constructors, which raise bare
# ValueError/KeyError/AttributeError; the mutation test never types "!!". Whatever the tag and
# whatever it tags, the loader must answer with DataErrors only.
TAGS = st.sampled_from(["!!int", "!!float", "!!bool", "!!null", "!!str", "!!binary", "!!timestamp", "!!omap",
                        "!!pairs", "!!set", "!!map", "!!seq", "!!merge", "!!python/object/apply:os.system",
                        "!!python/name:os.system", "!custom", "!"])
TAGGED = st.sampled_from(["x", "1", "2024-02-30", "[a, b]", "[{a: 1}, {a: 2}]", "{a: 1}", "{a, b}", '"é"', "", "[[1]]"])


@settings(max_examples=300, deadline=None)
@given(TAGS, TAGGED, st.sampled_from(["status: {} {}", "measures:\n  - {} {}", "{} {}", "x: [{} {}]"]))
def test_yaml_loader_raises_only_data_errors_on_tagged_values(tag, value, shape):
    for load in (load_text, load_text_fast):
        try:
            load(shape.format(tag, value), "x.yml")
        except DataErrors as exc:
            assert all(e.file == "x.yml" and e.message for e in exc.errors)


# ---- nothing invented: a deadline only from a deadline phrase of that item ---------------------------
from disclosure import genre  # noqa: E402

YEAR, MONTH = st.integers(min_value=2015, max_value=2030), st.integers(min_value=1, max_value=12)
# Dates in measures that are no deadline: events, counts, meetings, 截至 (as of).
TRAPS = st.builds(lambda y, m, w: w.format(y=y, m=m), YEAR, MONTH, st.sampled_from([
    "于{y}年{m}月清查追回资金12万元。", "{y}年{m}月召开专题会议,研究部署整改工作。", "截至{y}年{m}月底,已处置线索5件。",
    "{y}年{m}月起每月10日前更新公开内容。", "{y}年完成改造小区11个。", "{y}年{m}月印发《管理办法》。",
    "自{y}年{m}月以来,累计培训320人次。"]))
STATUS_LINES = st.one_of(
    st.just(""), st.sampled_from(["整改状态:已完成。", "完成情况:已完成", "整改进展情况:正在整改。", "整改结果:长期坚持。",
                                  "进展情况:阶段性完成。"]),
    st.builds(lambda y, m, w: w.format(y=y, m=m), YEAR, MONTH, st.sampled_from([
        "整改进展情况:正在整改,{y}年{m}月前完成。", "整改状态:阶段性完成,计划{y}年{m}月底前全部完成。",
        "整改时限:{y}年{m}月"])))


def _item_text(number: int, measures: list[str], status: str) -> list[str]:
    lines = [f"　　({number})关于“第{number}个问题存在不足”的问题。", f"　　关于“具体表现{number}”问题的整改落实情况。"]
    lines += [f"　　{m}" for m in measures]
    if status:
        lines.append(f"　　{status}")
    return lines


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(TRAPS, min_size=1, max_size=3), STATUS_LINES), min_size=1, max_size=6))
def test_no_deadline_without_a_deadline_phrase_in_that_items_own_lines(specs):
    lines = ["中共某某县委关于巡察整改情况的通报", "　　一、具体问题整改情况", "　　(一)某方面"]
    for n, (measures, status) in enumerate(specs, 1):
        lines += _item_text(n, measures, status)
    result = import_notice("\n".join(lines).encode("utf-8"), "t")
    assert len(result.items) == len(specs)
    for item, (measures, status) in zip(result.items, specs):
        own = [status] + measures
        phrases = {genre.deadline_in(genre.DEADLINE_LINE.sub("", t), labelled=bool(genre.DEADLINE_LINE.match(t)))[0]
                   for t in own} - {None}
        if "deadline" in item:
            assert item["deadline"] in phrases, (item, own)
        else:
            assert not phrases or item["status"] == "done", (item, own)
