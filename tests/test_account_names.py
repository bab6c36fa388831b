"""Account names are checked whole: `$` in a Python regex also matches before a final newline, so
"admin\n" once passed and wrote a broken authorized_keys entry. Also what owners.yml accepts."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from disclosure.cli import main
from disclosure.identity import ACCOUNT_NAME, IdentityError, staff_add, staff_list, staff_remove
from disclosure.validate import owners_from_bytes

BAD_NAMES = ["admin\n", "admin\r\n", "\nadmin", "ad\nmin", "admin\t", "ad min", 'ad"min', "ad'min", "", "-admin",
             "a" * 65]
GOOD_NAMES = ["jinpu", "林一", "zhang.san@shixian", "a" * 64]


@pytest.fixture
def staff(tmp_path):
    """A bare-repository stand-in with the SSH wrapper, a real public key and an authorized_keys path."""
    repo = tmp_path / "site.git"
    repo.mkdir()
    (repo / "disclosure-ssh").write_text("#!/bin/sh\n")
    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return repo, Path(f"{key}.pub"), tmp_path / "ssh" / "authorized_keys"


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_account_name_is_refused_and_nothing_is_written(staff, name):
    repo, pub, keys = staff
    with pytest.raises(IdentityError, match="账号名"):
        staff_add(name, pub, repo, keys)
    assert not keys.exists() and not keys.parent.exists()
    assert not ACCOUNT_NAME.match(name)


def test_the_message_shows_the_hidden_newline(staff):
    repo, pub, keys = staff
    with pytest.raises(IdentityError) as caught:
        staff_add("admin\n", pub, repo, keys)
    assert "“admin\\n”" in str(caught.value)


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_a_good_account_name_is_registered(staff, name):
    repo, pub, keys = staff
    entry = staff_add(name, pub, repo, keys)
    assert entry.startswith(f'command="{repo.resolve()}/disclosure-ssh {name}",restrict ssh-ed25519 ')
    assert keys.read_text("utf-8") == entry + "\n" and staff_list(keys) == [name]
    assert staff_remove(name, keys) == 1 and staff_list(keys) == []


def test_the_cli_refuses_a_name_ending_in_a_newline(staff, capsys):
    repo, pub, keys = staff
    code = main(["staff", "add", "admin\n", str(pub), "--repo", str(repo), "--authorized-keys", str(keys)])
    err = capsys.readouterr().err
    assert code == 1 and "账号名 “admin\\n” 不对" in err and not keys.exists()


def test_remove_and_list_ignore_bad_names_and_broken_entries(staff):
    repo, pub, keys = staff
    staff_add("jinpu", pub, repo, keys)
    # what the old `staff add $'admin\n'` wrote: one entry split over two lines
    broken = f'command="{repo.resolve()}/disclosure-ssh admin\n",restrict ssh-ed25519 AAAA admin\n'
    keys.write_text(keys.read_text("utf-8") + broken, "utf-8")
    before = keys.read_bytes()
    assert staff_list(keys) == ["jinpu"]
    for name in ("admin\n", "", 'jinpu"'):
        with pytest.raises(IdentityError, match="账号名"):
            staff_remove(name, keys)
    assert staff_remove("nobody", keys) == 0 and keys.read_bytes() == before
    assert staff_remove("jinpu", keys) == 1 and staff_list(keys) == []


def test_removing_from_a_missing_file_creates_nothing(tmp_path):
    keys = tmp_path / "none" / "authorized_keys"
    assert staff_remove("jinpu", keys) == 0 and not keys.parent.exists()


OWNERS = "admins: [{admin}]\naccounts:\n  {account}: [{notice}]\n"


@pytest.mark.parametrize("field", ["admin", "account", "notice"])
@pytest.mark.parametrize("bad", ['"x\\n"', '"x\\r\\n"', '"x\\t"', '"x y"', "'x\"'"])
def test_owners_refuses_names_with_control_characters_or_quotes(field, bad):
    values = {"admin": "admin", "account": "jinpu", "notice": "jinpu-*"} | {field: bad}
    assert owners_from_bytes(OWNERS.format(**values).encode(), "data/owners.yml") is None


def test_owners_accepts_good_names():
    raw = OWNERS.format(admin="林一", account="zhang.san@shixian", notice="shixian-*").encode()
    assert owners_from_bytes(raw, "data/owners.yml") == {"admins": ["林一"], "accounts": {"zhang.san@shixian": ["shixian-*"]}}


def test_validate_names_the_account_that_ends_in_a_newline(scratch_data, capsys):
    (scratch_data / "owners.yml").write_text('admins: [admin]\naccounts:\n  "jinpu\\n": [jinpu-2019]\n', "utf-8")
    assert main(["validate", str(scratch_data)]) == 1
    err = capsys.readouterr().err
    assert "owners.yml:" in err and "“jinpu\\n” 格式不对:账号名只能用" in err, err
