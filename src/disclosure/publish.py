"""Publishing by `git push` to a self-hosted server: refuse, or publish a complete site atomically.

Layout of WEB_ROOT (nginx serves WEB_ROOT/current):
    current -> releases/<time>-<commit>   symlink, switched with os.replace (atomic rename)
    releases/<time>-<commit>/             one complete built site per publish, newest N kept
    releases/.pending-<commit>-<pid>/     built by pre-receive, waiting for git to move the branch
    publish.log                           one line per event: time, result, commit, who, detail
    .publish.lock                         fcntl.flock: one build / switch at a time
    .cache/                               the build cache (buildcache.py): the pages of the last build,
                                          reused when their inputs did not change; never served

Why two hooks: pre-receive validates and builds the pushed commit and refuses the push on any
problem, so a refused push changes nothing. It must not switch the site, because git can still
fail to move the branch afterwards (a concurrent push won the race). post-receive runs only for
refs git really updated; under the lock it publishes the build of whatever main points at *now*,
so racing pushes can never leave the site showing an older commit than main.

Trust (see access.py, history.py, identity.py): before anything is built, pre-receive takes the
pusher's account from the authentication (identity.py), refuses force-pushes and deletions of the
branch, refuses paths the account may not change (a staff account: only its own notices under
data/), and refuses rewrites of published history. Only then is a tree built, and for a staff
push that tree is the published branch's code (reviewed, pushed by an admin) plus the pushed
data/: no file of a staff push is ever run. The hook program itself is the administrator's
installation that ran `server-setup`.

Faults: the build runs in its own session (process group) with bounded time and memory, and is
killed as a group on timeout, on failure, and when the hook itself is stopped (a killed hook's
build dies with it: PR_SET_PDEATHSIG). Work folders live under WEB_ROOT/.work and pending builds
under releases/.building-*, so the next push removes what a killed hook left. publish.log is
written and fsynced before `current` is switched; if it cannot be written, nothing is switched.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import datetime as dt
import filecmp
import hashlib
import json
import os
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import re
import select
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import environment, identity
from .access import DATA_ROOT, MAX_DATA_FILE, OWNERS_PATH, Owners, path_refusals, unsafe_path
from .errors import DataError, DataErrors
from .gitinfo import COMMIT_ENV, PUBLISHED_ENV
from .buildcache import CACHE_MISMATCH, BuildCache

ZERO = "0" * 40
HOOK_MARK = "managed by `disclosure server-setup`"
DEFAULT_KEEP = 5
BUILD_TIMEOUT = 20 * 60  # seconds; a stuck build must not hold the lock forever
MAX_MEMORY_MB = 8192  # address space of the build; a 40,000-item build needs about a third of it
PENDING_MAX_AGE = 60 * 60  # a pending build older than this lost its race; delete it
PUSH_MAX_BYTES = 200_000_000  # receive.maxInputSize: one push of a portal's data is far smaller
NEUTRAL_ATTRIBUTES = "* -export-subst -export-ignore -ident -text -eol -filter -working-tree-encoding"
# Git can read an object as another: a replace ref (refs/replace/<id>, which a push can create) or a
# graft. Every git command the server runs (checks, export, history, build, verify-release) reads
# only the objects really there: set in the hook's own environment, the build's, and (server-setup)
# core.useReplaceRefs=false in the repository. Pushes to refs/replace/ are refused as well.
TRUSTED_GIT_ENV = {"GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.devnull}
MAX_YAML_FILE = 2_000_000  # bytes; a notice.yml of 44 items is 22 KB: larger YAML is refused before parsing
PUSH_DATA_MAX = 100_000_000  # bytes of changed data files in one push (a portal's whole data is larger)
# What a build may see of the hook's environment: nothing the pusher could use to run code
# (PYTHONPATH, PYTHONSTARTUP, LD_PRELOAD, GIT_* ...), only locale, paths and the site's settings.
BUILD_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", environment.AS_OF, environment.SITE_URL,
                  "SOURCE_DATE_EPOCH")
# pre-receive reads the pushed objects through these (git's quarantine); they vanish with the push
QUARANTINE_ENV = ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH")

RULE = "=" * 60


class Refused(Exception):
    """The pushed commit cannot be published; the message (Chinese) is shown to the pusher."""

    def __init__(self, result: str, message: str):
        super().__init__(message)
        self.result = result  # short English code for publish.log: invalid / build-failed / ...


class SetupError(Exception):
    """A mistake in how an administrator called server-setup or rollback."""


@dataclass(frozen=True)
class Site:
    """Where one published site lives and how it is built."""

    web_root: Path
    git_dir: Path
    branch: str = "main"
    keep: int = DEFAULT_KEEP
    python: str = sys.executable
    build_command: str | None = None  # default: <python> -m mkdocs build --strict --site-dir {out}
    identity: str = "ssh"  # how the pusher is authenticated: identity.MODES
    admins: tuple[str, ...] = ()  # named at server-setup; admins whatever owners.yml says
    build_timeout: int = BUILD_TIMEOUT
    max_memory_mb: int = MAX_MEMORY_MB
    site_url: str = ""  # the public address (server-setup --site-url); a production build needs one
    gzip_static: bool = False  # server-setup --gzip-static: the web server is deploy/nginx.conf (gzip_static)

    @property
    def releases(self) -> Path:
        return self.web_root / "releases"

    @property
    def current(self) -> Path:
        return self.web_root / "current"

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"

    @property
    def cache(self) -> Path:
        """The build cache: what the next build may reuse (buildcache.py). Safe to delete."""
        return self.web_root / ".cache"

    @property
    def work(self) -> Path:
        """Temporary copies of commits being built, one folder per hook process."""
        return self.web_root / ".work"


@dataclass
class Pusher:
    """Who is pushing (from authentication) and the commit author (from the commit: anyone can set it)."""

    account: str
    author: str = ""
    admin: bool = False

    def log_names(self) -> tuple[str, str]:
        author = self.author if self.author and self.account not in self.author else "-"
        return self.account, author


# ---- small helpers -----------------------------------------------------------------------------

def now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def say(text: str = "") -> None:
    """Hook output goes to the pusher's terminal (git prefixes it with "remote:"). A pusher who
    hung up must not turn a clean refusal into a traceback."""
    try:
        print(text, file=sys.stderr, flush=True)
    except OSError:
        pass


def trust_only_real_objects() -> None:
    """The hook's and the administrator commands' own git environment (see TRUSTED_GIT_ENV)."""
    os.environ.update(TRUSTED_GIT_ENV)


def git(site: Site, *args: str) -> str:
    # surrogateescape: a path that is not UTF-8 reaches the checks (and is refused) instead of crashing
    done = subprocess.run(["git", f"--git-dir={site.git_dir}", *args], capture_output=True, text=True,
                          encoding="utf-8", errors="surrogateescape")
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} 失败:{done.stderr.strip()}")
    return done.stdout.strip()


def branch_tip(site: Site) -> str:
    """The commit the published branch points at, or "" before its first push."""
    done = subprocess.run(["git", f"--git-dir={site.git_dir}", "rev-parse", "--verify", "--quiet", site.ref],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def log_event(site: Site, result: str, commit: str, detail: str, pusher: Pusher | None = None) -> None:
    """publish.log: tab-separated, one line per event, so `grep`/`tail` answer "who published what":
    time, result, commit, authenticated account, commit author when different, detail.
    Written and fsynced before anything it reports becomes visible; raises OSError if it cannot be."""
    account, author = pusher.log_names() if pusher else (identity.unix_account(), "-")
    fields = [now().isoformat(timespec="seconds"), result, commit[:12] or "-", account, author, " ".join(detail.split())[:300]]
    fields = [log_field(f) for f in fields]
    with open(site.web_root / "publish.log", "a", encoding="utf-8") as log:
        log.write("\t".join(fields) + "\n")
        log.flush()
        os.fsync(log.fileno())


def log_field(text: str) -> str:
    """One field of publish.log: a tab, newline or other control character (an author's name is
    the pusher's to choose) is written as an escape, so every line has exactly six fields."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text) or "-"


def try_log(site: Site, result: str, commit: str, detail: str, pusher: Pusher | None = None) -> None:
    """For refusals: the push is refused either way, so a full disk must not hide the reason."""
    try:
        log_event(site, result, commit, detail, pusher)
    except OSError:
        pass


@contextlib.contextmanager
def publish_lock(site: Site):
    import fcntl  # POSIX only; imported late so staff can run other `disclosure` commands on Windows
    with open(site.web_root / ".publish.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("另一次发布正在进行,请稍候……")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---- releases ----------------------------------------------------------------------------------

def release_commit(name: str) -> str:
    return name.rsplit("-", 1)[-1]


def current_release(site: Site) -> str | None:
    try:
        return Path(os.readlink(site.current)).name
    except OSError:
        return None


def releases(site: Site) -> list[str]:
    """Published releases, oldest first (names start with the publish time)."""
    if not site.releases.is_dir():
        return []
    return sorted(p.name for p in site.releases.iterdir() if p.is_dir() and not p.name.startswith("."))


def switch_current(site: Site, name: str) -> None:
    """Point `current` at releases/<name> atomically: readers see the old or the new site, never a mix."""
    temp = site.web_root / f".current.tmp-{os.getpid()}"
    temp.unlink(missing_ok=True)
    os.symlink(Path("releases") / name, temp)  # relative, so WEB_ROOT can be moved or mounted elsewhere
    try:
        os.replace(temp, site.current)
    except OSError:
        temp.unlink(missing_ok=True)
        raise


PRUNED = ".pruned-"  # a release past --keep, renamed away at once and deleted in the background


def prune(site: Site) -> None:
    """Releases past --keep leave `releases/` at once (a rename) and are deleted by a detached
    `rm -rf`: deleting a 40,000-item release (100,000 files) took ~10 s the push waited for,
    after the new release was already live. A deletion cut short is finished by the next publish."""
    keep = set(releases(site)[-site.keep:]) | {current_release(site)}
    doomed = [site.releases / name for name in releases(site) if name not in keep]
    doomed += [p for p in site.releases.glob(f"{PRUNED}*") if p.is_dir() and not p.is_symlink()]
    renamed = []
    for release in doomed:
        if release.name.startswith(PRUNED):
            renamed.append(release)
            continue
        target = site.releases / f"{PRUNED}{release.name}"
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
    tip = branch_tip(site)
    for pending in site.releases.glob(".pending-*"):
        commit = pending.name.split("-")[1]
        lost = tip and commit != tip and is_ancestor(site, commit, tip)  # older than main: never published
        if lost or time.time() - pending.stat().st_mtime > PENDING_MAX_AGE:
            shutil.rmtree(pending, ignore_errors=True)
            pusher_file(pending).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def clean_leftovers(site: Site) -> None:
    """What a hook killed mid-build left: its build's processes, its work copy, its half-built
    release. Each carries the hook's pid in its name; a live hook's are left alone."""
    if site.work.is_dir():
        for folder in site.work.iterdir():
            pid = int(folder.name.split("-")[0]) if folder.name.split("-")[0].isdigit() else 0
            if pid and _alive(pid):
                continue
            for pgid in folder.glob("pgid-*"):
                with contextlib.suppress(OSError, ValueError):
                    kill_group(int(pgid.read_text()))
            shutil.rmtree(folder, ignore_errors=True)
    for building in site.releases.glob(".building-*"):
        pid = building.name.rsplit("-", 1)[-1]
        if not (pid.isdigit() and _alive(int(pid))):
            shutil.rmtree(building, ignore_errors=True)


def new_release_name(site: Site, commit: str) -> str:
    stamp = now()
    while True:
        name = f"{stamp:%Y%m%d-%H%M%S}-{commit[:12]}"
        if not (site.releases / name).exists():
            return name
        stamp += dt.timedelta(seconds=1)


# ---- checking and building one commit ----------------------------------------------------------

def export_commit(site: Site, commit: str, dest: Path, paths: list[str] | None = None,
                  exclude: str | None = None) -> None:
    """The commit's files (or only `paths`), without .git. Works inside pre-receive (objects still
    in quarantine). `exclude`: a top-level folder left out (data/ when the code comes from here):
    git is asked for the other top-level entries only, so a portal's data is not streamed past."""
    if exclude and paths is None:
        paths = list(top_level(site, commit, but=exclude))
        if not paths:
            return
    proc = subprocess.Popen(["git", f"--git-dir={site.git_dir}", "--literal-pathspecs", "archive", "--format=tar",
                             commit, *(paths or [])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    made: set[Path] = set()
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
            for member in archive:
                if exclude and (member.name == exclude.rstrip("/") or member.name.startswith(exclude)):
                    continue
                _extract(archive, member, dest, made)
    except (tarfile.TarError, OSError) as exc:
        proc.kill()
        proc.wait()
        raise Refused("invalid", f"提交 {commit[:12]} 中有不能安全取出的文件({exc}),已拒绝。") from None
    if proc.wait() != 0:
        raise RuntimeError(f"git archive {commit} 失败:{proc.stderr.read().decode(errors='replace')}")


def top_level(site: Site, commit: str, but: str = "") -> dict[str, str]:
    """The commit's top-level entries but the folder `but`: name -> "mode type id" (a mode change
    is a change too)."""
    out = {}
    for line in filter(None, git(site, "ls-tree", "-z", commit).split("\0")):
        info, name = line.split("\t", 1)
        if name != but.rstrip("/"):
            out[name] = info
    return out


def code_entries(site: Site, commit: str) -> dict[str, str]:
    """What the code of a commit is: its top-level entries but data/."""
    return top_level(site, commit, but=DATA_ROOT)


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, dest: Path, made: set[Path]) -> None:
    """One member of `git archive`: only folders and regular files, at relative paths without '..',
    each file created new (never through an existing name). Anything else (a link, a device) is
    refused. Written by hand because tarfile's own extraction (chmod, utime, realpath per file)
    took most of a publish's export time."""
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or not name.parts:
        raise tarfile.TarError(f"不安全的路径 {member.name}")
    target = dest.joinpath(*name.parts)
    if member.isdir():
        target.mkdir(parents=True, exist_ok=True)
        return
    if not member.isfile():
        raise tarfile.TarError(f"{member.name} 不是普通文件(符号链接等)")
    if target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(target.parent)
    with open(target, "xb") as out:
        shutil.copyfileobj(archive.extractfile(member), out)
    if member.mode & 0o111:
        target.chmod(0o755)


def has_path(site: Site, commit: str, path: str) -> bool:
    return subprocess.run(["git", f"--git-dir={site.git_dir}", "cat-file", "-e", f"{commit}:{path}"],
                          capture_output=True).returncode == 0


def export_for_build(site: Site, commit: str, code_commit: str, dest: Path) -> None:
    """The tree to build: the code of `code_commit` (the published branch: reviewed code) and the
    data of `commit`. For an admin's push both are the pushed commit."""
    if code_commit == commit:
        export_commit(site, commit, dest)
        return
    export_commit(site, code_commit, dest, exclude=DATA_ROOT)
    if has_path(site, commit, DATA_ROOT.rstrip("/")):
        export_commit(site, commit, dest, paths=[DATA_ROOT.rstrip("/")])


KEPT_SOURCE_MAX_CHANGES = 2000  # more changed files than this: a fresh export is as quick


def kept_source(site: Site, commit: str, code_commit: str) -> Path | None:
    """The tree a publish builds (export_for_build's), kept in the build cache between publishes:
    only the data files that changed since the last build are taken out of git again (a portal's
    data is 300 MB at 40,000 items), the code whenever its top-level trees changed. Builds are serialised by
    the publish lock. source.json names what the tree holds and is removed while it changes, so a
    tree interrupted half-way is never trusted: it is exported afresh. None: the cache cannot hold
    a tree (not writable)."""
    tree, state_file = site.cache / "source", site.cache / "source.json"
    try:
        state = json.loads(state_file.read_text("utf-8"))
    except (OSError, ValueError):
        state = None
    try:
        state_file.unlink(missing_ok=True)
        if not isinstance(state, dict) or not tree.is_dir() or tree.is_symlink():
            raise ValueError("no kept tree")
        if any(_has_gitattributes(site, c) for c in {commit, code_commit}):
            raise ValueError("export-ignore / export-subst: git archive's output is not per file")
        # the code's own trees, not its commit: a data push by an admin is a new commit, same code
        code = code_entries(site, code_commit)
        if state.get("code") != code:
            for entry in tree.iterdir():
                if entry.name != DATA_ROOT.rstrip("/"):
                    shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
            export_commit(site, code_commit, tree, exclude=DATA_ROOT)
        if state.get("data") != commit:
            listed = git(site, "--literal-pathspecs", "diff-tree", "-r", "-z", "--no-renames", "--name-status",
                         str(state["data"]), commit, "--", DATA_ROOT.rstrip("/")).split("\0")
            changes = list(zip(listed[0::2], listed[1::2]))
            if len(changes) > KEPT_SOURCE_MAX_CHANGES:
                raise ValueError("too many changes")
            for _, path in changes:
                _remove_kept(tree, path)
            present = [path for status, path in changes if status != "D"]
            if present:
                export_commit(site, commit, tree, paths=present)
        wrong = tree_mismatches(site, tree, commit, code_commit)
        if wrong:  # the kept tree is verified, not trusted: a hand-edited copy is never built
            try_log(site, "cache-mismatch", commit, f"{len(wrong)} file(s) of .cache/source differ from the commit, "
                    f"e.g. {wrong[0]}: full build from a fresh export")
            with contextlib.suppress(OSError):
                (site.cache / "manifest.json").unlink(missing_ok=True)  # nothing of the last build is reused
            raise ValueError("kept tree differs from the commit")
    except Refused:  # a file that cannot be taken out safely: refused, as a fresh export would
        shutil.rmtree(tree, ignore_errors=True)
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        shutil.rmtree(tree, ignore_errors=True)
        try:
            tree.mkdir(parents=True)
            export_for_build(site, commit, code_commit, tree)
        except OSError:  # the cache cannot hold it: build from a temporary copy (build_commit_into)
            shutil.rmtree(tree, ignore_errors=True)
            return None
    try:
        state_file.write_text(json.dumps({"code": code_entries(site, code_commit), "data": commit}), "utf-8")
    except OSError:
        pass  # the next publish exports afresh
    return tree


def blob_id(path: str) -> str:
    """The git blob id of a file's bytes (what `git ls-tree` lists for it)."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        data = f.read()
    h.update(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def tree_mismatches(site: Site, tree: Path, commit: str, code_commit: str) -> list[str]:
    """Paths where the kept source tree is not exactly the commits' files (data/ of `commit`, the
    rest of `code_commit`): a changed, missing or extra file. One hash per file (~0.5 s at 40,000
    items)."""
    expected: dict[str, str] = {}
    for which, data in ((commit, True), (code_commit, False)):
        for entry in filter(None, git(site, "ls-tree", "-r", "-z", which).split("\0")):
            info, path = entry.split("\t", 1)
            if path.startswith(DATA_ROOT) == data:
                expected[path] = info.split()[2]
    found = {rel: entry.path for rel, entry in _walk_files(tree)}
    wrong = sorted(set(expected) ^ set(found))
    wrong += sorted(rel for rel in set(expected) & set(found) if blob_id(found[rel]) != expected[rel])
    return wrong


def _has_gitattributes(site: Site, commit: str) -> bool:
    """.gitattributes anywhere in the commit: `git archive` may then drop files (export-ignore) or
    rewrite them per commit (export-subst), so only a fresh export gives its tree."""
    names = git(site, "ls-tree", "-r", "-z", "--name-only", commit).split("\0")
    return any(name.rsplit("/", 1)[-1] == ".gitattributes" for name in names)


def _remove_kept(tree: Path, rel: str) -> None:
    """A changed data file out of the kept tree, and the folders it leaves empty (git has none)."""
    path = tree / PurePosixPath(rel)
    if ".." in PurePosixPath(rel).parts or PurePosixPath(rel).is_absolute():
        raise ValueError(rel)
    path.unlink(missing_ok=True)
    folder = path.parent
    while folder != tree and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def build_env(site: Site, source: Path, commit: str, incremental: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in BUILD_ENV_KEEP}
    if incremental:  # pages whose inputs did not change are taken from the last build
        env[BUILD_CACHE_ENV] = str(site.cache)
    env["PYTHONPATH"] = str(source / "src")  # the trusted tree's package, nothing else
    env["PATH"] = os.pathsep.join([str(Path(site.python).parent), env.get("PATH", "/usr/bin:/bin")])
    # gitinfo reads history of the pushed commit from the server repository (see gitinfo.py).
    env.update(GIT_DIR=str(site.git_dir), GIT_WORK_TREE=str(source), **{COMMIT_ENV: commit})
    quarantine = {k: os.environ[k] for k in QUARANTINE_ENV if k in os.environ}
    env.update(quarantine)  # pre-receive: the pushed objects are readable only through these
    env.setdefault("LANG", "C.UTF-8")
    # A release is a function of its commit and its as-of date: pinning both lets verify-release
    # rebuild it byte for byte later (the build time, pinned to the commit's, is in no file today).
    env.setdefault(AS_OF_ENV, now().date().isoformat())
    env[PRODUCTION_ENV] = "1"  # the public site: it must know its own address (site.settings)
    if site.gzip_static:  # served by deploy/nginx.conf, which sends X.gz for X (site.settings)
        env[GZIP_STATIC_ENV] = "1"
    if site.site_url:
        env[SITE_URL_ENV] = site.site_url
    env.setdefault("SOURCE_DATE_EPOCH", git(site, "log", "-1", "--format=%ct", commit).strip() or "0")
    env["PYTHONIOENCODING"] = "utf-8"
    env["NO_MKDOCS_2_WARNING"] = "1"  # MkDocs is pinned to 1.x: Material's 2.0 notice does not apply
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(TRUSTED_GIT_ENV)  # gitinfo's history too: only the objects really there
    return env


# The leader of each build's process group: it gets SIGTERM from the kernel when the hook dies
# (PR_SET_PDEATHSIG, however the hook died, SIGKILL included) and then kills its whole group, so
# nothing the build started (git, the search-index child, …) outlives the hook.
SUPERVISOR = """
import ctypes, os, signal, subprocess, sys
signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
ctypes.CDLL(None).prctl(1, signal.SIGTERM)
if os.getppid() != int(sys.argv[1]):
    os.killpg(0, signal.SIGKILL)
code = subprocess.call(sys.argv[2:])
sys.exit(128 - code if code < 0 else code)
"""


def _limit_child(max_memory_mb: int) -> None:
    """Runs in the build process before exec: bounded memory, and death with the hook (Linux)."""
    import resource
    limit = max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@dataclass
class Step:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Running:
    proc: subprocess.Popen
    output: tuple[Path, Path]  # its stdout and stderr files


def start_step(site: Site, command: list[str], source: Path, env: dict, work: Path, name: str) -> Running:
    """Start one build step in its own session (process group); finish_step waits for it."""
    supervised = [site.python, "-P", "-s", "-c", SUPERVISOR, str(os.getpid()), *command]
    # output to files, not pipes: two steps run at once, and one we are not reading must not block
    with open(work / f"{name}.out", "wb") as out, open(work / f"{name}.err", "wb") as err:
        proc = subprocess.Popen(supervised, cwd=source, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, start_new_session=True,
                                preexec_fn=lambda: _limit_child(site.max_memory_mb))
    (work / f"pgid-{name}").write_text(str(proc.pid))  # for clean_leftovers, should this hook be killed
    return Running(proc, (work / f"{name}.out", work / f"{name}.err"))


DISK_FULL_SIGNS = ("No space left on device", "[Errno 28]", "Disk quota exceeded", "[Errno 122]")
DISK_FULL = ("服务器磁盘已满(或超出配额),网站没有任何变化,这次推送也没有保存。请联系管理员清理服务器磁盘"
             "(旧版本在发布目录 releases/ 中,可删除 .cache/),然后重新推送。")


def finish_step(site: Site, step: Running, deadline: float) -> Step:
    """Wait for a step: on timeout, failure or success, the whole group is killed before we
    return, so nothing it forked (the search-index child) outlives it.
    `deadline` (time.monotonic) is shared by all steps of one build: the bound is for the whole."""
    proc = step.proc
    try:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        proc.wait()
        raise Refused("build-timeout", f"网站生成超过 {site.build_timeout} 秒仍未完成,已停止。请联系技术人员。") from None
    finally:
        kill_group(proc.pid)
    out, err = (path.read_bytes().decode("utf-8", "replace") for path in step.output)
    if proc.returncode != 0 and any(sign in out + err for sign in DISK_FULL_SIGNS):
        raise Refused("disk-full", DISK_FULL)
    if proc.returncode != 0 and ("MemoryError" in err or "Cannot allocate memory" in err or proc.returncode == 137):
        raise Refused("build-memory", f"网站生成所需内存超过上限({site.max_memory_mb} MB),已停止。"
                      "请联系技术人员(server-setup --max-memory-mb 可调整上限)。")
    return Step(proc.returncode, out, err)


def python_command(site: Site, *args: str) -> list[str]:
    return [site.python, "-P", "-s", *args]  # -P: the build folder itself is not on sys.path


def validate_command(site: Site) -> list[str]:
    return python_command(site, "-m", "disclosure.cli", "validate", "data")


def validation_result(done: Step) -> str:
    if done.returncode != 0:
        reason = done.stderr.strip() or done.stdout.strip()
        if not reason:  # killed, or died before it could say why: never "数据检查未通过:" and nothing
            raise Refused("check-failed", f"数据检查程序意外退出(返回码 {done.returncode}),没有给出原因。"
                          "网站没有变化。请稍后重新推送;仍然出现请联系技术人员。")
        raise Refused("invalid", "数据检查未通过:\n" + reason)
    return done.stderr.strip()  # consistency warnings: shown, not fatal


def build_output_summary(output: str, lines: int = 30) -> str:
    """mkdocs logs everything; the WARNING/ERROR lines are what explains a failure."""
    all_lines = [line for line in output.splitlines() if line.strip()]
    all_lines = [line for line in all_lines if not line.startswith(("Traceback", "  File ", "    "))]
    important = [line for line in all_lines if "WARNING" in line or "ERROR" in line or "Error" in line]
    chosen = important[-lines:] or all_lines[-lines:]
    return "\n".join(chosen)


def build_command(site: Site, out: Path, env: dict) -> list[str]:
    if site.build_command:
        command = [part.replace("{out}", str(out)).replace("{python}", site.python)
                   for part in shlex.split(site.build_command)]
    else:
        # --dirty: into an empty folder, MkDocs then writes every page except those the hook marks as
        # unmodified (inputs unchanged, linked from the build cache afterwards); without a cache, all
        dirty = ["--dirty"] if BUILD_CACHE_ENV in env else []
        command = python_command(site, "-m", "mkdocs", "build", "--strict", *dirty, "--site-dir", str(out))
    return command


def build_result(done: Step, out: Path) -> None:
    if done.returncode != 0 or not (out / "index.html").is_file():
        summary = build_output_summary(done.stdout + "\n" + done.stderr)
        raise Refused("build-failed", "网站生成失败(数据格式没有问题,但生成网页时出错)。生成程序的提示:\n" + summary)


def publish_days(site: Site, before_release: str | None = None) -> str:
    """The server's own publish days, for the build's dates (gitinfo: a commit's date is the day
    of the first publish that contained it): "<commit>\t<day>" per publish in publish.log, oldest
    first, up to (not including) `before_release` when a release is rebuilt. The day is the as-of
    date the release was built with (the build day: the date the site showed it as of), else the
    log line's date."""
    log = site.web_root / "publish.log"
    try:  # a regular file only (a test points it at /dev/full, which reads as endless zeros)
        lines = log.read_text("utf-8", errors="replace").splitlines() if log.is_file() else []
    except OSError:
        lines = []
    out = []
    for line in lines:
        fields = line.split("\t")
        if len(fields) < 6 or fields[1] != "published":
            continue
        if before_release and fields[5].startswith(f"release {before_release}"):
            break
        as_of = AS_OF_IN_LOG.search(fields[5])
        out.append(f"{fields[2]}\t{as_of[1] if as_of else fields[0][:10]}\n")
    return "".join(out)


def pushcheck_command(site: Site, old: str, new: str, pusher: Pusher) -> list[str]:
    """The push's data rules (pushcheck.py), run with the administrator's installed package (as the
    hooks are), not the pushed tree's: the rules a push is held to are not the push's to change."""
    # the publish day is the server's clock, not the as-of date (which a test or a rebuild may pin)
    args = [old, new, pusher.account, "--today", now().date().isoformat()] + (["--admin"] if pusher.admin else [])
    for admin in site.admins:
        args += ["--setup-admin", admin]
    return shlex.split(installed_command(site, "disclosure.pushcheck.main", *args))


def pushcheck_result(done: Step) -> None:
    if done.returncode != 0:
        detail = done.stderr.strip() or done.stdout.strip()
        if not detail.startswith("data/"):  # not the rules' answer: the check itself failed
            raise Refused("check-failed", "推送内容检查程序出错:\n" + build_output_summary(detail))
        raise Refused("history", "推送的数据不符合发布规则(已公开的内容只能追加;更正和撤下只能由管理员操作;"
                      "日期不能晚于发布当天;只能接续自己负责的通报):\n" + detail)


def build_commit_into(site: Site, commit: str, out: Path, code_commit: str | None = None,
                      incremental: bool = False, push: tuple[str, Pusher] | None = None,
                      before_release: str | None = None) -> str:
    """Export, validate and build `commit` (its data, `code_commit`'s code) into `out`; incremental:
    reuse unchanged pages from the build cache (a publish; verify-release builds from scratch).
    Returns validator warnings. Raises Refused. The work copy is removed on every path."""
    site.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=site.work))
    try:
        deadline = time.monotonic() + site.build_timeout
        source = kept_source(site, commit, code_commit or commit) if incremental else None
        if source is None:
            source = work / "source"
            source.mkdir()
            export_for_build(site, commit, code_commit or commit, source)
        env = build_env(site, source, commit, incremental)
        (work / "published.tsv").write_text(publish_days(site, before_release), "utf-8")
        env[PUBLISHED_ENV] = str(work / "published.tsv")
        # The checks and the build run side by side (the build loads and checks the same files, so
        # it cannot get further on bad data); the checks' answers come first: a push against the
        # rules or bad data is refused with its message, and the build is stopped.
        steps: list[Running] = []
        try:
            if push is not None:
                steps.append(start_step(site, pushcheck_command(site, push[0], commit, push[1]), source, env,
                                        work, "pushcheck"))
            steps.append(start_step(site, validate_command(site), source, env, work, "validate"))
            steps.append(start_step(site, build_command(site, out, env), source, env, work, "build"))
            if push is not None:
                pushcheck_result(finish_step(site, steps[0], deadline))
            checked = finish_step(site, steps[-2], deadline)
            warnings = validation_result(checked)
            built = finish_step(site, steps[-1], deadline)
            build_result(built, out)
            if any(CACHE_MISMATCH in done.stderr for done in (checked, built)):
                try_log(site, "cache-mismatch", commit, "a checked-file record of .cache/checked differs from its "
                        "hash: every data file was checked afresh")
            warnings = "\n".join(line for line in warnings.splitlines() if CACHE_MISMATCH not in line)
        except BaseException:
            for step in steps:
                kill_group(step.proc.pid)
                with contextlib.suppress(Exception):
                    step.proc.wait(timeout=10)
            raise
        return warnings
    finally:
        shutil.rmtree(work, ignore_errors=True)


