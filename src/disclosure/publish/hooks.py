"""The hook runtime: what git runs on every push. The scripts server-setup installs (hook_script)
exec hook_main of the administrator's installed package with the server's settings as options;
pre-receive checks and builds, post-receive publishes, and a detached finisher publishes what a
push whose client hung up left pending. Unexpected errors refuse with a short Chinese message."""
from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from .. import identity
from .build import DISK_FULL, QUARANTINE_ENV, Builds, alive
from .checks import PushChecks
from .releases import PENDING_MAX_AGE, Releases, pusher_file, release_commit
from .server import (HOOK_MARK, RULE, ZERO, Pusher, Refused, Server, SetupError, add_server_options, now, say,
                     trust_only_real_objects)

# What the installed hook scripts run (hook_script): the package re-exports hook_main, so hooks
# installed by any version keep working when the package is upgraded without a new server-setup.
HOOK_ENTRY = "disclosure.publish.hook_main"
Updates = list[tuple[str, str, str]]  # (old, new, ref) per line git gives the hook


class HookStopped(BaseException):
    """The hook got SIGTERM/SIGHUP/SIGINT (push interrupted, server shutting down)."""


class Hooks:
    """The hooks of one server, with the parts they drive."""

    def __init__(self, server: Server):
        self.server = server
        self.releases = Releases(server)
        self.builds = Builds(server)
        self.checks = PushChecks(server)

    def run(self, name: str, stream=None) -> int:
        """Entry point of the installed hook scripts. Unexpected errors refuse the push (pre-receive)
        with a short Chinese message; the traceback goes to publish-errors.log for the administrator."""
        updates = read_updates(stream or sys.stdin)
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, _stop)  # unwinds through every finally: build group killed, copies removed
        try:
            return (self.pre_receive if name == "pre-receive" else self.post_receive)(updates)
        except HookStopped:
            say(f"{RULE}\n发布被中断,网站没有变化。\n{RULE}")
            return 1
        except Exception as exc:  # noqa: BLE001 - last line of defence: staff never see a traceback
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                say(f"{RULE}\n{DISK_FULL}\n{RULE}")
                self.server.try_log("refused", "", f"disk-full: {exc}")
                return 1
            with contextlib.suppress(OSError):
                with open(self.server.web_root / "publish-errors.log", "a", encoding="utf-8") as log:
                    log.write(f"--- {now().isoformat()} {name}\n{traceback.format_exc()}\n")
            say(f"{RULE}\n发布程序内部错误,网站没有变化。请联系技术人员(详情见服务器 {self.server.web_root}"
                f"/publish-errors.log)。\n{RULE}")
            return 1

    def authenticated(self) -> Pusher:
        try:
            return Pusher(identity.account(self.server.identity))
        except identity.IdentityError as exc:
            raise Refused("identity", str(exc)) from None

    def pre_receive(self, updates: Updates) -> int:
        server = self.server
        try:
            pusher = self.authenticated()
        except Refused as exc:
            say(refusal_text(exc, updates[0][1] if updates else ZERO))
            server.try_log("refused", updates[0][1] if updates else ZERO, f"{exc.result}: {exc}")
            return 1
        others = [(old, new, ref) for old, new, ref in updates if ref != server.ref]
        if others:
            admin = self.checks.owners(server.branch_tip() or ZERO).is_admin(pusher.account)
            for old, new, ref in others:
                why = self.checks.ref_refusal(ref, admin)
                if why:
                    say(f"{RULE}\n推送被拒绝,网站和仓库都没有任何变化。\n\n{why}\n{RULE}")
                    server.try_log("refused", new if new != ZERO else old, f"ref {ref}: {why}", pusher)
                    return 1
        for old, new, ref in updates:
            if ref != server.ref:
                continue  # an admin's other branches and tags are stored but build nothing
            if new == ZERO:
                say(f"{RULE}\n推送被拒绝:不能删除 {server.branch} 分支(网站由它生成,已发布的记录只能追加)。\n{RULE}")
                server.try_log("refused", old, f"delete {server.ref}", pusher)
                return 1
            with server.lock():
                self.builds.clean_leftovers()
                self.releases.catch_up()
                pusher.author = server.commit_author(new)
                tip = server.branch_tip()
                if tip != (old if old != ZERO else ""):
                    say(f"{RULE}\n推送被拒绝:刚才有人先发布了新内容。请再运行一次 disclosure publish,它会先取回同事的修改再发布"
                        f"(直接使用 git 的:git pull --rebase,再 git push)。\n{RULE}")
                    server.try_log("refused", new, "stale: branch moved meanwhile", pusher)
                    return 1
                try:
                    owners = self.checks.check(old, new, pusher)
                except Refused as exc:
                    say(refusal_text(exc, new))
                    server.try_log("refused", new, f"{exc.result}: {exc}", pusher)
                    return 1
                say(f"正在检查并生成网站(提交 {new[:12]},账号 {pusher.account})……")
                started = time.monotonic()
                try:
                    # staff: the published code over the pushed data; an admin's push is built as pushed
                    self.builds.stage(new, code_commit=new if pusher.admin or old == ZERO else old, pusher=pusher,
                                      old=old, owners=owners)
                except Refused as exc:
                    say(refusal_text(exc, new))
                    server.try_log("refused", new, f"{exc.result}: {exc}", pusher)
                    return 1
                self.start_finisher(new)
                say(f"检查通过,网站已生成({time.monotonic() - started:.1f} 秒),保存提交后即发布。\n"
                    "(如果下面出现 “failed to update ref”,是同事刚刚先发布了:请再运行一次 disclosure publish。)")
        return 0

    def post_receive(self, updates: Updates) -> int:
        server = self.server
        if not any(ref == server.ref and new != ZERO for _, new, ref in updates):
            return 0
        try:
            pusher = self.authenticated()
        except Refused:
            pusher = None
        with server.lock():
            tip = server.branch_tip()  # main *now*: a later push may already have moved it
            if not tip:
                return 0
            if pusher:
                pusher.author = server.commit_author(tip)
            pending = sorted(server.releases.glob(f".pending-{tip}-*"), key=lambda p: p.stat().st_mtime)
            current = self.releases.current()
            if not pending and current and release_commit(current) == tip[:12]:
                return 0  # a racing push's post-receive already published this commit
            try:
                # main moved without our pre-receive (e.g. an administrator on the server): build it now
                # with its own code, which is main's and so reviewed
                name = self.releases.publish_pending(pending[-1] if pending else self.builds.stage(tip), tip, pusher)
            except Refused as exc:
                say(f"{RULE}\n提交已保存,但网站没有更新(仍显示之前的版本):\n{exc}\n请联系技术人员。\n{RULE}")
                server.try_log("failed", tip, f"{exc.result}: {exc}", pusher)
                return 1
            except OSError as exc:
                say(f"{RULE}\n提交已保存,但网站没有更新(仍显示之前的版本):无法写入发布记录或新版本"
                    f"({exc.strerror or exc},服务器磁盘可能已满)。请联系技术人员。\n{RULE}")
                return 1
            say(f"{RULE}\n发布成功:网站已更新为提交 {tip[:12]}(版本 {name})。\n{RULE}")
        return 0

    def start_finisher(self, commit: str) -> None:
        """A push whose client hangs up after pre-receive: git may still move main, but it never runs
        post-receive (it dies writing its report to the client), and the site would lag main until the
        next push. So pre-receive leaves a small detached process that waits for this git
        receive-pack (the hook's parent) to end, then publishes what main points at, or removes this
        push's build if main did not move (`finish`). Normally post-receive has published already and
        it finds nothing to do."""
        command = self.server.installed_command(HOOK_ENTRY, "finish", *self.server.options(),
                                                "--wait-pid", str(os.getppid()), "--commit", commit)
        # not pre-receive's quarantine (git deletes it when receive-pack ends): the repository as it is
        env = {k: v for k, v in os.environ.items() if k not in QUARANTINE_ENV}
        with contextlib.suppress(OSError):
            subprocess.Popen(shlex.split(command), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True, env=env)

    def finish(self, pid: int, commit: str) -> None:
        """See start_finisher: after git receive-pack `pid` ended, main and the site agree again."""
        wait_for_exit(pid, PENDING_MAX_AGE)
        with self.server.lock():
            self.builds.clean_leftovers()
            self.releases.catch_up()
            if self.server.branch_tip() != commit:  # git did not move main to this push: its build is never published
                for pending in self.server.releases.glob(f".pending-{commit}-*"):
                    shutil.rmtree(pending, ignore_errors=True)
                    pusher_file(pending).unlink(missing_ok=True)


