"""Stage 1 of the importer: raw notice text -> paragraphs, with page clutter set aside.

Real notices are copied from web pages: lines indented with NBSP and spaces, paragraphs broken
at column 0 in mid-sentence, breadcrumb / publish date / editor / 【打印】 around the body.
Nothing is dropped here: every non-blank line ends up in exactly one Paragraph or Clutter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

BLANKS = " \t\u00a0\u3000\u2002\u2003\u200b\ufeff\r"
# A paragraph ending in one of these is complete; anything else continues on a column-0 line.
TERMINAL = tuple("。!?！？;；:：”\"」』)）】…")

CLUTTER = [  # (kind, pattern) — lines a web page adds around the notice
    ("breadcrumb", re.compile(r"^(当前位置|您的位置|您现在的位置|所在位置)\s*[:：]\s*(?P<value>.*)$")),
    ("breadcrumb", re.compile(r"^(?P<value>(首页|网站首页|主页)\s*(>|›|»|＞|>>|/)\s*.*)$")),
    ("published", re.compile(r"^(发布时间|发布日期|发布于|时间|日期)\s*[:：]\s*(?P<value>\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)(\s.*)?$")),
    ("editor", re.compile(r"^(责编|责任编辑|编辑|审核|校对)\s*[:：]\s*(?P<value>.*)$")),
    ("meta", re.compile(r"^(来源|信息来源|作者|浏览次数|点击数|阅读次数|访问量|字号|分享到)\s*[:：].*$")),
    ("chrome", re.compile(r"^(【[^】]{1,8}】\s*)+$")),  # 【打印】【关闭】
    ("chrome", re.compile(r"^(打印本页|关闭窗口|返回顶部|\[打印\]|\[关闭\]|上一篇[:：].*|下一篇[:：].*|"
                          r"扫一扫.{0,12}|分享到.{0,20}|【?字号】?[:：]?\s*[大中小\s]*)$")),
    ("chrome", re.compile(r"^[^|｜。]{1,12}(\s*[|｜]\s*[^|｜。]{1,12}){2,}$")),  # 网站首页 | 机构概况 | …
]

# Lines that start a new paragraph even at column 0: numbering, status labels, findings.
STARTS_BLOCK = re.compile(
    r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、](?!\d)|问题\s*\d+|"
    r"[一二三四五六七八九十]+是|关于[“\"]|(整改进展情况|整改进展|整改情况|整改状态|完成情况|进展情况|整改结果)\s*[:：])"
)


@dataclass
class Paragraph:
    text: str
    lines: list[int] = field(default_factory=list)  # 1-based source line numbers
    indented: bool = False


@dataclass
class Clutter:
    kind: str
    text: str
    value: str
    line: int


def decode_notice(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding). Notices come as UTF-8 (with or without BOM) or GB18030/GBK."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="strict"), "gb18030"


def strip(line: str) -> str:
    return line.strip(BLANKS)


PUBLISHED_ANYWHERE = re.compile(r"(发布时间|发布日期)\s*[:：]\s*(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2})")


def classify_clutter(text: str, line: int) -> Clutter | None:
    if len(text) > 80:
        return None
    for kind, pattern in CLUTTER:
        m = pattern.match(text)
        if m:
            value = m.groupdict().get("value") or text
            if kind == "meta" and (date := PUBLISHED_ANYWHERE.search(text)):  # 来源:…  发布时间:…
                kind, value = "published", date[2]
            return Clutter(kind, text, value.strip(BLANKS), line)
    return None


HEADING_LINE = 30
STATUS_LINE = re.compile(r"^(整改进展情况|整改进展|整改情况|整改状态|完成情况|进展情况|整改结果)\s*[:：]")


def is_open(text: str) -> bool:
    """Does this paragraph continue on the next column-0 line? Status lines are one line by
    nature; an unclosed quotation mark means the sentence is not over."""
    if STATUS_LINE.match(text):
        return False
    if text.count("“") > text.count("”"):
        return True
    if text.endswith(TERMINAL):
        return False
    # Lines broken by a page's width are long, or stop just after a sentence ('…整改。巡');
    # a short line without any sentence end is a heading (a title, '2.践行…问题').
    return len(text) >= HEADING_LINE or "。" in text


def split(text: str) -> tuple[list[Paragraph], list[Clutter]]:
    """Group lines into paragraphs. A column-0 line continues the previous paragraph when that one
    has no closing punctuation and the line starts no numbered block (e.g. '…深刻' + '汲取…')."""
    paragraphs: list[Paragraph] = []
    clutter: list[Clutter] = []
    previous_open = False  # the line just above was body text without closing punctuation
    for number, raw in enumerate(text.splitlines(), 1):
        content = strip(raw)
        if not content:
            previous_open = False
            continue
        indented = raw[:1] in BLANKS
        junk = classify_clutter(content, number)
        if junk:
            clutter.append(junk)
            previous_open = False
            continue
        if previous_open and not indented and not STARTS_BLOCK.match(content):
            paragraphs[-1].text += content
            paragraphs[-1].lines.append(number)
        else:
            paragraphs.append(Paragraph(content, [number], indented))
        previous_open = is_open(paragraphs[-1].text)
    return paragraphs, clutter