def stage(site: Site, commit: str, code_commit: str | None = None, pusher: Pusher | None = None,
          old: str | None = None) -> Path:
    """Build `commit` into releases/.pending-<commit>-<pid>; nothing visible changes. Raises Refused.
    It is built as .building-<commit>-<pid> and renamed when complete, so a half build is never
    mistaken for a pending release."""
    site.releases.mkdir(parents=True, exist_ok=True)
    building = site.releases / f".building-{commit}-{os.getpid()}"
    pending = site.releases / f".pending-{commit}-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    shutil.rmtree(pending, ignore_errors=True)
    try:
        warnings = build_commit_into(site, commit, building, code_commit, incremental=True,
                                     push=(old, pusher) if old is not None and pusher is not None else None)
        current = current_release(site)
        freeze_and_share(building, site.releases / current if current else None)
        counts = BuildCache(site.cache).last_build()
        if counts.get("reused"):
            say(f"(增量生成:{counts['reused']} 个页面内容未变、直接沿用,重新生成 {counts['rendered']} 个。)")
        if pusher:  # who staged it, for the log line should post-receive never run (client hung up)
            pusher_file(pending).write_text("\t".join(pusher.log_names()), "utf-8")
        os.rename(building, pending)
        with contextlib.suppress(OSError):  # the cache only saves work (adopt_into_cache)
            BuildCache(site.cache).moved(building, pending)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if warnings:
        say(warnings)
    return pending


