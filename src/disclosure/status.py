"""The status vocabulary, once: the codes the data files use, what the site calls each, its icon,
their order, which one is done, and the overdue rule. The JSON schemas' enums and descriptions
(schema/item.schema.json) are checked against this by tests/test_status.py; the genre's own words
for each status (整改到位, 基本完成, …) are in genre.py.

    code          label       icon   order: as listed (the items table sorts by it)
    done          已完成       ✔
    in_progress   正在整改     ◔
    partly_done   阶段性完成   ◑
    mostly_done   基本完成     ◕
    ongoing       持续推进     ↻
    not_started   尚未启动     ○
    unreported    未说明进展   ？     the notice states no status: never guessed
"""
from __future__ import annotations

import calendar
import datetime as dt

DONE = "done"
IN_PROGRESS = "in_progress"
PARTLY_DONE = "partly_done"
MOSTLY_DONE = "mostly_done"
ONGOING = "ongoing"
NOT_STARTED = "not_started"
UNREPORTED = "unreported"

LABELS = {  # insertion order is the display and sort order
    DONE: "已完成",
    IN_PROGRESS: "正在整改",
    PARTLY_DONE: "阶段性完成",
    MOSTLY_DONE: "基本完成",
    ONGOING: "持续推进",
    NOT_STARTED: "尚未启动",
    UNREPORTED: "未说明进展",
}
CODES = tuple(LABELS)
ICONS = {  # shown beside the word: status is never told by colour alone
    DONE: "✔", IN_PROGRESS: "◔", PARTLY_DONE: "◑", MOSTLY_DONE: "◕", ONGOING: "↻", NOT_STARTED: "○", UNREPORTED: "？",
}
ORDER = list(CODES)  # sort rank in the items table
OVERDUE_TEXT = "已过整改时限，未见完成报告"


def is_done(code: str) -> bool:
    return code == DONE


def month_end(yyyymm: str) -> dt.date:
    """The last day of a deadline month ("2019-12" -> 2019-12-31): a deadline is met until it ends."""
    year, month = map(int, yyyymm.split("-"))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def is_overdue(code: str, deadline_end: dt.date | None, as_of: dt.date) -> bool:
    """The overdue rule, the only one: not done, and the deadline month is over on the as-of date."""
    return not is_done(code) and deadline_end is not None and deadline_end < as_of
