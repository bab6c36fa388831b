"""`disclosure publish` as staff use it (issue 29, item 1): two colleagues' clones of a real bare
repository with the publishing hooks (as in test_publish.py), pushing as the staff account "jinpu"
(DISCLOSURE_ACCOUNT, which the ssh identity mode reads). The second colleague is behind the first:
their publish catches up without a merge commit; a real conflict is explained in Chinese and leaves
the working copy exactly as it was; a refused push keeps the edits. No English git line reaches them.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_publish import UNIX_USER, disclosure, env, html_containing, set_up_server, sh

ACCOUNT = "jinpu"
OWNERS = f"admins: [{UNIX_USER}]\naccounts:\n  {ACCOUNT}: [jinpu-2019]\n"
ITEM_3 = "data/notices/jinpu-2019/items/3.yml"
ITEM_52 = "data/notices/jinpu-2019/items/5-2.yml"
ENGLISH_GIT = ("fatal:", "hint:", "error:", "warning:", "To ", "remote:", "CONFLICT", "Auto-merging", "!")


def publish(clone: Path, *args: str) -> subprocess.CompletedProcess:
    """`disclosure publish` as staff member jinpu would run it."""
    done = subprocess.run([sys.executable, "-m", "disclosure.cli", "publish", *args], cwd=clone,
                          env={**env(), "DISCLOSURE_ACCOUNT": ACCOUNT}, capture_output=True, text=True)
    for line in (done.stdout + done.stderr).splitlines():
        assert not line.startswith(ENGLISH_GIT), f"git's English reached the user: {line!r}\n{done.stdout}\n{done.stderr}"
    return done


def working_copy(clone: Path) -> tuple[dict[str, bytes], str, str]:
    """Every file outside .git byte for byte, what git status says, and HEAD."""
    files = {str(p.relative_to(clone)): p.read_bytes() for p in sorted(clone.rglob("*"))
             if p.is_file() and ".git" not in p.relative_to(clone).parts}
    return files, sh(clone, "git", "status", "--porcelain").stdout, sh(clone, "git", "rev-parse", "HEAD").stdout


def no_merge_commits(server) -> None:
    assert sh(server.bare, "git", "rev-list", "--merges", "main").stdout.strip() == ""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s, _ = set_up_server(tmp_path_factory.mktemp("staff"))
    (s.clone / "data" / "owners.yml").write_text(OWNERS, "utf-8")
    s.commit_all("发布权限")
    first = s.push()  # the administrator (this Unix user)
    assert first.returncode == 0, first.stderr
    s.colleagues = {}
    for name in ("anna", "ben"):
        s.colleagues[name] = s.root / name
        sh(s.root, "git", "clone", "-q", str(s.bare), str(s.colleagues[name]))
    return s


def test_the_colleague_who_is_behind_publishes_without_a_merge(server):
    anna, ben = server.colleagues["anna"], server.colleagues["ben"]
    disclosure(anna, "update", "3", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-21",
               "--note", "安娜记录的进展")
    first = publish(anna, "-m", "事项 3:已完成")
    assert first.returncode == 0, first.stderr
    assert "您修改了以下文件" in first.stdout and f"修改 {ITEM_3}" in first.stdout and "通报 jinpu-2019" in first.stdout
    assert "发布成功" in first.stdout and "发布完成" in first.stdout, first.stdout

    disclosure(ben, "update", "4", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-22",
               "--note", "本记录的进展")
    second = publish(ben, "-m", "事项 4:已完成")  # ben never fetched anna's commit
    assert second.returncode == 0, second.stdout + second.stderr
    assert "已取回同事的最新修改" in second.stdout and "发布成功" in second.stdout, second.stdout
    current = server.web / "current"
    assert html_containing(current, "安娜记录的进展") and html_containing(current, "本记录的进展")
    assert os.readlink(current).endswith(server.tip()[:12])
    no_merge_commits(server)
    assert sh(ben, "git", "rev-parse", "HEAD").stdout.strip() == server.tip()
    assert sh(ben, "git", "status", "--porcelain").stdout == ""

    caught_up = publish(anna)  # nothing to publish: brings in ben's record
    assert caught_up.returncode == 0 and "没有需要发布的修改" in caught_up.stdout and "已取回同事的 1 次修改" in caught_up.stdout
    assert sh(anna, "git", "rev-parse", "HEAD").stdout.strip() == server.tip()


def test_a_real_conflict_is_explained_and_the_working_copy_is_left_as_it_was(server):
    anna, ben = server.colleagues["anna"], server.colleagues["ben"]
    disclosure(anna, "update", "5-2", "--status", "done", "--date", "2024-06-23", "--note", "安娜:已印发管理办法")
    assert publish(anna, "-m", "事项 5-2").returncode == 0
    disclosure(ben, "update", "5-2", "--status", "done", "--date", "2024-06-24", "--note", "本:已印发管理办法")
    before = working_copy(ben)
    tip = server.tip()

    done = publish(ben, "-m", "事项 5-2")
    assert done.returncode == 1
    assert "同事刚刚也修改了同一个文件" in done.stderr and ITEM_52 in done.stderr, done.stderr
    assert f"disclosure publish --discard {ITEM_52}" in done.stderr
    for advice in ("--amend", "reset --hard", "--force", "git "):
        assert advice not in done.stdout + done.stderr
    assert working_copy(ben) == before  # their edit intact, uncommitted; nothing else touched
    assert server.tip() == tip
    assert not html_containing(server.web / "current", "本:已印发管理办法")

    # what the message says to do: give up the edit (kept aside), take anna's version, add it again
    mine = (ben / ITEM_52).read_bytes()
    taken = publish(ben, "--discard", ITEM_52)
    assert taken.returncode == 0, taken.stderr
    assert "已放弃您对" in taken.stdout and "已取回同事的" in taken.stdout
    assert (ben / ITEM_52).read_bytes() == (anna / ITEM_52).read_bytes()
    kept = next(line for line in taken.stdout.splitlines() if "另存在" in line).split("另存在 ")[1].rstrip(")。")
    assert Path(kept).read_bytes() == mine
    disclosure(ben, "update", "5-2", "--status", "done", "--date", "2024-06-24", "--note", "本:已印发管理办法")
    again = publish(ben, "-m", "事项 5-2 补充")
    assert again.returncode == 0, again.stderr
    assert html_containing(server.web / "current", "本:已印发管理办法")
    assert html_containing(server.web / "current", "安娜:已印发管理办法")
    no_merge_commits(server)
    publish(anna)


def test_a_refused_push_keeps_the_edits_in_the_working_copy(server):
    ben = server.colleagues["ben"]
    tip = server.tip()
    other = next(p for p in (ben / "data/notices").iterdir() if p.name != "jinpu-2019") / "notice.yml"
    other.write_text(other.read_text("utf-8").replace("\ntitle: ", "\ntitle: 改了别的单位的通报", 1), "utf-8")
    assert "改了别的单位的通报" in other.read_text("utf-8")
    before = working_copy(ben)

    done = publish(ben, "-m", "改错了通报")
    assert done.returncode == 1
    assert "服务器的答复" in done.stdout and f"账号 “{ACCOUNT}” 无权" in done.stdout, done.stdout
    assert "服务器拒绝了这次发布" in done.stderr and "修改仍在电脑上" in done.stderr
    for advice in ("--amend", "reset --hard", "checkout origin"):
        assert advice not in done.stdout + done.stderr
    assert working_copy(ben) == before  # the edit is still there, not committed
    assert server.tip() == tip

    undone = publish(ben, "--discard", str(other.relative_to(ben)))
    assert undone.returncode == 0 and "没有需要发布的修改" in undone.stdout, undone.stdout + undone.stderr
    assert sh(ben, "git", "status", "--porcelain").stdout == ""


def test_invalid_data_or_files_outside_data_are_stopped_before_anything_is_committed(server):
    ben = server.colleagues["ben"]
    head = sh(ben, "git", "rev-parse", "HEAD").stdout
    item = ben / ITEM_3
    original = item.read_bytes()
    item.write_text(item.read_text("utf-8").replace('deadline: "', 'deadline: "2019-13" #', 1), "utf-8")
    before = working_copy(ben)
    done = publish(ben, "-m", "写错了")
    assert done.returncode == 1 and "数据检查没有通过" in done.stderr and ITEM_3 in done.stderr, done.stderr
    assert working_copy(ben) == before and sh(ben, "git", "rev-parse", "HEAD").stdout == head
    item.write_bytes(original)

    (ben / "mkdocs.yml").write_text((ben / "mkdocs.yml").read_text("utf-8") + "\n# 试试\n", "utf-8")
    done = publish(ben, "-m", "改了配置")
    assert done.returncode == 1 and "mkdocs.yml" in done.stderr and "不在 data/ 文件夹里" in done.stderr
    assert sh(ben, "git", "rev-parse", "HEAD").stdout == head
    sh(ben, "git", "checkout", "-q", "--", "mkdocs.yml")


def test_outside_a_project_folder(tmp_path):
    done = publish(tmp_path)
    assert done.returncode == 1 and "不是网站项目的文件夹" in done.stderr
