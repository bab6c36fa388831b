"""Who may change what, and what no one may change: the rules of access.py, history.py and
identity.py on their own (fast). tests/test_trust.py runs them through real SSH pushes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from disclosure.access import Owners, path_refusals
from disclosure.history import Change, history_refusals
from disclosure.identity import IdentityError, account, ssh_serve, staff_add, staff_list, staff_remove
from disclosure.validate import owners_from_bytes

ROOT = Path(__file__).resolve().parent.parent
ITEM = "data/notices/jinpu-2019/items/5-2.yml"
ITEM_BYTES = (ROOT / ITEM).read_bytes()
OWNERS = Owners.parse({"admins": ["admin"], "accounts": {"jinpu": ["jinpu-2019"], "shixian": ["shixian-*"]}},
                      setup_admins=["root-admin"])


def messages(errors) -> str:
    return "\n".join(str(e) for e in errors)


# ---- owners and paths ------------------------------------------------------------------------------

def test_owners_handed_to_pushcheck_read_back_the_same():
    """The hook hands the owners it decided a push by to pushcheck.py as plain data (as_data)."""
    named = Owners.parse({"admins": ["admin"], "accounts": {"jinpu": ["jinpu-2019"]}, "names": {"jinpu": ["金普新区"]}},
                         setup_admins=["root-admin"])
    for owners in (OWNERS, named, Owners.parse(None, ["root-admin"])):
        assert Owners.parse(owners.as_data()) == owners


def test_pushcheck_loads_no_schema_checker():
    """pushcheck runs in its own interpreter on every push: it imports the rules, not the validator
    (jsonschema alone took ~0.1 s of its ~0.25 s start)."""
    code = "import sys, disclosure.pushcheck; print(sorted(m for m in ('disclosure.validate', 'jsonschema') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.stdout.strip() == "[]"


def test_owners_roles_and_globs():
    assert OWNERS.is_admin("admin") and OWNERS.is_admin("root-admin") and not OWNERS.is_admin("jinpu")
    assert OWNERS.may_change_notice("jinpu", "jinpu-2019") and not OWNERS.may_change_notice("jinpu", "jinpu-2020")
    assert OWNERS.may_change_notice("shixian", "shixian-xuncha-2024") and not OWNERS.may_change_notice("shixian", "jinpu-2019")
    assert OWNERS.owners_of("shixian-2025") == ["shixian"] and OWNERS.owners_of("other") == []
    assert Owners.parse(None, ["a"]).admins == {"a"}


def test_staff_may_change_only_their_own_notices_data():
    assert path_refusals("jinpu", OWNERS, [ITEM, "data/notices/jinpu-2019/notice.yml"]) == []
    assert path_refusals("shixian", OWNERS, ["data/notices/shixian-2025/notice.yml"]) == []  # a new notice of theirs
    refused = path_refusals("jinpu", OWNERS, ["hooks/disclosure_site.py", "mkdocs.yml", "src/sitecustomize.py",
                                              "Makefile", "docs/about.md", "overrides/main.html", "data/owners.yml",
                                              "data/notices/shixian-xuncha-2024/items/1.yml", "data/readme.txt", ITEM])
    text = messages(refused)
    assert len(refused) == 9 and ITEM not in text
    for path in ("hooks/disclosure_site.py", "mkdocs.yml", "src/sitecustomize.py", "Makefile", "docs/about.md",
                 "overrides/main.html"):
        assert f"{path}: 这是网站程序或配置文件" in text
    assert "data/owners.yml: 发布权限文件只能由管理员修改" in text
    assert "通报 shixian-xuncha-2024 由 shixian 负责" in text


def test_only_the_files_of_a_notice_folder_may_be_pushed_by_staff():
    ok = ["data/notices/jinpu-2019/source.docx", "data/notices/jinpu-2019/items/5-2.yml"]
    assert path_refusals("jinpu", OWNERS, ok) == []
    for path in ("data/notices/jinpu-2019/.gitattributes", "data/notices/jinpu-2019/items/.gitattributes",
                 "data/notices/jinpu-2019/x.pth", "data/notices/jinpu-2019/items/sub/1.yml"):
        assert "通报文件夹里只能有" in messages(path_refusals("jinpu", OWNERS, [path])), path


def test_unsafe_paths_are_refused_for_everyone():
    from disclosure.access import unsafe_path
    for path in ("data/notices/a/../../src/x.py", "data/./x", "data/.git/config", "data/.GIT/hooks", "data/a\nb",
                 "data/\udcff.yml", "data//x"):
        assert unsafe_path(path), path
    assert unsafe_path("data/notices/jinpu-2019/items/5-2.yml") == ""


def test_admins_may_change_anything_and_unknown_accounts_nothing():
    assert path_refusals("admin", OWNERS, ["src/disclosure/cli.py", "data/owners.yml"]) == []
    assert "没有发布权限" in messages(path_refusals("stranger", OWNERS, [ITEM]))
    assert "没有发布权限" in messages(path_refusals("jinpu", Owners.parse(None, ["admin"]), [ITEM]))


def test_owners_file_is_schema_checked():
    assert owners_from_bytes(b"admins: [a]\naccounts:\n  b: [x-*]\n", "data/owners.yml") == \
        {"admins": ["a"], "accounts": {"b": ["x-*"]}}
    for bad in (b"admins: a\naccounts: {}\n", b"admins: []\naccounts:\n  b: []\n", b"admins: []\n",
                b"admins: []\naccounts: {}\nextra: 1\n", b"admins: ['a b']\naccounts: {}\n",
                b"admins: []\naccounts:\n  b: ['../x']\n"):
        assert owners_from_bytes(bad, "data/owners.yml") is None, bad


def test_validate_reports_a_broken_owners_file_with_line(scratch_data):
    (scratch_data / "owners.yml").write_text("admins: [admin]\naccounts:\n  jinpu: jinpu-2019\n", "utf-8")
    done = subprocess.run([str(ROOT / ".venv/bin/disclosure"), "validate", str(scratch_data)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "owners.yml:3:10: 字段 accounts.jinpu" in done.stderr, done.stderr


# ---- append-only history ---------------------------------------------------------------------------

def with_update(raw: bytes, date="2024-06-20", note="已印发管理办法") -> bytes:
    return raw.replace(b"updates: []", f'updates:\n  - date: "{date}"\n    status: done\n    note: {note}'.encode())


PUBLISHED = {"jinpu-2019"}


def refusals(old: bytes | None, new: bytes | None, admin=False, path=ITEM, extra=()) -> str:
    return messages(history_refusals([Change(path, old, new), *extra], admin, PUBLISHED))


def test_appending_a_record_is_allowed():
    assert refusals(ITEM_BYTES, with_update(ITEM_BYTES)) == ""
    one = with_update(ITEM_BYTES)
    two = one + '\n  - date: "2024-07-01"\n    status: done\n    note: 验收\n'.encode()
    assert refusals(one, two) == ""


def test_a_published_record_cannot_be_edited_or_removed_by_anyone():
    one = with_update(ITEM_BYTES)
    for admin in (False, True):
        edited = refusals(one, with_update(ITEM_BYTES, note="改过的"), admin)
        assert "已公开的第 1 条进展记录被修改了" in edited and f"{ITEM}:" in edited
        assert "已公开的第 1 条进展记录被删除了" in refusals(one, ITEM_BYTES, admin)


def test_official_text_changes_only_by_an_admin_with_a_correction():
    flipped = ITEM_BYTES.replace(b"status: in_progress", b"status: done")
    text = refusals(ITEM_BYTES, flipped)
    assert "字段 status" in text and "disclosure update" in text
    assert "corrections" in refusals(ITEM_BYTES, flipped, admin=True)
    corrected = flipped + 'corrections:\n  - date: "2024-06-23"\n    reason: 原文录入错误\n'.encode()
    assert refusals(ITEM_BYTES, corrected, admin=True) == ""
    assert "只能由管理员更正" in refusals(ITEM_BYTES, corrected, admin=False)
    # a correction, once public, stays
    assert "已公开的第 1 条更正记录被删除了" in refusals(corrected, flipped, admin=True)


def test_contact_details_are_records_not_official_text():
    notice = "data/notices/jinpu-2019/notice.yml"
    raw = (ROOT / notice).read_bytes()
    assert b"phone:" in raw
    changed = raw.replace(b"phone: ", b"phone: 0411-1234 ", 1)
    assert refusals(raw, changed, path=notice) == ""
    retitled = raw.replace(b"title: ", b"title: X", 1)
    assert "字段 title" in refusals(raw, retitled, path=notice)


def test_deleting_a_published_file_is_refused_and_withdrawal_is_admin_only_and_final():
    assert "已公开的文件不能删除" in refusals(ITEM_BYTES, None, admin=True)
    withdrawn = ITEM_BYTES + 'withdrawn:\n  date: "2024-06-24"\n  reason: 重复\n'.encode()
    assert "只能由管理员操作" in refusals(ITEM_BYTES, withdrawn)
    assert refusals(ITEM_BYTES, withdrawn, admin=True) == ""
    assert "撤下记录已公开,不能修改或删除" in refusals(withdrawn, ITEM_BYTES, admin=True)


def test_new_items_of_a_published_notice_need_an_admin_and_a_notice_correction():
    new_item = "data/notices/jinpu-2019/items/99.yml"
    assert "新增事项" in refusals(None, ITEM_BYTES, path=new_item)
    assert "新增事项" in refusals(None, ITEM_BYTES, path=new_item, admin=True)
    notice = "data/notices/jinpu-2019/notice.yml"
    raw = (ROOT / notice).read_bytes()
    corrected = raw + '\ncorrections:\n  - date: "2024-06-24"\n    reason: 导入时漏了一项\n'.encode()
    assert refusals(None, ITEM_BYTES, path=new_item, admin=True, extra=[Change(notice, raw, corrected)]) == ""
    # a brand-new notice is not published yet: its owner adds items freely
    assert messages(history_refusals([Change("data/notices/new-2025/items/1.yml", None, ITEM_BYTES)],
                                     False, PUBLISHED)) == ""


def test_the_source_text_is_official():
    source = "data/notices/jinpu-2019/source.txt"
    assert "通报原文文件已公开" in refusals(b"a", b"b", path=source)


# ---- identity ---------------------------------------------------------------------------------------

def test_identity_comes_from_the_servers_variable_for_each_mode():
    assert account("gitolite", {"GL_USER": "jinpu", "USER": "admin"}) == "jinpu"
    assert account("gitlab", {"GL_USERNAME": "jinpu", "GL_USER": "admin"}) == "jinpu"
    assert account("gitea", {"GITEA_PUSHER_NAME": "jinpu"}) == "jinpu"
    assert account("ssh", {"DISCLOSURE_ACCOUNT": "jinpu", "GL_USERNAME": "admin"}) == "jinpu"
    unix = __import__("pwd").getpwuid(__import__("os").getuid()).pw_name
    assert account("ssh", {"USER": "admin", "LOGNAME": "admin", "GL_USER": "admin"}) == unix
    with pytest.raises(IdentityError):
        account("gitlab", {"USER": "admin", "GL_USER": "admin"})


def test_forced_command_allows_only_git_on_this_repository(tmp_path):
    repo = tmp_path / "site.git"
    repo.mkdir()
    assert ssh_serve("jinpu", repo, {"SSH_ORIGINAL_COMMAND": f"git-receive-pack '{repo}'"}) == \
        ["git", "receive-pack", str(repo)]
    assert ssh_serve("jinpu", repo, {"SSH_ORIGINAL_COMMAND": f"git-upload-pack '{repo}'"})[1] == "upload-pack"
    for command in ("", "bash", "id", f"git-receive-pack '{repo}'; id", f"git-receive-pack '{tmp_path}'",
                    "git-receive-pack '/etc'", f"scp -t {repo}", "git-receive-pack 'unclosed"):
        with pytest.raises(IdentityError):
            ssh_serve("jinpu", repo, {"SSH_ORIGINAL_COMMAND": command})


def test_staff_keys_are_registered_with_a_forced_command(tmp_path):
    repo = tmp_path / "site.git"
    repo.mkdir()
    (repo / "disclosure-ssh").write_text("#!/bin/sh\n")
    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    keys = tmp_path / "authorized_keys"
    entry = staff_add("jinpu", Path(f"{key}.pub"), repo, keys)
    assert entry.startswith(f'command="{repo.resolve()}/disclosure-ssh jinpu",restrict ssh-ed25519 ')
    assert staff_list(keys) == ["jinpu"]
    with pytest.raises(IdentityError, match="已经登记过"):
        staff_add("other", Path(f"{key}.pub"), repo, keys)
    with pytest.raises(IdentityError, match="私钥"):
        staff_add("jinpu2", key, repo, keys)
    with pytest.raises(IdentityError, match="账号名"):
        staff_add('x" y', Path(f"{key}.pub"), repo, keys)
    assert staff_remove("jinpu", keys) == 1 and staff_list(keys) == []
