"""Published history is append-only: what a push may do to data that is already public.

Compared file by file, the published branch before the push (old) against the pushed commit (new):

    progress records (`updates`)      only appended; a published record is never edited or removed
    corrections / withdrawn           only appended / set once; never edited or removed
    official text (every other field  changes only by an admin who appends a `corrections` entry
    of item and notice files, and     (date, reason), which the page shows: 本页原文于…更正:理由.
    the notice's source file)         So a status cannot flip silently: a new status is a new
                                      dated `updates` record, the notice's word stays as published
    a published file                  never deleted; an admin sets `withdrawn: {date, reason}` and
                                      the page then says when and why
    a new item in a published notice  official text too: an admin, with a correction of notice.yml

And for every changed or new file, published or not (`record_refusals`):

    corrections / withdrawn           written only by admins (a staff account cannot say 本页原文于…更正)
    dates                             no progress record, correction, withdrawal or notice date later
                                      than the publish day: a record dated 2099 would top 最近更新 for ever

Fields that are records rather than official text are listed in RECORD_FIELDS; every other field,
including any added to the schemas later, is protected by default.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .errors import DataError, DataErrors
from .layout import IN_NOTICE, ITEM_PATH, NOTICE_PATH as NOTICE_FILE
from .yamlio import Loaded, field_name, load_bytes

RECORD_FIELDS = {
    "item": {"updates", "corrections", "withdrawn"},
    "notice": {"contact", "corrections", "withdrawn"},  # phone numbers change; the notice does not
}
HOW_TO_WITHDRAW = "要撤下已公开的事项或通报,请由管理员在文件中写 withdrawn(date 日期、reason 理由),网站会保留页面并说明撤下的时间和理由。"


@dataclass
class Change:
    path: str
    old: bytes | None  # None: the file is new
    new: bytes | None  # None: the file was deleted


def load_yaml(raw: bytes | None, path: str) -> Loaded | None:
    if raw is None:
        return None
    try:
        loaded = load_bytes(raw, path)
    except DataErrors:
        return None  # the validator reports broken YAML with its line; nothing to compare here
    return loaded if isinstance(loaded.data, dict) else None


class _Report:
    def __init__(self):
        self.errors: list[DataError] = []

    def add(self, path: str, loaded: Loaded | None, where: tuple, message: str):
        line, col = loaded.where(where) if loaded is not None else (0, 0)
        self.errors.append(DataError(path, line, col, field_name(where), message))


def _appended_only(report: _Report, change: Change, old: Loaded, new: Loaded, key: str, what: str):
    before, after = old.data.get(key) or [], new.data.get(key) or []
    for i, entry in enumerate(before):
        if i >= len(after):
            report.add(change.path, new, (key,), f"已公开的第 {i + 1} 条{what}被删除了。已公开的{what}不能删除;"
                       f"如需更正,请在末尾追加一条新的{what}说明情况。")
            return
        if after[i] != entry:
            report.add(change.path, new, (key, i), f"已公开的第 {i + 1} 条{what}被修改了。已公开的{what}不能修改;"
                       f"如需更正,请恢复原样,在末尾追加一条新的{what}说明情况。")
            return


def _official_change(report: _Report, change: Change, old: Loaded, new: Loaded, kind: str, is_admin: bool):
    changed = sorted(k for k in set(old.data) | set(new.data)
                     if k not in RECORD_FIELDS[kind] and old.data.get(k) != new.data.get(k))
    if not changed:
        return
    grew = _corrections_grew(old, new)
    for key in changed:
        if not is_admin:
            tip = ("状态变化请用 disclosure update 追加一条带日期的进展记录(updates),不要直接改 status;"
                   if key == "status" else "报告新进展请追加进展记录(updates);")
            report.add(change.path, new, (key,), f"这是通报原文,已公开后只能由管理员更正。{tip}请恢复这个字段的原文。")
        elif not grew:
            report.add(change.path, new, (key,), "更正已公开的原文,须在 corrections 末尾追加一条(date 日期、reason 理由),"
                       "网站会在页面上公开显示“本页原文于…更正:理由”。")


def _corrections_grew(old: Loaded, new: Loaded) -> bool:
    """The push appends a correction (date, reason): the one way official text may change."""
    return len(new.data.get("corrections") or []) > len(old.data.get("corrections") or [])


def _withdrawal(report: _Report, change: Change, old: Loaded, new: Loaded):
    before, after = old.data.get("withdrawn"), new.data.get("withdrawn")
    if before is not None and after != before:
        report.add(change.path, new, ("withdrawn",), "撤下记录已公开,不能修改或删除(撤下的内容也不能恢复为未撤下)。")


ADMIN_ONLY_FIELDS = ("corrections", "withdrawn")
# Where a data file states a date of something that happened (not a deadline, which may be ahead).
DATED = {"item": (("updates", "*", "date"), ("corrections", "*", "date"), ("withdrawn", "date")),
         "notice": (("issued",), ("published",), ("corrections", "*", "date"), ("withdrawn", "date"))}


def _dates(data, path: tuple) -> list[tuple[tuple, object]]:
    """(where, value) of every value at `path` ("*": each entry of a list)."""
    found = [((), data)]
    for step in path:
        nxt = []
        for where, value in found:
            if step == "*" and isinstance(value, list):
                nxt += [(where + (i,), v) for i, v in enumerate(value)]
            elif step != "*" and isinstance(value, dict) and step in value:
                nxt.append((where + (step,), value[step]))
        found = nxt
    return found


def _value_at(data, where: tuple):
    for step in where:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def record_refusals(report: _Report, change: Change, old: Loaded | None, new: Loaded, kind: str,
                    is_admin: bool, today: dt.date | None) -> None:
    """Rules for what a changed or new file newly says, whether its notice is published or not."""
    if not is_admin:
        for key in ADMIN_ONLY_FIELDS:
            before = old.data.get(key) if old is not None else None
            if new.data.get(key) not in (None, before):
                what = "更正原文" if key == "corrections" else "撤下事项或通报"
                report.add(change.path, new, (key,), f"{what}只能由管理员操作({key}):网站会据此公开说明原文被更正或撤下。"
                           "请删除这一段;如需更正或撤下,请联系管理员。")
    if today is None:
        return
    for path in DATED[kind]:
        for where, value in _dates(new.data, path):
            if old is not None and _value_at(old.data, where) == value:
                continue  # as published before: not this push's statement
            try:
                day = dt.date.fromisoformat(str(value))
            except ValueError:
                continue  # the validator explains a malformed date
            if day > today:
                report.add(change.path, new, where, f"日期 {value} 晚于发布当天({today.isoformat()})。"
                           "只能记录已经发生的事:请写实际日期(进展记录写进展发生或公布的日期)。")


def history_refusals(changes: list[Change], is_admin: bool, published_notices: set[str],
                     today: dt.date | None = None) -> list[DataError]:
    """Every way the push rewrites published data (empty: it only appends), and what it newly says
    that only an admin may say or that is dated after `today` (the publish day).
    `published_notices`: ids of the notices on the published branch before the push."""
    report = _Report()
    # each YAML file parsed once, old and new; other files (source.*) are compared as bytes
    parsed = {c.path: (load_yaml(c.old, c.path), load_yaml(c.new, c.path)) for c in changes if c.path.endswith(".yml")}
    for change in sorted(changes, key=lambda c: c.path):
        kind = "item" if ITEM_PATH.match(change.path) else "notice" if NOTICE_FILE.match(change.path) else None
        if kind and parsed[change.path][1] is not None:
            record_refusals(report, change, parsed[change.path][0], parsed[change.path][1], kind, is_admin, today)
    corrected_notices = {m.group(1) for c in changes if (m := NOTICE_FILE.match(c.path))
                         and all(parsed[c.path]) and _corrections_grew(*parsed[c.path])}
    for change in sorted(changes, key=lambda c: c.path):
        notice = IN_NOTICE.match(change.path)
        if notice is None or notice.group(1) not in published_notices:
            continue  # a new notice, or a file outside notices (access rules decide those)
        if change.new is None:
            report.add(change.path, None, (), f"已公开的文件不能删除。{HOW_TO_WITHDRAW}")
            continue
        if change.old is None:
            if ITEM_PATH.match(change.path) and not (is_admin and notice.group(1) in corrected_notices):
                report.add(change.path, None, (), "已公开的通报新增事项属于更正原文:只能由管理员操作,并须在该通报 notice.yml 的 "
                           "corrections 末尾追加一条(date、reason)说明理由。")
            continue
        kind = "item" if ITEM_PATH.match(change.path) else "notice" if NOTICE_FILE.match(change.path) else None
        if kind is None:  # the notice's source text (or another file of its folder), byte for byte
            if not (is_admin and notice.group(1) in corrected_notices):
                report.add(change.path, None, (), "通报原文文件已公开,只能由管理员更正,并须在 notice.yml 的 corrections "
                           "末尾追加一条(date、reason)说明理由。")
            continue
        old, new = parsed[change.path]
        if old is None or new is None:
            continue
        _withdrawal(report, change, old, new)
        if kind == "item":
            _appended_only(report, change, old, new, "updates", "进展记录")
        _appended_only(report, change, old, new, "corrections", "更正记录")
        _official_change(report, change, old, new, kind, is_admin)
    return report.errors
