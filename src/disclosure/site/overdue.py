"""How long an item is overdue, in words (item pages, tables, the print sheet), and the portal's
list of every overdue problem (/overdue/ and each unit's: portal.overdue_pages).

Overdue, honestly: an item not done whose current deadline month has ended before the as-of date
(status.is_overdue, the one rule). How long ago is counted in whole months from the first day after
the deadline month, so "已超过 N 个月" never overstates."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..dataset import Dataset
from ..model import Item
from ..status import OVERDUE_TEXT, month_end
from .. import urls


def elapsed_text(since: dt.date, as_of: dt.date) -> str:
    """Whole years/months from the first overdue day `since` to `as_of`: '6 年 10 个月'. Under a
    month, days counted inclusively: on `since` itself the item is 1 day overdue."""
    months = (as_of.year - since.year) * 12 + as_of.month - since.month - (as_of.day < since.day)
    if months <= 0:
        return f"{(as_of - since).days + 1} 天"
    years, months = divmod(months, 12)
    parts = ([f"{years} 年"] if years else []) + ([f"{months} 个月"] if months else [])
    return " ".join(parts)


def overdue_since(item: Item) -> dt.date:
    """The first overdue day: the day after the current deadline month (an Item's or a series.Problem's)."""
    return month_end(item.deadline) + dt.timedelta(days=1)


def overdue_note(item: Item, as_of: dt.date) -> str:
    """'已过整改时限，未见完成报告(已超过 6 年 10 个月)' or '' when not overdue."""
    if not item.overdue(as_of):
        return ""
    return f"{OVERDUE_TEXT}（已超过 {elapsed_text(overdue_since(item), as_of)}）"


def overdue_elapsed(item: Item, as_of: dt.date) -> str:
    return f"已超过 {elapsed_text(overdue_since(item), as_of)}" if item.overdue(as_of) else ""



# ---- the portal's list of overdue problems (/overdue/, and each unit's) ------------------------

@dataclass(frozen=True)
class OverdueRow:
    """One overdue problem as /overdue/ lists it: what its newest statement says (heading verbatim,
    its notice) and how long it is overdue. Plain values, so a preview compares rows cheaply
    (render.Bodies)."""
    since: dt.date  # the first overdue day
    unit: str  # the inspected unit, as the directory names it (its inspection's first notice)
    notice_id: str
    notice_title: str
    issued: str
    item_id: str
    label: str
    heading: str
    deadline: str  # the current deadline, "YYYY-MM"
    elapsed: str  # "已超过 6 年 10 个月"
    item_url: str


def overdue_rows(dataset: Dataset, as_of: dt.date) -> list[OverdueRow]:
    """Every overdue problem of the portal, each once (a problem reported on by later notices is
    told by its newest statement, as the site-wide figures count it), longest overdue first; ties
    by unit, then in the directory's order."""
    rows = []
    for problem in dataset.problems:  # newest notice first, each notice's items in order
        if not problem.overdue(as_of):
            continue
        latest, since = problem.latest, overdue_since(problem)
        unit = dataset.series(problem.root.notice)[0].unit
        rows.append(OverdueRow(since, unit, latest.notice.id, latest.notice.title, latest.notice.issued,
                               latest.item.id, latest.item.label, latest.item.heading, problem.deadline,
                               f"已超过 {elapsed_text(since, as_of)}", urls.item_url(latest.item)))
    return sorted(rows, key=lambda r: (r.since, r.unit))  # stable: the directory's order within a tie
