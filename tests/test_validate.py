"""`disclosure validate`: valid data passes; each kind of bad input gives exit 1, a Chinese message
naming file and line, and never a traceback."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, write_test_data

from disclosure.cli import main
from disclosure.validate import consistency_warnings, load_dataset


ITEM = "data/notices/jinpu-2019/items/5-2.yml"
NOTICE = "data/notices/jinpu-2019/notice.yml"


@pytest.fixture
def data(tmp_path) -> Path:
    """A private copy of data/ to break."""
    write_test_data(tmp_path / "data")
    return tmp_path / "data"


def run(data: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(data)])
    out = capsys.readouterr()
    return code, out.out + out.err


def edit(data: Path, rel: str, old: str, new: str, count: int = 1):
    path = data.parent / rel
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), "utf-8")


def test_committed_data_is_valid(capsys):
    code, out = run(ROOT / "data", capsys)
    assert code == 0 and "1 份通报,44 项" in out


def test_consistency_warning_names_mismatching_figures():
    warnings = [str(w) for w in consistency_warnings(load_dataset(ROOT / "data"))]
    assert any("已完成 19 项" in w and "20 项" in w for w in warnings)
    assert all("jinpu-2019/notice.yml" in w for w in warnings)  # the other notice's figures agree


def test_validate_command_prints_the_warning_on_stderr_and_succeeds():
    """Staff see the notice's own figures disagree with its items, but the data is still valid."""
    proc = subprocess.run([sys.executable, "-m", "disclosure.cli", "validate", str(ROOT / "data")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "数据有效" in proc.stdout and "提醒" not in proc.stdout
    warning = next(line for line in proc.stderr.splitlines() if "已完成 19 项" in line)
    assert warning.startswith("data/notices/jinpu-2019/notice.yml") or "jinpu-2019/notice.yml" in warning
    assert "事项数据中为 20 项" in warning and "9、10、11" in warning  # names the figures and the items counted
    assert "未完成(正在整改等) 25 项" in proc.stderr and "为 24 项" in proc.stderr
    assert "shixian-xuncha-2024" not in proc.stderr and "Traceback" not in proc.stderr


# (what to break, replacement, expected line, words the message must contain)
CASES = {
    "unknown_key": (ITEM, 'deadline: "2030-12"', 'dedline: "2030-12"', 9, ["dedline", "拼写"]),
    "bad_status": (ITEM, "status: in_progress", "status: 进行中", 8, ["status", "不是允许的值", "done"]),
    "deadline_format": (ITEM, 'deadline: "2030-12"', 'deadline: "2030/12"', 9, ["deadline", "\"2019-12\""]),
    "deadline_month": (ITEM, 'deadline: "2030-12"', 'deadline: "2030-13"', 9, ["不是真实的年月"]),
    "deadline_number": (ITEM, 'deadline: "2030-12"', "deadline: 203012", 9, ["应为文字", "引号"]),
    "missing_deadline": (ITEM, 'deadline: "2030-12"\n', "", 8, ["没有整改时限", "no_deadline"]),
    "missing_required": (ITEM, "status_text:", "status_txt:", 1, ["缺少必填字段", "status_text"]),
    "bad_hierarchy": (ITEM, 'group: "2"', 'group: "99"', 5, ["问题组", "99", "不存在"]),
    "path_traversal_id": (ITEM, 'id: "5-2"', 'id: "../x"', 2, ["id", "不能含 /"]),
    "id_mismatch": (ITEM, 'id: "5-2"', 'id: "5-3"', 2, ["文件名"]),
    "not_a_date": (NOTICE, 'issued: "2019-08-12"', 'issued: "2019-02-30"', 5, ["不是真实存在的日期"]),
    "yaml_syntax": (ITEM, "status: in_progress", "status: [in_progress", 9, ["YAML", "缩进"]),
    "duplicate_key": (ITEM, "status: in_progress", "status: in_progress\nstatus: done", 9, ["重复"]),
    "tab_indent": (ITEM, "  - |-\n    针对农村", "\t- |-\n    针对农村", 16, ["Tab"]),
    "alias": (ITEM, "updates: []", "x: &a [1]\nupdates: *a", 25, ["别名"]),
    "non_string_key": (ITEM, "updates: []", "updates: []\n1: x", 25, ["字段名必须是文字"]),
    "missing_source": (NOTICE, "source: source.txt", "source: gone.txt", 15, ["找不到原文"]),
    "updates_out_of_order": (ITEM, "updates: []", 'updates:\n  - date: "2024-05-01"\n    status: done\n    note: 完成\n'
                             '  - date: "2023-01-01"\n    status: done\n    note: 早',
                             28, ["按日期先后"]),
    "revised_deadline_without_reason": (ITEM, "updates: []", 'updates:\n  - date: "2024-05-01"\n    status: in_progress\n'
                                        '    note: 延期\n    deadline: "2025-06"', 25, ["reason"]),
    "update_bad_date": (ITEM, "updates: []", 'updates:\n  - date: "2024-02-30"\n    status: done\n    note: x', 25,
                        ["不是真实存在的日期"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_with_file_and_line(case, data, capsys):
    rel, old, new, line, words = CASES[case]
    edit(data, rel, old, new)
    code, out = run(data, capsys)
    assert code == 1, out
    assert f"{Path(rel).relative_to('data').as_posix()}:{line}" in out.replace("data/", "", 1) or \
        f"{rel}:{line}" in out, out
    for word in words:
        assert word in out, (word, out)
    assert "Traceback" not in out


def test_utf8_bom_is_accepted(data, capsys):
    path = data.parent / ITEM
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run(data, capsys)[0] == 0


def test_gbk_file_gets_a_message_not_a_decode_error(data, capsys):
    path = data.parent / ITEM
    path.write_bytes(path.read_text("utf-8").encode("gbk", errors="replace"))
    code, out = run(data, capsys)
    assert code == 1 and "GBK" in out and "UTF-8" in out and "5-2.yml" in out


def test_all_problems_are_reported_in_one_run(data, capsys):
    edit(data, ITEM, "status: in_progress", "status: nope")
    edit(data, "data/notices/jinpu-2019/items/1.yml", 'deadline: "2019-12"', 'deadline: "2019-1"')
    code, out = run(data, capsys)
    assert code == 1 and "5-2.yml" in out and "1.yml" in out and "共发现 2 处问题" in out


def test_stray_file_and_missing_folder(tmp_path, capsys):
    code, out = run(tmp_path / "nothing", capsys)
    assert code == 1 and "notices" in out


def test_subprocess_exit_code_and_no_traceback(data):
    edit(data, ITEM, "status: in_progress", "status: {")
    proc = subprocess.run([sys.executable, "-m", "disclosure.cli", "validate", str(data)], capture_output=True, text=True)
    assert proc.returncode == 1 and "5-2.yml:10" in proc.stderr and "YAML" in proc.stderr and "Traceback" not in proc.stderr


def test_command_line_mistakes_are_explained_in_chinese(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["update", "5-2"])  # --status missing
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "命令写法有误" in err and "--help" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["updates", "contact", "notices", "search", "assets", "feed.xml", "sitemap.xml",
                                  "404.html", "about", "staff-guide", "how-search-works", "About"])
def test_a_notice_may_not_take_the_address_of_the_sites_own_pages(tmp_path, capsys, name):
    data = write_test_data(tmp_path / "data")
    (data / "notices" / "shixian-xuncha-2024").rename(data / "notices" / name)
    code, out = run(data, capsys)
    assert code == 1 and f"notices/{name}" in out and f"“{name}” 是网站自身栏目或页面的地址" in out
    assert "xx-xuncha-2024" in out and "Traceback" not in out


def test_the_hand_written_pages_beside_the_data_folder_are_reserved_too(tmp_path, capsys):
    data = write_test_data(tmp_path / "data")
    (tmp_path / "docs" / "guides").mkdir(parents=True)
    (tmp_path / "docs" / "faq.md").write_text("# 常见问题\n", "utf-8")
    for name in ("faq", "guides"):
        (data / "notices" / "shixian-xuncha-2024").rename(data / "notices" / name)
        code, out = run(data, capsys)
        assert code == 1 and f"“{name}” 是网站自身栏目或页面的地址" in out
        (data / "notices" / name).rename(data / "notices" / "shixian-xuncha-2024")
    assert run(data, capsys)[0] == 0  # an ordinary id passes


def test_mkdocs_docs_dir_is_where_the_hand_written_pages_are(tmp_path):
    from disclosure.validate import reserved_ids
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "rules.md").write_text("# 规则\n", "utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\ndocs_dir: 'pages'  # hand-written\n", "utf-8")
    assert "rules" in reserved_ids(tmp_path / "data")


def test_the_reserved_names_follow_the_url_scheme():
    from disclosure.site import urls
    from disclosure.validate import site_addresses
    every = [urls.DIRECTORY, urls.CONTACT, urls.SEARCH, urls.UPDATES, urls.DATA, urls.FEED, urls.SITEMAP,
             urls.PORTAL_SITEMAP, urls.ITEMS_JSON, *urls.SCHEMAS.values()]
    assert {u.split("/")[0] for u in every} <= site_addresses()
    assert "" not in site_addresses() and "jinpu-2019" not in site_addresses()


def test_every_top_level_name_of_the_built_site_is_reserved_or_a_notice(built_site, test_data):
    """Drift check against the real build: MkDocs, the theme, the hook and docs/ write nothing at the
    top level that a notice could also claim."""
    from disclosure.validate import reserved_ids
    notices = {p.name for p in (test_data / "notices").iterdir()}
    assert {p.name.lower() for p in built_site.iterdir()} - notices <= reserved_ids(test_data)


def test_a_folder_name_with_a_final_newline_is_not_a_safe_id():
    from disclosure.validate import SAFE_ID
    assert SAFE_ID.match("jinpu-2019") and not SAFE_ID.match("jinpu-2019\n")
