"""Non-page files the site publishes, as {site path: text or bytes}. The MkDocs hook emits each one
with File.generated, so adding a machine-readable output means adding one entry here."""
from __future__ import annotations

import datetime as dt
from importlib.resources import files as package_files

from ..model import Dataset
from . import urls
from .directory import Entry, entries, index_json
from .feeds import feed_files
from .open_data import open_data_files


def static_files(dataset: Dataset, records: list[dict], site_name: str = "", site_url: str = "",
                 listed: list[Entry] | None = None) -> dict[str, str | bytes]:
    """records: site.items_json.items_records — the one set behind items.json, items.csv and search.
    listed: directory.entries, shared with the directory pages (computed when not given)."""
    listed = entries(dataset, dt.date.today()) if listed is None else listed
    directory = {urls.DIRECTORY_INDEX: index_json(listed),
                 urls.DIRECTORY_SCRIPT: (package_files("disclosure.site") / "directory.js").read_bytes()}
    return {**open_data_files(dataset, records), **feed_files(dataset, site_name, site_url), **directory}
