"""How long an item is overdue, in words (item pages, tables, the print sheet).

Overdue, honestly: an item not done whose current deadline month has ended before the as-of date
(status.is_overdue, the one rule). How long ago is counted in whole months from the first day after
the deadline month, so "已超过 N 个月" never overstates."""
from __future__ import annotations

import datetime as dt

from ..model import Item
from ..status import OVERDUE_TEXT, month_end


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
    return month_end(item.deadline) + dt.timedelta(days=1)


def overdue_note(item: Item, as_of: dt.date) -> str:
    """'已过整改时限，未见完成报告(已超过 6 年 10 个月)' or '' when not overdue."""
    if not item.overdue(as_of):
        return ""
    return f"{OVERDUE_TEXT}（已超过 {elapsed_text(overdue_since(item), as_of)}）"


def overdue_elapsed(item: Item, as_of: dt.date) -> str:
    return f"已超过 {elapsed_text(overdue_since(item), as_of)}" if item.overdue(as_of) else ""