def adopt_into_cache(site: Site, pending: Path, release: Path) -> None:
    """The published release becomes what the next build reuses. The cache only ever saves work:
    if it cannot be written, the next build renders everything, and the publish goes on."""
    cache = BuildCache(site.cache)
    try:
        cache.moved(pending, release)
        cache.adopt(release)
    except OSError:
        with contextlib.suppress(OSError):
            if site.cache.is_dir() and not site.cache.is_symlink():
                shutil.rmtree(site.cache)
            else:
                site.cache.unlink()


def _walk_files(root: Path):
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
    for rel, entry in _walk_files(new):
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


def pusher_file(pending: Path) -> Path:
    return pending.with_name(pending.name.replace(".pending-", ".pusher-", 1))


def staged_pusher(pending: Path) -> Pusher | None:
    try:
        account, author = pusher_file(pending).read_text("utf-8").split("\t")
    except (OSError, ValueError):
        return None
    return Pusher(account, "" if author == "-" else author)


def catch_up(site: Site) -> None:
    """main is ahead of the site: a push was accepted but its post-receive never ran (the client
    hung up, the server stopped). Publish that build now, in the name of whoever pushed it."""
    tip = branch_tip(site)
    current = current_release(site)
    if not tip or (current and release_commit(current) == tip[:12]):
        return
    pending = sorted(site.releases.glob(f".pending-{tip}-*"), key=lambda p: p.stat().st_mtime)
    if pending:
        name = publish_pending(site, pending[-1], tip, staged_pusher(pending[-1]), " (catch-up)")
        say(f"(先补发布了上一次已接受的推送:提交 {tip[:12]},版本 {name}。)")


