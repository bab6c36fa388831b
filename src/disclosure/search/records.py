"""Search records straight from a Dataset, in the shape of the site's data/items.json.

The site build writes items.json itself; this is for tests, benchmarks and for building the index
without the site (it mirrors the items.json contract: id, notice, url, heading, finding, measures,
status, status_text, deadline, overdue, label, category, responsible)."""
from __future__ import annotations

import datetime as dt

from ..model import Dataset


def records_from_dataset(dataset: Dataset, as_of: dt.date) -> list[dict]:
    records = []
    for notice in dataset.notices:
        for item in notice.items:
            records.append({
                "id": item.id,
                "notice": notice.id,
                "notice_title": notice.title,
                "url": f"{notice.id}/items/{item.id}/",
                "label": item.label,
                "heading": item.heading,
                "finding": item.finding,
                "measures": list(item.measures),
                "status": item.status,
                "status_text": item.status_text,
                "deadline": item.deadline,
                "overdue": item.overdue(as_of),
                "category": [node.title for node in notice.node(item)],
                "responsible": list(item.responsible),
            })
    return records
