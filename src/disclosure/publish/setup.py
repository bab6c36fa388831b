"""What the administrator runs on the server: server-setup (the installed program, the repository's
settings, the hook scripts, the first publish of what the branch already holds), server-upgrade (a
new installed program, switched atomically; or back to the one before) and verify-release (a release
rebuilt from scratch and compared byte for byte). Rollback of the site is Releases'
(releases.rollback); the installed program is program.py's. The commands around these, and their
messages, are in cli.py."""
from __future__ import annotations

import dataclasses
import filecmp
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import environment, identity
from .build import Builds
from .hooks import hook_parser, hook_script, server_from_hook, ssh_wrapper_script
from .program import Installed, Program, current_link
from .releases import Releases, release_as_of, release_commit
from .server import BUILD_TIMEOUT, HOOK_MARK, MAX_MEMORY_MB, Pusher, Server, SetupError, program_python

PUSH_MAX_BYTES = 200_000_000  # receive.maxInputSize: one push of a portal's data is far smaller
NEUTRAL_ATTRIBUTES = "* -export-subst -export-ignore -ident -text -eol -filter -working-tree-encoding"


def server_setup(bare: Path, web_root: Path, keep: int, branch: str, build_command: str | None,
                 identity_mode: str = "ssh", admins: tuple[str, ...] = (), build_timeout: int = BUILD_TIMEOUT,
                 max_memory_mb: int = MAX_MEMORY_MB, site_url: str = "", gzip_static: bool = False,
                 report=print) -> tuple[Server, Installed]:
    """Install the program under WEB_ROOT/program (program.py) and the hooks that run it. Returns the
    server and what was installed."""
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
        raise SetupError(f"当前 Python({sys.executable})没有安装 mkdocs。请在项目目录运行 make install 后用 "
                         ".venv/bin/disclosure 执行。")
    web_root.mkdir(parents=True, exist_ok=True)
    current = web_root / "current"
    if current.exists() and not current.is_symlink():
        raise SetupError(f"{current} 已存在且不是符号链接。请移走它(发布程序需要用符号链接切换版本)。")
    link = str(current_link(web_root))
    server = Server(web_root=web_root, git_dir=bare, branch=branch, keep=keep, python=program_python(link),
                    build_command=build_command, identity=identity_mode, admins=tuple(admins),
                    build_timeout=build_timeout, max_memory_mb=max_memory_mb, site_url=site_url,
                    gzip_static=gzip_static, program=link)
    # The program first: if it cannot be installed, the repository is left as it was. Switched under
    # the publish lock: set up again on a live server, no build is running meanwhile.
    program = Program.of(web_root)
    installed = program.install(report)
    with server.lock(), program.lock():
        program.switch(installed.name)
        program.prune()
    server.releases.mkdir(exist_ok=True)
    (web_root / "publish.log").touch()
    # Published history is append-only: git itself refuses force-pushes and deletions (pre-receive checks too).
    for key in ("receive.denyNonFastForwards", "receive.denyDeletes", "receive.fsckObjects"):
        server.git("config", key, "true")
    server.git("config", "core.useReplaceRefs", "false")  # and TRUSTED_GIT_ENV: only the objects really there
    for line in remove_object_substitutes(server):
        report(line)
    server.git("config", "receive.maxInputSize", str(PUSH_MAX_BYTES))
    # `git archive` obeys .gitattributes of the tree it exports (export-subst rewrites file
    # contents, export-ignore drops files): a pushed .gitattributes could change data after it was
    # checked. These repository-wide attributes switch every such rule off, whatever the tree says.
    attributes = bare / "info" / "attributes"
    attributes.parent.mkdir(exist_ok=True)
    attributes.write_text(f"# {HOOK_MARK}\n{NEUTRAL_ATTRIBUTES}\n")
    for line in install_scripts(server):
        report(line)
    return server, installed


def install_scripts(server: Server) -> list[str]:
    """The hook scripts (and, --identity ssh, the staff keys' forced command), each written whole
    and renamed into place: a push starting meanwhile runs the old script or the new one. Returns
    Chinese lines naming hooks of another program that were kept aside."""
    said = []
    if server.identity == "ssh":
        write_script(server.git_dir / identity.SSH_WRAPPER, ssh_wrapper_script(server))
    for hook in ("pre-receive", "post-receive"):
        backup = install_hook(server.git_dir, hook, hook_script(hook, server))
        if backup:
            said.append(f"原有的 {hook} 钩子已改名保存为 {backup}")
    return said


def install_hook(git_dir: Path, hook: str, text: str) -> str | None:
    path = git_dir / "hooks" / hook
    path.parent.mkdir(exist_ok=True)
    backup = None
    if path.exists() and HOOK_MARK not in path.read_text(errors="replace"):
        backup = path.with_name(f"{hook}.before-disclosure")
        os.replace(path, backup)
    write_script(path, text)
    return str(backup) if backup else None


