"""The Server: where one published site lives (WEB_ROOT, the bare repository), how it is built (the
settings server-setup wrote into the hooks), and what every part of the publish shares: git
plumbing, publish.log, the publish lock. Also the two errors of the publish and who is pushing."""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import identity
from ..pushcheck import read_blobs

try:
    import fcntl
except ImportError:  # Windows: staff run the other `disclosure` commands there; a server is POSIX
    fcntl = None

ZERO = "0" * 40
HOOK_MARK = "managed by `disclosure server-setup`"
DEFAULT_KEEP = 5
BUILD_TIMEOUT = 20 * 60  # seconds; a stuck build must not hold the lock forever
MAX_MEMORY_MB = 8192  # address space of the build; a 40,000-item build needs about a third of it
# Git can read an object as another: a replace ref (refs/replace/<id>, which a push can create) or a
# graft. Every git command the server runs (checks, export, history, build, verify-release) reads
# only the objects really there: set in the hook's own environment, the build's, and (server-setup)
# core.useReplaceRefs=false in the repository. Pushes to refs/replace/ are refused as well.
TRUSTED_GIT_ENV = {"GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.devnull}
RULE = "=" * 60
PACKAGE_PARENT = Path(__file__).resolve().parents[2]  # the folder holding the installed `disclosure`


class Refused(Exception):
    """The pushed commit cannot be published; the message (Chinese) is shown to the pusher."""

    def __init__(self, result: str, message: str):
        super().__init__(message)
        self.result = result  # short English code for publish.log: invalid / build-failed / ...


class SetupError(Exception):
    """A mistake in how an administrator called server-setup, rollback or verify-release."""


@dataclass(frozen=True)
class Server:
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
    # The installed copy of the program (program.py) the hooks run: WEB_ROOT/program/current in the hook
    # scripts, one copy (pinned_program) inside a hook. "": the package this process runs, as it lies.
    program: str = ""

    @classmethod
    def from_options(cls, args: argparse.Namespace, web_root: Path, git_dir: Path,
                     python: str = sys.executable) -> Server:
        """The server of parsed add_server_options options (server-setup's, or a hook script's). A hook
        script names the program as WEB_ROOT/program/current: the copy that is current now is used for
        the whole push (its checks, builds and finisher), even if an upgrade switches meanwhile."""
        program = pinned_program(getattr(args, "program", "") or "")
        return cls(web_root=web_root, git_dir=git_dir, branch=args.branch, keep=args.keep,
                   python=program_python(program) if program else python,
                   build_command=args.build_command, identity=args.identity, admins=tuple(args.admin or ()),
                   build_timeout=args.build_timeout, max_memory_mb=args.max_memory_mb, site_url=args.site_url or "",
                   gzip_static=args.gzip_static, program=program)

    def options(self) -> list[str]:
        """The settings as the options from_options reads back (written into the hook scripts)."""
        args = ["--web-root", str(self.web_root), "--keep", str(self.keep), "--branch", self.branch,
                "--identity", self.identity, "--build-timeout", str(self.build_timeout),
                "--max-memory-mb", str(self.max_memory_mb)]
        for admin in self.admins:
            args += ["--admin", admin]
        if self.site_url:
            args += ["--site-url", self.site_url]
        if self.build_command:
            args += ["--build-command", self.build_command]
        if self.gzip_static:
            args.append("--gzip-static")
        if self.program:
            args += ["--program", self.program]
        return args

    # ---- paths ---------------------------------------------------------------------------------

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

    def installed_command(self, entry: str, *args: str) -> str:
        """A shell line running `entry` of the package the administrator installed (never a pushed copy):
        the server's installed program (its own interpreter and package), or without one this process's."""
        package = str(Path(self.program) / "src") if self.program else str(PACKAGE_PARENT)
        command = [self.python, "-P", "-s", "-c", entry_code(entry), package, *args]
        return " ".join(shlex.quote(part) for part in command)

    # ---- git -----------------------------------------------------------------------------------

    def git(self, *args: str) -> str:
        # surrogateescape: a path that is not UTF-8 reaches the checks (and is refused) instead of crashing
        done = subprocess.run(["git", f"--git-dir={self.git_dir}", *args], capture_output=True, text=True,
                              encoding="utf-8", errors="surrogateescape")
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} 失败:{done.stderr.strip()}")
        return done.stdout.strip()

    def branch_tip(self) -> str:
        """The commit the published branch points at, or "" before its first push."""
        done = subprocess.run(["git", f"--git-dir={self.git_dir}", "rev-parse", "--verify", "--quiet", self.ref],
                              capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    def is_ancestor(self, old: str, new: str) -> bool:
        return subprocess.run(["git", f"--git-dir={self.git_dir}", "merge-base", "--is-ancestor", old, new],
                              capture_output=True).returncode == 0

    def commit_author(self, commit: str) -> str:
        try:
            return self.git("log", "-1", "--format=%an <%ae>", commit)
        except RuntimeError:
            return ""

    def has_path(self, commit: str, path: str) -> bool:
        return subprocess.run(["git", f"--git-dir={self.git_dir}", "cat-file", "-e", f"{commit}:{path}"],
                              capture_output=True).returncode == 0

    def read_blobs(self, specs: list[str]) -> dict[str, bytes | None]:
        """`<commit>:<path>` -> bytes (None if missing), all through one `git cat-file --batch`."""
        return read_blobs(specs, self.git_dir)

    # ---- publish.log and the lock --------------------------------------------------------------

    def log_event(self, result: str, commit: str, detail: str, pusher: Pusher | None = None) -> None:
        """publish.log: tab-separated, one line per event, so `grep`/`tail` answer "who published what":
        time, result, commit, authenticated account, commit author when different, detail.
        Written and fsynced before anything it reports becomes visible; raises OSError if it cannot be."""
        account, author = pusher.log_names() if pusher else (identity.unix_account(), "-")
        fields = [now().isoformat(timespec="seconds"), result, commit[:12] or "-", account, author,
                  " ".join(detail.split())[:300]]
        fields = [log_field(f) for f in fields]
        with open(self.web_root / "publish.log", "a", encoding="utf-8") as log:
            log.write("\t".join(fields) + "\n")
            log.flush()
            os.fsync(log.fileno())

    def try_log(self, result: str, commit: str, detail: str, pusher: Pusher | None = None) -> None:
        """For refusals: the push is refused either way, so a full disk must not hide the reason."""
        try:
            self.log_event(result, commit, detail, pusher)
        except OSError:
            pass

    @contextlib.contextmanager
    def lock(self):
        """.publish.lock (fcntl.flock): one build / switch at a time."""
        with open(self.web_root / ".publish.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                say("另一次发布正在进行,请稍候……")
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Pusher:
    """Who is pushing (from authentication) and the commit author (from the commit: anyone can set it)."""

    account: str
    author: str = ""
    admin: bool = False

    def log_names(self) -> tuple[str, str]:
        author = self.author if self.author and self.account not in self.author else "-"
        return self.account, author


def add_server_options(p: argparse.ArgumentParser) -> None:
    """The settings as command-line options: server-setup's, and the hook scripts' (Server.options)."""
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


# ---- small helpers -----------------------------------------------------------------------------

def entry_code(entry: str) -> str:
    """`python -c` code running module.function with argv[2:], after putting argv[1] (the package's
    folder) first on the path."""
    module, function = entry.rsplit(".", 1)
    return (f"import sys; sys.path.insert(0, sys.argv.pop(1)); "
            f"from {module} import {function}; sys.exit({function}(sys.argv[1:]))")


def program_python(program: str) -> str:
    """The interpreter of an installed copy (program.py): its venv's, by the copy's own path."""
    return str(Path(program) / "venv" / "bin" / "python")


def pinned_program(program: str) -> str:
    """WEB_ROOT/program/current as the copy it points at now (one symlink step: program/<copy>)."""
    path = Path(program)
    try:
        return str(path.parent / os.readlink(path)) if program and path.is_symlink() else program
    except OSError:
        return program


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


def log_field(text: str) -> str:
    """One field of publish.log: a tab, newline or other control character (an author's name is
    the pusher's to choose) is written as an escape, so every line has exactly six fields."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text) or "-"
