"""The mistakes staff make typing YAML by hand (issue 29, "errors that point at the right line"):
each is reported at the line of the mistake — not the later line where the YAML parser noticed
it — with the right advice in Chinese, field paths in words (第2条进展记录的日期, never updates[1])
and a Chinese status word refused with the exact code to write.

The base is the real item data/notices/jinpu-2019/items/1.yml with two progress records added the
way staff type them; each case changes one line of it. (tests/bad_data/item-staff-*.yml are the same
cases as fixed files, run by test_bad_data.py.)"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from disclosure.cli import main
from disclosure.errors import DataErrors
from disclosure.status import LABELS
from disclosure.yamlio import field_name, load_text, load_text_fast

from helpers import ROOT

VALID = ROOT / "tests" / "bad_data" / "valid"
REAL_ITEM = ROOT / "data" / "notices" / "jinpu-2019" / "items" / "1.yml"
UPDATES = '''updates:
  - date: "2019-10-15"
    status: in_progress
    note: |-
      已完成党政机构改革,事业单位内设机构领导选任工作已完成。
  - date: "2019-12-20"
    status: done
    note: |-
      园区深化改革实施细则已正式印发执行。
'''
PROGRAMMER = re.compile(r"\[\d+\]|\b(?:updates|corrections|measures|evidence)\b|[A-Za-z_]\.[A-Za-z_0-9]")


def message(line: str) -> str:
    """A reported line without its `file:line:col: ` (the file name has a dot of its own)."""
    return re.sub(r"^\S+?\.yml:[\d:]*\s", "", line)


def base_text() -> str:
    text = REAL_ITEM.read_text("utf-8")
    assert text.endswith("updates: []\n"), "the real item changed: adapt the base"
    return text.replace("updates: []\n", UPDATES)


def line_of(text: str, content: str, nth: int = 1) -> int:
    found = [n for n, line in enumerate(text.split("\n"), 1) if line == content]
    return found[nth - 1]


def with_line(text: str, n: int, new: str) -> str:
    lines = text.split("\n")
    lines[n - 1] = new
    return "\n".join(lines)


# (case, the line changed (its content, which occurrence), what it becomes, words of the advice)
CASES = {
    "full-width colon": ("status: in_progress", 1, "status：in_progress",
                         ["全角冒号", "写成 “status: in_progress”"]),
    "full-width colon in a record": ("    status: done", 1, "    status：done", ["全角冒号", "status: done"]),
    "full-width colon before a block": ("    note: |-", 2, "    note：|-", ["全角冒号", "note: |-"]),
    "no space after the colon": ("status: in_progress", 1, "status:in_progress",
                                 ["少了一个空格", "写成 “status: in_progress”"]),
    "no space in a new record": ('  - date: "2019-12-20"', 1, '  - date:"2019-12-20"',
                                 ["少了一个空格", 'date: "2019-12-20"']),
    "over-indented note": ("    note: |-", 2, "      note: |-",
                           ["这一行比上一行多缩进了 2 个空格", "删掉行首多出的 2 个空格", "与同级字段 “status:” 对齐"]),
    "over-indented by one space": ('deadline: "2019-12"', 1, ' deadline: "2019-12"',
                                   ["多缩进了 1 个空格", "与同级字段 “status:” 对齐"]),
    "under-indented": ("    status: done", 1, "  status: done",
                       ["这一行比上一行少缩进了 2 个空格", "补上 2 个空格", "与同级字段 “date:” 对齐"]),
    "under-indented by one space": ("    status: done", 1, "   status: done", ["少缩进了 1 个空格", "对齐"]),
    "unclosed quote": ('  - date: "2019-12-20"', 1, '  - date: "2019-12-20', ["引号没有配对", "补上英文引号 \""]),
    "unclosed quote of a field": ('deadline: "2019-12"', 1, 'deadline: "2019-12', ["引号没有配对"]),
    "unclosed single quote": ('deadline: "2019-12"', 1, "deadline: '2019-12", ["引号没有配对", "'"]),
    "closed with a Chinese quote": ('deadline: "2019-12"', 1, 'deadline: "2019-12”', ["中文引号", "英文引号"]),
    "tab": ("    status: done", 1, "\tstatus: done", ["Tab", "空格"]),
}


@pytest.fixture
def data(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(VALID, root)
    return root


def validate(data: Path, text: str, capsys) -> tuple[int, str]:
    (data / "notices" / "demo" / "items" / "1.yml").write_text(text, "utf-8")
    code = main(["validate", str(data)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_base_is_valid(data, capsys):
    """Without this, a refusal could come from the base instead of the one mistake."""
    code, out = validate(data, base_text(), capsys)
    assert code == 0, out


@pytest.mark.parametrize("name", CASES)
def test_a_mistake_is_reported_at_its_line_with_the_right_advice(name, data, capsys):
    content, nth, mistake, words = CASES[name]
    text = base_text()
    n = line_of(text, content, nth)
    code, out = validate(data, with_line(text, n, mistake), capsys)
    assert code == 1, out
    naming = [line for line in out.splitlines() if "items/1.yml" in line]
    assert len(naming) == 1, out
    assert f"data/notices/demo/items/1.yml:{n}:" in naming[0], (n, out)
    for word in words:
        assert word in naming[0], (word, out)
    assert "Traceback" not in out and not PROGRAMMER.search(message(naming[0])), out
    if "缩进了" in naming[0]:
        assert "冒号" not in naming[0] and "引号" not in naming[0], "indentation gets indentation advice only"


@pytest.mark.parametrize("name", CASES)
def test_the_fast_and_the_careful_path_agree(name):
    content, nth, mistake, _ = CASES[name]
    text = base_text()
    text = with_line(text, line_of(text, content, nth), mistake)
    errors = []
    for load in (load_text, load_text_fast):
        with pytest.raises(DataErrors) as caught:
            load(text, "1.yml")
        errors.append(caught.value.errors)
    assert errors[0] == errors[1]


def test_block_text_that_looks_like_a_mistake_is_not_blamed(data, capsys):
    """`status:done` or a lone quote inside a note is text; the real mistake further down is named."""
    text = base_text()
    text = text.replace("      已完成党政机构改革", "      status:done \"引文\n      已完成党政机构改革", 1)
    n = line_of(text, "    status: done")
    code, out = validate(data, with_line(text, n, "  status: done"), capsys)
    assert code == 1 and f"items/1.yml:{n}:" in out and "少缩进了 2 个空格" in out, out


def test_colon_inside_text_still_gets_the_colon_advice(data, capsys):
    text = base_text()
    n = line_of(text, "heading: 关于“体制机制落后”的问题。")
    code, out = validate(data, with_line(text, n, "heading: 说明: 体制机制落后"), capsys)
    assert code == 1 and f"items/1.yml:{n}:" in out and "冒号" in out and "块文本" in out, out


# -- status words: refused with the exact code to write, the whole vocabulary shown ---------------
@pytest.mark.parametrize("word, code", [("已完成", "done"), ("正在整改", "in_progress"), ("整改到位", "done"),
                                        ("基本完成", "mostly_done"), ("Done", "done"), ("in progress", "in_progress")])
def test_a_status_in_words_is_refused_with_the_code_to_write(word, code, data, capsys):
    text = base_text()
    n = line_of(text, "status: in_progress")
    code_, out = validate(data, with_line(text, n, f"status: {word}"), capsys)
    assert code_ == 1, out
    assert f"items/1.yml:{n}:" in out and f"状态写成了“{word}”" in out and f"请写 {code}({LABELS[code]})" in out, out
    assert all(f"{c}({label})" in out for c, label in LABELS.items()), "the whole vocabulary is shown"


def test_a_status_word_in_a_record_names_the_record_in_words(data, capsys):
    text = base_text()
    n = line_of(text, "    status: done")
    code, out = validate(data, with_line(text, n, "    status: 已完成"), capsys)
    assert code == 1 and f"items/1.yml:{n}:" in out, out
    assert "字段 第2条进展记录的状态: 状态写成了“已完成”" in out and "请写 done(已完成)" in out, out
    assert not PROGRAMMER.search(message(out.splitlines()[0])), out


def test_an_unknown_status_word_still_lists_the_vocabulary(data, capsys):
    text = base_text()
    n = line_of(text, "status: in_progress")
    code, out = validate(data, with_line(text, n, "status: finished"), capsys)
    assert code == 1 and "字段 status: “finished” 不是允许的值" in out and "done(已完成)" in out, out


# -- field paths in words ---------------------------------------------------------------------------
@pytest.mark.parametrize("path, words", [
    (("updates", 1, "date"), "第2条进展记录的日期"),
    (("updates", 0, "status"), "第1条进展记录的状态"),
    (("updates", 2, "note"), "第3条进展记录的说明"),
    (("updates", 0, "deadline"), "第1条进展记录的整改时限"),
    (("updates", 0, "evidence", 1), "第1条进展记录的第2项佐证材料"),
    (("updates", 3), "第4条进展记录"),
    (("measures", 0), "第1条整改措施"),
    (("corrections", 1, "date"), "第2条更正记录的日期"),
    (("withdrawn", "date"), "撤回说明的日期"),
    (("categories", 0, "groups", 1, "id"), "第1个类别的第2个问题组的编号"),
    (("updates", 0, "notes"), "第1条进展记录的 notes"),  # a misspelt key: as typed
    (("status",), "status"),  # a top-level key: as it stands at the start of the line
])
def test_field_paths_are_in_words(path, words):
    assert field_name(path) == words
    assert not re.search(r"\[\d+\]|\.\d", field_name(path))


def test_a_record_date_error_names_the_record_in_words(data, capsys):
    text = base_text()
    n = line_of(text, '  - date: "2019-12-20"')
    code, out = validate(data, with_line(text, n, '  - date: "2019-11-31"'), capsys)
    assert code == 1 and f"items/1.yml:{n}:" in out, out
    assert "字段 第2条进展记录的日期: “2019-11-31” 不是真实存在的日期" in out, out
