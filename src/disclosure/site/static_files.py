"""Non-page files the site publishes, as {site path: text or bytes}. The MkDocs hook emits each one
with File.generated, so adding a machine-readable output means adding one entry here."""
from __future__ import annotations

from ..model import Dataset
from .feeds import feed_files
from .open_data import open_data_files


def static_files(dataset: Dataset, records: list[dict], site_name: str = "", site_url: str = "") -> dict[str, str | bytes]:
    """records: site.items_json.items_records — the one set behind items.json, items.csv and search."""
    return {**open_data_files(dataset, records), **feed_files(dataset, site_name, site_url)}
