"""`disclosure update ITEM --status ...`: append a progress record to one item file, for staff.

The file is edited with ruamel.yaml round-trip so comments, key order, quoting and block text stay
exactly as they were: the git diff shows only the new record. The whole dataset is validated with
the edited file in place (in a shadow copy of the data folder) BEFORE the real file is replaced
atomically, so a refused update leaves the file byte for byte untouched.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from .errors import DataErrors
from .genre import status_of_word
from .model import month_text
from .status import LABELS as STATUS_LABELS
from .layout import ITEMS, NOTICES, SAFE_ID
from .validate import load_dataset
from .yamlio import decode, load_text

BOM = b"\xef\xbb\xbf"
class UpdateRefused(Exception):
    """A mistake in the command line; the message (Chinese) says what to do."""


@dataclass
class UpdateRequest:
    item_id: str
    status: str
    date: str
    note: str
    deadline: str | None = None
    reason: str | None = None


def status_code(word: str) -> str:
    code = status_of_word(word)  # a code, a site name, or a word of the genre (genre.py)
    if code:
        return code
    choices = "、".join(f"{label}({code})" for code, label in STATUS_LABELS.items())
    raise UpdateRefused(f"不认识的状态 “{word}”。可用:{choices}。")


def check_date(text: str, today: dt.date) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise UpdateRefused(f"日期 “{text}” 格式不对,应写成 2024-07-17 这样的年-月-日。")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UpdateRefused(f"日期 “{text}” 不存在,请核对年月日。") from None
    if day > today:
        raise UpdateRefused(f"日期 {text} 晚于今天({today.isoformat()})。进展记录只能记已经发生的事,请核对 --date。")
    return text


def check_month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise UpdateRefused(f"整改时限 “{text}” 格式不对,应写成 2025-06 这样的年-月。")
    return text


def find_item(data_dir: Path, item_id: str, notice_id: str | None) -> Path:
    """The item file to edit: always data/notices/<notice>/items/<item>.yml, never anything else."""
    for value, what in ((item_id, "事项编号"), (notice_id, "通报编号")):
        if value is not None and not SAFE_ID.match(value):
            raise UpdateRefused(f"{what} “{value}” 不对:只能用字母、数字和 - _ . ,不能含 / 或 ..。"
                                "本命令只修改 data/notices/通报编号/items/ 里的事项文件。")
    notices = data_dir / NOTICES
    if not notices.is_dir():
        raise UpdateRefused(f"找不到数据文件夹 {notices}。请在网站项目的根目录运行,或用 --data 指定数据文件夹。")
    if notice_id and not (notices / notice_id).is_dir():
        known = "、".join(sorted(p.name for p in notices.iterdir() if p.is_dir())) or "无"
        raise UpdateRefused(f"没有编号为 “{notice_id}” 的通报。现有通报:{known}。")
    folders = [notices / notice_id] if notice_id else sorted(p for p in notices.iterdir() if p.is_dir())
    hits = [f / ITEMS / f"{item_id}.yml" for f in folders if (f / ITEMS / f"{item_id}.yml").is_file()]
    if len(hits) > 1:
        names = "、".join(p.parent.parent.name for p in hits)
        raise UpdateRefused(f"多份通报都有事项 “{item_id}”({names})。请用 --notice 指明是哪一份,如 --notice {hits[0].parent.parent.name}。")
    if not hits:
        where = f"通报 {notice_id} 中" if notice_id else "任何通报中"
        raise UpdateRefused(f"{where}没有编号为 “{item_id}” 的事项。事项编号就是 items 文件夹里的文件名(不含 .yml),如 5-2。")
    hit = hits[0]
    if hit.is_symlink() or not hit.resolve().is_relative_to(notices.resolve()):
        raise UpdateRefused(f"{hit} 是指向别处的链接,不是 data/notices 里的事项文件。未修改。")
    return hit


def _round_trip_yaml() -> YAML:
    # Same layout as yamlio.dump, so untouched lines come out exactly as the importer wrote them.
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1_000_000
    y.indent(mapping=2, sequence=4, offset=2)
    y.allow_unicode = True
    return y


def _block(text: str) -> LiteralScalarString:
    return LiteralScalarString("\n".join(line.rstrip() for line in text.strip().splitlines()))


def edited_text(original: str, display: str, change: UpdateRequest) -> str:
    """The file's text with one update appended; everything else left as written."""
    current = load_text(original, display)  # Chinese file:line errors if the file is already broken
    last = (current.data.get("updates") or [None])[-1] if isinstance(current.data, dict) else None
    if last and isinstance(last, dict) and str(last.get("date", "")) > change.date:
        raise UpdateRefused(f"日期 {change.date} 早于该事项最近一条进展记录的日期 {last['date']}。"
                            "进展记录按时间先后追加,请核对 --date。")
    y = _round_trip_yaml()
    doc = y.load(io.StringIO(original))
    entry = CommentedMap()
    entry["date"] = DoubleQuotedScalarString(change.date)
    entry["status"] = change.status
    entry["note"] = _block(change.note)
    if change.deadline:
        entry["deadline"] = DoubleQuotedScalarString(change.deadline)
    if change.reason:
        entry["reason"] = _block(change.reason)
    updates = doc.get("updates")
    if not isinstance(updates, CommentedSeq):
        updates = doc["updates"] = CommentedSeq()
    updates.fa.set_block_style()  # `updates: []` becomes a block list, one line per field
    updates.append(entry)
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