def publish_pending(site: Site, pending: Path, commit: str, pusher: Pusher | None, note: str = "") -> str:
    """Log, then switch. If publish.log cannot be written (disk full), the site is not switched
    and OSError propagates: there is never a public change without its line in the log."""
    name = new_release_name(site, commit)
    release = site.releases / name
    try:
        as_of = f" as-of {release_as_of(pending)}"  # the build's publish day (publish_days)
    except (SetupError, OSError):
        as_of = ""  # a custom build command's site states none
    os.rename(pending, release)
    try:
        log_event(site, "published", commit, f"release {name}{as_of}{note}", pusher)
    except OSError:
        shutil.rmtree(release, ignore_errors=True)
        raise
    pusher_file(pending).unlink(missing_ok=True)
    adopt_into_cache(site, pending, release)
    switch_current(site, name)
    prune(site)
    return name


def commit_author(site: Site, commit: str) -> str:
    try:
        return git(site, "log", "-1", "--format=%an <%ae>", commit)
    except RuntimeError:
        return ""


def is_ancestor(site: Site, old: str, new: str) -> bool:
    return subprocess.run(["git", f"--git-dir={site.git_dir}", "merge-base", "--is-ancestor", old, new],
                          capture_output=True).returncode == 0


# ---- what a push may change --------------------------------------------------------------------

