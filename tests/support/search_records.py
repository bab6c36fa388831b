"""Search records straight from a Dataset: exactly the site's items.json records, one per problem
(one builder, so the index, items.json and items.csv can never disagree). For tests and benchmarks
that build an index without building the site."""
from __future__ import annotations

import datetime as dt

from disclosure.dataset import Dataset
from disclosure.site.open_data import items_records, problem_records


def records_from_dataset(dataset: Dataset, as_of: dt.date) -> list[dict]:
    return problem_records(items_records(dataset, as_of))


def with_issue_dates(records: list[dict], dataset: Dataset) -> list[dict]:
    """The records with their notice's issue date as `issued` (YYYY-MM-DD), which every search result
    card shows (search.index.build_index). A record that has the field keeps its own: once items.json
    records carry it (open_data.FIELDS), this changes nothing."""
    issued = {notice.id: notice.issued for notice in dataset.notices}
    return [r if "issued" in r else dict(r, issued=issued.get(r.get("notice"), "")) for r in records]


def portal_records(records: list[dict], notices: int) -> list[dict]:
    """A regional portal for search tests: the records repeated under `notices` notices of different
    units and dates, with the same headings in every notice (what a county's units reporting on the
    same findings look like: the case where a card must say whose it is)."""
    out = []
    for n in range(notices):
        notice, unit = f"unit-{n:03d}", f"示例{n + 1}镇党委"
        issued = f"{2019 + n % 6}-{n % 12 + 1:02d}-{n % 27 + 1:02d}"
        for k, r in enumerate(records):
            out.append(dict(r, notice=notice, id=str(k + 1), unit=unit, issued=issued, url=f"{notice}/items/{k + 1}/",
                            notice_title=f"{unit}关于巡察整改情况的通报", problem=f"{notice}/{k + 1}"))
    return out


__all__ = ["portal_records", "records_from_dataset", "with_issue_dates"]
