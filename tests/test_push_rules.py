"""The push rules of issue 26 on their own (fast): admin-only records, no dates after the publish
day, links and unit names inside what an account owns, the server's own publish days, a verified
cache, a full disk, and publish.log fields. tests/test_redteam.py replays them through real pushes."""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from disclosure import gitinfo
from disclosure.access import Owners, link_refusals, name_refusals
from disclosure.checked import CACHE_MISMATCH, NOT_CHECKED, CheckedFiles
from disclosure.history import Change, history_refusals
from disclosure.publish.build import Builds, Step, validation_result
from disclosure.publish.checks import PushChecks
from disclosure.publish.server import Pusher, Refused, Server
from disclosure.yamlio import load_bytes

ROOT = Path(__file__).resolve().parent.parent
ITEM = "data/notices/jinpu-2019/items/5-2.yml"
ITEM_BYTES = (ROOT / ITEM).read_bytes()
TODAY = dt.date(2024, 7, 1)
OWNERS = Owners.parse({"admins": ["admin"], "accounts": {"jinpu": ["jinpu-2019"], "shixian": ["shixian-*"]},
                       "names": {"shixian": ["共用的单位"]}})


def refusals(old, new, admin=False, path=ITEM, published=("jinpu-2019",)) -> str:
    return "\n".join(map(str, history_refusals([Change(path, old, new)], admin, set(published), TODAY)))


def with_update(raw: bytes, day: str) -> bytes:
    return raw.replace(b"updates: []", f'updates:\n  - date: "{day}"\n    status: done\n    note: 完成\n'.encode())


def test_corrections_and_withdrawals_are_admin_only_in_new_notices_too():
    corrected = ITEM_BYTES + 'corrections:\n  - date: "2024-06-23"\n    reason: 自称更正\n'.encode()
    assert "更正原文只能由管理员操作" in refusals(ITEM_BYTES, corrected)
    assert "更正原文只能由管理员操作" not in refusals(ITEM_BYTES, corrected, admin=True)
    new_notice_item = "data/notices/new-2025/items/1.yml"
    assert "更正原文只能由管理员操作" in refusals(None, corrected, path=new_notice_item, published=())
    withdrawn = ITEM_BYTES + 'withdrawn:\n  date: "2024-06-24"\n  reason: 重复\n'.encode()
    assert "撤下事项或通报只能由管理员操作" in refusals(None, withdrawn, path=new_notice_item, published=())
    assert refusals(None, ITEM_BYTES, path=new_notice_item, published=()) == ""


def test_a_date_after_the_publish_day_is_refused_for_everyone_but_only_where_the_push_says_it():
    assert b"updates: []" in ITEM_BYTES
    for admin in (False, True):
        text = refusals(ITEM_BYTES, with_update(ITEM_BYTES, "2099-12-31"), admin)
        assert "日期 2099-12-31 晚于发布当天(2024-07-01)" in text and f"{ITEM}:" in text
    assert refusals(ITEM_BYTES, with_update(ITEM_BYTES, "2024-07-01")) == ""
    published_future = with_update(ITEM_BYTES, "2099-12-31")  # published before the rule: left alone
    appended = published_future + b'  - date: "2024-06-30"\n    status: done\n    note: ok\n'
    assert refusals(published_future, appended) == ""
    notice = (ROOT / "data/notices/jinpu-2019/notice.yml").read_bytes()
    future_notice = notice.replace(b'issued: "2019-08-12"', b'issued: "2030-01-01"')
    assert future_notice != notice
    assert "日期 2030-01-01 晚于发布当天" in refusals(None, future_notice, path="data/notices/new-2030/notice.yml",
                                                      published=())


def loaded(text: str, path: str):
    return path, load_bytes(text.encode("utf-8"), path)


def test_links_may_point_only_at_notices_the_account_owns():
    follows = loaded("id: shixian-b\nfollows: jinpu-2019\n", "data/notices/shixian-b/notice.yml")
    continues = loaded("id: '1'\ncontinues: jinpu-2019/3\n", "data/notices/shixian-b/items/1.yml")
    own = loaded("id: '1'\ncontinues: shixian-a/3\n", "data/notices/shixian-b/items/2.yml")
    errors = link_refusals("shixian", OWNERS, [follows, continues, own])
    assert [(e.file, e.line, e.field) for e in errors] == [
        ("data/notices/shixian-b/notice.yml", 2, "follows"), ("data/notices/shixian-b/items/1.yml", 2, "continues")]
    assert all("指向通报 jinpu-2019,它由 jinpu 负责" in e.message for e in errors)
    assert link_refusals("admin", OWNERS, [follows, continues]) == []