def read_blobs(site: Site, specs: list[str]) -> dict[str, bytes | None]:
    """`<commit>:<path>` -> bytes (None if missing), all through one `git cat-file --batch`."""
    if not specs:
        return {}
    done = subprocess.run(["git", f"--git-dir={site.git_dir}", "cat-file", "--batch"],
                          input=("\n".join(specs) + "\n").encode(), capture_output=True, check=True)
    out, pos = {}, 0
    data = done.stdout
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


def changed_paths(site: Site, old: str, new: str) -> list[str]:
    """Net change old..new (what the history rules compare)."""
    if old == ZERO:
        listing = git(site, "ls-tree", "-r", "-z", "--name-only", new)
    else:
        listing = git(site, "diff", "--no-renames", "-z", "--name-only", old, new)
    return [p for p in listing.split("\0") if p]


def pushed_commits(site: Site, old: str, new: str) -> list[str]:
    return git(site, "rev-list", new, *([] if old == ZERO else [f"^{old}"])).split()


def touched_paths(site: Site, old: str, new: str) -> list[str]:
    """Every path any pushed commit touches, not only the net change: a commit that edits another
    department's file and a later one that reverts it still touched that file."""
    paths = set(changed_paths(site, old, new))
    for commit in pushed_commits(site, old, new):
        listing = git(site, "diff-tree", "-r", "-m", "--root", "--no-commit-id", "--no-renames", "--name-only", "-z", commit)
        paths.update(p for p in listing.split("\0") if p)
    return sorted(paths)


def future_commits(site: Site, old: str, new: str) -> list[str]:
    """Commits dated more than a day ahead: their date would show as 数据更新于 on the pages."""
    limit = time.time() + 24 * 3600
    out = []
    for line in git(site, "log", "--format=%H %ct", new, *([] if old == ZERO else [f"^{old}"])).splitlines():
        commit, stamp = line.split()
        if int(stamp) > limit:
            out.append(commit)
    return out


def blob_sizes(site: Site, commit: str, paths: list[str]) -> dict[str, int]:
    if not paths:
        return {}
    done = subprocess.run(["git", f"--git-dir={site.git_dir}", "cat-file", "--batch-check=%(objectsize)"],
                          input="".join(f"{commit}:{p}\n" for p in paths).encode("utf-8", "surrogateescape"),
                          capture_output=True, check=True)
    sizes = {}
    for path, line in zip(paths, done.stdout.decode().splitlines()):
        if line.strip().isdigit():
            sizes[path] = int(line)
    return sizes


def load_owners(site: Site, commit: str) -> Owners:
    """owners.yml of the published branch (the push being checked cannot change who decides)."""
    from .validate import owners_from_bytes
    if commit == ZERO:
        return Owners.parse(None, site.admins)
    raw = read_blobs(site, [f"{commit}:{OWNERS_PATH}"])[f"{commit}:{OWNERS_PATH}"]
    return Owners.parse(owners_from_bytes(raw, OWNERS_PATH) if raw is not None else None, site.admins)


def link_refusals(site: Site, commit: str) -> list[DataError]:
    """Symlinks and submodules under data/: git stores them, the validator would never see them
    in a checkout built with tarfile's data filter, and a link could publish a server file."""
    listing = git(site, "ls-tree", "-r", "-z", commit, "--", DATA_ROOT.rstrip("/"))
    out = []
    for entry in filter(None, listing.split("\0")):
        meta, _, path = entry.partition("\t")
        if meta.split()[0] in ("120000", "160000"):
            out.append(DataError(path, 0, 0, "", "是符号链接(或子模块),不是普通文件。数据文件夹里只能放普通文件:"
                                 "请删除这个链接(git rm),把需要的内容作为普通文件提交。"))
    return out


def check_push(site: Site, old: str, new: str, pusher: Pusher) -> None:
    """Refuse (before any build) what this account may not push. Raises Refused."""
    if old != ZERO and not is_ancestor(site, old, new):
        raise Refused("rewrite", f"不能改写已发布的历史(强制推送 --force 或 amend 过的提交)。{site.branch} 只能在原有提交之后追加新提交。\n"
                      "怎么办:运行 git pull --rebase(或 git reset --hard origin/main 后重新修改),再 git push,不要加 --force。")
    owners = load_owners(site, old)
    pusher.admin = owners.is_admin(pusher.account)
    paths = touched_paths(site, old, new)
    unsafe = [DataError(p, 0, 0, "", f"{why},不能推送。请改文件名。") for p in paths if (why := unsafe_path(p))]
    if unsafe:
        raise Refused("invalid", "文件名不合规:\n" + "\n".join(str(p) for p in unsafe))
    future = future_commits(site, old, new)
    if future:
        raise Refused("future-date", f"提交 {future[0][:12]} 的日期晚于今天(电脑时间设置有误?)。网页会把这个日期显示为“数据更新于”,"
                      "请校正电脑时间后重新提交(git commit --amend --reset-author)。")
    problems = path_refusals(pusher.account, owners, paths)
    if problems:
        raise Refused("not-allowed", f"账号 “{pusher.account}” 无权推送以下修改(网站没有运行其中的任何内容):\n"
                      + "\n".join(str(p) for p in problems))
    links = link_refusals(site, new)
    if links:
        raise Refused("invalid", "数据检查未通过:\n" + "\n".join(str(p) for p in links))
    net = changed_paths(site, old, new)
    sizes = blob_sizes(site, new, [p for p in net if p.startswith(DATA_ROOT)])
    big = [DataError(p, 0, 0, "", f"文件太大({size / 1_000_000:.1f} MB),上限 {limit // 1_000_000} MB。"
                     + ("数据文件(.yml)应当只有几十 KB:请检查是否误贴了大量内容。" if p.endswith(".yml") else ""))
           for p, size in sizes.items() if size > (limit := MAX_YAML_FILE if p.endswith(".yml") else MAX_DATA_FILE)]
    if sum(sizes.values()) > PUSH_DATA_MAX:
        big.append(DataError(DATA_ROOT, 0, 0, "", f"这次推送改动的数据文件共 {sum(sizes.values()) // 1_000_000} MB,"
                             f"超过一次推送的上限 {PUSH_DATA_MAX // 1_000_000} MB。请分几次推送,或联系管理员。"))
    if big:
        raise Refused("invalid", "数据检查未通过:\n" + "\n".join(str(p) for p in big))
    # What the pushed data *says* (history, links, dates) is parsed in the bounded build (pushcheck).


# ---- hooks -------------------------------------------------------------------------------------

def refusal_text(exc: Refused, commit: str) -> str:
    how = {
        "invalid": ("怎么办:每行开头是“文件:行:列”,按提示在这个位置修改;改好后先在本机运行\n"
                    "  disclosure validate\n确认“数据有效”,再 git commit 和 git push。"),
        "build-failed": "怎么办:如果看不懂上面的提示,请把这段信息原样发给技术人员。",
        "not-allowed": ("怎么办:撤销对上面这些文件的修改(git checkout origin/main -- 文件),或请负责的同事、管理员修改;\n"
                        "然后 git commit --amend 或新提交一次,再 git push。"),
        "history": "怎么办:恢复上面提到的已公开内容,把新情况作为新的进展记录追加(disclosure update),再提交推送。",
        "rewrite": "",
        "future-date": "怎么办:把电脑的日期和时间改正确,再运行 git commit --amend --reset-author --no-edit,然后 git push。",
        "identity": "怎么办:请联系管理员。",
    }.get(exc.result, "怎么办:请把这段信息原样发给技术人员。")
    return "\n".join([RULE, f"推送被拒绝(提交 {commit[:12]}),网站没有任何变化。", "", str(exc), "", how, RULE]).replace("\n\n" + RULE, "\n" + RULE)


def authenticated(site: Site) -> Pusher:
    try:
        return Pusher(identity.account(site.identity))
    except identity.IdentityError as exc:
        raise Refused("identity", str(exc)) from None


