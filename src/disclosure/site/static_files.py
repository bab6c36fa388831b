"""Non-page files the site publishes, as {site path: text}. The MkDocs hook emits each one with
File.generated, so adding a machine-readable output means adding one entry here."""
from __future__ import annotations

import datetime as dt

from ..model import Dataset
from . import urls
from .items_json import items_json


def static_files(dataset: Dataset, as_of: dt.date) -> dict[str, str | bytes]:
    return {urls.ITEMS_JSON: items_json(dataset, as_of)}
