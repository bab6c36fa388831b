"""The rules for what a push's data says, run inside the bounded build process.

Every byte of pushed YAML is parsed here, under the build's time and memory bounds and in its
process group (publish.build: Builds.build_commit_into starts it beside the validator), never in
the hook process that holds the publish lock: six 2 MB YAML files once held a colleague's push for
two minutes and 336 MB outside every bound. The hook only lists paths and sizes (git plumbing).

    python -m disclosure.pushcheck OLD NEW ACCOUNT [--admin] --today YYYY-MM-DD --owners FILE

OLD..NEW are read from the repository in GIT_DIR (pre-receive's quarantine included, through the
GIT_* variables the hook passes on). FILE: the owners the hook decided this push by (owners.yml of
the published branch before the push, schema-checked there, with the server-setup admins:
access.Owners.as_data as JSON), so this process reads no owners.yml and loads no schema checker
(its own interpreter starts in ~0.1 s instead of ~0.25 s). The rules themselves live with their concepts:
history.history_refusals (append-only, admin-only records, no future dates) and
access.link_refusals / access.name_refusals (links and names stay inside what the account owns).
One Chinese line per refusal on stderr; exit 1 if there is any.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from .access import Owners, link_refusals, name_refusals
from .errors import DataError
from .history import Change, history_refusals, load_yaml
from .layout import DATA_ROOT, NOTICE_YML, NOTICES_ROOT, notice_path
from .names import name_key
from .yamlio import Loaded

ZERO = "0" * 40


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, encoding="utf-8",
                          errors="surrogateescape")
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def read_blobs(specs: list[str], git_dir: Path | None = None) -> dict[str, bytes | None]:
    """`<commit>:<path>` -> bytes (None if missing), all through one `git cat-file --batch`; from the
    repository in GIT_DIR unless `git_dir` is given (the hook's Server.read_blobs)."""
    if not specs:
        return {}
    where = [f"--git-dir={git_dir}"] if git_dir is not None else []
    done = subprocess.run(["git", *where, "cat-file", "--batch"], input=("\n".join(specs) + "\n").encode(),
                          capture_output=True, check=True)
    out, pos, data = {}, 0, done.stdout
    for spec in specs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            out[spec] = None
            continue
        size = int(header[2])
        out[spec] = data[pos:pos + size] if header[1] == b"blob" else None
        pos += size + 1
    return out


def changed_paths(old: str, new: str) -> list[str]:
    if old == ZERO:
        listing = _git("ls-tree", "-r", "-z", "--name-only", new)
    else:
        listing = _git("diff", "--no-renames", "-z", "--name-only", old, new)
    return [p for p in listing.split("\0") if p]


def notice_ids(commit: str) -> set[str]:
    if commit == ZERO:
        return set()
    try:
        return set(_git("ls-tree", "--name-only", f"{commit}:{NOTICES_ROOT}").split())
    except RuntimeError:
        return set()


def others_names(new: str, account: str, owners: Owners) -> dict[str, str]:
    """issuer / inspected unit (names.name_key) -> a notice of another account that states it (in the pushed tree)."""
    others = sorted(i for i in notice_ids(new) if not owners.may_change_notice(account, i))
    specs = [f"{new}:{notice_path(i)}" for i in others]
    names: dict[str, str] = {}
    for notice_id, spec in zip(others, specs):
        loaded = load_yaml(read_blobs([spec])[spec], spec.split(":", 1)[1])
        if loaded is None:
            continue
        inspection = loaded.data.get("inspection")
        for value in (loaded.data.get("issuer"), inspection.get("unit") if isinstance(inspection, dict) else None):
            if isinstance(value, str) and (key := name_key(value)):
                names.setdefault(key, notice_id)
    return names


def refusals(old: str, new: str, account: str, is_admin: bool, today: dt.date, owners: Owners) -> list[DataError]:
    """owners: owners.yml of the published branch before the push (the push cannot change who decides)."""
    net = changed_paths(old, new)
    data = [p for p in net if p.startswith(DATA_ROOT) and (p.endswith(".yml") or "/source." in p)]
    blobs = read_blobs([f"{c}:{p}" for p in data for c in (old, new) if c != ZERO])
    changes = [Change(p, blobs.get(f"{old}:{p}"), blobs.get(f"{new}:{p}")) for p in data]
    problems = history_refusals(changes, is_admin, notice_ids(old), today)
    if is_admin:
        return problems
    pushed: list[tuple[str, Loaded]] = [(c.path, loaded) for c in changes
                                        if c.path.startswith(NOTICES_ROOT) and c.path.endswith(".yml")
                                        and (loaded := load_yaml(c.new, c.path)) is not None]
    problems += link_refusals(account, owners, pushed)
    new_notices = [(path, loaded) for path, loaded in pushed
                   if path.endswith(f"/{NOTICE_YML}") and blobs.get(f"{old}:{path}") is None]
    if new_notices:
        problems += name_refusals(account, owners, new_notices, others_names(new, account, owners))
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="disclosure-pushcheck")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("account")
    p.add_argument("--admin", action="store_true")
    p.add_argument("--today", required=True)
    p.add_argument("--owners", required=True, help="the owners the hook decided the push by (JSON)")
    args = p.parse_args(argv)
    owners = Owners.parse(json.loads(Path(args.owners).read_text("utf-8")))
    problems = refusals(args.old, args.new, args.account, args.admin, dt.date.fromisoformat(args.today), owners)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    os.environ.setdefault("GIT_NO_REPLACE_OBJECTS", "1")
    sys.exit(main())
