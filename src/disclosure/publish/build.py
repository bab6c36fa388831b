"""Building one commit into a release: the tree (the commit's data over the trusted code, exported
from git or kept from the last build and verified), the build's environment (nothing of the hook's
a pusher could use to run code), and its bounded steps (pushcheck, validate, build: each in its own
process group, with a time and a memory bound, killed as a group whatever happens)."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import environment
from ..access import Owners
from ..buildcache import BuildCache
from ..checked import CACHE_MISMATCH
from ..layout import DATA_ROOT
from .releases import Releases, freeze_and_share, pusher_file, walk_files
from .server import TRUSTED_GIT_ENV, Pusher, Refused, Server, now, say

try:
    import resource
except ImportError:  # Windows: staff run the other `disclosure` commands there; a server is POSIX
    resource = None

# What a build may see of the hook's environment: nothing the pusher could use to run code
# (PYTHONPATH, PYTHONSTARTUP, LD_PRELOAD, GIT_* ...), only locale, paths and the site's settings.
BUILD_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", environment.AS_OF, environment.SITE_URL,
                  "SOURCE_DATE_EPOCH")
# pre-receive reads the pushed objects through these (git's quarantine); they vanish with the push
QUARANTINE_ENV = ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH")
KEPT_SOURCE_MAX_CHANGES = 2000  # more changed files than this: a fresh export is as quick
AS_OF_IN_LOG = re.compile(r"\bas-of (\d{4}-\d{2}-\d{2})\b")

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

DISK_FULL_SIGNS = ("No space left on device", "[Errno 28]", "Disk quota exceeded", "[Errno 122]")
DISK_FULL = ("服务器磁盘已满(或超出配额),网站没有任何变化,这次推送也没有保存。请联系管理员清理服务器磁盘"
             "(旧版本在发布目录 releases/ 中,可删除 .cache/),然后重新推送。")


@dataclass
class Step:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Running:
    proc: subprocess.Popen
    output: tuple[Path, Path]  # its stdout and stderr files


@dataclass(frozen=True)
class Builds:
    """How one server builds a commit: in WEB_ROOT/.work, from the tree kept in .cache, into releases/."""

    server: Server

    # ---- the tree --------------------------------------------------------------------------------

    def export_commit(self, commit: str, dest: Path, paths: list[str] | None = None,
                      exclude: str | None = None) -> None:
        """The commit's files (or only `paths`), without .git. Works inside pre-receive (objects still
        in quarantine). `exclude`: a top-level folder left out (data/ when the code comes from here):
        git is asked for the other top-level entries only, so a portal's data is not streamed past."""
        if exclude and paths is None:
            paths = list(self.top_level(commit, but=exclude))
            if not paths:
                return
        proc = subprocess.Popen(["git", f"--git-dir={self.server.git_dir}", "--literal-pathspecs", "archive",
                                 "--format=tar", commit, *(paths or [])],
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

    def top_level(self, commit: str, but: str = "") -> dict[str, str]:
        """The commit's top-level entries but the folder `but`: name -> "mode type id" (a mode change
        is a change too)."""
        out = {}
        for line in filter(None, self.server.git("ls-tree", "-z", commit).split("\0")):
            info, name = line.split("\t", 1)
            if name != but.rstrip("/"):
                out[name] = info
        return out

    def code_entries(self, commit: str) -> dict[str, str]:
        """What the code of a commit is: its top-level entries but data/."""
        return self.top_level(commit, but=DATA_ROOT)

    def export_for_build(self, commit: str, code_commit: str, dest: Path) -> None:
        """The tree to build: the code of `code_commit` (the published branch: reviewed code) and the
        data of `commit`. For an admin's push both are the pushed commit."""
        if code_commit == commit:
            self.export_commit(commit, dest)
            return
        self.export_commit(code_commit, dest, exclude=DATA_ROOT)
        if self.server.has_path(commit, DATA_ROOT.rstrip("/")):
            self.export_commit(commit, dest, paths=[DATA_ROOT.rstrip("/")])

    def kept_source(self, commit: str, code_commit: str) -> Path | None:
        """The tree a publish builds (export_for_build's), kept in the build cache between publishes:
        only the data files that changed since the last build are taken out of git again (a portal's
        data is 300 MB at 40,000 items), the code whenever its top-level trees changed. Builds are
        serialised by the publish lock. source.json names what the tree holds and is removed while it
        changes, so a tree interrupted half-way is never trusted: it is exported afresh. None: the
        cache cannot hold a tree (not writable)."""
        cache = self.server.cache
        tree, state_file = cache / "source", cache / "source.json"
        try:
            state = json.loads(state_file.read_text("utf-8"))
        except (OSError, ValueError):
            state = None
        try:
            state_file.unlink(missing_ok=True)
            if not isinstance(state, dict) or not tree.is_dir() or tree.is_symlink():
                raise ValueError("no kept tree")
            if any(self._has_gitattributes(c) for c in {commit, code_commit}):
                raise ValueError("export-ignore / export-subst: git archive's output is not per file")
            # the code's own trees, not its commit: a data push by an admin is a new commit, same code
            code = self.code_entries(code_commit)
            if state.get("code") != code:
                for entry in tree.iterdir():
                    if entry.name != DATA_ROOT.rstrip("/"):
                        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
                self.export_commit(code_commit, tree, exclude=DATA_ROOT)
            if state.get("data") != commit:
                listed = self.server.git("--literal-pathspecs", "diff-tree", "-r", "-z", "--no-renames",
                                         "--name-status", str(state["data"]), commit, "--",
                                         DATA_ROOT.rstrip("/")).split("\0")
                changes = list(zip(listed[0::2], listed[1::2]))
                if len(changes) > KEPT_SOURCE_MAX_CHANGES:
                    raise ValueError("too many changes")
                for _, path in changes:
                    _remove_kept(tree, path)
                present = [path for status, path in changes if status != "D"]
                if present:
                    self.export_commit(commit, tree, paths=present)
            wrong = self.tree_mismatches(tree, commit, code_commit)
            if wrong:  # the kept tree is verified, not trusted: a hand-edited copy is never built
                self.server.try_log("cache-mismatch", commit, f"{len(wrong)} file(s) of .cache/source differ "
                                    f"from the commit, e.g. {wrong[0]}: full build from a fresh export")
                with contextlib.suppress(OSError):
                    (cache / "manifest.json").unlink(missing_ok=True)  # nothing of the last build is reused
                raise ValueError("kept tree differs from the commit")
        except Refused:  # a file that cannot be taken out safely: refused, as a fresh export would
            shutil.rmtree(tree, ignore_errors=True)
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            shutil.rmtree(tree, ignore_errors=True)
            try:
                tree.mkdir(parents=True)
                self.export_for_build(commit, code_commit, tree)
            except OSError:  # the cache cannot hold it: build from a temporary copy (build_commit_into)
                shutil.rmtree(tree, ignore_errors=True)
                return None
        try:
            state_file.write_text(json.dumps({"code": self.code_entries(code_commit), "data": commit}), "utf-8")
        except OSError:
            pass  # the next publish exports afresh
        return tree

    def tree_mismatches(self, tree: Path, commit: str, code_commit: str) -> list[str]:
        """Paths where the kept source tree is not exactly the commits' files (data/ of `commit`, the
        rest of `code_commit`): a changed, missing or extra file. One hash per file (~0.5 s at 40,000
        items)."""
        expected: dict[str, str] = {}
        for which, data in ((commit, True), (code_commit, False)):
            for entry in filter(None, self.server.git("ls-tree", "-r", "-z", which).split("\0")):
                info, path = entry.split("\t", 1)
                if path.startswith(DATA_ROOT) == data:
                    expected[path] = info.split()[2]
        found = {rel: entry.path for rel, entry in walk_files(tree)}
        wrong = sorted(set(expected) ^ set(found))
        wrong += sorted(rel for rel in set(expected) & set(found) if blob_id(found[rel]) != expected[rel])
        return wrong

    def _has_gitattributes(self, commit: str) -> bool:
        """.gitattributes anywhere in the commit: `git archive` may then drop files (export-ignore) or
        rewrite them per commit (export-subst), so only a fresh export gives its tree."""
        names = self.server.git("ls-tree", "-r", "-z", "--name-only", commit).split("\0")
        return any(name.rsplit("/", 1)[-1] == ".gitattributes" for name in names)

    # ---- the bounded build -----------------------------------------------------------------------

    def build_env(self, source: Path, commit: str, incremental: bool = False) -> dict[str, str]:
        server = self.server
        env = {k: v for k, v in os.environ.items() if k in BUILD_ENV_KEEP}
        if incremental:  # pages whose inputs did not change are taken from the last build
            env[environment.BUILD_CACHE] = str(server.cache)
        env["PYTHONPATH"] = str(source / "src")  # the trusted tree's package, nothing else
        env["PATH"] = os.pathsep.join([str(Path(server.python).parent), env.get("PATH", "/usr/bin:/bin")])
        # gitinfo reads history of the pushed commit from the server repository (see gitinfo.py).
        env.update(GIT_DIR=str(server.git_dir), GIT_WORK_TREE=str(source), **{environment.COMMIT: commit})
        quarantine = {k: os.environ[k] for k in QUARANTINE_ENV if k in os.environ}
        env.update(quarantine)  # pre-receive: the pushed objects are readable only through these
        env.setdefault("LANG", "C.UTF-8")
        # A release is a function of its commit and its as-of date: pinning both lets verify-release
        # rebuild it byte for byte later (the build time, pinned to the commit's, is in no file today).
        env.setdefault(environment.AS_OF, now().date().isoformat())
        env[environment.PRODUCTION] = "1"  # the public site: it must know its own address (site.settings)
        if server.gzip_static:  # served by deploy/nginx.conf, which sends X.gz for X (site.settings)
            env[environment.GZIP_STATIC] = "1"
        if server.site_url:
            env[environment.SITE_URL] = server.site_url
        env.setdefault("SOURCE_DATE_EPOCH", server.git("log", "-1", "--format=%ct", commit).strip() or "0")
        env["PYTHONIOENCODING"] = "utf-8"
        env["NO_MKDOCS_2_WARNING"] = "1"  # MkDocs is pinned to 1.x: Material's 2.0 notice does not apply
        env["PYTHONNOUSERSITE"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update(TRUSTED_GIT_ENV)  # gitinfo's history too: only the objects really there
        return env

    def start_step(self, command: list[str], source: Path, env: dict, work: Path, name: str) -> Running:
        """Start one build step in its own session (process group); finish_step waits for it."""
        supervised = [self.server.python, "-P", "-s", "-c", SUPERVISOR, str(os.getpid()), *command]
        max_memory_mb = self.server.max_memory_mb
        # output to files, not pipes: two steps run at once, and one we are not reading must not block
        with open(work / f"{name}.out", "wb") as out, open(work / f"{name}.err", "wb") as err:
            proc = subprocess.Popen(supervised, cwd=source, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, start_new_session=True,
                                    preexec_fn=lambda: _limit_child(max_memory_mb))
        (work / f"pgid-{name}").write_text(str(proc.pid))  # for clean_leftovers, should this hook be killed
        return Running(proc, (work / f"{name}.out", work / f"{name}.err"))

    def finish_step(self, step: Running, deadline: float) -> Step:
        """Wait for a step: on timeout, failure or success, the whole group is killed before we
        return, so nothing it forked (the search-index child) outlives it.
        `deadline` (time.monotonic) is shared by all steps of one build: the bound is for the whole."""
        proc = step.proc
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            kill_group(proc.pid)
            proc.wait()
            raise Refused("build-timeout", f"网站生成超过 {self.server.build_timeout} 秒仍未完成,已停止。"
                          "请联系技术人员。") from None
        finally:
            kill_group(proc.pid)
        out, err = (path.read_bytes().decode("utf-8", "replace") for path in step.output)
        if proc.returncode != 0 and any(sign in out + err for sign in DISK_FULL_SIGNS):
            raise Refused("disk-full", DISK_FULL)
        if proc.returncode != 0 and ("MemoryError" in err or "Cannot allocate memory" in err or proc.returncode == 137):
            raise Refused("build-memory", f"网站生成所需内存超过上限({self.server.max_memory_mb} MB),已停止。"
                          "请联系技术人员(server-setup --max-memory-mb 可调整上限)。")
        return Step(proc.returncode, out, err)

    def python_command(self, *args: str) -> list[str]:
        return [self.server.python, "-P", "-s", *args]  # -P: the build folder itself is not on sys.path

    def validate_command(self) -> list[str]:
        return self.python_command("-m", "disclosure.cli", "validate", "data")

    def build_command(self, out: Path, env: dict) -> list[str]:
        if self.server.build_command:
            return [part.replace("{out}", str(out)).replace("{python}", self.server.python)
                    for part in shlex.split(self.server.build_command)]
        # --dirty: into an empty folder, MkDocs then writes every page except those the hook marks as
        # unmodified (inputs unchanged, linked from the build cache afterwards); without a cache, all
        dirty = ["--dirty"] if environment.BUILD_CACHE in env else []
        return self.python_command("-m", "mkdocs", "build", "--strict", *dirty, "--site-dir", str(out))

    def pushcheck_command(self, old: str, new: str, pusher: Pusher, owners: Owners | None, work: Path) -> list[str]:
        """The push's data rules (pushcheck.py), run with the administrator's installed package (as the
        hooks are), not the pushed tree's: the rules a push is held to are not the push's to change.
        owners: those the hook decided the push by (PushChecks.check), handed over in a file in the
        work folder; None only when a caller has none: then only the server-setup admins (fails closed)."""
        owners = owners if owners is not None else Owners.parse(None, self.server.admins)
        (work / "owners.json").write_text(json.dumps(owners.as_data(), ensure_ascii=False), "utf-8")
        # the publish day is the server's clock, not the as-of date (which a test or a rebuild may pin)
        args = [old, new, pusher.account, "--today", now().date().isoformat(), "--owners", str(work / "owners.json")]
        args += ["--admin"] if pusher.admin else []
        return shlex.split(self.server.installed_command("disclosure.pushcheck.main", *args))

    def publish_days(self, before_release: str | None = None) -> str:
        """The server's own publish days, for the build's dates (gitinfo: a commit's date is the day
        of the first publish that contained it): "<commit>\t<day>" per publish in publish.log, oldest
        first, up to (not including) `before_release` when a release is rebuilt. The day is the as-of
        date the release was built with (the build day: the date the site showed it as of), else the
        log line's date."""
        log = self.server.web_root / "publish.log"
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

    def build_commit_into(self, commit: str, out: Path, code_commit: str | None = None,
                          incremental: bool = False, push: tuple[str, Pusher, Owners | None] | None = None,
                          before_release: str | None = None) -> str:
        """Export, validate and build `commit` (its data, `code_commit`'s code) into `out`; incremental:
        reuse unchanged pages from the build cache (a publish; verify-release builds from scratch).
        Returns validator warnings. Raises Refused. The work copy is removed on every path."""
        server = self.server
        server.work.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=server.work))
        try:
            deadline = time.monotonic() + server.build_timeout
            source = self.kept_source(commit, code_commit or commit) if incremental else None
            if source is None:
                source = work / "source"
                source.mkdir()
                self.export_for_build(commit, code_commit or commit, source)
            env = self.build_env(source, commit, incremental)
            (work / "published.tsv").write_text(self.publish_days(before_release), "utf-8")
            env[environment.PUBLISHED] = str(work / "published.tsv")
            # The checks and the build run side by side (the build loads and checks the same files, so
            # it cannot get further on bad data); the checks' answers come first: a push against the
            # rules or bad data is refused with its message, and the build is stopped.
            steps: list[Running] = []
            try:
                if push is not None:
                    steps.append(self.start_step(self.pushcheck_command(push[0], commit, push[1], push[2], work),
                                                 source, env, work, "pushcheck"))
                steps.append(self.start_step(self.validate_command(), source, env, work, "validate"))
                steps.append(self.start_step(self.build_command(out, env), source, env, work, "build"))
                if push is not None:
                    pushcheck_result(self.finish_step(steps[0], deadline))
                checked = self.finish_step(steps[-2], deadline)
                warnings = validation_result(checked)
                built = self.finish_step(steps[-1], deadline)
                build_result(built, out)
                if any(CACHE_MISMATCH in done.stderr for done in (checked, built)):
                    server.try_log("cache-mismatch", commit, "a checked-file record of .cache/checked differs "
                                   "from its hash: every data file was checked afresh")
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

    def stage(self, commit: str, code_commit: str | None = None, pusher: Pusher | None = None,
              old: str | None = None, owners: Owners | None = None) -> Path:
        """Build `commit` into releases/.pending-<commit>-<pid>; nothing visible changes. Raises Refused.
        It is built as .building-<commit>-<pid> and renamed when complete, so a half build is never
        mistaken for a pending release."""
        server = self.server
        server.releases.mkdir(parents=True, exist_ok=True)
        building = server.releases / f".building-{commit}-{os.getpid()}"
        pending = server.releases / f".pending-{commit}-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        shutil.rmtree(pending, ignore_errors=True)
        try:
            warnings = self.build_commit_into(commit, building, code_commit, incremental=True,
                                              push=(old, pusher, owners) if old is not None and pusher is not None
                                              else None)
            current = Releases(server).current()
            freeze_and_share(building, server.releases / current if current else None)
            counts = BuildCache(server.cache).last_build()
            if counts.get("reused"):
                say(f"(增量生成:{counts['reused']} 个页面内容未变、直接沿用,重新生成 {counts['rendered']} 个。)")
            if pusher:  # who staged it, for the log line should post-receive never run (client hung up)
                pusher_file(pending).write_text("\t".join(pusher.log_names()), "utf-8")
            os.rename(building, pending)
            with contextlib.suppress(OSError):  # the cache only saves work (Releases.adopt_into_cache)
                BuildCache(server.cache).moved(building, pending)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        if warnings:
            say(warnings)
        return pending

    def clean_leftovers(self) -> None:
        """What a hook killed mid-build left: its build's processes, its work copy, its half-built
        release. Each carries the hook's pid in its name; a live hook's are left alone."""
        if self.server.work.is_dir():
            for folder in self.server.work.iterdir():
                pid = int(folder.name.split("-")[0]) if folder.name.split("-")[0].isdigit() else 0
                if pid and alive(pid):
                    continue
                for pgid in folder.glob("pgid-*"):
                    with contextlib.suppress(OSError, ValueError):
                        kill_group(int(pgid.read_text()))
                shutil.rmtree(folder, ignore_errors=True)
        for building in self.server.releases.glob(".building-*"):
            pid = building.name.rsplit("-", 1)[-1]
            if not (pid.isdigit() and alive(int(pid))):
                shutil.rmtree(building, ignore_errors=True)


