"""`disclosure` command line. Every failure staff can cause ends in a Chinese message and exit 1,
never a traceback.

The library raises its own errors (DataErrors, ImportFailed, SetupError, Refused, OSError ...);
each command here turns the ones it expects into the one UserError (usererror.py) with the message
for the person who ran it, and main() prints it and returns its exit code. `update`, `staff` and
`ssh-serve` live in their modules (update.py, identity.py), which register them here."""
from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from pathlib import Path

from . import environment, identity, sync, update
from .checked import CheckedFiles
from .errors import DataErrors
from .importer import ImportFailed, import_notice, link_followup, write
from .publish.releases import release_commit, rollback
from .publish.server import Refused, SetupError, add_server_options, trust_only_real_objects
from .publish.program import Program, current_link
from .publish.setup import program_rollback, publish_existing, server_setup, server_upgrade, verify_release
from .usererror import UserError
from .validate import SAFE_ID, consistency_warnings, load_dataset

IDENTITY_HELP = {
    "ssh": "OpenSSH 强制命令(disclosure staff add 登记的每把密钥对应一个账号)",
    "gitolite": "gitolite3 设置的 GL_USER",
    "gitlab": "GitLab 服务器钩子的 GL_USERNAME",
    "gitea": "Gitea/Forgejo 钩子的 GITEA_PUSHER_NAME",
}


@contextlib.contextmanager
def failing_as(prefix: str, cannot: str = "", refused: str = ""):
    """The publish library's errors inside, as the one UserError: SetupError as `prefix` + its
    message; OSError (if `cannot` is given) as `prefix` + "`cannot` FILE:REASON"; Refused (if
    `refused` is given) as `refused` + its message. Anything else passes through."""
    try:
        yield
    except SetupError as exc:
        raise UserError(f"{prefix}{exc}") from exc
    except Refused as exc:
        if not refused:
            raise
        raise UserError(f"{refused}{exc}") from exc
    except OSError as exc:
        if not cannot:
            raise
        raise UserError(f"{prefix}{cannot} {exc.filename}:{exc.strerror}") from exc


# ---- data: validate, import ----------------------------------------------------------------------

def cmd_validate(args) -> int:
    cache = os.environ.get(environment.BUILD_CACHE, "").strip()  # a publish's check: files the last build checked
    dataset = load_dataset(Path(args.data_dir), CheckedFiles(Path(cache), writable=False) if cache else None)
    for warning in consistency_warnings(dataset):
        print(warning, file=sys.stderr)
    print(f"数据有效:{len(dataset.notices)} 份通报,{len(dataset.items)} 项整改事项。")
    return 0


def cmd_import(args) -> int:
    source = Path(args.notice)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise UserError(f"无法读取通报文件 {source}:{exc.strerror}") from exc
    notice_id = args.id or Path(args.out).resolve().name  # the folder is the notice: data/notices/<id>
    if not SAFE_ID.match(notice_id):
        raise UserError(f"通报编号 “{notice_id}” 不对:只能用字母、数字和 - _ . 。请用 --id 指定,或换一个输出文件夹名。")
    try:
        result = import_notice(raw, notice_id, source.name)
        if args.follows:
            link_followup(result, _earlier_notice(Path(args.out), args.follows))
        write(result, Path(args.out))
    except ImportFailed as exc:
        raise UserError(f"{source}: {exc}") from exc
    for note in result.notes:
        print(f"{source}: 提示: {note}", file=sys.stderr)
    print(f"已导入 {len(result.items)} 项整改事项到 {args.out}")
    print(result.report())
    return 0


def _earlier_notice(out: Path, notice_id: str):
    """The notice a follow-up follows, from the data folder the follow-up is imported into."""
    data_dir = out.resolve().parent.parent  # data/notices/<id> -> data
    try:
        dataset = load_dataset(data_dir)
    except DataErrors as exc:
        raise UserError(f"--follows 需要先读取 {data_dir} 中的数据,但数据校验未通过:\n{exc.report()}") from exc
    found = next((n for n in dataset.notices if n.id == notice_id), None)
    if found is None:
        raise UserError(f"--follows 写的通报 “{notice_id}” 在 {data_dir}/notices/ 中不存在。请写已导入的那份通报的文件夹名。")
    return found


# ---- the publishing server: server-setup, server-upgrade, rollback, verify-release ---------------

def say_installed(installed, web_root: Path) -> None:
    """What server-setup and server-upgrade tell about the installed program (publish/program.py)."""
    program = Program.of(web_root)
    if installed.already:
        print(f"服务器上已安装这个版本的程序:{program.describe(installed.name)}。")
    else:
        env = "新建了 Python 环境" if installed.env_made else "沿用已有的 Python 环境"
        print(f"已安装发布程序 {program.describe(installed.name)};{env} {installed.env},"
              f"用时 {installed.seconds:.0f} 秒。")
    print(f"程序位置:{current_link(web_root)}(钩子和工作人员密钥都只使用这里的程序"
          + (")。" if installed.from_installed else ",运行本命令的项目目录之后可以移走或删除)。"))


