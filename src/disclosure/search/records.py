"""Search records straight from a Dataset: exactly the site's items.json records (one builder, so
the index, items.json and items.csv can never disagree). For tests and benchmarks that build an
index without building the site."""
from __future__ import annotations

from ..site.open_data import items_records as records_from_dataset

__all__ = ["records_from_dataset"]
