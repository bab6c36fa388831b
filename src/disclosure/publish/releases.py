"""Releases: the complete built sites in WEB_ROOT/releases and `current`, switched between them
atomically. A pending build is published (logged first, then switched), the newest --keep are kept
and share their unchanged files, a lost publish is caught up, and an administrator rolls back."""
from __future__ import annotations

import contextlib
import datetime as dt
import filecmp
import os
import re
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..buildcache import BuildCache
from .server import Pusher, Server, SetupError, now, say

PENDING_MAX_AGE = 60 * 60  # a pending build older than this lost its race; delete it
PRUNED = ".pruned-"  # a release past --keep, renamed away at once and deleted in the background
AS_OF_MARK = re.compile(r'data-as-of="(\d{4}-\d{2}-\d{2})"')


def release_commit(name: str) -> str:
    return name.rsplit("-", 1)[-1]


def release_as_of(release: Path) -> str:
    """The as-of date a release was built with, as its home page's footer states it."""
    found = AS_OF_MARK.search((release / "index.html").read_text("utf-8", errors="replace"))
    if not found:
        raise SetupError(f"{release} 的首页没有写明状态计算日期(data-as-of),无法按原样重建。")
    return found[1]


def pusher_file(pending: Path) -> Path:
    return pending.with_name(pending.name.replace(".pending-", ".pusher-", 1))


def staged_pusher(pending: Path) -> Pusher | None:
    try:
        account, author = pusher_file(pending).read_text("utf-8").split("\t")
    except (OSError, ValueError):
        return None
    return Pusher(account, "" if author == "-" else author)


def walk_files(root: Path):
    """(relative path, DirEntry) of every regular file under root (os.scandir: a release holds
    100,000 files, and one stat each is what this costs)."""
    stack = [("", str(root))]
    while stack:
        rel, folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                name = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((name, entry.path))
                elif entry.is_file(follow_symlinks=False):
                    yield name, entry


def freeze_and_share(new: Path, previous: Path | None) -> tuple[int, int]:
    """Releases are never written to after they are built: make the new build's files read-only
    (so a slip on the server, an editor or a stray `>`, cannot change a file several releases
    share), and replace each file byte-identical to the same path in the previous release with a
    hard link to it: kept releases then cost only what changed, and each is still a complete folder
    of its own (rollback and pruning keep working). A file already linked (a page or index file the
    build took from the last release) is shared as it is. Returns (files linked, bytes saved)."""
    linked = saved = 0
    for rel, entry in walk_files(new):
        st = entry.stat(follow_symlinks=False)
        if st.st_mode & 0o222:
            os.chmod(entry.path, st.st_mode & ~0o222 & 0o7777)
        if st.st_nlink > 1 or previous is None:
            continue  # taken from a release already: one file
        old = previous / rel
        try:
            old_st = old.lstat()
            same = stat.S_ISREG(old_st.st_mode) and old_st.st_size == st.st_size \
                and filecmp.cmp(old, entry.path, shallow=False)
        except OSError:
            continue
        if not same:
            continue
        temp = Path(entry.path).with_name(f".link-{os.getpid()}-{entry.name}")
        try:
            os.link(old, temp)
            os.replace(temp, entry.path)
        except OSError:  # another file system, or links not allowed: keep the copy
            temp.unlink(missing_ok=True)
            continue
        linked += 1
        saved += st.st_size
    return linked, saved