def cmd_server_setup(args) -> int:
    trust_only_real_objects()
    with failing_as("未完成设置:", cannot="无法写入", refused=f"钩子已安装,但 {args.branch} 当前内容无法发布:\n"):
        server, installed = server_setup(Path(args.bare_repo), Path(args.web_root), args.keep, args.branch,
                                         args.build_command, args.identity, tuple(args.admin or ()),
                                         args.build_timeout, args.max_memory_mb, args.site_url or "",
                                         args.gzip_static)
        say_installed(installed, server.web_root)
        print(f"已安装发布钩子到 {server.git_dir}/hooks(pre-receive、post-receive)。")
        print(f"推送者身份取自:{IDENTITY_HELP[server.identity]}。管理员:{'、'.join(server.admins) or '(未指定)'}。")
        if not server.admins:
            print("提醒:没有用 --admin 指定管理员,在 data/owners.yml 存在之前没有人能推送。")
        print(f"推送到 {server.branch} 分支时:检查数据 → 生成网站 → 切换 {server.current}。其他分支只保存不发布。")
        print(f"网站服务器(nginx)的根目录请设为 {server.current},示例配置见 deploy/nginx.conf。")
        if server.gzip_static:
            print("--gzip-static:全站 data/items.json、items.csv 只保存压缩版(.gz);nginx 必须包含 deploy/nginx.conf "
                  "中 data/items 那一段(gzip_static always、gunzip),否则这两个文件打不开。")
        name = publish_existing(server)
        print(f"已发布 {server.branch} 当前内容:{name}" if name else f"仓库里还没有 {server.branch} 分支,第一次推送时发布。")
    return 0


def cmd_server_upgrade(args) -> int:
    trust_only_real_objects()
    web_root = Path(args.web_root)
    command = (f"{current_link(web_root.resolve())}/bin/disclosure server-upgrade {Path(args.bare_repo).resolve()} "
               f"{web_root.resolve()}")
    if args.rollback:
        with failing_as("未退回:", cannot="无法操作"):
            done = program_rollback(Path(args.bare_repo), web_root)
        program = Program.of(web_root.resolve())
        print(f"已退回:服务器现在使用 {program.describe(done.now)}。")
        print(f"刚才的版本 {program.describe(done.was)} 仍保留;要再换回它,再运行一次:\n  {command} --rollback")
        return 0
    with failing_as("未升级:", cannot="无法写入"):
        done = server_upgrade(Path(args.bare_repo), web_root)
    program = Program.of(web_root.resolve())
    say_installed(done.installed, web_root.resolve())
    if done.was == done.now and not done.hooks_rewritten:
        print("服务器已在使用这个版本,没有改变。")
        if done.installed.from_installed:
            print("要升级,请在新版本的项目目录(git clone 或 git pull 后运行 make install)中运行:\n"
                  f"  .venv/bin/disclosure server-upgrade {Path(args.bare_repo).resolve()} {web_root.resolve()}")
        return 0
    print(f"已启用:下一次推送起使用 {done.now}。" + ("钩子已改为使用安装的程序。" if done.hooks_rewritten else ""))
    if done.kept:
        print(f"上一版本 {program.describe(done.kept)} 仍保留。如新版本有问题,退回上一版本:\n  {command} --rollback")
    if done.removed:
        print(f"已删除更早的版本:{'、'.join(done.removed)}。")
    return 0


def cmd_rollback(args) -> int:
    with failing_as("未回滚:", cannot="无法操作"):
        old, new = rollback(Path(args.web_root))
    print(f"已回滚:网站现在显示版本 {new}(提交 {release_commit(new)}),原版本 {old or '无'} 仍保留。")
    print("注意:仓库的 main 分支仍包含被撤下的修改,下次推送会重新发布 main 的最新内容。"
          "请先修正数据(或 git revert 那次提交)再推送。")
    return 0


def cmd_verify_release(args) -> int:
    trust_only_real_objects()
    with failing_as("未核对:", refused="未核对:重建失败:"):
        name, differences = verify_release(Path(args.bare_repo), Path(args.web_root), args.release)
    if differences:
        raise UserError("\n".join([f"版本 {name} 与从头重建的结果不一致({len(differences)} 处):"]
                                  + ["  " + line for line in differences[:50]]))
    print(f"版本 {name} 与从头重建的结果逐字节一致。")
    return 0


