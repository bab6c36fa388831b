"""The program a publishing server runs: a self-contained copy of this package with its own Python
environment, under WEB_ROOT/program. The hooks, the staff keys' forced command and every build run
that copy, so the checkout `server-setup` or `server-upgrade` was run from can be moved, updated or
deleted afterwards.

    WEB_ROOT/program/
      current -> <copy>          what the hooks run; switched by renaming a symlink over it (os.replace)
      previous -> <copy>         the copy before it, kept: `server-upgrade --rollback` switches back
      <version>-<hash>/          one installed copy, never changed after it is complete:
          src/disclosure/ …        the package, copied from the installing checkout (compiled)
          venv -> ../envs/<env>    its Python environment
          bin/disclosure           the `disclosure` command of this copy (admins: staff, rollback …)
          INSTALLED                what it is: version, commit, environment, when
      envs/py3.11-<hash>/        `python -m venv` + the pinned requirements (requirements-server.txt at
                                 the versions the installing checkout has) installed by pip --no-index
                                 from the checkout's wheelhouse; shared by copies with the same pins
                                 (an upgrade that changes no dependency costs seconds, not a minute)
      .installing-*              a copy being made: never pointed at; removed by the next install

A copy is made beside the others under a temporary name, checked (its own interpreter imports the
package, MkDocs and the theme), renamed into place, and only then is `current` switched: a failed or
interrupted install never changes what runs. The wheelhouse (.venv/wheelhouse of the checkout) is
filled by `pip wheel` from the index pip is configured with the first time it is needed; after that,
installing needs no network. The <hash> names the package's files and the environment, so
installing the same checkout twice changes nothing.

Several sites on one machine (and the test suite, whose every publishing server would otherwise
make a 170 MB environment) may share their environments: with DISCLOSURE_PROGRAM_ENVS set,
environments are made in and linked (absolutely) from that folder, and never deleted by a prune,
as another server may use them."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .. import environment
from .server import PACKAGE_PARENT, SetupError, entry_code, now, program_python

try:
    import fcntl
except ImportError:  # Windows: no server there (server-setup refuses first)
    fcntl = None

PROGRAM = "program"  # WEB_ROOT/program
CURRENT, PREVIOUS, ENVS = "current", "previous", "envs"
INSTALLED = "INSTALLED"  # in a complete copy
COMPLETE = ".complete"  # in a complete environment
INSTALLING = ".installing-"
PACKAGES = ("disclosure", "disclosure_mkdocs")  # what a copy holds (pyproject's packages)
REQUIREMENTS = "requirements-server.txt"  # in the checkout: the runtime pins
WHEELHOUSE = "wheelhouse"  # in the checkout's environment (sys.prefix): the wheels of those pins
# What a copy must import with its own interpreter before it may run anything (the hooks, the
# checks, the forced command, a build through MkDocs and the theme).
SMOKE_IMPORTS = ("disclosure.cli", "disclosure.publish.hooks", "disclosure.pushcheck", "disclosure_mkdocs.hook",
                 "mkdocs.commands.build", "material", "yaml", "jsonschema", "lxml.etree")


def program_root(web_root: Path) -> Path:
    return Path(web_root) / PROGRAM


def current_link(web_root: Path) -> Path:
    """What the hooks name: WEB_ROOT/program/current (resolved when a hook starts: server.pinned_program)."""
    return program_root(web_root) / CURRENT


def entry_command(copy: Path | str, entry: str, *args: str) -> list[str]:
    """The command running `entry` (module.function) of a copy with its own interpreter: -P (the
    working folder is not on the path), -s (no user site-packages), the copy's src/ first."""
    return [program_python(copy), "-P", "-s", "-c", entry_code(entry), str(Path(copy) / "src"), *args]


