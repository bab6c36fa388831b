"""通报目录: every notice, newest first, grouped by year and round, in pages of bounded size that
work without JavaScript; a small index (notices/index.json) lets directory.js filter by unit or
region text, kind, year, round and "有超期事项" when JavaScript runs. The home page shows the
site-wide figures, the latest notices and the units with the most overdue items from the same
entries. No other page lists every notice (site/nav.py)."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from itertools import groupby

from ..model import Dataset, Notice
from . import urls
from .figures import Figures, figures

PAGE_SIZE = 40  # notices per directory page: ~40 KB of HTML, whatever the portal holds
LATEST = 5  # notices on the home page
MOST_OVERDUE = 10  # units on the home page


@dataclass(frozen=True)
class Entry:
    notice: Notice
    fig: Figures
    unit: str  # the inspected unit, or the issuer when the notice does not name one
    region: str
    kind: str
    round: str
    year: str

    def record(self) -> dict:
        """One row of notices/index.json (what the filter script needs, nothing more)."""
        return {"id": self.notice.id, "title": self.notice.title, "unit": self.unit, "region": self.region,
                "kind": self.kind, "round": self.round, "year": self.year, "issued": self.notice.issued,
                "total": self.fig.total, "done": self.fig.done, "overdue": self.fig.overdue,
                "url": urls.notice_url(self.notice)}


def entries(dataset: Dataset, as_of: dt.date) -> list[Entry]:
    out = []
    for notice in dataset.notices:  # newest first (validate.load_dataset)
        info = notice.inspection
        out.append(Entry(notice, figures(notice.items, as_of), info.get("unit") or notice.issuer,
                         info.get("region", ""), notice.inspection_kind, info.get("round", ""), notice.issued[:4]))
    return out


def groups(page: list[Entry]) -> list[tuple[str, str, list[Entry]]]:
    """(year, round, entries) runs of one page, in order."""
    return [(year, round_, list(run)) for (year, round_), run in groupby(page, key=lambda e: (e.year, e.round))]


def pages_of(all_entries: list[Entry]) -> list[list[Entry]]:
    return [all_entries[i:i + PAGE_SIZE] for i in range(0, len(all_entries), PAGE_SIZE)] or [[]]


def index_json(all_entries: list[Entry]) -> str:
    return json.dumps([e.record() for e in all_entries], ensure_ascii=False, separators=(",", ":")) + "\n"


def most_overdue(all_entries: list[Entry]) -> list[tuple[str, int, int]]:
    """(unit, overdue items, items) for the units with overdue items, most first."""
    by_unit: dict[str, list[int]] = {}
    for e in all_entries:
        counts = by_unit.setdefault(e.unit, [0, 0])
        counts[0] += e.fig.overdue
        counts[1] += e.fig.total
    ranked = sorted(((u, o, t) for u, (o, t) in by_unit.items() if o), key=lambda r: (-r[1], r[0]))
    return ranked[:MOST_OVERDUE]
