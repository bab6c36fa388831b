"""Publishing by `git push` to a self-hosted server: refuse, or publish a complete site atomically.

Layout of WEB_ROOT (nginx serves WEB_ROOT/current):
    current -> releases/<time>-<commit>   symlink, switched with os.replace (atomic rename)
    releases/<time>-<commit>/             one complete built site per publish, newest N kept
    releases/.pending-<commit>-<pid>/     built by pre-receive, waiting for git to move the branch
    publish.log                           one line per event: time, result, commit, who, detail
    .publish.lock                         fcntl.flock: one build / switch at a time

Why two hooks: pre-receive validates and builds the pushed commit and refuses the push on any
problem, so a refused push changes nothing. It must not switch the site, because git can still
fail to move the branch afterwards (a concurrent push won the race). post-receive runs only for
refs git really updated; under the lock it publishes the build of whatever main points at *now*,
so racing pushes can never leave the site showing an older commit than main.

The project is built from the pushed commit itself (git archive into a temp folder, its own
src/ first on PYTHONPATH) with the Python environment that ran `server-setup`.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from .gitinfo import COMMIT_ENV

ZERO = "0" * 40
HOOK_MARK = "managed by `disclosure server-setup`"
DEFAULT_KEEP = 5
BUILD_TIMEOUT = 20 * 60  # seconds; a stuck build must not hold the lock forever
PENDING_MAX_AGE = 60 * 60  # a pending build older than this lost its race; delete it
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

    @property
    def releases(self) -> Path:
        return self.web_root / "releases"

    @property
    def current(self) -> Path:
        return self.web_root / "current"

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"


# ---- small helpers -----------------------------------------------------------------------------

def now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def say(text: str = "") -> None:
    """Hook output goes to the pusher's terminal (git prefixes it with "remote:")."""
    print(text, file=sys.stderr, flush=True)