def ref_refusal(site: Site, ref: str, admin: bool) -> str:
    """Why this account may not update `ref` ("" if it may). Only the published branch builds the
    site; anything else a push stores stays in the repository for ever (deletion is refused), so
    staff push main only. A replace ref makes git read one object as another: nobody pushes one."""
    if ref == site.ref:
        return ""
    if ref.startswith("refs/replace/"):
        return (f"不能推送替换引用 {ref}:它会让服务器把一个提交(或文件)当作另一个来读,任何账号都不能推送。"
                "请只推送 main 分支:git push origin main。")
    if not admin:
        return (f"工作人员账号只能推送 {site.branch} 分支,不能推送 {ref}(其他分支、标签、notes 会永久留在服务器上,"
                f"却不会发布)。请只推送 {site.branch}:disclosure publish,或 git push origin {site.branch}。")
    return ""


def pre_receive(site: Site, updates: list[tuple[str, str, str]]) -> int:
    try:
        pusher = authenticated(site)
    except Refused as exc:
        say(refusal_text(exc, updates[0][1] if updates else ZERO))
        try_log(site, "refused", updates[0][1] if updates else ZERO, f"{exc.result}: {exc}")
        return 1
    others = [(old, new, ref) for old, new, ref in updates if ref != site.ref]
    if others:
        admin = load_owners(site, branch_tip(site) or ZERO).is_admin(pusher.account)
        for old, new, ref in others:
            why = ref_refusal(site, ref, admin)
            if why:
                say(f"{RULE}\n推送被拒绝,网站和仓库都没有任何变化。\n\n{why}\n{RULE}")
                try_log(site, "refused", new if new != ZERO else old, f"ref {ref}: {why}", pusher)
                return 1
    for old, new, ref in updates:
        if ref != site.ref:
            continue  # an admin's other branches and tags are stored but build nothing
        if new == ZERO:
            say(f"{RULE}\n推送被拒绝:不能删除 {site.branch} 分支(网站由它生成,已发布的记录只能追加)。\n{RULE}")
            try_log(site, "refused", old, f"delete {site.ref}", pusher)
            return 1
        with publish_lock(site):
            clean_leftovers(site)
            catch_up(site)
            pusher.author = commit_author(site, new)
            tip = branch_tip(site)
            if tip != (old if old != ZERO else ""):
                say(f"{RULE}\n推送被拒绝:刚才有人先发布了新内容。请先运行 git pull,再 git push。\n{RULE}")
                try_log(site, "refused", new, "stale: branch moved meanwhile", pusher)
                return 1
            try:
                check_push(site, old, new, pusher)
            except Refused as exc:
                say(refusal_text(exc, new))
                try_log(site, "refused", new, f"{exc.result}: {exc}", pusher)
                return 1
            say(f"正在检查并生成网站(提交 {new[:12]},账号 {pusher.account})……")
            started = time.monotonic()
            try:
                # staff: the published code over the pushed data; an admin's push is built as pushed
                stage(site, new, code_commit=new if pusher.admin or old == ZERO else old, pusher=pusher, old=old)
            except Refused as exc:
                say(refusal_text(exc, new))
                try_log(site, "refused", new, f"{exc.result}: {exc}", pusher)
                return 1
            start_finisher(site, new)
            say(f"检查通过,网站已生成({time.monotonic() - started:.1f} 秒),保存提交后即发布。\n"
                "(如果下面出现 “failed to update ref”,是同事刚刚先推送了:请 git pull,再 git push。)")
    return 0


def start_finisher(site: Site, commit: str) -> None:
    """A push whose client hangs up after pre-receive: git may still move main, but it never runs
    post-receive (it dies writing its report to the client), and the site would lag main until the
    next push. So pre-receive leaves a small detached process that waits for this git
    receive-pack (the hook's parent) to end, then publishes what main points at, or removes this
    push's build if main did not move (`finish`). Normally post-receive has published already and
    it finds nothing to do."""
    command = installed_command(site, "disclosure.publish.hook_main", "finish", *hook_args(site),
                                "--wait-pid", str(os.getppid()), "--commit", commit)
    # not pre-receive's quarantine (git deletes it when receive-pack ends): the repository as it is
    env = {k: v for k, v in os.environ.items() if k not in QUARANTINE_ENV}
    with contextlib.suppress(OSError):
        subprocess.Popen(shlex.split(command), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True, env=env)


def wait_for_exit(pid: int, timeout: float) -> None:
    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):  # not Linux >= 5.3: ask the kernel every 0.2 s
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        return
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        poller.poll(timeout * 1000)
    finally:
        os.close(fd)


def finish(site: Site, pid: int, commit: str) -> None:
    """See start_finisher: after git receive-pack `pid` ended, main and the site agree again."""
    wait_for_exit(pid, PENDING_MAX_AGE)
    with publish_lock(site):
        clean_leftovers(site)
        catch_up(site)
        if branch_tip(site) != commit:  # git did not move main to this push: its build is never published
            for pending in site.releases.glob(f".pending-{commit}-*"):
                shutil.rmtree(pending, ignore_errors=True)
                pusher_file(pending).unlink(missing_ok=True)


def post_receive(site: Site, updates: list[tuple[str, str, str]]) -> int:
    if not any(ref == site.ref and new != ZERO for _, new, ref in updates):
        return 0
    try:
        pusher = authenticated(site)
    except Refused:
        pusher = None
    with publish_lock(site):
        tip = branch_tip(site)  # main *now*: a later push may already have moved it
        if not tip:
            return 0
        if pusher:
            pusher.author = commit_author(site, tip)
        pending = sorted(site.releases.glob(f".pending-{tip}-*"), key=lambda p: p.stat().st_mtime)
        current = current_release(site)
        if not pending and current and release_commit(current) == tip[:12]:
            return 0  # a racing push's post-receive already published this commit
        try:
            # main moved without our pre-receive (e.g. an administrator on the server): build it now
            # with its own code, which is main's and so reviewed
            name = publish_pending(site, pending[-1] if pending else stage(site, tip), tip, pusher)
        except Refused as exc:
            say(f"{RULE}\n提交已保存,但网站没有更新(仍显示之前的版本):\n{exc}\n请联系技术人员。\n{RULE}")
            try_log(site, "failed", tip, f"{exc.result}: {exc}", pusher)
            return 1
        except OSError as exc:
            say(f"{RULE}\n提交已保存,但网站没有更新(仍显示之前的版本):无法写入发布记录或新版本"
                f"({exc.strerror or exc},服务器磁盘可能已满)。请联系技术人员。\n{RULE}")
            return 1
        say(f"{RULE}\n发布成功:网站已更新为提交 {tip[:12]}(版本 {name})。\n{RULE}")
    return 0


class HookStopped(BaseException):
    """The hook got SIGTERM/SIGHUP/SIGINT (push interrupted, server shutting down)."""


def _stop(signum, frame):
    raise HookStopped(signum)


def read_updates(stream) -> list[tuple[str, str, str]]:
    out = []
    for line in stream:
        parts = line.split()
        if len(parts) == 3:
            out.append((parts[0], parts[1], parts[2]))
    return out


def run_hook(name: str, site: Site, stream=None) -> int:
    """Entry point of the installed hook scripts. Unexpected errors refuse the push (pre-receive)
    with a short Chinese message; the traceback goes to publish-errors.log for the administrator."""
    updates = read_updates(stream or sys.stdin)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _stop)  # unwinds through every finally: build group killed, copies removed
    try:
        return (pre_receive if name == "pre-receive" else post_receive)(site, updates)
    except HookStopped:
        say(f"{RULE}\n发布被中断,网站没有变化。\n{RULE}")
        return 1
    except Exception as exc:  # noqa: BLE001 - last line of defence: staff never see a traceback
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            say(f"{RULE}\n{DISK_FULL}\n{RULE}")
            try_log(site, "refused", "", f"disk-full: {exc}")
            return 1
        with contextlib.suppress(OSError):
            with open(site.web_root / "publish-errors.log", "a", encoding="utf-8") as log:
                log.write(f"--- {now().isoformat()} {name}\n{traceback.format_exc()}\n")
        say(f"{RULE}\n发布程序内部错误,网站没有变化。请联系技术人员(详情见服务器 {site.web_root}/publish-errors.log)。\n{RULE}")
        return 1


# ---- administrator commands --------------------------------------------------------------------

def installed_command(site: Site, entry: str, *args: str) -> str:
    """A shell line running `entry` of the package the administrator installed (never a pushed copy)."""
    package_parent = Path(__file__).resolve().parent.parent
    module, function = entry.rsplit(".", 1)
    code = (f"import sys; sys.path.insert(0, sys.argv.pop(1)); "
            f"from {module} import {function}; sys.exit({function}(sys.argv[1:]))")
    command = [site.python, "-P", "-s", "-c", code, str(package_parent), *args]
    return " ".join(shlex.quote(part) for part in command)