@dataclass
class Installed:
    name: str  # the copy's folder under WEB_ROOT/program
    already: bool  # this very copy was installed before: nothing was made
    env: str  # its environment's folder under envs/
    env_made: bool  # the environment was made now (else shared with an earlier copy)
    seconds: float
    from_installed: bool = False  # the command ran from this installed copy itself (no checkout)


@dataclass(frozen=True)
class Program:
    """The installed copies of one server (WEB_ROOT/program)."""

    root: Path

    @classmethod
    def of(cls, web_root: Path) -> Program:
        return cls(program_root(web_root))

    @property
    def shared_envs(self) -> Path | None:
        """The folder of environments shared with other servers (DISCLOSURE_PROGRAM_ENVS), if set."""
        folder = os.environ.get(environment.PROGRAM_ENVS)
        return Path(folder).resolve() if folder else None

    @property
    def envs(self) -> Path:
        return self.shared_envs or self.root / ENVS

    # ---- what is installed -------------------------------------------------------------------------

    def link(self, name: str) -> str | None:
        try:
            return os.readlink(self.root / name)
        except OSError:
            return None

    def current(self) -> str | None:
        return self.link(CURRENT)

    def previous(self) -> str | None:
        return self.link(PREVIOUS)

    def copies(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and not p.is_symlink() and not p.name.startswith(".") and p.name != ENVS
                      and (p / INSTALLED).is_file())

    def describe(self, name: str | None) -> str:
        """"0.1.0-3f2a…(提交 abc123,安装于 …)" for messages."""
        if not name:
            return "无"
        try:
            info = json.loads((self.root / name / INSTALLED).read_text("utf-8"))
        except (OSError, ValueError):
            return name
        facts = [f"提交 {info['commit'][:12]}" + (",有未提交的修改" if info.get("dirty") else "")] if info.get("commit") else []
        facts.append(f"安装于 {str(info.get('installed', '?'))[:19].replace('T', ' ')}")
        return f"{name}({';'.join(facts)})"

    @contextlib.contextmanager
    def lock(self):
        """One install, switch or rollback at a time (WEB_ROOT/program/.lock)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a") as handle:
            if fcntl:
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    # ---- installing a copy of the running package ----------------------------------------------------

    def install(self, report=print) -> Installed:
        """Install a copy of the package this process runs (from its checkout) beside the others,
        complete and checked; `current` is not touched (switch). Raises SetupError (Chinese)."""
        started = time.monotonic()
        source = Checkout.running()
        if source.installed:
            return self.running_copy(source, started)
        with self.lock():
            self.clean_leftovers()
            pins = source.pins(report)
            env = f"py{sys.version_info.major}.{sys.version_info.minor}-{digest(pins, base_python())[:12]}"
            name = f"{source.version()}-{digest(source.package_digest(), env)[:12]}"
            if (self.root / name / INSTALLED).is_file() and (self.envs / env / COMPLETE).is_file():
                problem = check_copy(self.root / name)
                if not problem:
                    return Installed(name, True, env, False, time.monotonic() - started)
                report(f"已安装的 {name} 不完整({problem}),重新安装。")
                shutil.rmtree(self.root / name, ignore_errors=True)
            env_made = self.make_env(env, pins, source, report)
            self.make_copy(name, env, source)
            return Installed(name, False, env, env_made, time.monotonic() - started)

    def running_copy(self, source: Checkout, started: float) -> Installed:
        """The command runs from an installed copy (its bin/disclosure): server-setup again with other
        options, or a repository restored from a backup, needs no checkout, when that copy is this
        server's. A copy of it elsewhere is not made (its wheels are not here)."""
        copy = source.folder
        if copy.parent.resolve() != self.root.resolve():
            raise SetupError(f"这是 {copy.parent} 下安装的程序,不能用它为另一个发布目录安装程序。请在项目目录(git clone "
                             "后运行 make install)中用 .venv/bin/disclosure 运行此命令。")
        try:
            env = os.readlink(copy / "venv").rsplit("/", 1)[-1]
        except OSError:
            env = "?"
        return Installed(copy.name, True, env, False, time.monotonic() - started, from_installed=True)

    def make_env(self, env: str, pins: str, source: Checkout, report) -> bool:
        """envs/<env>: a venv with exactly `pins`, from the wheelhouse, no index. Made in place (a
        venv cannot be moved) and marked complete last; a folder without the mark is made again."""
        folder = self.envs / env
        if (folder / COMPLETE).is_file():
            return False
        report(f"正在创建发布程序的 Python 环境 {ENVS}/{env}(约一分钟,之后同样依赖的升级不再需要)……")
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock = folder.parent / f"{env}.requirements.txt"
        lock.write_text(pins, "utf-8")
        try:
            run([base_python(), "-m", "venv", "--without-pip", str(folder)], "创建 Python 环境")
            run([sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check", "--python",
                 str(folder / "bin" / "python"), "install", "--quiet", "--no-index", "--find-links",
                 str(source.wheelhouse), "--only-binary", ":all:", "--no-deps", "--no-compile", "-r", str(lock)],
                "安装依赖包")
            # compiled once here: a build runs with PYTHONDONTWRITEBYTECODE and would compile MkDocs each time
            run([str(folder / "bin" / "python"), "-m", "compileall", "-q", "-j", "0", str(site_packages(folder))],
                "编译依赖包")
            os.replace(lock, folder / "requirements.lock")
            (folder / COMPLETE).write_text(now().isoformat(timespec="seconds") + "\n", "utf-8")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            lock.unlink(missing_ok=True)
            raise
        return True

    def make_copy(self, name: str, env: str, source: Checkout) -> None:
        """<name>/: the package, a link to its environment, its command; made as .installing-…, checked
        with its own interpreter, then renamed into place."""
        final = self.root / name
        temp = Path(tempfile.mkdtemp(prefix=f"{INSTALLING}{name}-{os.getpid()}-", dir=self.root))
        try:
            for package in PACKAGES:
                shutil.copytree(source.src / package, temp / "src" / package,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
            # relative: the copy names its own folder only (a shared environment: where it is)
            os.symlink(self.shared_envs / env if self.shared_envs else Path("..") / ENVS / env, temp / "venv")
            run([program_python(temp), "-m", "compileall", "-q", "-d", str(final / "src"), str(temp / "src")],
                "编译程序")
            (temp / "bin").mkdir()
            command = temp / "bin" / "disclosure"
            command.write_text("#!/bin/sh\n# `disclosure`, as installed by server-setup / server-upgrade in this folder.\n"
                               f"exec {shlex.join(entry_command(final, 'disclosure.cli.main'))} \"$@\"\n", "utf-8")
            command.chmod(0o755)
            problem = check_copy(temp)
            if problem:
                raise SetupError(f"新安装的程序无法运行({problem}),没有启用,服务器仍使用原来的程序。"
                                 "请把这段信息发给技术人员。")
            info = {"version": source.version(), "name": name, "env": env, "commit": source.commit(),
                    "dirty": source.dirty(), "python": base_python(), "installed": now().isoformat(timespec="seconds")}
            (temp / INSTALLED).write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", "utf-8")
            temp.chmod(0o755)  # mkdtemp made it private; the web server's user never reads it, git's does
            if final.exists():  # a copy of this name without INSTALLED: an interrupted install
                shutil.rmtree(final)
            os.rename(temp, final)
        finally:
            shutil.rmtree(temp, ignore_errors=True)

    # ---- switching -------------------------------------------------------------------------------

    def switch(self, name: str) -> str | None:
        """`current` -> name (and `previous` -> what current was), each by renaming a new symlink over
        the old one: a hook starting now runs the old copy or the new one, never a mix. Returns the
        copy that was current."""
        if not (self.root / name / INSTALLED).is_file():
            raise SetupError(f"{self.root / name} 不是完整安装的程序,不能启用。")
        old = self.current()
        if old and old != name:
            self._point(PREVIOUS, old)
        self._point(CURRENT, name)
        return old

    def rollback(self) -> tuple[str, str]:
        """`current` back to `previous`, and `previous` to what was current (a second rollback
        undoes the first). Returns (was current, now current)."""
        old, back = self.current(), self.previous()
        if not back or not (self.root / back / INSTALLED).is_file():
            raise SetupError("没有可以退回的上一版本程序(只有升级过一次之后才有)。服务器程序保持不变。")
        if problem := check_copy(self.root / back):
            raise SetupError(f"上一版本程序 {back} 无法运行({problem}),没有退回。")
        self._point(CURRENT, back)
        if old:
            self._point(PREVIOUS, old)
        return old or "", back

    def _point(self, link: str, name: str) -> None:
        temp = self.root / f".{link}.tmp-{os.getpid()}"
        temp.unlink(missing_ok=True)
        os.symlink(name, temp)  # relative: WEB_ROOT may be moved or mounted elsewhere
        try:
            os.replace(temp, self.root / link)
        except OSError:
            temp.unlink(missing_ok=True)
            raise

    def prune(self) -> list[str]:
        """Copies other than current and previous, and environments no kept copy uses, are deleted.
        Returns the names deleted."""
        keep = {self.current(), self.previous()} - {None}
        gone = []
        for name in self.copies():
            if name not in keep:
                shutil.rmtree(self.root / name, ignore_errors=True)
                gone.append(name)
        used = {os.readlink(self.root / name / "venv").rsplit("/", 1)[-1] for name in keep
                if (self.root / name / "venv").is_symlink()}
        envs = self.root / ENVS  # never the shared folder: other servers' copies use it
        if envs.is_dir():
            for env in envs.iterdir():
                if env.is_dir() and env.name not in used:
                    shutil.rmtree(env, ignore_errors=True)
                    gone.append(f"{ENVS}/{env.name}")
        return gone

    def clean_leftovers(self) -> None:
        """What an interrupted install left: .installing-* copies (their process is gone: we hold the
        lock), temporary links, environments never completed that nothing uses."""
        if not self.root.is_dir():
            return
        for path in self.root.iterdir():
            if path.name.startswith((INSTALLING, f".{CURRENT}.tmp-", f".{PREVIOUS}.tmp-")):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


# ---- the checkout a copy is installed from ----------------------------------------------------------

@dataclass(frozen=True)
class Checkout:
    """The project folder this process runs from (git clone + make install): its src/, its pins,
    and its environment's wheelhouse."""

    folder: Path
    src: Path
    wheelhouse: Path
    installed: bool = False  # an installed copy (program/<copy>), not a checkout

    @classmethod
    def running(cls) -> Checkout:
        src = PACKAGE_PARENT
        folder = src.parent
        if (folder / INSTALLED).is_file():
            return cls(folder, src, Path(), installed=True)
        if not (folder / REQUIREMENTS).is_file() or not all((src / p / "__init__.py").is_file() for p in PACKAGES):
            raise SetupError(f"找不到项目文件({folder / REQUIREMENTS})。请在项目目录(git clone 得到的文件夹,"
                             "已运行 make install)中用 .venv/bin/disclosure 运行此命令。")
        return cls(folder, src, Path(sys.prefix) / WHEELHOUSE)

    def version(self) -> str:
        try:
            return str(tomllib.loads((self.folder / "pyproject.toml").read_text("utf-8"))["project"]["version"])
        except (OSError, ValueError, KeyError):
            return "0"

    def commit(self) -> str:
        done = subprocess.run(["git", "-C", str(self.folder), "rev-parse", "--verify", "--quiet", "HEAD"],
                              capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    def dirty(self) -> bool:
        done = subprocess.run(["git", "-C", str(self.folder), "status", "--porcelain", "--", "src", REQUIREMENTS],
                              capture_output=True, text=True)
        return done.returncode == 0 and bool(done.stdout.strip())

    def package_digest(self) -> str:
        """The package files a copy holds (their paths and bytes)."""
        h = hashlib.sha256()
        for package in PACKAGES:
            for path in sorted((self.src / package).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    h.update(str(path.relative_to(self.src)).encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()

    def pins(self, report) -> str:
        """Every distribution the server's environment needs, `name==version` a line: the runtime
        requirements resolved by pip against the wheelhouse alone (--no-index), every version held
        to the one this checkout's environment has (what its tests ran with). A wheelhouse that
        lacks one is filled first (`pip wheel`, from the index pip is configured with)."""
        constraints = installed_versions()
        with tempfile.TemporaryDirectory(prefix="disclosure-pins-") as temp:
            constraint_file = Path(temp) / "constraints.txt"
            constraint_file.write_text(constraints, "utf-8")
            report_file = Path(temp) / "report.json"
            resolve = [sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check", "install", "--dry-run",
                       "--ignore-installed", "--quiet", "--report", str(report_file), "--no-index", "--find-links",
                       str(self.wheelhouse), "--only-binary", ":all:", "-r", str(self.folder / REQUIREMENTS),
                       "-c", str(constraint_file)]
            done = subprocess.run(resolve, capture_output=True, text=True)
            if done.returncode != 0:
                report(f"正在准备依赖包到 {self.wheelhouse}(需要访问 PyPI 或 pip 配置的镜像,只需一次)……")
                self.wheelhouse.mkdir(parents=True, exist_ok=True)
                run([sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--quiet", "--wheel-dir",
                     str(self.wheelhouse), "-r", str(self.folder / REQUIREMENTS), "-c", str(constraint_file)],
                    "下载依赖包", advice="请确认这台服务器能访问 PyPI(或在 pip 配置中设置单位内部的镜像)后重试。")
                run(resolve, "核对依赖包")
            try:
                chosen = json.loads(report_file.read_text("utf-8"))["install"]
            except (OSError, ValueError, KeyError) as exc:
                raise SetupError(f"无法读取 pip 的安装清单({exc})。请把这段信息发给技术人员。") from None
        return "".join(sorted(f"{item['metadata']['name']}=={item['metadata']['version']}\n" for item in chosen))


def installed_versions() -> str:
    """`name==version` of every distribution of the running environment but this project itself."""
    seen: dict[str, str] = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").strip()
        if name and canonical(name) != "disclosure":
            seen.setdefault(canonical(name), f"{name}=={dist.version}")
    return "".join(line + "\n" for line in sorted(seen.values()))


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def base_python() -> str:
    """The interpreter the checkout's venv was made from (a new venv is made from it, not from the venv)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def site_packages(env: Path) -> Path:
    return env / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def check_copy(copy: Path) -> str:
    """"" when the copy's own interpreter imports everything it runs; else what failed (one line)."""
    code = (f"import importlib, sys; sys.path.insert(0, {str(copy / 'src')!r})\n"
            "for name in sys.argv[1:]:\n    importlib.import_module(name)\n")
    try:
        done = subprocess.run([program_python(copy), "-P", "-s", "-c", code, *SMOKE_IMPORTS],
                              capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        return lines[-1] if lines else f"返回码 {done.returncode}"
    return ""


def run(command: list[str], what: str, advice: str = "请把这段信息发给技术人员。") -> None:
    """One step of an install; on failure a SetupError naming the step and pip's (or Python's) last
    lines, nothing else."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env)
    except OSError as exc:
        raise SetupError(f"{what}失败:{exc.strerror or exc}。{advice}") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr + "\n" + done.stdout).splitlines() if line.strip()]
        detail = "\n".join("  " + line for line in lines[-4:])
        raise SetupError(f"{what}失败,服务器上的程序没有改变。{advice}\n提示:\n{detail}")