def register_server_commands(sub) -> None:
    p = sub.add_parser("server-setup", help="在自建服务器的裸仓库上安装“推送即发布”钩子")
    p.add_argument("bare_repo", metavar="裸仓库", help="裸仓库路径,如 /srv/git/disclosure.git")
    p.add_argument("web_root", metavar="发布目录", help="网站发布目录,如 /srv/www/disclosure(nginx 指向其中的 current)")
    add_server_options(p)
    p.set_defaults(func=cmd_server_setup)

    p = sub.add_parser("server-upgrade", help="把服务器上安装的发布程序换成本项目目录的版本(原版本保留,可退回)")
    p.add_argument("bare_repo", metavar="裸仓库", help="服务器上的裸仓库(server-setup 时的那个)")
    p.add_argument("web_root", metavar="发布目录", help="网站发布目录(server-setup 时的那个)")
    p.add_argument("--rollback", action="store_true", help="不安装新版本,退回到上一次使用的程序版本")
    p.set_defaults(func=cmd_server_upgrade)

    p = sub.add_parser("rollback", help="把网站切回上一次发布的版本")
    p.add_argument("web_root", metavar="发布目录", help="网站发布目录(server-setup 时指定的那个)")
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("verify-release", help="从头重建某个已发布版本,逐字节核对网站没有被改动")
    p.add_argument("bare_repo", metavar="裸仓库", help="服务器上的裸仓库")
    p.add_argument("web_root", metavar="发布目录", help="网站发布目录")
    p.add_argument("--release", metavar="版本", help="要核对的版本(releases/ 下的文件夹名;默认当前版本)")
    p.set_defaults(func=cmd_verify_release)


# ---- the parser and main -------------------------------------------------------------------------

class ChineseHelpFormatter(argparse.HelpFormatter):
    """argparse's help in Chinese: "用法:" for "usage:", and "值" where it would invent an English
    placeholder from the option's name (--keep KEEP)."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法:" if prefix is None else prefix)

    def _get_default_metavar_for_optional(self, action):
        return "值"

    def _get_default_metavar_for_positional(self, action):
        return POSITIONAL_NAMES.get(action.dest, action.dest)


# positional arguments named in English by the modules that register them (identity.py)
POSITIONAL_NAMES = {"name": "账号", "account": "账号", "keyfile": "公钥文件"}


# argparse's own error messages (Python 3.11) -> Chinese; anything else is shown as argparse says it
ARGPARSE_ERRORS = [
    (r"the following arguments are required: (.*)", r"缺少必须写的参数:\1"),
    (r"argument 命令: invalid choice: '?([^']*)'? \(choose from (.*)\)", r"没有 “\1” 这个命令(可用的命令:\2)"),
    (r"argument (\S+): invalid choice: '?([^']*)'? \(choose from (.*)\)", r"\1 写的 “\2” 不是可用的选项(可选:\3)"),
    (r"unrecognized arguments: (.*)", r"不认识的参数:\1"),
    (r"argument (\S+): expected one argument", r"\1 后面要写一个值"),
    (r"argument (\S+): expected at least one argument", r"\1 后面至少要写一个值"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"\1 的值 \3 不对(应为\2)"),
    (r"argument (\S+): ignored explicit argument (.*)", r"\1 不需要写值(写了 \2)"),
    (r"argument (\S+): not allowed with argument (.*)", r"\1 不能与 \2 同时使用"),
]
ARGPARSE_TYPES = {"int": "整数", "float": "数字"}


def chinese_error(message: str) -> str:
    for pattern, replacement in ARGPARSE_ERRORS:
        found = re.fullmatch(pattern, message)
        if found:
            text = found.expand(replacement)
            for word, chinese in ARGPARSE_TYPES.items():
                text = text.replace(f"(应为{word})", f"(应为{chinese})")
            return text
    return message


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse speaks English; staff get the help, the problem and the way to the help in Chinese.
    Subcommand parsers are of this class too (add_subparsers uses the parent's class)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示这份说明")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}:命令写法有误:{chinese_error(message)}。运行 {self.prog} --help 查看用法。\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="disclosure", description="整改情况公示网站工具")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")

    sync.register(sub)
    p = sub.add_parser("validate", help="检查 data/ 中的数据")
    p.add_argument("data_dir", nargs="?", default="data", metavar="数据文件夹", help="默认 data")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("import", help="把通报原文(.txt 文本、.html 网页、.docx Word 文件)导入为数据文件夹")
    p.add_argument("notice", metavar="通报原文", help="通报原文文件:网页另存的 .html、Word 的 .docx 或纯文本 .txt")
    p.add_argument("--out", required=True, help="输出文件夹,如 data/notices/jinpu-2019")
    p.add_argument("--follows", metavar="原通报编号",
                   help="这是一份后续通报(整改进展情况):写它接续的那份通报的编号,导入时按标题把事项对应到那份通报的问题")
    p.add_argument("--id", help="通报编号(默认取输出文件夹名)")
    p.set_defaults(func=cmd_import)

    update.register(sub)
    register_server_commands(sub)
    identity.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    except DataErrors as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