# ---- the steps' answers --------------------------------------------------------------------------

def validation_result(done: Step) -> str:
    if done.returncode != 0:
        reason = done.stderr.strip() or done.stdout.strip()
        if not reason:  # killed, or died before it could say why: never "数据检查未通过:" and nothing
            raise Refused("check-failed", f"数据检查程序意外退出(返回码 {done.returncode}),没有给出原因。"
                          "网站没有变化。请稍后重新推送;仍然出现请联系技术人员。")
        if "Traceback (most recent call last)" in reason:  # the checker itself broke: a program fault, not bad data
            raise Refused("check-failed", "数据检查程序出错(不是数据的问题),网站没有变化。请把下面这行发给技术人员:\n"
                          + build_output_summary(reason, lines=1))
        raise Refused("invalid", "数据检查未通过:\n" + reason)
    return done.stderr.strip()  # consistency warnings: shown, not fatal


def build_output_summary(output: str, lines: int = 30) -> str:
    """mkdocs logs everything; the WARNING/ERROR lines are what explains a failure."""
    all_lines = [line for line in output.splitlines() if line.strip()]
    all_lines = [line for line in all_lines if not line.startswith(("Traceback", "  File ", "    "))]
    important = [line for line in all_lines if "WARNING" in line or "ERROR" in line or "Error" in line]
    chosen = important[-lines:] or all_lines[-lines:]
    return "\n".join(chosen)


def build_result(done: Step, out: Path) -> None:
    if done.returncode != 0 or not (out / "index.html").is_file():
        summary = build_output_summary(done.stdout + "\n" + done.stderr)
        raise Refused("build-failed", "网站生成失败(数据格式没有问题,但生成网页时出错)。生成程序的提示:\n" + summary)


def pushcheck_result(done: Step) -> None:
    if done.returncode != 0:
        detail = done.stderr.strip() or done.stdout.strip()
        if not detail.startswith("data/"):  # not the rules' answer: the check itself failed
            raise Refused("check-failed", "推送内容检查程序出错:\n" + build_output_summary(detail))
        raise Refused("history", "推送的数据不符合发布规则(已公开的内容只能追加;更正和撤下只能由管理员操作;"
                      "日期不能晚于发布当天;只能接续自己负责的通报):\n" + detail)


# ---- small helpers -------------------------------------------------------------------------------

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


def blob_id(path: str) -> str:
    """The git blob id of a file's bytes (what `git ls-tree` lists for it)."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        data = f.read()
    h.update(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def _limit_child(max_memory_mb: int) -> None:
    """Runs in the build process before exec: bounded memory (the death with the hook is SUPERVISOR's)."""
    limit = max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def alive(pid: int) -> bool:
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
