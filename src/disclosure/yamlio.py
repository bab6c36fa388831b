"""Read YAML keeping line numbers; write YAML deterministically.

ruamel.yaml is used both ways: its round-trip loader records the line and column of every
key and value (so errors can name them) and rejects duplicate keys; its emitter writes block
scalars, so a diff of one edited paragraph is one changed line. It follows YAML 1.2, which
avoids the YAML 1.1 traps (`no` -> False, `on` -> True).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from .errors import DataError, DataErrors

MAX_FILE_BYTES = 2_000_000  # a notice is ~100 KB; anything this large is a mistake or an attack
MAX_DEPTH = 32

Path_ = tuple  # ("updates", 2, "date")


@dataclass
class Loaded:
    """Plain data (dict/list/str/int/...) plus where each value sits in the file."""

    file: str
    data: Any
    positions: dict[Path_, tuple[int, int]] | None = field(default_factory=dict)  # path -> (line, col), 1-based
    text: str = ""  # kept by the fast path, to find positions only when an error needs them

    def where(self, path: Path_) -> tuple[int, int]:
        """Line/column of the value at path, or of its nearest ancestor that has one."""
        if self.positions is None:  # loaded by the fast path: parse again, with positions, once
            self.positions = load_text(self.text, self.file).positions
        path = tuple(path)
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


# Field names in words, for messages staff read ("第2条进展记录的日期", not updates[1].date).
# A top-level key stays as typed (it is what staff see at the start of the line: 字段 status).
FIELD_WORDS = {
    # item.schema.json
    "updates": "进展记录", "corrections": "更正记录", "measures": "整改措施", "evidence": "佐证材料",
    "withdrawn": "撤回说明", "date": "日期", "status": "状态", "note": "说明", "deadline": "整改时限",
    "reason": "理由", "fields": "更正的字段", "id": "编号", "label": "序号", "heading": "标题",
    "finding": "问题原文", "status_text": "整改情况原文", "responsible": "责任单位", "continues": "接续事项",
    # notice.schema.json
    "categories": "类别", "groups": "问题组", "issues": "具体问题", "sections": "段落组", "paragraphs": "段落",
    "title": "标题", "role": "作用", "contact": "联系方式", "phone": "电话", "address": "地址", "email": "电子邮箱",
    "web_form": "网上留言", "inspection": "巡视巡察信息", "kind": "类型", "by": "派出单位", "period": "时间",
    "unit": "被巡视巡察单位", "region": "地区", "round": "轮次", "stage": "阶段", "stated_figures": "通报列明的数字",
    "total": "事项总数", "rate": "完成率", "text": "原文", "page": "原网页", "lines": "各行", "addressees": "主送单位",
    "follows": "前一份通报", "unplaced": "未归入事项的文字",
}
COUNTERS = {"updates": "条", "corrections": "条", "measures": "条", "paragraphs": "段", "lines": "行"}  # else 项/个
_PLACES = {"categories": "个", "groups": "个", "issues": "个", "sections": "个"}


def field_name(path: Path_) -> str:
    """How a message names a field: the key itself at the top level, words below it
    (updates/1/date -> 第2条进展记录的日期; numbering from 1). A path under a key that has no
    words (owners.yml's accounts/<name>) keeps the dotted form."""
    path = tuple(path)
    if len(path) <= 1 or not isinstance(path[0], str) or path[0] not in FIELD_WORDS:
        out = ""
        for part in path:
            out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out
    words: list[str] = []
    for i, part in enumerate(path):
        if isinstance(part, int):
            owner = path[i - 1] if i and isinstance(path[i - 1], str) else ""
            counter = COUNTERS.get(owner) or _PLACES.get(owner) or "项"
            noun = words.pop() if words and owner else "项"
            words.append(f"第{part + 1}{counter}{noun}")
        else:
            words.append(FIELD_WORDS.get(part) or (f" {part}" if words else part))  # a key without words: as typed
    return "的".join(words)


def decode(raw: bytes, file: str) -> str:
    """UTF-8 (with or without BOM) is accepted; anything else gets a message saying what to do."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            hint = "文件似乎是 GBK/GB2312 编码(Windows 记事本或 WPS 的默认编码)"
        except UnicodeDecodeError:
            hint = "文件不是有效的 UTF-8 文本"
        raise DataErrors([DataError(file, line, 0, "", f"{hint}。请用编辑器把文件另存为“UTF-8”编码后再提交。")]) from None


def _tab_errors(text: str, file: str) -> list[DataError]:
    errors = []
    for n, line in enumerate(text.split("\n"), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            errors.append(DataError(file, n, indent.index("\t") + 1, "",
                                    "缩进里有制表符(Tab)。YAML 只能用空格缩进,请把 Tab 换成空格。"))
    return errors


class _Unconstructable(Exception):
    def __init__(self, node, message: str):
        super().__init__(message)
        self.line, self.column, self.message = node.start_mark.line + 1, node.start_mark.column + 1, message


class _Constructor(RoundTripConstructor):
    """ruamel raises bare ValueError/KeyError/... for an impossible date typed without quotes
    (date: 2024-06-31) or an explicit tag (!!int x): give them the node's line instead."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, TypeError, AssertionError, OverflowError):
            if node.tag.endswith(":timestamp"):
                raise _Unconstructable(node, f"“{node.value}” 不是真实存在的日期或时间。请核对年月日,"
                                             "并加英文双引号,如 \"2024-07-17\"。") from None
            raise _Unconstructable(node, f"这里的值无法按类型标记 {node.tag.replace('tag:yaml.org,2002:', '!!')} 读取。"
                                         "请去掉以 ! 开头的类型标记,直接写内容。") from None


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.allow_duplicate_keys = False
    return y


def _too_deep(text: str, file: str) -> DataErrors:
    """Where nesting passes MAX_DEPTH, found with the event parser (a loop: it cannot overflow)."""
    depth = 0
    for event in _yaml().parse(io.StringIO(text)):
        depth += isinstance(event, CollectionStartEvent) - isinstance(event, CollectionEndEvent)
        if depth > MAX_DEPTH:
            line, col = event.start_mark.line + 1, event.start_mark.column + 1
            break
    else:
        line, col = 0, 0
    return DataErrors([DataError(file, line, col, "", f"嵌套层数超过 {MAX_DEPTH} 层,数据结构不对。")])


def load_text(text: str, file: str) -> Loaded:
    if errors := _tab_errors(text, file):
        raise DataErrors(errors)
    try:
        node = _yaml().load(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        found = None if "duplicate key" in str(exc) else staff_mistake(text, line)
        line, col, message = found or (line, col, _explain_yaml_error(exc))
        raise DataErrors([DataError(file, line, col, "", message)]) from None
    except _Unconstructable as exc:
        raise DataErrors([DataError(file, exc.line, exc.column, "", exc.message)]) from None
    except ReaderError as exc:  # a control character, e.g. pasted from Word or a PDF
        line = text[: exc.position].count("\n") + 1
        raise DataErrors([DataError(file, line, 0, "", f"文件里有不可见的控制字符(#x{exc.character:04x}),"
                                    "常见于从 Word、PDF 或网页复制的文字。请删除这个字符后再提交。")]) from None
    except RecursionError:  # ruamel composes recursively: [[[[…]]]] thousands deep overflows the stack
        raise _too_deep(text, file) from None
    except YAMLError as exc:  # unmarked parser errors are rare; still no traceback
        raise DataErrors([DataError(file, 0, 0, "", f"YAML 格式错误:{exc}")]) from None
    except Exception as exc:  # a constructor bug on odd input (e.g. !!omap with a repeated key): still no traceback
        raise DataErrors([DataError(file, 0, 0, "", f"无法读取这个 YAML 文件({type(exc).__name__})。"
                                    "请去掉以 ! 开头的类型标记,并检查文件内容。")]) from None
    loaded = Loaded(file, None)
    loaded.data = _plain(node, (), loaded, set(), 0)  # one `seen` set: an alias anywhere is caught
    return loaded


# ---- fast path ---------------------------------------------------------------------------------
# ruamel.yaml is pure Python: ~3 ms a file, i.e. 30 s for a 10,000-item site. libyaml (through
# PyYAML's CSafeLoader) parses the same file in a tenth of that. It is used for reading only, with
# YAML 1.2 scalar rules; anything unusual (duplicate keys, aliases, odd keys, parse errors) falls
# back to the ruamel path, which is the one that explains problems with line numbers.

class _Unusual(Exception):
    """The fast path saw something the careful path must judge."""


class _FastLoader(pyyaml.CSafeLoader):
    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep)
        if len(mapping) != len(node.value):  # a key given twice (or a YAML 1.1 merge key)
            raise _Unusual
        return mapping


_FastLoader.yaml_implicit_resolvers = {}  # YAML 1.2 core schema: `no`, `on`, `1:20` stay text
# Leading-zero numbers (0777) read differently in YAML 1.1 and 1.2, and ruamel reads numbers libyaml
# takes as text (1_000, 0b101, -0x1F, .0E0 — a leading dot needs a signed exponent there): let the
# careful path decide all of these.
_FastLoader.add_implicit_resolver(
    "tag:disclosure,unusual",
    re.compile(r"^(?:[-+]?0[0-9]+|[-+]?[0-9.][0-9._]*_.*|[-+]?0[bB].*|[-+]0[xXoO].*|0[xXoO].*_.*|[-+]?\.[0-9]*[eE].*)$"),
    list("-+.0123456789"))
for _tag, _pattern, _first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+0123456789."),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("timestamp", r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
                  r"(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
                  r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?))$", "0123456789"),
]:
    _FastLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))