def test_a_new_notice_may_not_claim_another_accounts_unit_unless_granted():
    others = {"金普新区": "jinpu-2019", "共用的单位": "jinpu-2019"}
    claim = loaded("id: shixian-b\nissuer: 金普新区\ninspection:\n  unit: 共用的单位\n", "data/notices/shixian-b/notice.yml")
    errors = name_refusals("shixian", OWNERS, [claim], others)
    assert len(errors) == 1 and errors[0].field == "issuer" and "jinpu-2019(由 jinpu 负责)" in errors[0].message
    assert "names: shixian:" in errors[0].message
    assert name_refusals("admin", OWNERS, [claim], others) == []


def test_the_owners_file_may_grant_names():
    from disclosure.validate import owners_from_bytes
    raw = "admins: [admin]\naccounts:\n  shixian: [shixian-*]\nnames:\n  shixian: [示例县水务局]\n".encode()
    data = owners_from_bytes(raw, "data/owners.yml")
    assert data is not None and Owners.parse(data).names == {"shixian": ("示例县水务局",)}


# ---- the server's own dates ---------------------------------------------------------------------

def git(repo: Path, *args: str, date: str = "2001-01-01") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_AUTHOR_DATE": f"{date}T12:00:00+08:00",
           "GIT_COMMITTER_DATE": f"{date}T12:00:00+08:00"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()


def test_dates_come_from_the_publish_table_not_from_commits(tmp_path, monkeypatch):
    for var in ("GIT_DIR", "GIT_WORK_TREE", gitinfo.COMMIT_ENV):
        monkeypatch.delenv(var, raising=False)
    repo = tmp_path / "site"
    (repo / "data" / "notices" / "a").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for name in ("1", "2", "3"):
        (repo / "data" / "notices" / "a" / f"{name}.yml").write_text(name)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", name)  # every commit claims 2001-01-01
        if name == "1":
            first = git(repo, "rev-parse", "HEAD")
        if name == "2":
            second = git(repo, "rev-parse", "HEAD")
    table = tmp_path / "published.tsv"
    table.write_text(f"{first[:12]}\t2024-03-01\n{second[:12]}\t2024-05-02\n")
    monkeypatch.setenv(gitinfo.PUBLISHED_ENV, str(table))
    monkeypatch.setenv(gitinfo.AS_OF_ENV, "2024-07-01")
    dates = gitinfo.last_commit_dates(repo / "data")
    assert dates == {"data/notices/a/1.yml": dt.date(2024, 3, 1), "data/notices/a/2.yml": dt.date(2024, 5, 2),
                     "data/notices/a/3.yml": dt.date(2024, 7, 1)}  # not published yet: the publish day
    assert gitinfo.commit_date(repo) == dt.date(2024, 7, 1)
    monkeypatch.delenv(gitinfo.PUBLISHED_ENV)
    assert set(gitinfo.last_commit_dates(repo / "data").values()) == {dt.date(2001, 1, 1)}


def test_publish_days_come_from_the_log_up_to_the_release_rebuilt(tmp_path):
    server = Server(web_root=tmp_path, git_dir=tmp_path)
    (tmp_path / "publish.log").write_text(
        "2024-03-01T10:00:00+08:00\tpublished\taaaaaaaaaaaa\tadmin\t-\trelease 20240301-100000-aaaaaaaaaaaa\n"
        "2024-03-02T10:00:00+08:00\trefused\tbbbbbbbbbbbb\tjinpu\t-\tinvalid: x\n"
        "2024-05-02T10:00:00+08:00\tpublished\tcccccccccccc\tjinpu\t-\trelease 20240502-100000-cccccccccccc"
        " as-of 2024-05-01 (catch-up)\n")
    # the as-of date the release was built with where the line states it, else the line's own date
    assert Builds(server).publish_days() == "aaaaaaaaaaaa\t2024-03-01\ncccccccccccc\t2024-05-01\n"
    assert Builds(server).publish_days("20240502-100000-cccccccccccc") == "aaaaaaaaaaaa\t2024-03-01\n"


# ---- the log, the cache, a full disk ----------------------------------------------------------------

def test_every_log_field_keeps_tabs_and_newlines_escaped(tmp_path):
    server = Server(web_root=tmp_path, git_dir=tmp_path)
    server.log_event("published", "a" * 40, "release x\nsecond\tline", Pusher("jinpu", "张\t三\npublished <z@example.org>"))
    line = (tmp_path / "publish.log").read_text("utf-8")
    assert line.count("\n") == 1 and len(line.rstrip("\n").split("\t")) == 6
    assert "张\\t三\\npublished" in line


