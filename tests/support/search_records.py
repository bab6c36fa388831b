"""Search records straight from a Dataset: exactly the site's items.json records, one per problem
(one builder, so the index, items.json and items.csv can never disagree). For tests and benchmarks
that build an index without building the site."""
from __future__ import annotations

import datetime as dt

from disclosure.dataset import Dataset
from disclosure.site.open_data import items_records, problem_records


def records_from_dataset(dataset: Dataset, as_of: dt.date) -> list[dict]:
    return problem_records(items_records(dataset, as_of))


__all__ = ["records_from_dataset"]