def hook_args(site: Site) -> list[str]:
    args = ["--web-root", str(site.web_root), "--keep", str(site.keep), "--branch", site.branch,
            "--identity", site.identity, "--build-timeout", str(site.build_timeout),
            "--max-memory-mb", str(site.max_memory_mb)]
    for admin in site.admins:
        args += ["--admin", admin]
    if site.site_url:
        args += ["--site-url", site.site_url]
    if site.build_command:
        args += ["--build-command", site.build_command]
    if site.gzip_static:
        args.append("--gzip-static")
    return args


def hook_script(hook: str, site: Site) -> str:
    args = hook_args(site)
    return (f"#!/bin/sh\n# {hook}: {HOOK_MARK}. Re-run server-setup instead of editing.\n"
            f"# Python environment recorded at setup: {site.python}\n"
            f"exec {installed_command(site, 'disclosure.publish.hook_main', hook, *args)}\n")


def ssh_wrapper_script(site: Site) -> str:
    """The forced command of every staff key (identity.py): `disclosure-ssh ACCOUNT`."""
    return (f"#!/bin/sh\n# SSH forced command for staff keys: {HOOK_MARK}.\n"
            f"exec {installed_command(site, 'disclosure.cli.main', 'ssh-serve', '--repo', str(site.git_dir))} \"$1\"\n")


def install_hook(git_dir: Path, hook: str, text: str) -> str | None:
    path = git_dir / "hooks" / hook
    path.parent.mkdir(exist_ok=True)
    backup = None
    if path.exists() and HOOK_MARK not in path.read_text(errors="replace"):
        backup = path.with_name(f"{hook}.before-disclosure")
        os.replace(path, backup)
    path.write_text(text)
    path.chmod(0o755)
    return str(backup) if backup else None


def server_setup(bare: Path, web_root: Path, keep: int, branch: str, build_command: str | None,
                 identity_mode: str = "ssh", admins: tuple[str, ...] = (), build_timeout: int = BUILD_TIMEOUT,
                 max_memory_mb: int = MAX_MEMORY_MB, site_url: str = "", gzip_static: bool = False) -> Site:
    if os.name != "posix":
        raise SetupError("发布服务器需要 Linux(或其他类 Unix 系统)。工作人员的 Windows 电脑只需 git push。")
    bare, web_root = bare.resolve(), web_root.resolve()
    probe = subprocess.run(["git", f"--git-dir={bare}", "rev-parse", "--is-bare-repository"],
                           capture_output=True, text=True)
    if probe.returncode != 0 or probe.stdout.strip() != "true":
        raise SetupError(f"{bare} 不是裸仓库。请先用 git init --bare {bare} 创建。")
    if keep < 1:
        raise SetupError("--keep 至少为 1。")
    bad = [a for a in admins if not identity.ACCOUNT_NAME.match(a)]
    if bad:
        raise SetupError(f"管理员账号名 “{bad[0]}” 不对:只能用字母、数字、汉字和 . _ @ -。")
    if not build_command and subprocess.run([sys.executable, "-c", "import mkdocs"], capture_output=True).returncode:
        raise SetupError(f"当前 Python({sys.executable})没有安装 mkdocs。请在项目目录运行 make install 后用 .venv/bin/disclosure 执行。")
    web_root.mkdir(parents=True, exist_ok=True)
    current = web_root / "current"
    if current.exists() and not current.is_symlink():
        raise SetupError(f"{current} 已存在且不是符号链接。请移走它(发布程序需要用符号链接切换版本)。")
    site = Site(web_root=web_root, git_dir=bare, branch=branch, keep=keep, build_command=build_command,
                identity=identity_mode, admins=tuple(admins), build_timeout=build_timeout, max_memory_mb=max_memory_mb,
                site_url=site_url, gzip_static=gzip_static)
    site.releases.mkdir(exist_ok=True)
    (web_root / "publish.log").touch()
    # Published history is append-only: git itself refuses force-pushes and deletions (pre-receive checks too).
    for key in ("receive.denyNonFastForwards", "receive.denyDeletes", "receive.fsckObjects"):
        git(site, "config", key, "true")
    git(site, "config", "core.useReplaceRefs", "false")  # and TRUSTED_GIT_ENV: only the objects really there
    for line in remove_object_substitutes(site):
        print(line)
    git(site, "config", "receive.maxInputSize", str(PUSH_MAX_BYTES))
    # `git archive` obeys .gitattributes of the tree it exports (export-subst rewrites file
    # contents, export-ignore drops files): a pushed .gitattributes could change data after it was
    # checked. These repository-wide attributes switch every such rule off, whatever the tree says.
    attributes = bare / "info" / "attributes"
    attributes.parent.mkdir(exist_ok=True)
    attributes.write_text(f"# {HOOK_MARK}\n{NEUTRAL_ATTRIBUTES}\n")
    if identity_mode == "ssh":
        wrapper = bare / identity.SSH_WRAPPER
        wrapper.write_text(ssh_wrapper_script(site))
        wrapper.chmod(0o755)
    for hook in ("pre-receive", "post-receive"):
        backup = install_hook(bare, hook, hook_script(hook, site))
        if backup:
            print(f"原有的 {hook} 钩子已改名保存为 {backup}")
    return site


def remove_object_substitutes(site: Site) -> list[str]:
    """Replace refs and grafts an existing repository holds (pushed before this check existed):
    deleted, each named in the returned Chinese lines."""
    said = []
    for line in filter(None, git(site, "for-each-ref", "--format=%(refname) %(objectname)", "refs/replace/").splitlines()):
        ref, target = line.split(" ", 1)
        git(site, "update-ref", "-d", ref)
        said.append(f"已删除替换引用 {ref}(指向 {target[:12]}):它会让服务器把一个对象当作另一个来读。")
    grafts = site.git_dir / "info" / "grafts"
    if grafts.exists():
        grafts.unlink()
        said.append(f"已删除 {grafts}(grafts 会改变提交的父提交)。")
    return said


def publish_existing(site: Site) -> str | None:
    """First publish at setup time when the branch already has commits."""
    tip = branch_tip(site)
    if not tip:
        return None
    with publish_lock(site):
        admin = Pusher(identity.unix_account(), commit_author(site, tip), admin=True)
        name = publish_pending(site, stage(site, tip), tip, admin, " (server-setup)")
    return name


AS_OF_ENV = environment.AS_OF
PRODUCTION_ENV = environment.PRODUCTION
SITE_URL_ENV = environment.SITE_URL
BUILD_CACHE_ENV = environment.BUILD_CACHE
GZIP_STATIC_ENV = environment.GZIP_STATIC
AS_OF_MARK = re.compile(r'data-as-of="(\d{4}-\d{2}-\d{2})"')
AS_OF_IN_LOG = re.compile(r"\bas-of (\d{4}-\d{2}-\d{2})\b")


def release_as_of(release: Path) -> str:
    """The as-of date a release was built with, as its home page's footer states it."""
    found = AS_OF_MARK.search((release / "index.html").read_text("utf-8", errors="replace"))
    if not found:
        raise SetupError(f"{release} 的首页没有写明状态计算日期(data-as-of),无法按原样重建。")
    return found[1]


def tree_differences(built: Path, published: Path) -> list[str]:
    """Chinese lines naming every path missing, extra or different between two site folders."""
    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    a, b = files(built), files(published)
    out = [f"缺少:{p}(重建结果中有,已发布版本中没有)" for p in sorted(a - b)]
    out += [f"多出:{p}(已发布版本中有,重建结果中没有)" for p in sorted(b - a)]
    out += [f"内容不同:{p}" for p in sorted(a & b) if not filecmp.cmp(built / p, published / p, shallow=False)]
    return out


def site_from_hook(bare: Path, web_root: Path) -> Site:
    """The site as server-setup installed it (site URL, build command, Python), read back from the
    pre-receive hook it wrote: a rebuild must use the very settings the publish used."""
    hook = bare / "hooks" / "pre-receive"
    if not hook.is_file() or HOOK_MARK not in hook.read_text("utf-8", errors="replace"):
        raise SetupError(f"{bare} 没有安装发布钩子(请先运行 disclosure server-setup)。")
    line = next(l for l in hook.read_text("utf-8").splitlines() if l.startswith("exec "))
    words = shlex.split(line)
    parsed = hook_parser().parse_args(words[words.index("pre-receive"):])
    return site_from_options(parsed, web_root, bare, python=words[1])


