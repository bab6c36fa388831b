"""Figures computed from items (never copied from the notice's own claims)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model import Item


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
    done = sum(item.status == "done" for item in items)
    return Figures(total=len(items), done=done, not_done=len(items) - done,
                   overdue=sum(item.overdue(as_of) for item in items))
