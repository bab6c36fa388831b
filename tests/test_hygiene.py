"""Data hygiene in every build, and what each page says about its own data.

Symlinks and special files under data/ are refused by `disclosure validate` and `make build`
(the hook: tests/test_trust.py); items.csv neutralises formula cells while items.json keeps the
text verbatim; `disclosure update` edits only item files; item and notice pages say when their data
last changed and the footer names the commit the site was built from."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from disclosure.site.open_data import items_csv, records_json

ROOT = Path(__file__).resolve().parent.parent
DISCLOSURE = [sys.executable, "-m", "disclosure.cli"]


def validate(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*DISCLOSURE, "validate", str(data)], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("target", ["/etc/passwd", "/proc/self/environ", "../notice.yml"])
def test_a_symlinked_data_file_is_refused_by_validate_naming_it(scratch_data, target):
    link = scratch_data / "notices" / "jinpu-2019" / "items" / "99.yml"
    os.symlink(target, link)
    done = validate(scratch_data)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert re.search(r"data/notices/jinpu-2019/items/99\.yml:1: 是符号链接", done.stderr), done.stderr
    assert "root:" not in done.stderr


def test_a_symlinked_folder_and_a_fifo_are_refused(scratch_data):
    os.symlink("/etc", scratch_data / "notices" / "jinpu-2019" / "evidence")
    os.mkfifo(scratch_data / "notices" / "jinpu-2019" / "pipe.txt")
    done = validate(scratch_data)
    assert done.returncode == 1
    assert "evidence:1: 是符号链接" in done.stderr and "pipe.txt:1: 不是普通文件" in done.stderr, done.stderr


def test_make_build_refuses_a_symlink_and_publishes_nothing(scratch_data, build_site, tmp_path):
    os.symlink("/etc/passwd", scratch_data / "notices" / "jinpu-2019" / "passwd.txt")
    out = tmp_path / "site"
    done = build_site(out, data_dir=scratch_data)
    assert done.returncode != 0
    assert "passwd.txt:1: 是符号链接" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() or not any(out.rglob("*.html"))


@pytest.mark.parametrize("args", [["../../x"], ["x", "--notice", "../.."], ["..%2f..%2fx"], ["/etc/passwd"]])
def test_update_edits_only_item_files_of_data_notices(scratch_data, tmp_path, args):
    outside = scratch_data.parent / "x.yml"
    outside.write_text("updates: []\n", "utf-8")
    before = outside.read_bytes()
    done = subprocess.run([*DISCLOSURE, "update", *args, "--status", "done", "--data", str(scratch_data)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1 and "未修改任何文件" in done.stderr and "Traceback" not in done.stderr
    assert outside.read_bytes() == before


def test_update_still_validates_through_its_shadow_copy_without_symlinks(scratch_data):
    done = subprocess.run([*DISCLOSURE, "update", "5-2", "--status", "done", "--date", "2024-06-20",
                           "--note", "已完成", "--data", str(scratch_data)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert not [p for p in scratch_data.parent.iterdir() if p.name.startswith(".disclosure-update-")]


HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "=cmd|' /C calc'!A0", "+1+1", "-2万元", "@SUM(A1)",
           "\t=1", "\r=1", "正常文字", "整改中=完成"]


def test_items_csv_neutralises_formula_cells_and_items_json_keeps_the_text():
    records = [{"notice": "n", "id": str(i), "heading": text, "finding": text, "measures": [text, "第二段"]}
               for i, text in enumerate(HOSTILE)]
    rows = list(csv.reader(io.StringIO(items_csv(records).decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    headings = [row[4] for row in rows[1:]]
    assert headings[:7] == ["'" + t for t in HOSTILE[:7]] and headings[7:] == HOSTILE[7:]
    assert [r["heading"] for r in json.loads(records_json(records))] == HOSTILE


def test_the_built_items_csv_has_no_formula_cell_and_the_open_data_page_says_why(built_site):
    rows = list(csv.reader(io.StringIO((built_site / "data" / "items.csv").read_text("utf-8-sig"))))
    assert len(rows) > 40
    assert not [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "OWASP" in (built_site / "data" / "index.html").read_text("utf-8")


def git_date(path: str) -> str:
    return subprocess.run(["git", "log", "-1", "--format=%cs", "--", path], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()


def test_item_and_notice_pages_say_when_their_data_changed(live_site):
    from disclosure.model import date_text
    item = (live_site / "jinpu-2019" / "items" / "5-2" / "index.html").read_text("utf-8")
    found = re.search(r'<dt>数据更新于</dt><dd data-data-changed="(\d{4}-\d{2}-\d{2})">([^<]+)</dd>', item)
    assert found, "item page without 数据更新于"
    expected = git_date("data/notices/jinpu-2019/items/5-2.yml")
    assert expected, "the tests run in a git checkout (CI: a fresh clone): the file's own last commit"
    assert found.group(1) == expected
    assert found.group(2) == date_text(found.group(1))
    notice = (live_site / "jinpu-2019" / "index.html").read_text("utf-8")
    changed = re.search(r'data-data-changed="(\d{4}-\d{2}-\d{2})"', notice)
    assert changed and (not expected or changed.group(1) == git_date("data/notices/jinpu-2019"))


def test_the_footer_names_the_commit_the_site_was_built_from(live_site):
    in_git = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode == 0
    item = (live_site / "jinpu-2019/items/1/index.html").read_text("utf-8")
    assert "data-build-commit" not in item  # per-page provenance is 数据更新于; the commit is site-wide
    for page in ("index.html", "about/index.html"):
        html = (live_site / page).read_text("utf-8")
        found = re.search(r'data-build-commit="([0-9a-f]+)">本站由数据版本 \1（(\d+)年(\d+)月(\d+)日提交）生成', html)
        assert in_git and found, page  # the tests run in a git checkout (CI: a fresh clone)
        # the commit checked out when the session's site was built: HEAD or (after a commit) its ancestor
        ok = subprocess.run(["git", "merge-base", "--is-ancestor", found.group(1), "HEAD"], cwd=ROOT).returncode
        assert ok == 0, found.group(1)


def test_without_git_history_pages_fall_back_to_the_dates_in_the_data(tmp_path, test_data):
    from disclosure.gitinfo import History
    from disclosure.site.item import item_changed
    from disclosure.site.notice import notice_changed
    from disclosure.validate import load_dataset
    dataset = load_dataset(test_data)
    notice = dataset.notice("jinpu-2019")
    item = notice.items[0]
    assert item_changed(item, notice, History()) == (item.updates[-1].date if item.updates else notice.published or notice.issued)
    assert notice_changed(notice, History()) >= (notice.published or notice.issued)
