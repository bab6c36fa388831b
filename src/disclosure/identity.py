"""Who is pushing: taken from the authentication that let the push in, never from what the pusher
can set. Each mode uses the standard mechanism of its server; no protocol of our own.

    ssh       plain OpenSSH. Each staff key sits in the git account's authorized_keys with a forced
              command (`disclosure staff add NAME KEYFILE`): sshd runs `<repo>/disclosure-ssh NAME`
              whatever the client asked, which allows only git-receive-pack / git-upload-pack on this
              repository and sets DISCLOSURE_ACCOUNT=NAME itself. The client cannot set it (sshd
              passes no client variables but AcceptEnv's, and the forced command overwrites it).
              A push without that variable came from a shell on the server as the git account
              itself: the account is then that Unix user's name (from the kernel, not $USER), and
              such a person is an administrator by definition (they can edit the hooks).
    gitolite  GL_USER, set by gitolite3 from the key that authenticated
    gitlab    GL_USERNAME, set by GitLab for its server hooks
    gitea     GITEA_PUSHER_NAME, set by Gitea / Forgejo for its hooks
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from . import environment

from .errors import visible

ACCOUNT_ENV = environment.ACCOUNT
MODES = {"ssh": ACCOUNT_ENV, "gitolite": "GL_USER", "gitlab": "GL_USERNAME", "gitea": "GITEA_PUSHER_NAME"}
SPOOFABLE = ("GL_USER", "GL_USERNAME", "GITEA_PUSHER_NAME", "GOGS_AUTH_USER_NAME", "REMOTE_USER")
# as owners.schema.json; \Z, not $: `$` also matches before a final newline ("admin\n")
ACCOUNT_NAME = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff._@-]{0,63}\Z")
SSH_WRAPPER = "disclosure-ssh"  # written into the bare repository by server-setup --identity ssh
GIT_SERVICES = {"git-receive-pack": "receive-pack", "git-upload-pack": "upload-pack",
                "git-upload-archive": "upload-archive"}
KEY_OPTIONS = "restrict"  # OpenSSH >= 7.2: no pty, no forwarding of any kind, no ~/.ssh/rc


class IdentityError(Exception):
    """The pusher's identity cannot be established, or a staff key cannot be registered."""


def unix_account() -> str:
    import pwd  # POSIX only, like the whole server side
    return pwd.getpwuid(os.getuid()).pw_name


def account(mode: str, environ: dict | None = None) -> str:
    """The authenticated account of the push being checked. Raises IdentityError."""
    environ = os.environ if environ is None else environ
    name = environ.get(MODES[mode], "")
    if mode == "ssh" and not name:
        return unix_account()
    if not name:
        raise IdentityError(f"无法确认推送者身份:服务器应设置 {MODES[mode]}(身份方式 {mode}),但没有设置。"
                            "请联系管理员检查 server-setup 的 --identity 是否与服务器软件一致。")
    return name


# ---- the forced command: what a staff key may do ---------------------------------------------------

def _same_repo(requested: str, repo: Path) -> bool:
    requested = requested.strip()
    if requested.startswith("~/"):
        requested = requested[2:]
    candidates = {Path(requested), Path.home() / requested.lstrip("/")}
    candidates |= {Path(str(c) + ".git") for c in candidates}
    return any(c.exists() and c.resolve() == repo.resolve() for c in candidates)


def ssh_serve(account_name: str, repo: Path, environ: dict | None = None) -> list[str]:
    """The git command to exec for SSH_ORIGINAL_COMMAND, or IdentityError (nothing runs)."""
    environ = os.environ if environ is None else environ
    try:
        words = shlex.split(environ.get("SSH_ORIGINAL_COMMAND", ""))
    except ValueError:
        words = []
    if len(words) != 2 or words[0] not in GIT_SERVICES:
        raise IdentityError("这个密钥只能用于 git push 和 git pull/fetch,不能登录或执行其他命令。")
    if not _same_repo(words[1], repo):
        raise IdentityError(f"这个密钥只能访问网站数据仓库 {repo},不能访问 {words[1]}。")
    return ["git", GIT_SERVICES[words[0]], str(repo)]


def cmd_ssh_serve(args) -> int:
    repo = Path(args.repo)
    try:
        command = ssh_serve(args.account, repo)
    except IdentityError as exc:
        print(f"拒绝:{exc}", file=sys.stderr)
        return 1
    env = {k: v for k, v in os.environ.items() if k not in SPOOFABLE}
    env[ACCOUNT_ENV] = args.account  # overwrites anything the client may have sent
    os.execvpe(command[0], command, env)
    return 1  # not reached


# ---- `disclosure staff`: the administrator registers staff keys -----------------------------------

