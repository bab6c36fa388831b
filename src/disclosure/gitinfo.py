"""What git knows about the site being built: which commit, and when each data file last changed.

Both answers are optional extras on a page, so every failure (no git installed, not a repository,
"dubious ownership", shallow clone with no history) yields None / a missing key, never an error.

The revision defaults to HEAD. The publishing hook builds a pushed commit that is not HEAD yet
(pre-receive runs before the branch moves), so it sets DISCLOSURE_COMMIT to that commit and
GIT_DIR / GIT_WORK_TREE to the server repository; plain git environment variables do the rest.

Dates on a publishing server are the server's own, never a commit's: a pusher sets a commit's
date to anything. The hook hands the build the publish log's table (DISCLOSURE_PUBLISHED: one
"<commit>\t<YYYY-MM-DD>" line per publish, oldest first); a commit's date is then the day of the
first publish that contained it, and a commit not yet published is dated the build's as-of day (the
publish day). Elsewhere (make serve, pages jobs, a clone) the committer date is used.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import environment

COMMIT_ENV = environment.COMMIT
PUBLISHED_ENV = environment.PUBLISHED
AS_OF_ENV = environment.AS_OF
RECORD = "\x1e"  # separates commits in the batched log; cannot occur in a date or a NUL-split path


def revision() -> str:
    return os.environ.get(COMMIT_ENV) or "HEAD"


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def build_commit(cwd: Path | str = ".") -> str | None:
    """Short hash of the commit the site is built from, or None outside a git checkout."""
    out = _git(["rev-parse", "--short", "--verify", "--quiet", f"{revision()}^{{commit}}"], Path(cwd))
    if out and out.strip():
        return out.strip()
    pinned = os.environ.get(COMMIT_ENV)
    return pinned[:7] if pinned else None


def _publish_days(cwd: Path) -> dict[str, dt.date] | None:
    """commit -> the day of the first publish that contained it, for every commit of the revision
    (see the module's docstring); None when the build is not a server publish."""
    table = os.environ.get(PUBLISHED_ENV)
    if not table:
        return None
    try:
        today = dt.date.fromisoformat(os.environ.get(AS_OF_ENV, "").strip())
    except ValueError:
        today = dt.date.today()
    listing = _git(["rev-list", "--parents", revision()], cwd) or ""
    parents = {line.split()[0]: line.split()[1:] for line in listing.splitlines() if line.strip()}
    by_prefix = {commit[:12]: commit for commit in parents}
    days: dict[str, dt.date] = {}
    try:
        lines = Path(table).read_text("utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        commit, _, day = line.partition("\t")
        tip = by_prefix.get(commit.strip()[:12])
        try:
            published = dt.date.fromisoformat(day.strip())
        except ValueError:
            continue
        stack = [tip] if tip and tip not in days else []
        while stack:  # everything this publish newly contained
            commit = stack.pop()
            if commit in days:
                continue
            days[commit] = published
            stack += [p for p in parents.get(commit, ()) if p not in days]
    return {commit: days.get(commit, today) for commit in parents}


_UNREAD = object()  # the publish days not read yet: read them here (read_history reads them once for both)


def last_commit_dates(data_dir: Path | str, published=_UNREAD) -> dict[str, dt.date]:
    """Date of the last commit touching each file under data_dir, from ONE `git log` call.

    Keys are "<data_dir name>/<path inside data_dir>" in POSIX form, e.g.
    "data/notices/jinpu-2019/items/1.yml" -- the same string the validator stores in Item.file,
    so a page looks its item up with `dates.get(Path(item.file).as_posix())`.
    Files never committed (or a folder outside git) are simply absent. Uses the committer date,
    i.e. the day the change entered the history that is being published.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return {}
    # --relative with cwd=data_dir prints paths relative to data_dir; -z keeps Chinese names unquoted.
    published = _publish_days(data_dir) if published is _UNREAD else published
    out = _git(["log", "-z", "--relative", "--name-only", "--date=short",
                f"--format={RECORD}{'%H' if published is not None else '%cd'}", revision(), "--", "."], data_dir)
    if not out:
        return {}
    dates: dict[str, dt.date] = {}
    for record in out.split(RECORD)[1:]:
        header, _, names = record.partition("\0")
        try:
            day = published[header.strip()] if published is not None else dt.date.fromisoformat(header.strip())
        except (KeyError, ValueError):
            continue
        for name in names.split("\0"):
            name = name.strip("\n")
            if name:
                dates.setdefault(Path(data_dir.name, name).as_posix(), day)  # log is newest first: first sighting wins
    return dates


def commit_date(cwd: Path | str = ".", published=_UNREAD) -> dt.date | None:
    """Committer date of the commit being built (the day its content entered the history); on a
    publishing server, the day it was (or is being) published."""
    published = _publish_days(Path(cwd)) if published is _UNREAD else published
    if published is not None:
        full = _git(["rev-parse", "--verify", "--quiet", f"{revision()}^{{commit}}"], Path(cwd))
        return published.get(full.strip()) if full else None
    out = _git(["show", "-s", "--format=%cs", f"{revision()}^{{commit}}"], Path(cwd))
    try:
        return dt.date.fromisoformat(out.strip()) if out else None
    except ValueError:
        return None


@dataclass(frozen=True)
class History:
    """What git says about a build: its commit, that commit's date, and each data file's last change.
    Empty (all None / {}) outside git: pages then fall back to the dates written in the data."""

    commit: str | None = None
    commit_date: dt.date | None = None
    file_dates: dict[str, dt.date] = field(default_factory=dict)

    def changed(self, *files: str) -> dt.date | None:
        """Latest commit date among files (display paths such as data/notices/x/items/1.yml)."""
        days = [self.file_dates[f] for f in files if f in self.file_dates]
        return max(days) if days else None

    @cached_property
    def notice_dates(self) -> dict[str, dt.date]:
        """'data/notices/<id>' -> the latest change of any file in that folder, from one pass over
        the files (asking per notice would scan every file once per notice)."""
        out: dict[str, dt.date] = {}
        for path, day in self.file_dates.items():
            folder = "/".join(path.split("/")[:3])
            if day > out.get(folder, dt.date.min):
                out[folder] = day
        return out


def read_history(data_dir: Path | str) -> History:
    """A few git calls per build, whatever the number of files; the server's publish days (one
    rev-list over the history) are read once for both the commit's date and the files'."""
    data_dir = Path(data_dir)
    project = data_dir.resolve().parent
    commit = build_commit(project)
    published = _publish_days(project)
    return History(commit, commit_date(project, published) if commit else None,
                   last_commit_dates(data_dir, published))
