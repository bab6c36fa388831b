"""When a page's data last changed, and which commit the site was built from.

A page's date comes from the git history of its own files (an item: its item file; a notice: its
folder's files). Outside git (a copied folder, a shallow CI clone without history) it falls back
to the latest date written in the data itself, so the page still says something true."""
from __future__ import annotations

from pathlib import PurePosixPath

from ..gitinfo import History
from ..model import Item, Notice


def _record_dates(item: Item) -> list[str]:
    return [u.date for u in item.updates] + [c.date for c in item.corrections]


def item_changed(item: Item, notice: Notice, history: History) -> str:
    """ISO date the item's data last changed ('' if nothing tells)."""
    day = history.changed(PurePosixPath(item.file).as_posix())
    if day:
        return day.isoformat()
    return max(_record_dates(item) or [notice.published or notice.issued])


def notice_changed(notice: Notice, history: History) -> str:
    """ISO date anything in the notice's folder last changed."""
    data_name = notice.folder.parent.parent.name if notice.folder else "data"  # as in Item.file
    day = history.notice_dates.get(f"{data_name}/notices/{notice.id}")
    if day:
        return day.isoformat()
    own = [c.date for c in notice.corrections]
    return max([item_changed(i, notice, history) for i in notice.items] + own + [notice.published or notice.issued])
