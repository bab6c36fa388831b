"""Non-page files the site publishes, as {site path: text}. The MkDocs hook emits each one with
File.generated, so adding a machine-readable output means adding one entry here."""
from __future__ import annotations

import datetime as dt

from ..model import Dataset
from ..search import build_index
from . import urls
from .items_json import items_json, items_records


def static_files(dataset: Dataset, as_of: dt.date) -> dict[str, str | bytes]:
    records = items_records(dataset, as_of)  # one set of records feeds items.json and the search index
    return {urls.ITEMS_JSON: items_json(dataset, as_of), **build_index(records)}
