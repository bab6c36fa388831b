"""What each field of the open data means, in Chinese, in one place: the /data/ page's table and the
published JSON Schema of an items.json record (data/items.schema.json) are both made from it, and a
test checks every record key is described here."""
from __future__ import annotations

import json
from dataclasses import dataclass

from ..model import STATUS_LABELS


@dataclass(frozen=True)
class Field:
    key: str
    schema: dict  # JSON Schema of the value
    title: str  # Chinese column name (also the CSV header)
    text: str  # what it means, for a reader who has not seen the notice


_TEXT = {"type": "string"}
_MONTH = {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}$"}
_LIST = {"type": "array", "items": _TEXT}
_STATUS_CODES = "、".join(f"{code}={label}" for code, label in STATUS_LABELS.items())

FIELDS = [
    Field("notice", _TEXT, "通报编号", "事项所属通报在本站的编号，如 jinpu-2019。"),
    Field("notice_title", _TEXT, "通报标题", "事项所属通报的标题。"),
    Field("id", _TEXT, "事项编号",
          "本站给事项的编号，在同一份通报内唯一；不同通报可能有相同编号，所以要与“通报编号”一起使用。"),
    Field("label", _TEXT, "原文编号", "通报原文中的编号，如“(5)二是”。"),
    Field("category", _LIST, "所属类别",
          "事项在通报中的层级：问题类别、问题组、具体问题的标题，由大到小。CSV 中每层一行。"),
    Field("heading", _TEXT, "标题", "事项的标题，原文照录。"),
    Field("finding", _TEXT, "发现的问题", "巡视（巡察）指出的问题，原文照录。"),
    Field("measures", _LIST, "整改措施", "通报所列的整改措施，每段一项，原文照录。CSV 中每段一行。"),
    Field("status", {"enum": list(STATUS_LABELS)}, "当前状态代码",
          f"当前状态的代码（以最新一次进展为准）：{_STATUS_CODES}。"),
    Field("status_label", {"enum": list(STATUS_LABELS.values())}, "当前状态", "当前状态的中文。"),
    Field("status_text", _TEXT, "原文状态行", "通报原文中说明整改进展的一句，原文照录；原文没有时为空。"),
    Field("deadline", _MONTH, "当前整改时限",
          "当前的整改时限（年-月）；调整过时限的，是调整后的时限。没有时限时为空。"),
    Field("original_deadline", _MONTH, "原定整改时限", "通报原文所定的整改时限（年-月）；原文没有时为空。"),
    Field("overdue", {"type": "boolean"}, "是否逾期",
          "未完成且当前整改时限所在月份已经结束的，为“是”。按本站的状态计算日期计算。"),
    Field("last_update", {"type": ["string", "null"], "format": "date"}, "最近进展日期",
          "通报发布后最近一次进展记录的日期；没有进展记录时为空。"),
    Field("responsible", _LIST, "责任单位", "通报列明的责任单位；没有时为空。"),
    Field("url", _TEXT, "网址", "事项页面在本站的地址（相对于网站首页）。"),
]


def record_schema() -> str:
    """JSON Schema of items.json (an array of records)."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "items.schema.json",
        "title": "整改事项公开数据（items.json）",
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": [f.key for f in FIELDS],
            "properties": {f.key: {**f.schema, "title": f.title, "description": f.text} for f in FIELDS},
        },
    }
    return json.dumps(schema, ensure_ascii=False, indent=1) + "\n"