def write_script(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        temp.write_text(text)
        temp.chmod(0o755)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


# ---- server-upgrade: a new installed program, or back to the one before ----------------------------

@dataclasses.dataclass
class Upgrade:
    installed: Installed | None  # None: a rollback
    was: str | None  # the copy that was current
    now: str  # the copy current now
    kept: str | None  # the copy `previous` points at (a rollback goes back to it)
    hooks_rewritten: bool  # the hooks ran another program (a setup before the installed program)
    removed: list[str]


def upgraded_server(bare: Path, web_root: Path) -> Server:
    """The server as its hooks say (server_from_hook), checked to be this WEB_ROOT's."""
    bare, web_root = bare.resolve(), web_root.resolve()
    server = server_from_hook(bare, web_root)
    line = next(l for l in (bare / "hooks" / "pre-receive").read_text("utf-8").splitlines() if l.startswith("exec "))
    words = shlex.split(line)
    recorded = Path(hook_parser().parse_args(words[words.index("pre-receive"):]).web_root)
    if recorded.resolve() != web_root:
        raise SetupError(f"{bare} 的钩子发布到 {recorded},不是 {web_root}。请写 server-setup 时的发布目录。")
    return server


def server_upgrade(bare: Path, web_root: Path, report=print) -> Upgrade:
    """Install this checkout's program beside the server's (nothing live changes while it is made and
    checked), then switch WEB_ROOT/program/current to it under the publish lock (no build is running),
    keep the one before as `previous`, delete older ones. Hooks from a setup before the installed
    program (they ran a checkout) are rewritten to run it. Raises SetupError; then nothing changed."""
    server = upgraded_server(bare, web_root)
    program = Program.of(server.web_root)
    installed = program.install(report)
    link = str(current_link(server.web_root))
    target = dataclasses.replace(server, program=link, python=program_python(link))
    with server.lock(), program.lock():
        was = program.switch(installed.name)
        rewrite = any(not script.is_file() or script.read_text("utf-8", errors="replace") != text
                      for script, text in expected_scripts(target))
        if rewrite:
            for line in install_scripts(target):
                report(line)
        removed = program.prune()
    return Upgrade(installed, was, installed.name, program.previous(), rewrite, removed)


def expected_scripts(server: Server) -> list[tuple[Path, str]]:
    out = [(server.git_dir / "hooks" / hook, hook_script(hook, server)) for hook in ("pre-receive", "post-receive")]
    if server.identity == "ssh":
        out.append((server.git_dir / identity.SSH_WRAPPER, ssh_wrapper_script(server)))
    return out


def program_rollback(bare: Path, web_root: Path) -> Upgrade:
    """WEB_ROOT/program/current back to `previous` (and `previous` to what was current)."""
    server = upgraded_server(bare, web_root)
    if not server.program:
        raise SetupError("这个服务器的钩子还没有使用安装的程序(server-setup 是旧版本做的),没有可退回的版本。"
                         "请先运行 server-upgrade。")
    program = Program.of(server.web_root)
    with server.lock(), program.lock():
        was, now_current = program.rollback()
    return Upgrade(None, was, now_current, program.previous(), False, [])


def remove_object_substitutes(server: Server) -> list[str]:
    """Replace refs and grafts an existing repository holds (pushed before this check existed):
    deleted, each named in the returned Chinese lines."""
    said = []
    listing = server.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/replace/")
    for line in filter(None, listing.splitlines()):
        ref, target = line.split(" ", 1)
        server.git("update-ref", "-d", ref)
        said.append(f"已删除替换引用 {ref}(指向 {target[:12]}):它会让服务器把一个对象当作另一个来读。")
    grafts = server.git_dir / "info" / "grafts"
    if grafts.exists():
        grafts.unlink()
        said.append(f"已删除 {grafts}(grafts 会改变提交的父提交)。")
    return said


def publish_existing(server: Server) -> str | None:
    """First publish at setup time when the branch already has commits."""
    tip = server.branch_tip()
    if not tip:
        return None
    with server.lock():
        admin = Pusher(identity.unix_account(), server.commit_author(tip), admin=True)
        name = Releases(server).publish_pending(Builds(server).stage(tip), tip, admin, " (server-setup)")
    return name


def tree_differences(built: Path, published: Path) -> list[str]:
    """Chinese lines naming every path missing, extra or different between two site folders."""
    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    a, b = files(built), files(published)
    out = [f"缺少:{p}(重建结果中有,已发布版本中没有)" for p in sorted(a - b)]
    out += [f"多出:{p}(已发布版本中有,重建结果中没有)" for p in sorted(b - a)]
    out += [f"内容不同:{p}" for p in sorted(a & b) if not filecmp.cmp(built / p, published / p, shallow=False)]
    return out


def verify_release(bare: Path, web_root: Path, name: str | None = None) -> tuple[str, list[str]]:
    """Rebuild a release's commit from scratch (its code and data, its as-of date) and compare it
    byte for byte with what is published. Returns (release name, differences)."""
    server = server_from_hook(bare.resolve(), web_root.resolve())
    releases = Releases(server)
    name = name or releases.current()
    if not name or not (server.releases / name).is_dir():
        raise SetupError(f"没有找到要核对的版本{' ' + name if name else ''}。可用的版本:{'、'.join(releases.names()) or '无'}。")
    commit = server.git("rev-parse", "--verify", "--quiet", release_commit(name) + "^{commit}").strip()
    if not commit:
        raise SetupError(f"仓库中找不到版本 {name} 的提交 {release_commit(name)}。")
    os.environ[environment.AS_OF] = release_as_of(server.releases / name)
    out = Path(tempfile.mkdtemp(prefix="verify-", dir=server.work if server.work.is_dir() else None))
    try:
        Builds(server).build_commit_into(commit, out / "site", before_release=name)
        return name, tree_differences(out / "site", server.releases / name)
    finally:
        shutil.rmtree(out, ignore_errors=True)