# A refusal's own advice written with git commands (checks.py): refusal_text gives staff's way instead.
GIT_ADVICE = re.compile(r"\n怎么办:.*\Z|\(git [^)]*\)", re.S)


def refusal_text(exc: Refused, commit: str) -> str:
    """What the pusher reads. Staff publish with `disclosure publish`, which keeps their edits in the
    files when the server refuses; the advice never names a git command that rewrites or discards
    (those are in the staff guide's appendix for whoever uses git directly)."""
    again = "改好后再运行 disclosure publish(它会先检查数据,再重新发布)。"
    how = {
        "invalid": ("怎么办:每行开头是“文件:行:列”,用编辑器打开这个文件,跳到这一行按提示修改;\n" + again),
        "build-failed": "怎么办:如果看不懂上面的提示,请把这段信息原样发给技术人员。",
        "not-allowed": ("怎么办:这些文件不归您的账号负责。请放弃您对它们的修改(会另存一份):\n"
                        "  disclosure publish --discard 上面列出的文件\n"
                        "需要修改时,请负责的同事或管理员来改。"),
        "history": ("怎么办:已公开的内容只能追加。请把上面提到的内容恢复原样(或用 disclosure publish --discard 文件\n"
                    "放弃对这个文件的修改),把新情况作为一条新的进展记录追加(disclosure update),再运行 disclosure publish。"),
        "rewrite": ("怎么办:不要强制推送。请运行 disclosure publish,它会先取回服务器上的最新内容、把您的修改排在后面再发布;\n"
                    "仍被拒绝时请联系技术人员。"),
        "future-date": ("怎么办:把电脑的日期和时间改正确,再运行 disclosure publish(您的修改仍在文件里,会重新提交)。"),
        "identity": "怎么办:请联系管理员。",
    }.get(exc.result, "怎么办:请把这段信息原样发给技术人员。")
    reason = GIT_ADVICE.sub("", str(exc)).rstrip()
    return "\n".join([RULE, f"推送被拒绝(提交 {commit[:12]}),网站没有任何变化。", "", reason, "", how, RULE]) \
        .replace("\n\n" + RULE, "\n" + RULE)


