"""Open data: items.csv (UTF-8 with BOM, so Excel opens Chinese text correctly) built from the
same records as items.json, so the two can never disagree.

A spreadsheet reads a cell starting with = + - @ (or a tab or carriage return) as a formula:
official text such as "-2万元" or a hostile "=HYPERLINK(...)" would run in Excel/WPS. As OWASP
recommends, such cells get a leading ' (shown by spreadsheets as plain text); items.json keeps
the text verbatim. The open-data page says so (site/templates/data.html)."""
from __future__ import annotations

import csv
import io
import json

CSV_COLUMNS = [
    ("notice", "通报编号"), ("id", "事项编号"), ("label", "原文编号"), ("category", "所属类别"),
    ("heading", "标题"), ("finding", "发现的问题"), ("status", "当前状态代码"), ("status_label", "当前状态"),
    ("status_text", "原文状态行"), ("deadline", "当前整改时限"), ("original_deadline", "原定整改时限"),
    ("overdue", "是否逾期"), ("last_update", "最近进展日期"), ("measures", "整改措施"), ("url", "网址"),
]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A cell a spreadsheet would evaluate becomes literal text (OWASP "CSV injection")."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        text = "\n".join(map(str, value)) if not value or isinstance(value[0], str) else json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return neutralise(text)


def items_csv(records: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([f"{title}({key})" for key, title in CSV_COLUMNS])
    for record in records:
        writer.writerow([_cell(record.get(key)) for key, _ in CSV_COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def items_json(records: list[dict]) -> bytes:
    return (json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
