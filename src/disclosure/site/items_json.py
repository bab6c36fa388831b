"""site/data/items.json: the machine-readable contract (search, other tools). One object per item.
The same records are the rows of items.csv and the per-notice files; fields.py describes each key."""
from __future__ import annotations

import datetime as dt
import json

from ..model import STATUS_LABELS, Dataset, Item, Notice
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
        "status_label": STATUS_LABELS[item.status],
        "status_text": item.status_text,
        "deadline": item.deadline,
        "original_deadline": item.deadline_original,
        "last_update": item.updates[-1].date if item.updates else None,
        "overdue": item.overdue(as_of),
        "label": item.label,
        "category": [node.title for node in notice.node(item)],
        "responsible": list(item.responsible),
        "notice_title": notice.title,
    }


def items_records(dataset: Dataset, as_of: dt.date) -> list[dict]:
    return [item_record(notice, item, as_of) for notice in dataset.notices for item in notice.items]


def items_json(dataset: Dataset, as_of: dt.date) -> str:
    return records_json(items_records(dataset, as_of))


def records_json(records: list[dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1)
