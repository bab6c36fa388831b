"""Open data: items.json and items.csv for the whole site (data/) and for each notice (<notice>/),
their JSON Schemas, the Atom feeds, and the /data/ page that explains them.

One field table (FIELDS) is the contract: each field's key, JSON Schema, Chinese column name,
meaning and how its value is read from an item. items.json records, the CSV columns, the published
data/items.schema.json and the /data/ page's table are all made from it, so they cannot disagree;
the search index reads the same records.

A spreadsheet reads a cell starting with = + - @ (or a tab or carriage return) as a formula:
official text such as "-2万元" or a hostile "=HYPERLINK(...)" would run in Excel/WPS. As OWASP
recommends, such CSV cells get a leading ' (shown by spreadsheets as plain text); items.json keeps
the text verbatim. The open-data page says so (templates/data.html)."""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files as package_files

from ..feed import atom
from ..dataset import Dataset
from ..model import Item, Notice
from ..status import LABELS as STATUS_LABELS
from ..series import Problem, link_of
from .. import urls
from .context import BuildContext
from .portal import site_changes
from .render import GeneratedPage, render


@dataclass(frozen=True)
class Field:
    key: str
    schema: dict  # JSON Schema of the value
    title: str  # Chinese column name (also the CSV header)
    text: str  # what it means, for a reader who has not seen the notice
    value: Callable[[Notice, Item, Problem, dt.date], object]  # the item, the problem it is part of, as-of


_TEXT = {"type": "string"}
_MONTH = {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}$"}
_LIST = {"type": "array", "items": _TEXT}
_STATUS_CODES = "、".join(f"{code}={label}" for code, label in STATUS_LABELS.items())

FIELDS = [
    Field("notice", _TEXT, "通报编号", "事项所属通报在本站的编号，如 jinpu-2019。",
          lambda n, i, p, d: n.id),
    Field("id", _TEXT, "事项编号",
          "本站给事项的编号，在同一份通报内唯一；不同通报可能有相同编号，所以要与“通报编号”一起使用。",
          lambda n, i, p, d: i.id),
    Field("label", _TEXT, "原文编号", "通报原文中的编号，如“(5)二是”。", lambda n, i, p, d: i.label),
    Field("category", _LIST, "所属类别",
          "事项在通报中的层级：问题类别、问题组、具体问题的标题，由大到小。CSV 中每层一行。",
          lambda n, i, p, d: [node.title for node in n.node(i)]),
    Field("heading", _TEXT, "标题", "事项的标题，原文照录。", lambda n, i, p, d: i.heading),
    Field("finding", _TEXT, "发现的问题", "巡视（巡察）指出的问题，原文照录。", lambda n, i, p, d: i.finding),
    Field("status", {"enum": list(STATUS_LABELS)}, "当前状态代码",
          f"问题的当前状态代码（以最新一次进展或最新一份后续通报为准）：{_STATUS_CODES}。", lambda n, i, p, d: p.status),
    Field("status_label", {"enum": list(STATUS_LABELS.values())}, "当前状态", "当前状态的中文。",
          lambda n, i, p, d: STATUS_LABELS[p.status]),
    Field("status_text", _TEXT, "原文状态行", "通报原文中说明整改进展的一句，原文照录；原文没有时为空。",
          lambda n, i, p, d: i.status_text),
    Field("deadline", _MONTH, "当前整改时限",
          "问题当前的整改时限（年-月）；调整过时限（含后续通报调整）的，是调整后的时限。没有时限时为空。",
          lambda n, i, p, d: p.deadline),
    Field("original_deadline", _MONTH, "原定整改时限", "通报原文所定的整改时限（年-月）；原文没有时为空。",
          lambda n, i, p, d: i.deadline_original),
    Field("overdue", {"type": "boolean"}, "是否逾期",
          "未完成且当前整改时限所在月份已经结束的，为“是”。按本站的状态计算日期计算。",
          lambda n, i, p, d: p.overdue(d)),
    Field("last_update", {"type": ["string", "null"], "format": "date"}, "最近进展日期",
          "通报发布后最近一次进展记录的日期；没有进展记录时为空。",
          lambda n, i, p, d: i.updates[-1].date if i.updates else None),
    Field("measures", _LIST, "整改措施", "通报所列的整改措施，每段一项，原文照录。CSV 中每段一行。",
          lambda n, i, p, d: list(i.measures)),
    Field("responsible", _LIST, "责任单位", "通报列明的责任单位；没有时为空。CSV 中每个一行。",
          lambda n, i, p, d: list(i.responsible)),
    Field("notice_title", _TEXT, "通报标题", "事项所属通报的标题。", lambda n, i, p, d: n.title),
    Field("issued", {"type": "string", "format": "date"}, "通报日期", "事项所属通报的印发日期(YYYY-MM-DD)。",
          lambda n, i, p, d: n.issued),
    Field("unit", _TEXT, "被巡视（巡察）单位", "通报所述被巡视（巡察）的单位；通报未写明时为发布通报的单位。",
          lambda n, i, p, d: n.unit),
    Field("round", _TEXT, "巡视（巡察）轮次", "通报所述的巡视（巡察）轮次，如“十四届第五轮”；通报未写明时为空。",
          lambda n, i, p, d: n.round),
    Field("continues", {"type": ["string", "null"]}, "接续事项",
          "后续通报（整改进展情况）中的事项：它所报告的较早通报的事项，写作“通报编号/事项编号”；其他事项为空。",
          lambda n, i, p, d: i.continues if p.root.item is not i else None),
    Field("problem", _TEXT, "问题编号",
          "同一问题在各份通报中的事项共用的编号（最早报告它的“通报编号/事项编号”）。统计问题数时按此去重，每个问题只计一次。",
          lambda n, i, p, d: p.link),
    Field("url", _TEXT, "网址", "事项页面在本站的地址（相对于网站首页）。", lambda n, i, p, d: urls.item_url(i)),
]
CSV_COLUMNS = [(f.key, f.title) for f in FIELDS]


