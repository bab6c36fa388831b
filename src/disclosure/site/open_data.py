"""Open data files: items.json and items.csv for the whole site (data/) and for each notice
(<notice>/), all cut from one list of records, plus the JSON Schemas that describe them."""
from __future__ import annotations

from importlib.resources import files as package_files

from ..exports import items_csv
from ..model import Dataset
from . import urls
from .fields import record_schema
from .items_json import records_json


def open_data_files(dataset: Dataset, records: list[dict]) -> dict[str, str | bytes]:
    out: dict[str, str | bytes] = {urls.ITEMS_JSON: records_json(records), urls.ITEMS_CSV: items_csv(records),
                                   urls.RECORD_SCHEMA: record_schema()}
    for notice in dataset.notices:
        mine = [r for r in records if r["notice"] == notice.id]
        out[urls.notice_items_json(notice)] = records_json(mine)
        out[urls.notice_items_csv(notice)] = items_csv(mine)
    schemas = package_files("disclosure") / "schema"
    for name, path in urls.SCHEMAS.items():
        out[path] = (schemas / name).read_text("utf-8")  # the rules staff's YAML files are checked against
    return out