@dataclass(frozen=True)
class Releases:
    """The releases of one server: what is published, and the only code that switches `current`."""

    server: Server

    def names(self) -> list[str]:
        """Published releases, oldest first (names start with the publish time)."""
        if not self.server.releases.is_dir():
            return []
        return sorted(p.name for p in self.server.releases.iterdir() if p.is_dir() and not p.name.startswith("."))

    def current(self) -> str | None:
        try:
            return Path(os.readlink(self.server.current)).name
        except OSError:
            return None

    def new_name(self, commit: str) -> str:
        stamp = now()
        while True:
            name = f"{stamp:%Y%m%d-%H%M%S}-{commit[:12]}"
            if not (self.server.releases / name).exists():
                return name
            stamp += dt.timedelta(seconds=1)

    def switch(self, name: str) -> None:
        """Point `current` at releases/<name> atomically: readers see the old or the new site, never a mix."""
        temp = self.server.web_root / f".current.tmp-{os.getpid()}"
        temp.unlink(missing_ok=True)
        os.symlink(Path("releases") / name, temp)  # relative, so WEB_ROOT can be moved or mounted elsewhere
        try:
            os.replace(temp, self.server.current)
        except OSError:
            temp.unlink(missing_ok=True)
            raise

    def prune(self) -> None:
        """Releases past --keep leave `releases/` at once (a rename) and are deleted by a detached
        `rm -rf`: deleting a 40,000-item release (100,000 files) took ~10 s the push waited for,
        after the new release was already live. A deletion cut short is finished by the next publish."""
        folder = self.server.releases
        keep = set(self.names()[-self.server.keep:]) | {self.current()}
        doomed = [folder / name for name in self.names() if name not in keep]
        doomed += [p for p in folder.glob(f"{PRUNED}*") if p.is_dir() and not p.is_symlink()]
        renamed = []
        for release in doomed:
            if release.name.startswith(PRUNED):
                renamed.append(release)
                continue
            target = folder / f"{PRUNED}{release.name}"
            try:
                os.rename(release, target)
                renamed.append(target)
            except OSError:
                shutil.rmtree(release, ignore_errors=True)
        if renamed:
            try:
                subprocess.Popen(["rm", "-rf", "--", *map(str, renamed)], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            except OSError:
                for release in renamed:
                    shutil.rmtree(release, ignore_errors=True)
        tip = self.server.branch_tip()
        for pending in folder.glob(".pending-*"):
            commit = pending.name.split("-")[1]
            lost = tip and commit != tip and self.server.is_ancestor(commit, tip)  # older than main: never published
            if lost or time.time() - pending.stat().st_mtime > PENDING_MAX_AGE:
                shutil.rmtree(pending, ignore_errors=True)
                pusher_file(pending).unlink(missing_ok=True)

    def publish_pending(self, pending: Path, commit: str, pusher: Pusher | None, note: str = "") -> str:
        """Log, then switch. If publish.log cannot be written (disk full), the site is not switched
        and OSError propagates: there is never a public change without its line in the log."""
        name = self.new_name(commit)
        release = self.server.releases / name
        try:
            as_of = f" as-of {release_as_of(pending)}"  # the build's publish day (Builds.publish_days)
        except (SetupError, OSError):
            as_of = ""  # a custom build command's site states none
        os.rename(pending, release)
        try:
            self.server.log_event("published", commit, f"release {name}{as_of}{note}", pusher)
        except OSError:
            shutil.rmtree(release, ignore_errors=True)
            raise
        pusher_file(pending).unlink(missing_ok=True)
        self.adopt_into_cache(pending, release)
        self.switch(name)
        self.prune()
        return name

    def adopt_into_cache(self, pending: Path, release: Path) -> None:
        """The published release becomes what the next build reuses. The cache only ever saves work:
        if it cannot be written, the next build renders everything, and the publish goes on."""
        cache = BuildCache(self.server.cache)
        try:
            cache.moved(pending, release)
            cache.adopt(release)
        except OSError:
            with contextlib.suppress(OSError):
                if self.server.cache.is_dir() and not self.server.cache.is_symlink():
                    shutil.rmtree(self.server.cache)
                else:
                    self.server.cache.unlink()

    def catch_up(self) -> None:
        """main is ahead of the site: a push was accepted but its post-receive never ran (the client
        hung up, the server stopped). Publish that build now, in the name of whoever pushed it."""
        tip = self.server.branch_tip()
        current = self.current()
        if not tip or (current and release_commit(current) == tip[:12]):
            return
        pending = sorted(self.server.releases.glob(f".pending-{tip}-*"), key=lambda p: p.stat().st_mtime)
        if pending:
            name = self.publish_pending(pending[-1], tip, staged_pusher(pending[-1]), " (catch-up)")
            say(f"(先补发布了上一次已接受的推送:提交 {tip[:12]},版本 {name}。)")


def rollback(web_root: Path) -> tuple[str, str]:
    """`disclosure rollback`: `current` back to the release before it. Returns (old, new) names."""
    releases = Releases(Server(web_root=web_root.resolve(), git_dir=Path(".")))
    if not releases.server.releases.is_dir():
        raise SetupError(f"{web_root} 下没有 releases 文件夹。这是发布目录吗?")
    with releases.server.lock():
        current = releases.current()
        older = [name for name in releases.names() if current is None or name < current]
        if not older:
            raise SetupError("没有更早的版本可以回滚(只保留最近几次发布)。网站保持不变。")
        target = older[-1]
        # logged first, as every switch
        releases.server.log_event("rolled-back", release_commit(target), f"from {current} to {target}")
        releases.switch(target)
    return current or "", target