def test_a_tampered_checked_file_record_is_never_used(tmp_path, capsys):
    cache = CheckedFiles(tmp_path)
    cache.put("jinpu-2019", b"\x01" * 16, {"heading": "原文"})
    cache.put("jinpu-2019", b"\x02" * 16, {"heading": "另一项"})
    cache.save()
    again = CheckedFiles(tmp_path)
    assert again.get("jinpu-2019", b"\x01" * 16) == {"heading": "原文"}
    pack = next((tmp_path / "checked").rglob("jinpu-2019.json"))
    pack.write_text(pack.read_text("utf-8").replace("原文", "篡改"), "utf-8")
    tampered = CheckedFiles(tmp_path)
    assert tampered.get("jinpu-2019", b"\x01" * 16) is NOT_CHECKED
    assert tampered.get("jinpu-2019", b"\x02" * 16) is NOT_CHECKED  # nothing of an altered cache is trusted
    assert CACHE_MISMATCH in capsys.readouterr().err


def test_a_full_disk_leaves_no_half_written_pack(tmp_path, monkeypatch):
    cache = CheckedFiles(tmp_path)
    cache.put("g", b"\x01" * 16, {"a": 1})
    real = Path.write_text

    def full(self, *args, **kwargs):
        real(self, "partial")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(Path, "write_text", full)
    cache.save()
    monkeypatch.undo()
    assert [p.name for p in (tmp_path / "checked").rglob("*") if p.is_file()] == []


def test_a_step_that_ran_out_of_disk_gets_its_own_message(tmp_path):
    builds = Builds(Server(web_root=tmp_path, git_dir=tmp_path))
    script = "import sys; sys.stderr.write('OSError: [Errno 28] No space left on device\\n'); sys.exit(1)"
    step = builds.start_step([sys.executable, "-c", script], tmp_path, dict(os.environ), tmp_path, "t")
    with pytest.raises(Refused) as refused:
        builds.finish_step(step, deadline=__import__("time").monotonic() + 60)
    assert refused.value.result == "disk-full" and "磁盘已满" in str(refused.value)
    silent = Step(returncode=1, stdout="", stderr="")
    with pytest.raises(Refused) as refused:
        validation_result(silent)
    assert "返回码 1" in str(refused.value) and str(refused.value) != "数据检查未通过:\n"


def test_staff_may_push_only_the_published_branch():
    checks = PushChecks(Server(web_root=Path("."), git_dir=Path(".")))
    assert checks.ref_refusal("refs/heads/main", admin=False) == ""
    assert "替换引用" in checks.ref_refusal("refs/replace/" + "a" * 40, admin=True)
    for ref in ("refs/tags/v1", "refs/heads/x", "refs/notes/commits"):
        assert "只能推送 main 分支" in checks.ref_refusal(ref, admin=False)
        assert checks.ref_refusal(ref, admin=True) == ""


def test_the_build_environment_reads_only_real_objects(tmp_path):
    server = Server(web_root=tmp_path, git_dir=tmp_path)
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path)], check=True)
    blob = subprocess.run(["git", f"--git-dir={tmp_path}", "hash-object", "-w", "--stdin"], input=b"x",
                          capture_output=True, check=True).stdout.decode().strip()
    tree = subprocess.run(["git", f"--git-dir={tmp_path}", "mktree"], input=f"100644 blob {blob}\tf\n".encode(),
                          capture_output=True, check=True).stdout.decode().strip()
    commit = subprocess.run(["git", f"--git-dir={tmp_path}", "commit-tree", tree, "-m", "x"], capture_output=True,
                            check=True, env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
                                             "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}).stdout.decode().strip()
    env = Builds(server).build_env(tmp_path, commit)
    assert env["GIT_NO_REPLACE_OBJECTS"] == "1" and env["GIT_GRAFT_FILE"] == os.devnull


def test_a_checker_that_crashes_is_a_program_fault_never_a_traceback_shown_to_staff():
    crashed = Step(returncode=1, stdout="", stderr=(
        "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n    import y\n"
        "ModuleNotFoundError: No module named 'y'\n"))
    with pytest.raises(Refused) as refused:
        validation_result(crashed)
    text = str(refused.value)
    assert refused.value.result == "check-failed" and "不是数据的问题" in text
    assert "Traceback" not in text and 'File "' not in text and "ModuleNotFoundError" in text