def read_updates(stream) -> Updates:
    out = []
    for line in stream:
        parts = line.split()
        if len(parts) == 3:
            out.append((parts[0], parts[1], parts[2]))
    return out


def _stop(signum, frame):
    raise HookStopped(signum)


def wait_for_exit(pid: int, timeout: float) -> None:
    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):  # not Linux >= 5.3: ask the kernel every 0.2 s
        deadline = time.monotonic() + timeout
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        return
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        poller.poll(timeout * 1000)
    finally:
        os.close(fd)


# ---- the installed scripts ------------------------------------------------------------------------

def hook_main(argv: list[str]) -> int:
    """Called by the hook scripts that server-setup writes; git runs them inside the bare repo."""
    args = hook_parser().parse_args(argv)
    trust_only_real_objects()
    git_dir = Path(os.environ.get("GIT_DIR", ".")).resolve()
    hooks = Hooks(Server.from_options(args, Path(args.web_root), git_dir))
    if args.hook == "finish":
        with contextlib.suppress(Exception):  # detached, nobody to tell: the next push catches up anyway
            hooks.finish(args.wait_pid, args.commit)
        return 0
    return hooks.run(args.hook)


def hook_parser() -> argparse.ArgumentParser:
    """The hook scripts' arguments (hook_script writes them; server_from_hook reads them back)."""
    p = argparse.ArgumentParser(prog="disclosure-hook")
    p.add_argument("hook", choices=["pre-receive", "post-receive", "finish"])
    p.add_argument("--web-root", required=True)
    p.add_argument("--wait-pid", type=int, default=0, help=argparse.SUPPRESS)  # finish: git receive-pack
    p.add_argument("--commit", default="", help=argparse.SUPPRESS)  # finish: the commit pre-receive built
    p.add_argument("--program", default="", help=argparse.SUPPRESS)  # the installed copy (program.py) to run
    add_server_options(p)
    return p


def hook_script(hook: str, server: Server) -> str:
    return (f"#!/bin/sh\n# {hook}: {HOOK_MARK}. Re-run server-setup instead of editing.\n"
            f"# Python environment recorded at setup: {server.python}\n"
            f"exec {server.installed_command(HOOK_ENTRY, hook, *server.options())}\n")


def ssh_wrapper_script(server: Server) -> str:
    """The forced command of every staff key (identity.py): `disclosure-ssh ACCOUNT`."""
    serve = server.installed_command("disclosure.cli.main", "ssh-serve", "--repo", str(server.git_dir))
    return f"#!/bin/sh\n# SSH forced command for staff keys: {HOOK_MARK}.\nexec {serve} \"$1\"\n"


def server_from_hook(bare: Path, web_root: Path) -> Server:
    """The server as server-setup installed it (site URL, build command, Python), read back from the
    pre-receive hook it wrote: a rebuild must use the very settings the publish used."""
    hook = bare / "hooks" / "pre-receive"
    if not hook.is_file() or HOOK_MARK not in hook.read_text("utf-8", errors="replace"):
        raise SetupError(f"{bare} 没有安装发布钩子(请先运行 disclosure server-setup)。")
    line = next(l for l in hook.read_text("utf-8").splitlines() if l.startswith("exec "))
    words = shlex.split(line)
    parsed = hook_parser().parse_args(words[words.index("pre-receive"):])
    return Server.from_options(parsed, web_root, bare, python=words[1])


if __name__ == "__main__":
    sys.exit(hook_main(sys.argv[1:]))
