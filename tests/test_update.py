"""`disclosure update`: the edit is surgical (diff = only the new record), validated before writing,
and every refusal leaves the file byte for byte untouched with a Chinese message."""
from __future__ import annotations

import datetime as dt
import difflib
import shutil
from pathlib import Path

import pytest

from helpers import write_test_data

from disclosure.cli import main

REPO = Path(__file__).resolve().parents[1]
ITEM = "data/notices/jinpu-2019/items/5-2.yml"


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_test_data(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*argv: str) -> int:
    return main(["update", *argv])


def diff(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_first_update_changes_only_the_updates_lines(project, capsys):
    before = (project / ITEM).read_text("utf-8")
    assert run("5-2", "--status", "已完成", "--date", "2024-07-17", "--note", "已印发《农村饮水管理办法》:全面落实。") == 0
    after = (project / ITEM).read_text("utf-8")
    removed, added = diff(before, after)
    assert removed == ["updates: []"]
    assert added == ["updates:", '  - date: "2024-07-17"', "    status: done", "    note: |-",
                     "      已印发《农村饮水管理办法》:全面落实。"]
    out = capsys.readouterr().out
    assert "已更新" in out and "已完成(done)" in out and 'disclosure publish -m "事项' in out


def test_second_update_only_adds_lines_and_keeps_comments_quotes_and_blocks(project):
    path = project / ITEM
    text = path.read_text("utf-8")
    # Hand-edited features a naive load/dump would lose: comments, single quotes, a folded flow list.
    text = text.replace('label: "(5)二是"', "label: '(5)二是'  # 原文编号")
    text = text.replace("updates: []", "# 进展记录,按日期先后\nupdates:\n  - date: \"2024-01-02\"\n"
                                       "    status: in_progress  # 初次报告\n    note: |-\n      已启动。\n")
    text = "# 人工维护\n" + text
    path.write_text(text, encoding="utf-8")
    assert run("5-2", "--status", "mostly_done", "--date", "2024-03-04", "--note", "基本完成。",
               "--deadline", "2024-12", "--reason", "设备采购需走政府采购程序。") == 0
    removed, added = diff(text, path.read_text("utf-8"))
    assert removed == []
    assert added == ['  - date: "2024-03-04"', "    status: mostly_done", "    note: |-", "      基本完成。",
                     '    deadline: "2024-12"', "    reason: |-", "      设备采购需走政府采购程序。"]


def test_date_defaults_to_today_and_english_and_crlf_files_work(project):
    path = project / "data/notices/jinpu-2019/items/1.yml"
    original = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + original.replace(b"\n", b"\r\n"))
    assert run("1", "--status", "done", "--notice", "jinpu-2019") == 0
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b"")
    assert f'date: "{dt.date.today().isoformat()}"'.encode() in raw
    assert "整改状态更新为“已完成”".encode() in raw


@pytest.mark.parametrize("argv, message", [
    (["5-2", "--status", "差不多了"], "不认识的状态"),
    (["99", "--status", "done"], "没有编号为 “99” 的事项"),
    (["5-2", "--status", "done", "--notice", "nowhere"], "没有编号为 “nowhere” 的通报"),
    (["5-2", "--status", "done", "--date", "2024-02-30"], "不存在"),
    (["5-2", "--status", "done", "--date", "17.7.2024"], "格式不对"),
    (["5-2", "--status", "done", "--date", "2999-01-01"], "晚于今天"),
    (["5-2", "--status", "in_progress", "--deadline", "2025-06"], "必须写明理由"),
    (["5-2", "--status", "in_progress", "--deadline", "2025-6", "--reason", "x"], "格式不对"),
])
def test_mistakes_are_refused_in_chinese_and_leave_the_file_untouched(project, capsys, argv, message):
    before = (project / ITEM).read_bytes()
    assert run(*argv) == 1
    err = capsys.readouterr().err
    assert message in err and "未修改任何文件" in err and "Traceback" not in err
    assert (project / ITEM).read_bytes() == before


def test_earlier_date_than_the_last_record_is_refused(project, capsys):
    assert run("5-2", "--status", "in_progress", "--date", "2024-05-01", "--note", "推进中。") == 0
    before = (project / ITEM).read_bytes()
    assert run("5-2", "--status", "done", "--date", "2024-04-01") == 1
    assert "早于该事项最近一条进展记录的日期 2024-05-01" in capsys.readouterr().err
    assert (project / ITEM).read_bytes() == before


def test_whole_dataset_is_validated_before_writing(project, capsys):
    """A broken sibling file blocks the update: the message names it; the edited file is untouched."""
    sibling = project / "data/notices/jinpu-2019/items/1.yml"
    sibling.write_text(sibling.read_text("utf-8").replace('deadline: "2019-12"', "deadline: 2019-13"), "utf-8")
    before = (project / ITEM).read_bytes()
    assert run("5-2", "--status", "done", "--date", "2024-07-17") == 1
    err = capsys.readouterr().err
    assert "data/notices/jinpu-2019/items/1.yml:" in err and "deadline" in err
    assert (project / ITEM).read_bytes() == before
    assert not list((project / ITEM).parent.glob(".*.tmp"))


def test_broken_yaml_in_the_item_itself_is_reported_with_line(project, capsys):
    path = project / ITEM
    path.write_text(path.read_text("utf-8").replace("status: in_progress", "status in_progress"), "utf-8")
    before = path.read_bytes()
    assert run("5-2", "--status", "done") == 1
    err = capsys.readouterr().err
    assert "data/notices/jinpu-2019/items/5-2.yml:" in err and "Traceback" not in err
    assert path.read_bytes() == before


def test_ambiguous_item_id_needs_notice(project, capsys):
    other = project / "data/notices/other-2020"
    shutil.copytree(project / "data/notices/jinpu-2019", other)
    assert run("5-2", "--status", "done") == 1
    assert "--notice" in capsys.readouterr().err