def git(site: Site, *args: str) -> str:
    done = subprocess.run(["git", f"--git-dir={site.git_dir}", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} 失败:{done.stderr.strip()}")
    return done.stdout.strip()


def branch_tip(site: Site) -> str:
    """The commit the published branch points at, or "" before its first push."""
    done = subprocess.run(["git", f"--git-dir={site.git_dir}", "rev-parse", "--verify", "--quiet", site.ref],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def who() -> str:
    """Best guess at the pusher: forge user names first, then the account the hook runs as."""
    for var in ("GL_USERNAME", "GITEA_PUSHER_NAME", "GOGS_AUTH_USER_NAME", "REMOTE_USER", "USER", "LOGNAME"):
        if os.environ.get(var):
            name = os.environ[var]
            break
    else:
        import pwd  # POSIX only, like the whole server side; imported late so `disclosure` runs on Windows
        name = pwd.getpwuid(os.getuid()).pw_name
    address = (os.environ.get("SSH_CONNECTION") or os.environ.get("REMOTE_ADDR") or "").split(" ")[0]
    return f"{name}@{address}" if address else name


def log_event(site: Site, result: str, commit: str, detail: str, author: str = "") -> None:
    """publish.log: tab-separated, one line per event, so `grep`/`tail` answer "who published what"."""
    fields = [now().isoformat(timespec="seconds"), result, commit[:12] or "-", who(), author or "-",
              " ".join(detail.split())[:300]]
    with open(site.web_root / "publish.log", "a", encoding="utf-8") as log:
        log.write("\t".join(fields) + "\n")


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


def prune(site: Site) -> None:
    keep = set(releases(site)[-site.keep:]) | {current_release(site)}
    for name in releases(site):
        if name not in keep:
            shutil.rmtree(site.releases / name, ignore_errors=True)
    for pending in site.releases.glob(".pending-*"):
        if time.time() - pending.stat().st_mtime > PENDING_MAX_AGE:
            shutil.rmtree(pending, ignore_errors=True)


def new_release_name(site: Site, commit: str) -> str:
    stamp = now()
    while True:
        name = f"{stamp:%Y%m%d-%H%M%S}-{commit[:12]}"
        if not (site.releases / name).exists():
            return name
        stamp += dt.timedelta(seconds=1)


# ---- checking and building one commit ----------------------------------------------------------

def export_commit(site: Site, commit: str, dest: Path) -> None:
    """The commit's files, without .git. Works inside pre-receive (objects still in quarantine)."""
    proc = subprocess.Popen(["git", f"--git-dir={site.git_dir}", "archive", "--format=tar", commit],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
        archive.extractall(dest, filter="data")  # refuses absolute paths and links out of dest
    if proc.wait() != 0:
        raise RuntimeError(f"git archive {commit} 失败:{proc.stderr.read().decode(errors='replace')}")


def build_env(site: Site, source: Path, commit: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(source / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PATH"] = os.pathsep.join([str(Path(site.python).parent), env.get("PATH", "")])
    # gitinfo reads history of the pushed commit from the server repository (see gitinfo.py).
    env.update(GIT_DIR=str(site.git_dir), GIT_WORK_TREE=str(source), **{COMMIT_ENV: commit})
    env.setdefault("LANG", "C.UTF-8")
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_step(command: list[str], source: Path, env: dict) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, cwd=source, env=env, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Refused("build-timeout", f"网站生成超过 {BUILD_TIMEOUT // 60} 分钟仍未完成,已放弃。请联系技术人员。") from None


def validate_source(site: Site, source: Path, env: dict) -> str:
    done = run_step([site.python, "-m", "disclosure.cli", "validate", "data"], source, env)
    if done.returncode != 0:
        raise Refused("invalid", "数据检查未通过:\n" + (done.stderr.strip() or done.stdout.strip()))
    return done.stderr.strip()  # consistency warnings: shown, not fatal


def build_output_summary(output: str, lines: int = 30) -> str:
    """mkdocs logs everything; the WARNING/ERROR lines are what explains a failure."""
    all_lines = [line for line in output.splitlines() if line.strip()]
    important = [line for line in all_lines if "WARNING" in line or "ERROR" in line or "Error" in line]
    chosen = important[-lines:] or all_lines[-lines:]
    return "\n".join(chosen)


def build_source(site: Site, source: Path, out: Path, env: dict) -> None:
    if site.build_command:
        command = [part.replace("{out}", str(out)).replace("{python}", site.python)
                   for part in shlex.split(site.build_command)]
    else:
        command = [site.python, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    done = run_step(command, source, env)
    if done.returncode != 0 or not (out / "index.html").is_file():
        summary = build_output_summary(done.stdout + "\n" + done.stderr)
        raise Refused("build-failed", "网站生成失败(数据格式没有问题,但生成网页时出错)。生成程序的提示:\n" + summary)


def build_commit_into(site: Site, commit: str, out: Path) -> str:
    """Export, validate and build `commit` into `out`. Returns validator warnings. Raises Refused."""
    with tempfile.TemporaryDirectory(prefix="disclosure-publish-") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        export_commit(site, commit, source)
        env = build_env(site, source, commit)
        warnings = validate_source(site, source, env)
        build_source(site, source, out, env)
        return warnings


def stage(site: Site, commit: str) -> Path:
    """Build `commit` into releases/.pending-<commit>-<pid>; nothing visible changes. Raises Refused."""
    site.releases.mkdir(parents=True, exist_ok=True)
    pending = site.releases / f".pending-{commit}-{os.getpid()}"
    shutil.rmtree(pending, ignore_errors=True)
    try:
        warnings = build_commit_into(site, commit, pending)
    except BaseException:
        shutil.rmtree(pending, ignore_errors=True)
        raise
    if warnings:
        say(warnings)
    return pending


def publish_pending(site: Site, pending: Path, commit: str) -> str:
    name = new_release_name(site, commit)
    os.rename(pending, site.releases / name)
    switch_current(site, name)
    prune(site)
    return name


def commit_author(site: Site, commit: str) -> str:
    try:
        return git(site, "log", "-1", "--format=%an <%ae>", commit)
    except RuntimeError:
        return ""


# ---- hooks -------------------------------------------------------------------------------------

def refusal_text(exc: Refused, commit: str) -> str:
    how = {
        "invalid": ("怎么办:每行开头是“文件:行:列”,按提示在这个位置修改;改好后先在本机运行\n"
                    "  disclosure validate\n确认“数据有效”,再 git commit 和 git push。"),
        "build-failed": "怎么办:如果看不懂上面的提示,请把这段信息原样发给技术人员。",
    }.get(exc.result, "怎么办:请把这段信息原样发给技术人员。")
    return "\n".join([RULE, f"推送被拒绝(提交 {commit[:12]}),网站没有任何变化。", "", str(exc), "", how, RULE])


def pre_receive(site: Site, updates: list[tuple[str, str, str]]) -> int:
    for old, new, ref in updates:
        if ref != site.ref:
            continue  # other branches and tags are stored but build nothing
        if new == ZERO:
            say(f"{RULE}\n推送被拒绝:不能删除 {site.branch} 分支(网站由它生成)。\n{RULE}")
            log_event(site, "refused", old, f"delete {site.ref}")
            return 1
        with publish_lock(site):
            author = commit_author(site, new)
            tip = branch_tip(site)
            if tip != (old if old != ZERO else ""):
                say(f"{RULE}\n推送被拒绝:刚才有人先发布了新内容。请先运行 git pull,再 git push。\n{RULE}")
                log_event(site, "refused", new, "stale: branch moved meanwhile", author)
                return 1
            say(f"正在检查并生成网站(提交 {new[:12]})……")
            started = time.monotonic()
            try:
                stage(site, new)
            except Refused as exc:
                say(refusal_text(exc, new))
                log_event(site, "refused", new, f"{exc.result}: {exc}", author)
                return 1
            say(f"检查通过,网站已生成({time.monotonic() - started:.1f} 秒),保存提交后即发布。\n"
                "(如果下面出现 “failed to update ref”,是同事刚刚先推送了:请 git pull,再 git push。)")
    return 0


def post_receive(site: Site, updates: list[tuple[str, str, str]]) -> int:
    if not any(ref == site.ref and new != ZERO for _, new, ref in updates):
        return 0
    with publish_lock(site):
        tip = branch_tip(site)  # main *now*: a later push may already have moved it
        if not tip:
            return 0
        author = commit_author(site, tip)
        pending = sorted(site.releases.glob(f".pending-{tip}-*"), key=lambda p: p.stat().st_mtime)
        current = current_release(site)
        if not pending and current and release_commit(current) == tip[:12]:
            return 0  # a racing push's post-receive already published this commit
        try:
            if pending:
                name = publish_pending(site, pending[-1], tip)
            else:  # main moved without our pre-receive (e.g. an administrator); build it now
                name = publish_pending(site, stage(site, tip), tip)
        except Refused as exc:
            say(f"{RULE}\n提交已保存,但网站没有更新(仍显示之前的版本):\n{exc}\n请联系技术人员。\n{RULE}")
            log_event(site, "failed", tip, f"{exc.result}: {exc}", author)
            return 1
        log_event(site, "published", tip, f"release {name}", author)
        say(f"{RULE}\n发布成功:网站已更新为提交 {tip[:12]}(版本 {name})。\n{RULE}")
    return 0


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
    try:
        return (pre_receive if name == "pre-receive" else post_receive)(site, updates)
    except Exception:  # noqa: BLE001 - last line of defence: staff never see a traceback
        with open(site.web_root / "publish-errors.log", "a", encoding="utf-8") as log:
            log.write(f"--- {now().isoformat()} {name}\n{traceback.format_exc()}\n")
        say(f"{RULE}\n发布程序内部错误,网站没有变化。请联系技术人员(详情见服务器 {site.web_root}/publish-errors.log)。\n{RULE}")
        return 1


# ---- administrator commands --------------------------------------------------------------------

def hook_script(hook: str, site: Site) -> str:
    package_parent = Path(__file__).resolve().parent.parent
    args = ["--web-root", str(site.web_root), "--keep", str(site.keep), "--branch", site.branch]
    if site.build_command:
        args += ["--build-command", site.build_command]
    code = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
            "from disclosure.publish import hook_main; sys.exit(hook_main(sys.argv[1:]))")
    command = [site.python, "-c", code, str(package_parent), hook, *args]
    return (f"#!/bin/sh\n# {hook}: {HOOK_MARK}. Re-run server-setup instead of editing.\n"
            f"# Python environment recorded at setup: {site.python}\n"
            f"exec {' '.join(shlex.quote(part) for part in command)}\n")


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


def server_setup(bare: Path, web_root: Path, keep: int, branch: str, build_command: str | None) -> Site:
    if os.name != "posix":
        raise SetupError("发布服务器需要 Linux(或其他类 Unix 系统)。工作人员的 Windows 电脑只需 git push。")
    bare, web_root = bare.resolve(), web_root.resolve()
    probe = subprocess.run(["git", f"--git-dir={bare}", "rev-parse", "--is-bare-repository"],
                           capture_output=True, text=True)
    if probe.returncode != 0 or probe.stdout.strip() != "true":
        raise SetupError(f"{bare} 不是裸仓库。请先用 git init --bare {bare} 创建。")
    if keep < 1:
        raise SetupError("--keep 至少为 1。")
    if not build_command and subprocess.run([sys.executable, "-c", "import mkdocs"], capture_output=True).returncode:
        raise SetupError(f"当前 Python({sys.executable})没有安装 mkdocs。请在项目目录运行 make install 后用 .venv/bin/disclosure 执行。")
    web_root.mkdir(parents=True, exist_ok=True)
    current = web_root / "current"
    if current.exists() and not current.is_symlink():
        raise SetupError(f"{current} 已存在且不是符号链接。请移走它(发布程序需要用符号链接切换版本)。")
    site = Site(web_root=web_root, git_dir=bare, branch=branch, keep=keep, build_command=build_command)
    site.releases.mkdir(exist_ok=True)
    (web_root / "publish.log").touch()
    for hook in ("pre-receive", "post-receive"):
        backup = install_hook(bare, hook, hook_script(hook, site))
        if backup:
            print(f"原有的 {hook} 钩子已改名保存为 {backup}")
    return site


def publish_existing(site: Site) -> str | None:
    """First publish at setup time when the branch already has commits."""
    tip = branch_tip(site)
    if not tip:
        return None
    with publish_lock(site):
        name = publish_pending(site, stage(site, tip), tip)
        log_event(site, "published", tip, f"release {name} (server-setup)", commit_author(site, tip))
    return name


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
        switch_current(site, target)
        log_event(site, "rolled-back", release_commit(target), f"from {current} to {target}")
    return current or "", target


# ---- command line ------------------------------------------------------------------------------

def cmd_server_setup(args) -> int:
    try:
        site = server_setup(Path(args.bare_repo), Path(args.web_root), args.keep, args.branch, args.build_command)
        print(f"已安装发布钩子到 {site.git_dir}/hooks(pre-receive、post-receive)。")
        print(f"推送到 {site.branch} 分支时:检查数据 → 生成网站 → 切换 {site.current}。其他分支只保存不发布。")
        print(f"网站服务器(nginx)的根目录请设为 {site.current},示例配置见 deploy/nginx.conf。")
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


def add_site_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", type=int, default=DEFAULT_KEEP, help=f"保留最近几个版本(默认 {DEFAULT_KEEP})")
    p.add_argument("--branch", default="main", help="发布哪个分支(默认 main)")
    p.add_argument("--build-command", help="代替 mkdocs 的生成命令,{out} 为输出目录,{python} 为 Python(测试用)")


def register(subparsers) -> None:
    p = subparsers.add_parser("server-setup", help="在自建服务器的裸仓库上安装“推送即发布”钩子")
    p.add_argument("bare_repo", help="裸仓库路径,如 /srv/git/disclosure.git")
    p.add_argument("web_root", help="网站发布目录,如 /srv/www/disclosure(nginx 指向其中的 current)")
    add_site_options(p)
    p.set_defaults(func=cmd_server_setup)

    p = subparsers.add_parser("rollback", help="把网站切回上一次发布的版本")
    p.add_argument("web_root", help="网站发布目录(server-setup 时指定的那个)")
    p.set_defaults(func=cmd_rollback)


def hook_main(argv: list[str]) -> int:
    """Called by the hook scripts that server-setup writes; git runs them inside the bare repo."""
    p = argparse.ArgumentParser(prog="disclosure-hook")
    p.add_argument("hook", choices=["pre-receive", "post-receive"])
    p.add_argument("--web-root", required=True)
    add_site_options(p)
    args = p.parse_args(argv)
    git_dir = Path(os.environ.get("GIT_DIR", ".")).resolve()
    site = Site(web_root=Path(args.web_root), git_dir=git_dir, branch=args.branch, keep=args.keep,
                build_command=args.build_command)
    return run_hook(args.hook, site)


if __name__ == "__main__":
    sys.exit(hook_main(sys.argv[1:]))
