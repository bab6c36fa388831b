"""Figures computed from items (never copied from the notice's own claims)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model import Item
from ..status import is_done


@dataclass(frozen=True)
class Figures:
    total: int
    done: int
    not_done: int
    overdue: int

    @property
    def done_percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def overdue_percent(self) -> int:
        return round(100 * self.overdue / self.total) if self.total else 0


def figures(items: list[Item], as_of: dt.date) -> Figures:
    """items: Items or series.Problems (the same status and overdue). One pass: the directory asks
    this of every problem of a portal on every build."""
    done = overdue = 0
    for item in items:
        if is_done(item.status):
            done += 1
        elif item.overdue(as_of):  # never a done one
            overdue += 1
    return Figures(total=len(items), done=done, not_done=len(items) - done, overdue=overdue)


def combined(parts: list[Figures]) -> Figures:
    """The figures of disjoint sets of items together (the home page's: its directory entries', each
    problem in exactly one), without counting the items again."""
    return Figures(total=sum(f.total for f in parts), done=sum(f.done for f in parts),
                   not_done=sum(f.not_done for f in parts), overdue=sum(f.overdue for f in parts))
