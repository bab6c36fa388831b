"""The status vocabulary is written once (disclosure/status.py); the JSON schemas, the open data's
schema and the overdue rule follow it (fast)."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from disclosure import status
from disclosure.model import Item
from disclosure.series import Problem
from disclosure.site.open_data import record_schema

SCHEMA = Path(__file__).resolve().parent.parent / "src" / "disclosure" / "schema" / "item.schema.json"


def test_the_item_schema_enum_and_description_follow_the_status_module():
    prop = json.loads(SCHEMA.read_text("utf-8"))["properties"]["status"]
    assert prop["enum"] == list(status.CODES)
    described = dict(re.findall(r"(\w+)=([^,\s(]+)", prop["description"]))
    assert described == {code: label.rstrip(".") for code, label in status.LABELS.items()}


def test_the_open_data_schema_offers_the_same_codes_and_labels():
    fields = json.loads(record_schema())["items"]["properties"]
    assert fields["status"]["enum"] == list(status.CODES)
    assert fields["status_label"]["enum"] == list(status.LABELS.values())


def test_every_status_has_a_label_and_an_icon_and_only_done_is_done():
    assert set(status.LABELS) == set(status.ICONS) == set(status.CODES) == set(status.ORDER)
    assert [c for c in status.CODES if status.is_done(c)] == [status.DONE]


def test_the_overdue_rule_is_one_rule_for_items_and_problems():
    as_of = dt.date(2020, 1, 1)
    assert status.is_overdue(status.IN_PROGRESS, dt.date(2019, 12, 31), as_of)
    assert not status.is_overdue(status.IN_PROGRESS, dt.date(2020, 1, 1), as_of)  # the month is not over
    assert not status.is_overdue(status.DONE, dt.date(2019, 1, 31), as_of)
    assert not status.is_overdue(status.UNREPORTED, None, as_of)
    assert status.month_end("2019-12") == dt.date(2019, 12, 31) and status.month_end("2024-02") == dt.date(2024, 2, 29)
    assert Item.overdue.__code__.co_names.count("is_overdue") == 1
    assert Problem.overdue.__code__.co_names.count("is_overdue") == 1
