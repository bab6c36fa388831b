"""Non-page files the site publishes, as {site path: text or bytes}. The MkDocs hook emits each one
with File.generated, so adding a machine-readable output means adding one entry here."""
from __future__ import annotations

import datetime as dt

from ..model import Dataset
from ..search import build_index
from .feeds import feed_files
from .items_json import items_records
from .open_data import open_data_files


def static_files(dataset: Dataset, as_of: dt.date, site_name: str = "", site_url: str = "") -> dict[str, str | bytes]:
    records = items_records(dataset, as_of)  # one set of records: items.json, items.csv, the search index
    return {**open_data_files(dataset, records), **feed_files(dataset, site_name, site_url)}


def search_files(dataset: Dataset, as_of: dt.date) -> dict[str, bytes]:
    """The search index: the build's largest computation, which no page depends on (the MkDocs
    adapter runs it in the background while pages render)."""
    return build_index(items_records(dataset, as_of))
