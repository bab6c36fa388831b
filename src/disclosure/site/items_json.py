"""site/data/items.json: the machine-readable contract (search, other tools). One object per item."""
from __future__ import annotations

import datetime as dt
import json

from ..model import Dataset, Item, Notice
from . import urls


def item_record(notice: Notice, item: Item, as_of: dt.date) -> dict:
    return {
        "id": item.id,
        "notice": notice.id,
        "url": urls.item_url(item),
        "heading": item.heading,
        "finding": item.finding,
        "measures": list(item.measures),
        "status": item.status,
        "status_text": item.status_text,
        "deadline": item.deadline,
        "overdue": item.overdue(as_of),
        "label": item.label,
        "category": [node.title for node in notice.node(item)],
        "responsible": list(item.responsible),
        "notice_title": notice.title,
    }


def items_records(dataset: Dataset, as_of: dt.date) -> list[dict]:
    return [item_record(notice, item, as_of) for notice in dataset.notices for item in notice.items]


def items_json(dataset: Dataset, as_of: dt.date) -> str:
    return json.dumps(items_records(dataset, as_of), ensure_ascii=False, indent=1)