def _refuse(loader, node):
    raise _Unusual


_FastLoader.add_constructor("tag:disclosure,unusual", _refuse)


def _fast_plain(value: Any, seen: set[int], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _Unusual
    if isinstance(value, (dict, list)):
        if id(value) in seen:  # an alias
            raise _Unusual
        seen.add(id(value))
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _Unusual
        return {k: _fast_plain(v, seen, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_fast_plain(v, seen, depth + 1) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise _Unusual  # binary, sets, python tags...


# The fast path takes only files made of the plain shapes our files use (what `dump` writes and
# what staff type by example); on these libyaml and ruamel agree. Anything else — tabs, flow
# collections, anchors, tags, comments after values, odd block headers — goes the careful way.
_PLAIN = r"""(?:[^\s&*!|>'"%@`#{}\[\],?:-][^#]*?|-[0-9.][^#]*?)"""  # no ': ' inside, checked below
_QUOTED = r'"(?:[^"\\]|\\["\\/])*"'
_SINGLE = r"'(?:[^']|'')*'"
_VALUE = rf"(?:{_QUOTED}|{_SINGLE}|{_PLAIN}|\[\]|\{{\}}|\|-?)"
_LINE = re.compile(rf"^(?P<indent> *)(?P<dash>- )?(?:(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?: (?P<v1>{_VALUE}))?|(?P<v2>{_VALUE}))$")


def _ordinary(text: str) -> bool:
    block_indent = None  # inside a block scalar: lines indented deeper than its header
    content_indent = None  # the block's first content line sets its indentation
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None:
            if line and not line.strip():
                return False  # a line of only spaces in a block: libyaml and ruamel disagree at the edges
            if not line:
                continue
            if indent > block_indent:
                content_indent = content_indent or indent
                if indent < content_indent:
                    return False  # less indented than the block's first line: leave it to ruamel
                continue
            block_indent = content_indent = None
        if not line.strip() or (line.startswith("#") and indent == 0):
            continue
        m = _LINE.match(line.rstrip(" "))
        if not m or not (m["key"] or m["dash"]):
            return False
        value = m["v1"] if m["key"] else m["v2"]
        if value and value[0] not in "\"'" and (": " in value or value.endswith(":")):
            return False
        if value in ("|", "|-"):
            block_indent = indent + (2 if m["dash"] and m["key"] else 0)  # `- key: |-`: the key's column
    return True


def load_text_fast(text: str, file: str) -> Loaded:
    """Same result as load_text for ordinary files; positions are found only if asked for."""
    if "\t" in text or "\r" in text or not _ordinary(text):
        return load_text(text, file)
    try:
        data = _fast_plain(pyyaml.load(text, Loader=_FastLoader), set(), 0)
    except (pyyaml.YAMLError, _Unusual, ValueError, RecursionError):
        return load_text(text, file)
    return Loaded(file, data, None, text)


def load_file(path: Path, display: str | None = None, fast: bool = True) -> Loaded:
    file = display or str(path)
    return load_bytes(read_bytes(path, file), file, fast)


def read_bytes(path: Path, file: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataErrors([DataError(file, 0, 0, "", f"无法读取文件:{exc.strerror}")]) from None


def load_bytes(raw: bytes, file: str, fast: bool = True) -> Loaded:
    if len(raw) > MAX_FILE_BYTES:
        raise DataErrors([DataError(file, 0, 0, "", f"文件过大({len(raw)} 字节,上限 {MAX_FILE_BYTES})。请检查是否误粘贴了大量内容。")])
    text = decode(raw, file)
    return load_text_fast(text, file) if fast else load_text(text, file)


# ---- the mistakes staff make, found in the text --------------------------------------------------
# The parser reports where it noticed a problem, often a line or more after it: a full-width colon
# or a missing space turns `status：done` into text, and only the next field fails. These patterns
# are looked for in the raw text up to the reported line, so the message names the line to fix.

_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_FULL_WIDTH_COLON = re.compile(rf"^( *)((?:- +)?)({_KEY}) *：")
_NO_SPACE = re.compile(rf"^( *)((?:- +)?)({_KEY}):(?=[^\s/])(.*)$")
_QUOTE_START = re.compile(rf"^( *)(?:- +|(?:- +)?{_KEY}: +)([\"'])")
_CLOSED = {'"': re.compile(r'"(?:[^"\\]|\\.)*"'), "'": re.compile(r"'(?:[^']|'')*'")}
_FIELD = re.compile(rf"^( *)((?:- +)?)({_KEY}):(?: +(.*))?$")
_BLOCK_HEADER = re.compile(rf"^( *)((?:- +)?)(?:({_KEY}): +)?[|>][-+0-9]*\s*(?:#.*)?$")


def _structure_lines(lines: list[str]) -> list[bool]:
    """For each line: True if it is part of the structure (not blank, not a comment, not the text
    of a block scalar `|-`)."""
    out, block = [], None  # block: lines indented deeper than this column are a block's text
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if block is not None and (not line.strip() or indent > block):
            out.append(False)
            continue
        block = None
        out.append(bool(line.strip()) and not line.lstrip().startswith("#"))
        if m := _BLOCK_HEADER.match(line):
            block = len(m[1]) + (len(m[2]) if m[3] else 0)
    return out


def staff_mistake(text: str, reported: int) -> tuple[int, int, str] | None:
    """(line, column, message) of a typing mistake at or before the reported line, or None."""
    lines = text.split("\n")
    structure = _structure_lines(lines)
    last = min(max(reported, 1), len(lines))
    for n in range(1, last + 1):  # the first one breaks the parse: everything before it was read
        line = lines[n - 1]
        if not structure[n - 1]:
            continue
        if m := _FULL_WIDTH_COLON.match(line):
            value = line[m.end():].strip()
            return n, line.index("：") + 1, (f"“{m[3]}”后面用了中文全角冒号“：”。请改成英文冒号加一个空格,"
                                            f"写成 “{m[3]}: {value}”。")
        if m := _NO_SPACE.match(line):
            return n, len(m[1] + m[2] + m[3]) + 2, (f"冒号后面少了一个空格。请在英文冒号后加一个空格,"
                                                   f"写成 “{m[3]}: {m[4]}”。")
        if (m := _QUOTE_START.match(line)) and not _CLOSED[m[2]].match(line, m.end() - 1):
            quote, rest = m[2], line[m.end():]
            wrong = next((c for c in "”“’‘" if c in rest), "")
            tip = f"结尾的“{wrong}”是中文引号,请改成英文引号 {quote}" if wrong else f"请在值的末尾补上英文引号 {quote}"
            return n, m.end(), f"引号没有配对:这一行的值以英文引号 {quote} 开头,却没有结束的 {quote}。{tip}。"
    return _indentation(lines, structure, last)


def _indentation(lines: list[str], structure: list[bool], n: int) -> tuple[int, int, str] | None:
    """A field indented more or less than the field before it, at the same level."""
    m = _FIELD.match(lines[n - 1])
    if not m or m[2] or not structure[n - 1]:
        return None
    previous = next((j for j in range(n - 1, 0, -1) if structure[j - 1]), None)
    p = _FIELD.match(lines[previous - 1]) if previous else None
    if not p or not p[4]:  # the previous field opens a nested block: deeper is right there
        return None
    indent, sibling = len(m[1]), len(p[1] + p[2])
    where = "上一行" if previous == n - 1 else f"第 {previous} 行"
    if indent > sibling:
        k = indent - sibling
        return n, 1, (f"这一行比{where}多缩进了 {k} 个空格。同一层的字段要左端对齐:请删掉行首多出的 {k} 个空格,"
                      f"与同级字段 “{p[3]}:” 对齐。")
    levels, column = set(), sibling  # the columns of the enclosing fields: going back to one is right
    for j in range(previous - 1, 0, -1):
        if structure[j - 1] and (f := _FIELD.match(lines[j - 1])) and len(f[1] + f[2]) < column:
            column = len(f[1] + f[2])
            levels.add(column)
    if indent < sibling and indent not in levels:
        k = sibling - indent
        return n, 1, (f"这一行比{where}少缩进了 {k} 个空格。同一层的字段要左端对齐:请在行首补上 {k} 个空格,"
                      f"与同级字段 “{p[3]}:” 对齐。")
    return None


def _explain_yaml_error(exc: MarkedYAMLError) -> str:
    problem = (exc.problem or "").strip()
    if "duplicate key" in problem or "found duplicate key" in str(exc):
        return "同一个字段写了两次(重复的键)。请删除重复的那一行。"
    if "mapping values are not allowed" in problem:
        return "这一行的冒号位置不对。文字里含英文冒号“:”时,请把整段文字放进块文本(|-)或加引号。"
    if "could not find expected ':'" in problem or "could not find expected" in problem:
        return "缺少冒号或缩进不一致。请对照上下行检查这一行的缩进和“字段: 值”的写法。"
    if "cannot start any token" in problem:  # ruamel names the character: "found character '`' that…"
        return "这一行以 YAML 不允许的字符开头(如 @、` 或 Tab)。请给这段文字加引号,或改用块文本(|-)。"
    if "expected <block end>" in problem or "did not find expected" in problem:
        return "缩进不一致或列表项(-)位置不对。请检查这一行与上一行的缩进。"
    return f"YAML 格式错误({problem or exc.__class__.__name__})。请检查这一行附近的缩进、冒号和引号。"


def _plain(node: Any, path: Path_, loaded: Loaded, seen: set[int], depth: int) -> Any:
    """ruamel nodes -> plain Python, recording positions; rejects aliases, deep nesting, odd keys."""
    if depth > MAX_DEPTH:
        line, col = loaded.where(path)
        raise DataErrors([DataError(loaded.file, line, col, field_name(path), f"嵌套层数超过 {MAX_DEPTH} 层,数据结构不对。")])
    if isinstance(node, (CommentedMap, CommentedSeq)):
        if id(node) in seen:  # the same object twice means a YAML alias (*name): refuse, never expand
            line, col = loaded.where(path)
            raise DataErrors([DataError(loaded.file, line, col, field_name(path),
                                        "不支持 YAML 锚点/别名(&名称 / *名称)。请把内容直接写出来。")])
        seen.add(id(node))
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            kline, kcol, vline, vcol = ((node.lc.data or {}).get(key) or [0, 0, 0, 0])[:4]  # no data when tagged
            if not isinstance(key, str):
                raise DataErrors([DataError(loaded.file, kline + 1, kcol + 1, field_name(path),
                                            f"字段名必须是文字,这里是 {key!r}。请检查这一行冒号前的内容。")])
            sub = path + (key,)
            loaded.positions[sub] = (vline + 1, vcol + 1) if isinstance(value, (str, int, float, bool, type(None), dt.date)) \
                else (kline + 1, kcol + 1)
            out[key] = _plain(value, sub, loaded, seen, depth + 1)
        return out
    if isinstance(node, CommentedSeq):
        out = []
        for i, value in enumerate(node):
            line, col = ((node.lc.data or {}).get(i) or [0, 0])[:2]
            loaded.positions[path + (i,)] = (line + 1, col + 1)
            out.append(_plain(value, path + (i,), loaded, seen, depth + 1))
        return out
    if isinstance(node, dt.datetime):
        return node.isoformat()
    if isinstance(node, dt.date):  # unquoted 2019-08-12 is accepted and kept as text
        return node.isoformat()
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


# ---- writing -----------------------------------------------------------------------------

QUOTED_KEYS = {"id", "deadline", "issued", "published", "date", "category", "group", "issue", "label"}
BLOCK_KEYS = {"finding", "measures", "paragraphs", "note", "unplaced", "lines", "reason"}


def _styled(value: Any, key: str | None, in_block: bool) -> Any:
    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _styled(v, k, k in BLOCK_KEYS)
        return m
    if isinstance(value, list):
        s = CommentedSeq()
        s.extend(_styled(v, key, in_block) for v in value)
        return s
    if isinstance(value, str):
        if in_block and value and value == value.strip() and "\n" not in value:
            return LiteralScalarString(value)
        if key in QUOTED_KEYS:
            return DoubleQuotedScalarString(value)
    return value


def dump(data: dict, header: str = "") -> str:
    """Deterministic YAML: key order as given, paragraphs as block scalars, ids and dates quoted."""
    y = _yaml()
    y.width = 1_000_000  # never fold long Chinese lines: one paragraph, one line
    y.indent(mapping=2, sequence=4, offset=2)
    y.allow_unicode = True
    buf = io.StringIO()
    y.dump(_styled(data, None, False), buf)
    return header + buf.getvalue()
