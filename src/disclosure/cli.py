"""`disclosure` command line. Every failure staff can cause ends in a Chinese message and exit 1,
never a traceback. Commands live in their own modules and register here."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import DataErrors


def cmd_validate(args) -> int:
    import os
    from .buildcache import CheckedFiles
    from .site.settings import BUILD_CACHE_ENV
    from .validate import consistency_warnings, load_dataset
    cache = os.environ.get(BUILD_CACHE_ENV, "").strip()  # a publish's check: files the last build checked
    dataset = load_dataset(Path(args.data_dir), CheckedFiles(Path(cache), writable=False) if cache else None)
    for warning in consistency_warnings(dataset):
        print(warning, file=sys.stderr)
    print(f"数据有效:{len(dataset.notices)} 份通报,{len(dataset.items)} 项整改事项。")
    return 0


def cmd_import(args) -> int:
    from .importer import ImportFailed, import_notice, link_followup, write
    from .validate import SAFE_ID
    source = Path(args.notice)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        print(f"无法读取通报文件 {source}:{exc.strerror}", file=sys.stderr)
        return 1
    notice_id = args.id or Path(args.out).resolve().name  # the folder is the notice: data/notices/<id>
    if not SAFE_ID.match(notice_id):
        print(f"通报编号 “{notice_id}” 不对:只能用字母、数字和 - _ . 。请用 --id 指定,或换一个输出文件夹名。", file=sys.stderr)
        return 1
    try:
        result = import_notice(raw, notice_id, source.name)
        if args.follows:
            earlier = _earlier_notice(Path(args.out), args.follows)
            if earlier is None:
                return 1
            link_followup(result, earlier)
        write(result, Path(args.out))
    except ImportFailed as exc:
        print(f"{source}: {exc}", file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"{source}: 提示: {note}", file=sys.stderr)
    print(f"已导入 {len(result.items)} 项整改事项到 {args.out}")
    print(result.report())
    return 0


def _earlier_notice(out: Path, notice_id: str):
    """The notice a follow-up follows, from the data folder the follow-up is imported into."""
    from .validate import load_dataset
    data_dir = out.resolve().parent.parent  # data/notices/<id> -> data
    try:
        dataset = load_dataset(data_dir)
    except DataErrors as exc:
        print(f"--follows 需要先读取 {data_dir} 中的数据,但数据校验未通过:\n{exc.report()}", file=sys.stderr)
        return None
    found = next((n for n in dataset.notices if n.id == notice_id), None)
    if found is None:
        print(f"--follows 写的通报 “{notice_id}” 在 {data_dir}/notices/ 中不存在。请写已导入的那份通报的文件夹名。", file=sys.stderr)
    return found


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse speaks English; staff get the problem and the way to the help in Chinese."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 命令写法有误({message})。运行 {self.prog} --help 查看用法。\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="disclosure", description="整改情况公示网站工具")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="检查 data/ 中的数据")
    p.add_argument("data_dir", nargs="?", default="data")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("import", help="把通报原文(.txt 文本、.html 网页、.docx Word 文件)导入为数据文件夹")
    p.add_argument("notice", help="通报原文文件:网页另存的 .html、Word 的 .docx 或纯文本 .txt")
    p.add_argument("--out", required=True, help="输出文件夹,如 data/notices/jinpu-2019")
    p.add_argument("--follows", metavar="EARLIER_ID",
                   help="这是一份后续通报(整改进展情况):写它接续的那份通报的编号,导入时按标题把事项对应到那份通报的问题")
    p.add_argument("--id", help="通报编号(默认取输出文件夹名)")
    p.set_defaults(func=cmd_import)

    for module in EXTRA_COMMANDS:
        __import__(f"disclosure.{module}", fromlist=["register"]).register(sub)
    return parser


EXTRA_COMMANDS: list[str] = ["update", "publish", "identity"]  # modules with a register(subparsers) function


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DataErrors as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