def _link(source: Path, target: Path) -> None:
    """Cheapest faithful copy: hard links, else a copy. Not symlinks: the validator refuses any
    symlink under a data folder (it could publish a file from outside it)."""
    if source.is_symlink():
        os.symlink(os.readlink(source), target)  # copied as it is, so the validator sees and names it
        return
    if source.is_dir():
        target.mkdir()
        for entry in source.iterdir():
            _link(entry, target / entry.name)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def validate_with(data_dir: Path, item_file: Path, new_bytes: bytes) -> None:
    """Validate the whole dataset as it would be with item_file replaced. Raises DataErrors."""
    # Beside the data folder, so hard links work (same file system); removed on every path.
    with tempfile.TemporaryDirectory(prefix=".disclosure-update-", dir=data_dir.resolve().parent) as tmp:
        # Same folder name, so error messages name the real file ("data/notices/.../1.yml:30:5").
        shadow = Path(tmp) / (data_dir.resolve().name or "data")
        shadow.mkdir()
        edited_notice = item_file.parent.parent
        for entry in data_dir.iterdir():
            if entry.name != NOTICES:
                _link(entry, shadow / entry.name)
        (shadow / NOTICES).mkdir()
        for notice in (data_dir / NOTICES).iterdir():
            if notice.resolve() != edited_notice.resolve():
                _link(notice, shadow / NOTICES / notice.name)
                continue
            (shadow / NOTICES / notice.name).mkdir()
            for entry in notice.iterdir():
                if entry.name != ITEMS:
                    _link(entry, shadow / NOTICES / notice.name / entry.name)
            items = shadow / NOTICES / notice.name / ITEMS
            items.mkdir()
            for entry in (notice / ITEMS).iterdir():
                if entry.name != item_file.name:
                    _link(entry, items / entry.name)
            (items / item_file.name).write_bytes(new_bytes)
        load_dataset(shadow)


def write_atomically(path: Path, data: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def apply(data_dir: Path, notice_id: str | None, change: UpdateRequest) -> Path:
    item_file = find_item(data_dir, change.item_id, notice_id)
    display = str(Path(data_dir.resolve().name or "data") / item_file.relative_to(data_dir))
    raw = item_file.read_bytes()
    original = decode(raw, display)
    crlf = "\r\n" in original
    text = edited_text(original.replace("\r\n", "\n"), display, change)
    if crlf:
        text = text.replace("\n", "\r\n")
    new_bytes = (BOM if raw.startswith(BOM) else b"") + text.encode("utf-8")
    validate_with(data_dir, item_file, new_bytes)
    write_atomically(item_file, new_bytes)
    return item_file


def confirmation(item_file: Path, change: UpdateRequest) -> str:
    lines = [f"已更新 {item_file}:新增进展记录",
             f"  日期:{change.date}",
             f"  状态:{STATUS_LABELS[change.status]}({change.status})",
             f"  说明:{change.note}"]
    if change.deadline:
        lines.append(f"  整改时限调整为 {month_text(change.deadline)},理由:{change.reason}")
    lines.append("数据检查通过。发布到网站:")
    lines.append(f'  disclosure publish -m "事项 {change.item_id}:{STATUS_LABELS[change.status]}"')
    return "\n".join(lines)


def cmd_update(args) -> int:
    today = dt.date.today()
    try:
        status = status_code(args.status)
        note = (args.note or "").strip() or f"整改状态更新为“{STATUS_LABELS[status]}”。"
        if args.deadline and not (args.reason or "").strip():
            raise UpdateRefused("调整整改时限(--deadline)时必须写明理由,请加上 --reason \"……\"。")
        change = UpdateRequest(item_id=args.item_id, status=status,
                        date=check_date(args.date, today) if args.date else today.isoformat(), note=note,
                        deadline=check_month(args.deadline) if args.deadline else None,
                        reason=(args.reason or "").strip() or None)
        item_file = apply(Path(args.data), args.notice, change)
    except UpdateRefused as exc:
        print(f"未修改任何文件:{exc}", file=sys.stderr)
        return 1
    except DataErrors as exc:
        print("未修改任何文件:修改后的数据没有通过检查。", file=sys.stderr)
        print(exc.report(), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"未修改任何文件:无法读写 {exc.filename}:{exc.strerror}", file=sys.stderr)
        return 1
    print(confirmation(item_file, change))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "update", help="给一个整改事项追加进展记录(改状态、补说明、调整时限)",
        description="给一个整改事项追加一条进展记录。例:disclosure update 5-2 --status 已完成 --note \"已出台制度并印发\"")
    p.add_argument("item_id", metavar="事项编号", help="items 文件夹里的文件名(不含 .yml),如 5-2")
    p.add_argument("--status", required=True, help="新的状态:" + "/".join(STATUS_LABELS.values()) + ",或英文 done 等")
    p.add_argument("--date", help="进展日期 YYYY-MM-DD(默认今天)")
    p.add_argument("--note", help="进展说明(公开显示)")
    p.add_argument("--deadline", help="调整后的整改时限 YYYY-MM(须同时写 --reason)")
    p.add_argument("--reason", help="调整时限的理由(公开显示)")
    p.add_argument("--notice", help="通报编号(多份通报有同一事项编号时必填)")
    p.add_argument("--data", default="data", help="数据文件夹(默认 data)")
    p.set_defaults(func=cmd_update)