def verify_release(bare: Path, web_root: Path, name: str | None = None) -> tuple[str, list[str]]:
    """Rebuild a release's commit from scratch (its code and data, its as-of date) and compare it
    byte for byte with what is published. Returns (release name, differences)."""
    site = site_from_hook(bare.resolve(), web_root.resolve())
    name = name or current_release(site)
    if not name or not (site.releases / name).is_dir():
        raise SetupError(f"没有找到要核对的版本{' ' + name if name else ''}。可用的版本:{'、'.join(releases(site)) or '无'}。")
    commit = git(site, "rev-parse", "--verify", "--quiet", release_commit(name) + "^{commit}").strip()
    if not commit:
        raise SetupError(f"仓库中找不到版本 {name} 的提交 {release_commit(name)}。")
    os.environ[AS_OF_ENV] = release_as_of(site.releases / name)
    out = Path(tempfile.mkdtemp(prefix="verify-", dir=site.work if site.work.is_dir() else None))
    try:
        build_commit_into(site, commit, out / "site", before_release=name)
        return name, tree_differences(out / "site", site.releases / name)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def rollback(web_root: Path) -> tuple[str, str]:
    site = Site(web_root=web_root.resolve(), git_dir=Path("."))
    if not site.releases.is_dir():
        raise SetupError(f"{web_root} 下没有 releases 文件夹。这是发布目录吗?")
    with publish_lock(site):
        current = current_release(site)
        older = [name for name in releases(site) if current is None or name < current]
        if not older:
            raise SetupError("没有更早的版本可以回滚(只保留最近几次发布)。网站保持不变。")
        target = older[-1]
        log_event(site, "rolled-back", release_commit(target), f"from {current} to {target}")  # logged first, as every switch
        switch_current(site, target)
    return current or "", target


# ---- command line ------------------------------------------------------------------------------

def cmd_server_setup(args) -> int:
    trust_only_real_objects()
    try:
        site = server_setup(Path(args.bare_repo), Path(args.web_root), args.keep, args.branch, args.build_command,
                            args.identity, tuple(args.admin or ()), args.build_timeout, args.max_memory_mb,
                            args.site_url or "", args.gzip_static)
        print(f"已安装发布钩子到 {site.git_dir}/hooks(pre-receive、post-receive)。")
        print(f"推送者身份取自:{IDENTITY_HELP[site.identity]}。管理员:{'、'.join(site.admins) or '(未指定)'}。")
        if not site.admins:
            print("提醒:没有用 --admin 指定管理员,在 data/owners.yml 存在之前没有人能推送。")
        print(f"推送到 {site.branch} 分支时:检查数据 → 生成网站 → 切换 {site.current}。其他分支只保存不发布。")
        print(f"网站服务器(nginx)的根目录请设为 {site.current},示例配置见 deploy/nginx.conf。")
        if site.gzip_static:
            print("--gzip-static:全站 data/items.json、items.csv 只保存压缩版(.gz);nginx 必须包含 deploy/nginx.conf "
                  "中 data/items 那一段(gzip_static always、gunzip),否则这两个文件打不开。")
        name = publish_existing(site)
        print(f"已发布 {site.branch} 当前内容:{name}" if name else f"仓库里还没有 {site.branch} 分支,第一次推送时发布。")
    except SetupError as exc:
        print(f"未完成设置:{exc}", file=sys.stderr)
        return 1
    except Refused as exc:
        print(f"钩子已安装,但 {args.branch} 当前内容无法发布:\n{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"未完成设置:无法写入 {exc.filename}:{exc.strerror}", file=sys.stderr)
        return 1
    return 0


def cmd_rollback(args) -> int:
    try:
        old, new = rollback(Path(args.web_root))
    except SetupError as exc:
        print(f"未回滚:{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"未回滚:无法操作 {exc.filename}:{exc.strerror}", file=sys.stderr)
        return 1
    print(f"已回滚:网站现在显示版本 {new}(提交 {release_commit(new)}),原版本 {old or '无'} 仍保留。")
    print("注意:仓库的 main 分支仍包含被撤下的修改,下次推送会重新发布 main 的最新内容。"
          "请先修正数据(或 git revert 那次提交)再推送。")
    return 0


def cmd_verify_release(args) -> int:
    trust_only_real_objects()
    try:
        name, differences = verify_release(Path(args.bare_repo), Path(args.web_root), args.release)
    except SetupError as exc:
        print(f"未核对:{exc}", file=sys.stderr)
        return 1
    except Refused as exc:
        print(f"未核对:重建失败:{exc}", file=sys.stderr)
        return 1
    if differences:
        print(f"版本 {name} 与从头重建的结果不一致({len(differences)} 处):", file=sys.stderr)
        for line in differences[:50]:
            print("  " + line, file=sys.stderr)
        return 1
    print(f"版本 {name} 与从头重建的结果逐字节一致。")
    return 0


IDENTITY_HELP = {
    "ssh": "OpenSSH 强制命令(disclosure staff add 登记的每把密钥对应一个账号)",
    "gitolite": "gitolite3 设置的 GL_USER",
    "gitlab": "GitLab 服务器钩子的 GL_USERNAME",
    "gitea": "Gitea/Forgejo 钩子的 GITEA_PUSHER_NAME",
}


def add_site_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", type=int, default=DEFAULT_KEEP, help=f"保留最近几个版本(默认 {DEFAULT_KEEP})")
    p.add_argument("--branch", default="main", help="发布哪个分支(默认 main)")
    p.add_argument("--build-command", help="代替 mkdocs 的生成命令,{out} 为输出目录,{python} 为 Python(测试用)")
    p.add_argument("--identity", choices=sorted(identity.MODES), default="ssh",
                   help="推送者身份从哪里来:ssh(默认,OpenSSH 强制命令)、gitolite、gitlab、gitea")
    p.add_argument("--admin", action="append", help="管理员账号(可多次指定);没有 data/owners.yml 时只有管理员能推送")
    p.add_argument("--site-url", help="网站的公开网址,如 https://xuncha.example.gov.cn/(二维码和订阅源需要完整地址;"
                                      "mkdocs.yml 已设置 site_url 时可省略)")
    p.add_argument("--build-timeout", type=int, default=BUILD_TIMEOUT, help=f"生成网站的时间上限,秒(默认 {BUILD_TIMEOUT})")
    p.add_argument("--max-memory-mb", type=int, default=MAX_MEMORY_MB, help=f"生成网站的内存上限,MB(默认 {MAX_MEMORY_MB})")
    p.add_argument("--gzip-static", action="store_true",
                   help="网站服务器按 deploy/nginx.conf 配置(gzip_static):全站 items.json/items.csv 只保存 .gz,"
                        "每个版本少占约十分之一的空间")


def register(subparsers) -> None:
    p = subparsers.add_parser("server-setup", help="在自建服务器的裸仓库上安装“推送即发布”钩子")
    p.add_argument("bare_repo", help="裸仓库路径,如 /srv/git/disclosure.git")
    p.add_argument("web_root", help="网站发布目录,如 /srv/www/disclosure(nginx 指向其中的 current)")
    add_site_options(p)
    p.set_defaults(func=cmd_server_setup)

    p = subparsers.add_parser("rollback", help="把网站切回上一次发布的版本")
    p.add_argument("web_root", help="网站发布目录(server-setup 时指定的那个)")
    p.set_defaults(func=cmd_rollback)

    p = subparsers.add_parser("verify-release", help="从头重建某个已发布版本,逐字节核对网站没有被改动")
    p.add_argument("bare_repo", help="服务器上的裸仓库")
    p.add_argument("web_root", help="网站发布目录")
    p.add_argument("--release", help="要核对的版本(releases/ 下的文件夹名;默认当前版本)")
    p.set_defaults(func=cmd_verify_release)


def hook_main(argv: list[str]) -> int:
    """Called by the hook scripts that server-setup writes; git runs them inside the bare repo."""
    args = hook_parser().parse_args(argv)
    trust_only_real_objects()
    git_dir = Path(os.environ.get("GIT_DIR", ".")).resolve()
    site = site_from_options(args, Path(args.web_root), git_dir)
    if args.hook == "finish":
        with contextlib.suppress(Exception):  # detached, nobody to tell: the next push catches up anyway
            finish(site, args.wait_pid, args.commit)
        return 0
    return run_hook(args.hook, site)


def hook_parser() -> argparse.ArgumentParser:
    """The hook scripts' arguments (hook_script writes them; site_from_hook reads them back)."""
    p = argparse.ArgumentParser(prog="disclosure-hook")
    p.add_argument("hook", choices=["pre-receive", "post-receive", "finish"])
    p.add_argument("--web-root", required=True)
    p.add_argument("--wait-pid", type=int, default=0, help=argparse.SUPPRESS)  # finish: git receive-pack
    p.add_argument("--commit", default="", help=argparse.SUPPRESS)  # finish: the commit pre-receive built
    add_site_options(p)
    return p


def site_from_options(args, web_root: Path, git_dir: Path, python: str = sys.executable) -> Site:
    return Site(web_root=web_root, git_dir=git_dir, branch=args.branch, keep=args.keep, python=python,
                build_command=args.build_command, identity=args.identity, admins=tuple(args.admin or ()),
                build_timeout=args.build_timeout, max_memory_mb=args.max_memory_mb, site_url=args.site_url or "",
                gzip_static=args.gzip_static)


if __name__ == "__main__":
    sys.exit(hook_main(sys.argv[1:]))