def _public_key(keyfile: Path) -> str:
    try:
        text = keyfile.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise IdentityError(f"无法读取公钥文件 {keyfile}:{getattr(exc, 'strerror', exc)}") from None
    if "PRIVATE KEY" in text:
        raise IdentityError(f"{keyfile} 是私钥!请让同事只发给您公钥(.pub 文件),并让他保管好私钥;这把私钥已经泄露,请重新生成。")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    check = subprocess.run(["ssh-keygen", "-l", "-f", str(keyfile)], capture_output=True, text=True)
    if len(lines) != 1 or check.returncode != 0:
        raise IdentityError(f"{keyfile} 不是一个 SSH 公钥(应是一行,以 ssh-ed25519 或 ssh-rsa 等开头)。")
    parts = lines[0].split()
    if any(p.startswith(("command=", "restrict", "from=")) for p in parts[:1]):
        raise IdentityError(f"{keyfile} 里带有选项,请只提供公钥本身。")
    return " ".join(parts[:2])  # type and key; the comment is replaced by the account name


def _key_lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines() if path.exists() else []


def _check_name(name: str) -> None:
    if not ACCOUNT_NAME.match(name):
        raise IdentityError(f"账号名 “{visible(name)}” 不对:只能用字母、数字、汉字和 . _ @ -,最长 64 个字符。")


def staff_add(name: str, keyfile: Path, repo: Path, authorized_keys: Path) -> str:
    _check_name(name)  # it is written into authorized_keys: a newline or quote would break the entry
    wrapper = repo.resolve() / SSH_WRAPPER
    if not wrapper.is_file():
        raise IdentityError(f"{repo} 没有用 server-setup --identity ssh 设置过(缺少 {wrapper})。请先运行 server-setup。")
    key = _public_key(keyfile)
    lines = _key_lines(authorized_keys)
    for line in lines:
        if key in line:
            raise IdentityError("这把公钥已经登记过了(一把密钥只能对应一个账号)。如要改账号,请先 disclosure staff remove。")
    entry = f'command="{wrapper} {name}",{KEY_OPTIONS} {key} {name}'
    authorized_keys.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = authorized_keys.with_name(authorized_keys.name + ".tmp")
    tmp.write_text("\n".join(lines + [entry]) + "\n", "utf-8")
    tmp.chmod(0o600)
    os.replace(tmp, authorized_keys)  # sshd reads the old or the new file, never half of one
    return entry


def staff_remove(name: str, authorized_keys: Path) -> int:
    _check_name(name)
    lines = _key_lines(authorized_keys)
    kept = [line for line in lines if not (line.startswith('command="') and f"/{SSH_WRAPPER} {name}\"" in line)]
    if len(kept) == len(lines):
        return 0  # nothing to remove: the file is left as it is (or not created)
    tmp = authorized_keys.with_name(authorized_keys.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in kept), "utf-8")
    tmp.chmod(0o600)
    os.replace(tmp, authorized_keys)
    return len(lines) - len(kept)


def staff_list(authorized_keys: Path) -> list[str]:
    found = []
    for line in _key_lines(authorized_keys):
        match = re.match(rf'command="[^"]*/{SSH_WRAPPER} ([^"]+)"', line)
        if match:
            found.append(match.group(1))
    return found


def default_authorized_keys() -> Path:
    return Path.home() / ".ssh" / "authorized_keys"


def cmd_staff(args) -> int:
    keys = Path(args.authorized_keys) if args.authorized_keys else default_authorized_keys()
    try:
        if args.action == "add":
            if not args.keyfile or not args.repo:
                raise IdentityError("用法:disclosure staff add 账号名 公钥文件 --repo 裸仓库路径")
            staff_add(args.name, Path(args.keyfile), Path(args.repo), keys)
            print(f"已登记账号 {args.name} 的公钥到 {keys}。这把密钥只能推送和拉取 {args.repo},不能登录服务器。")
            print(f"该账号能修改哪些通报,由 data/owners.yml 的 accounts: {args.name}: [...] 决定。")
        elif args.action == "remove":
            removed = staff_remove(args.name, keys)
            print(f"已删除账号 {args.name} 的 {removed} 把公钥。" if removed else f"{keys} 中没有账号 {args.name} 的公钥。")
        else:
            names = staff_list(keys)
            print("\n".join(names) if names else "还没有登记任何工作人员公钥。")
    except IdentityError as exc:
        print(f"未完成:{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"未完成:无法读写 {exc.filename}:{exc.strerror}", file=sys.stderr)
        return 1
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("staff", help="管理员:登记工作人员的 SSH 公钥(每把密钥对应一个账号,只能推送数据)")
    p.add_argument("action", choices=["add", "remove", "list"], help="add 登记 / remove 删除 / list 列出")
    p.add_argument("name", nargs="?", default="", help="账号名,与 data/owners.yml 中的一致,如 jinpu")
    p.add_argument("keyfile", nargs="?", help="工作人员的公钥文件(.pub)")
    p.add_argument("--repo", help="网站数据的裸仓库(server-setup 时的那个)")
    p.add_argument("--authorized-keys", help="默认 ~/.ssh/authorized_keys(运行 git 服务的账号)")
    p.set_defaults(func=cmd_staff)

    p = subparsers.add_parser("ssh-serve", help="(SSH 强制命令,由 staff add 写入 authorized_keys,无需手动运行)")
    p.add_argument("account")
    p.add_argument("--repo", required=True)
    p.set_defaults(func=cmd_ssh_serve)