# ---- records ----------------------------------------------------------------------------------

def item_record(notice: Notice, item: Item, problem: Problem, as_of: dt.date) -> dict:
    return {f.key: f.value(notice, item, problem, as_of) for f in FIELDS}


def items_records(dataset: Dataset, as_of: dt.date) -> list[dict]:
    """One record per public item: items.json, items.csv and the feeds' rows. A problem reported
    again by a follow-up notice has a record per notice, sharing `problem` and its current status."""
    return [r for notice in dataset.notices for r in notice_records(dataset, notice, as_of)]


def notice_records(dataset: Dataset, notice: Notice, as_of: dt.date) -> list[dict]:
    return [item_record(notice, item, dataset.problem_of(item), as_of) for item in notice.items]


def problem_records(records: list[dict]) -> list[dict]:
    """One record per problem (the first report of each): what search indexes and counts."""
    return [r for r in records if r["problem"] == link_of(r["notice"], r["id"])]


def records_json(records: list[dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1)


def _json_array(texts: list[str]) -> str:
    """records_json from each record's own text (record_json): the same characters, and each record
    is encoded once for items.json and its notice's file."""
    return "[\n" + ",\n".join(texts) + "\n]" if texts else "[]"


def record_json(record: dict) -> str:
    """One record as records_json writes it inside the array (one level deeper: a raw newline only
    ever separates tokens, JSON escapes the ones inside strings)."""
    return " " + json.dumps(record, ensure_ascii=False, indent=1).replace("\n", "\n ")


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


# ---- CSV --------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A cell a spreadsheet would evaluate becomes literal text (OWASP "CSV injection")."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value) -> str:
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
    """UTF-8 with BOM, so Excel opens Chinese text correctly."""
    return _csv_file([record_csv(r) for r in records])


def _csv_row(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()


def record_csv(record: dict) -> str:
    return _csv_row([csv_cell(record.get(key)) for key, _ in CSV_COLUMNS])


def _csv_file(rows: list[str]) -> bytes:
    return ("\ufeff" + _csv_row([f"{title}({key})" for key, title in CSV_COLUMNS]) + "".join(rows)).encode("utf-8")


# ---- files and the /data/ page ----------------------------------------------------------------

def notice_data_paths(notice: Notice | str) -> tuple[str, str]:
    """A notice's own open data files (its items.json and items.csv)."""
    return urls.notice_items_json(notice), urls.notice_items_csv(notice)


# The site's own items.json / items.csv hold every record: a tenth of a portal's size, and new in
# every release (any change changes them). Where the web server sends X.gz for X (gzip_static), they
# are kept compressed only; at the same address, byte for byte the same to every client.
GZIP_ONLY = (urls.ITEMS_JSON, urls.ITEMS_CSV)


def gzip_bytes(data: str | bytes) -> bytes:
    """Deterministic gzip (no name, no time): the same bytes for the same content, so a rebuild
    of a release is identical. Level 6, nginx's own default for gzip."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return gzip.compress(raw, compresslevel=6, mtime=0)


def open_data_files(dataset: Dataset, records: list[dict], previous: dict[str, str] | None = None,
                    gzip_static: bool = False, known: dict[str, tuple[str, bytes]] | None = None,
                    site_wide: bool = True) -> dict[str, str | bytes]:
    """previous: a notice's files (notice_data_paths) -> the last build's file, where that file is
    known to be what this build would write (buildcache.page_keys): read, not encoded again. known:
    notice id -> its items.json text and items.csv bytes, known the same way and already in memory
    (the preview: site.NoticeParts). site_wide: with the site's items.json and items.csv
    (joined_data_files); the preview writes those in the background."""
    previous, known = previous or {}, known or {}
    header = _csv_file([])
    by_notice: dict[str, list[dict]] = {}
    for record in records:
        by_notice.setdefault(record["notice"], []).append(record)
    out: dict[str, str | bytes] = {}
    texts: dict[str, tuple[str, bytes]] = {}
    for notice in dataset.notices:
        json_path, csv_path = notice_data_paths(notice)
        kept = known.get(notice.id) or _last_build_files(previous, json_path, csv_path, header)
        if kept is None:
            mine = by_notice.get(notice.id, [])  # each record encoded once, for both files
            kept = _json_array([record_json(r) for r in mine]), _csv_file([record_csv(r) for r in mine])
        out[json_path], out[csv_path] = texts[notice.id] = kept
    if site_wide:
        out.update(joined_data_files(dataset, texts, gzip_static))
    out[urls.RECORD_SCHEMA] = record_schema()
    schemas = package_files("disclosure") / "schema"
    for name, path in urls.SCHEMAS.items():
        out[path] = (schemas / name).read_text("utf-8")  # the rules staff's YAML files are checked against
    return out


def joined_data_files(dataset: Dataset, texts: dict[str, tuple[str, bytes]],
                      gzip_static: bool = False) -> dict[str, str | bytes]:
    """The site's items.json and items.csv: its notices' files (texts: notice id -> items.json text,
    items.csv bytes) joined. gzip_static: written as GZIP_ONLY's .gz files only
    (settings.Settings.gzip_static)."""
    header = _csv_file([])
    json_parts, csv_parts = [], []
    for notice in dataset.notices:
        json_text, csv_bytes = texts[notice.id]
        if json_text != "[]":
            json_parts.append(json_text[2:-2])  # between "[\n" and "\n]": its records
        csv_parts.append(csv_bytes[len(header):])
    out: dict[str, str | bytes] = {urls.ITEMS_JSON: _json_array(json_parts), urls.ITEMS_CSV: header + b"".join(csv_parts)}
    if gzip_static:
        for path in GZIP_ONLY:
            out[path + ".gz"] = gzip_bytes(out.pop(path))
    return out


def _last_build_files(previous: dict[str, str], json_path: str, csv_path: str,
                      header: bytes) -> tuple[str, bytes] | None:
    """A notice's items.json text and items.csv bytes as the last build wrote them, or None (not
    known to be unchanged, or unreadable: encoded again)."""
    if json_path not in previous or csv_path not in previous:
        return None
    try:
        with open(previous[json_path], encoding="utf-8", newline="") as f:
            json_text = f.read()
        with open(previous[csv_path], "rb") as f:
            csv_bytes = f.read()
    except (OSError, ValueError):
        return None
    return (json_text, csv_bytes) if csv_bytes.startswith(header) else None


def site_feed(dataset: Dataset, context: BuildContext) -> dict[str, bytes]:
    """Atom feed of what changed on the whole site (portal.site_changes); each notice has its own."""
    return {urls.FEED: atom(site_changes(dataset.notices), feed_id="site", title=f"{context.site_name} · 最近更新",
                            site_url=context.site_url, self_path=urls.FEED, stylesheet=urls.FEED_STYLE,
                            scope=f"{context.site_name}全站")}


def notice_feed(dataset: Dataset, notice: Notice, site_url: str) -> dict[str, bytes]:
    """A notice's own feed also carries later notices' reports on its problems (series.py)."""
    mine = [c for c in site_changes(dataset.series(notice))
            if c.notice_id == notice.id or c.url.startswith(urls.notice_url(notice))]
    path = urls.notice_feed(notice)
    return {path: atom(mine, feed_id=notice.id, title=notice.title, site_url=site_url, self_path=path,
                       stylesheet=urls.FEED_STYLE, scope=notice.title)}


def unit_feeds(dataset: Dataset, context: BuildContext) -> dict[str, bytes]:
    """A feed per unit (Notice.unit: the inspected unit, else the issuer) at urls.unit_feed: its
    notices' publications and updates, and later notices' reports on its problems. Joins notices,
    so it is a site-wide file."""
    every = site_changes(dataset.notices)
    unit_of = {n.id: n.unit for n in dataset.notices}
    out: dict[str, bytes] = {}
    for unit in sorted(set(unit_of.values())):
        mine = [c for c in every if unit_of.get(c.notice_id) == unit or unit_of.get(urls.owner(c.url)) == unit]
        path = urls.unit_feed(unit)
        out[path] = atom(mine, feed_id=f"unit/{urls.unit_slug(unit)}", title=f"{unit} · 整改进展",
                         site_url=context.site_url, self_path=path, stylesheet=urls.FEED_STYLE, scope=unit)
    return out


def feed_style() -> dict[str, bytes]:
    """The one stylesheet every feed names: browsers show a feed as a Chinese page (feed.css)."""
    return {urls.FEED_STYLE: (package_files("disclosure.site") / "feed.css").read_bytes()}


def data_page(dataset: Dataset, as_of: dt.date) -> GeneratedPage:
    html = render("data.html", urls.DATA, as_of, notices=dataset.notices, fields=FIELDS)
    return GeneratedPage(urls.DATA, "开放数据", html, article={"page": "data"})
