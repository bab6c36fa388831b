"""Stage 1 of the importer: raw notice text -> paragraphs, with page clutter set aside.

Real notices are copied from web pages: lines indented with NBSP and spaces, paragraphs broken
at column 0 in mid-sentence, breadcrumb / publish date / editor / 【打印】 around the body.
Nothing is dropped here: every non-blank line ends up in exactly one Paragraph or Clutter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import genre

# Spaces of every width, and the list bullets pages put before a line (• 信息索引号:).
BLANKS = " \t\u00a0\u3000\u2002\u2003\u200b\ufeff\r•▪●◆■"
# A paragraph ending in one of these is complete; anything else continues on a column-0 line.
TERMINAL = tuple("。!?！？;；:：”\"」』)）】…")

_DAY = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
CLUTTER = [  # (kind, pattern) — lines a web page adds around the notice
    ("breadcrumb", re.compile(r"^(当前位置|您的位置|您现在的位置|所在位置|当前页面)\s*[:：]\s*(?P<value>.*)$")),
    ("breadcrumb", re.compile(r"^(?P<value>(首页|网站首页|主页)\s*(>|›|»|＞|>>|/)\s*.*)$")),
    # 发布日期:2024-03-08 / 时间:2024-03-08 10:21:33 / 发布日期:2024-03-08信息来源:市卫健委 (glued)
    ("published", re.compile(rf"^(发布时间|发布日期|发布于|发表时间|发表日期|时间|日期|更新时间)\s*[:：]?\s*(?P<value>{_DAY})(.*)$")),
    # 成文日期 / 成文时间 / 发文日期 / 印发日期: the document's own date (issued), never the page's
    ("issued", re.compile(rf"^({genre.ISSUED_LABELS})\s*[:：]?\s*(?P<value>{_DAY})(.*)$")),
    # a bare timestamp glued before the source: 2022-05-11 09:30:00来源:某市交通运输局, also after the
    # site's name: 铁东区人民政府 2019-12-13 16:36 来源: 区河湖管理中心
    ("published", re.compile(rf"^(?:[^\s:：。,，;；]{{2,20}}\s+)?(?P<value>{_DAY})(\s*\d{{1,2}}:\d{{2}}(:\d{{2}})?)?\s*"
                             r"(来源|信息来源|作者|浏览|点击)(.*)$")),
    ("editor", re.compile(r"^(责编|责任编辑|编辑|审核|校对|来源编辑)\s*[:：]\s*(?P<value>.*)$")),
    ("meta", re.compile(r"^[-—–]*\s*(来源|信息来源|文章来源|作者|浏览次数|点击数|阅读次数|访问量|浏览量|阅读量|字号|分享到|"
                        r"信息索引号|索引号|文件名称|发布机构|发文机关|公开方式|公开范围|公开时限|主题分类|体裁分类|"
                        r"文号|发文字号|有效性|主题词|所属机构|信息分类)\s*[:：]\s*(?P<value>.*)$")),
    ("chrome", re.compile(r"^(【[^】]{1,8}】\s*)+$")),  # 【打印】【关闭】
    ("chrome", re.compile(r"^(打印本页|关闭窗口|返回顶部|\[打印\]|\[关闭\]|上一篇[:：].*|下一篇[:：].*|"
                          r"扫一扫.{0,12}|分享到.{0,20}|【?字号】?[:：]?\s*[大中小\s]*|朗读|打印|关闭|收藏|纠错)$")),
    # page furniture: 页面: 大 中 小 / 字体: / 对比度: / 分享: / 保护视力色: / 朗读本文
    ("chrome", re.compile(r"^(页面|字体|字号|对比度|分享|保护视力色|视力保护色|背景色|护眼模式|语音播报|无障碍|"
                          r"适老化|长者模式)\s*[:：]?.{0,24}$")),
    ("chrome", re.compile(r"^(朗读|【朗读】|语音朗读|打印|【打印】|关闭|【关闭】)(\s*(朗读|打印|关闭|收藏|纠错|【[^】]{1,6}】))*$")),
    # runs of furniture words: 打印本页　　关闭窗口 / 关怀版　无障碍 / 政府信息公开
    ("chrome", re.compile(r"^((打印本页|关闭窗口|打印|关闭|收藏|纠错|关怀版|无障碍|长者模式|繁體|简体|English|登录|注册|"
                          r"政府信息公开|信息公开|网站地图|返回首页|返回顶部|【[^】]{1,6}】)[\s|｜]*){1,8}$")),
    # a site address on its own line (www.example.gov.cn), never a title
    ("url", re.compile(r"^(?P<value>(https?://)?([\w-]+\.)+(gov\.cn|com\.cn|org\.cn|cn|com|org|net)(/\S*)?)$", re.I)),
    ("chrome", re.compile(r"^[^|｜。]{1,12}(\s*[|｜]\s*[^|｜。]{1,12}){2,}$")),  # 网站首页 | 机构概况 | …
]
# 政府信息公开 pages print a block of labels, each label and its value on a line of its own.
META_LABELS = {
    "信息索引号": "meta", "索引号": "meta", "文件名称": "meta", "名称": "meta", "发布机构": "meta", "发文机关": "meta",
    "成文日期": "issued", "发布日期": "published", "成文时间": "issued", "发文日期": "issued", "发文时间": "issued",
    "印发日期": "issued", "发布时间": "published", "生成日期": "issued", "公开方式": "meta", "公开范围": "meta",
    "公开时限": "meta", "主题分类": "meta", "体裁分类": "meta", "文号": "meta", "发文字号": "meta", "有效性": "meta",
    "主题词": "meta", "信息来源": "meta", "来源": "meta", "所属机构": "meta", "信息分类": "meta",
    "发文机构": "meta", "标题": "meta", "内容概述": "meta", "生成时间": "issued",
}
META_LABEL_LINE = re.compile(rf"^(?P<label>{'|'.join(sorted(META_LABELS, key=len, reverse=True))})\s*[:：]?$")

# Lines that start a new paragraph even at column 0: numbering, findings, and the genre's line
# labels (status, measures, deadline, responsible units).
_LABELS = genre.STATUS_LINE_LABELS + genre.MEASURE_LABELS + genre.DEADLINE_LABELS + genre.RESPONSIBLE_LABELS
STARTS_BLOCK = re.compile(
    r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、](?!\d)|问题\s*(\d+|[一二三四五六七八九十]+)|"
    rf"[一二三四五六七八九十]+是|关于[“\"]|({'|'.join(_LABELS)})\s*[:：])"
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
    label: str = ""  # 发布机构, 成文日期, … when the line is (the value of) a labelled field


def strip(line: str) -> str:
    return line.strip(BLANKS)


# 来源:…  发布时间:… / 作者:办公室 日期:2023年03月15日: a page date further along a metadata line
PUBLISHED_ANYWHERE = re.compile(r"(?:发布时间|发布日期|发表时间|(?:^|(?<=[\s\u3000|｜]))(?:日期|时间))\s*[:：]\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})")
ISSUED_ANYWHERE = re.compile(rf"(?:^|[\s\u3000|｜/])(?:{genre.ISSUED_LABELS})\s*[:：]\s*(\d{{4}}\s*[-/.年]\s*\d{{1,2}}\s*[-/.月]\s*\d{{1,2}})")


def meta_label(text: str) -> str:
    """'索 引 号:' / '标　　题:' → the 政府信息公开 label the line is alone ('' if none): gov.cn
    pages space their labels out to one width."""
    m = META_LABEL_LINE.match(re.sub(r"[\s\u3000]+", "", text))
    return m["label"] if m else ""


def classify_clutter(text: str, line: int) -> Clutter | None:
    if len(text) > 80:
        return None
    for kind, pattern in CLUTTER:
        m = pattern.match(text)
        if m and kind == "chrome" and "。" in text:
            continue  # 适老化改造纳入年度民生实事。: a sentence of the body, whatever word opens it
        if m:
            value = m.groupdict().get("value") or text
            label = m.group(1) if kind in ("meta", "published", "issued", "editor") else ""
            if kind == "meta" and (date := PUBLISHED_ANYWHERE.search(text)):  # 来源:…  发布时间:…
                kind, value = "published", date[1]
            elif kind == "meta" and (date := ISSUED_ANYWHERE.search(text)):  # 索引号:… 成文日期:…
                kind, value = "issued", date[1]
            if kind == "published" and (date := ISSUED_ANYWHERE.search(text)):  # 成文时间:… / 发文时间:… on one line
                if not text.startswith(("发布", "发表", "时间", "日期")):
                    kind, value = "issued", date[1]
            return Clutter(kind, text, value.strip(BLANKS), line, label)
    return None


HEADING_LINE = 30
TITLE_END = re.compile(r"(关于|巡视|巡察).*(通报|报告|公告|公示)$")


def is_open(text: str) -> bool:
    """Does this paragraph continue on the next column-0 line? Status lines are one line by
    nature; an unclosed quotation mark means the sentence is not over."""
    if genre.is_status_line(text) or genre.DEADLINE_LINE.match(text):
        return False
    if text.count("“") > text.count("”"):
        return True
    if TITLE_END.search(text) and not re.search(r"[,，。;；:：]", text) and len(text) <= 80:
        return False  # 中共……关于……的通报: a whole title, whatever its length; the body starts below
    if text.endswith(TERMINAL):
        return False
    if text.endswith((",", "，", "、")):
        return True  # a clause stops at a comma only when the line was broken there
    # Lines broken by a page's width are long, or stop just after a sentence ('…整改。巡');
    # a short line without any sentence end is a heading (a title, '2.践行…问题').
    return len(text) >= HEADING_LINE or "。" in text


def split(text: str) -> tuple[list[Paragraph], list[Clutter]]:
    """Group lines into paragraphs. A column-0 line continues the previous paragraph when that one
    has no closing punctuation and the line starts no numbered block (e.g. '…深刻' + '汲取…')."""
    paragraphs: list[Paragraph] = []
    clutter: list[Clutter] = []
    previous_open = False  # the line just above was body text without closing punctuation
    pending_label: str | None = None  # a 政府信息公开 label whose value is on the next line
    for number, raw in enumerate(text.splitlines(), 1):
        content = strip(raw)
        if not content:
            previous_open = False
            continue
        indented = raw[:1] in BLANKS
        if pending_label is not None:
            label, pending_label = pending_label, None
            # an empty label (内容概述:) before the notice's title: the title is no label's value,
            # except the value of the 标题 / 文件名称 label that announces it
            names_title = label in ("标题", "文件名称", "名称")
            if not meta_label(content) and len(content) <= 120 and (names_title or not TITLE_END.search(content)):
                kind = META_LABELS[label]
                if kind in ("published", "issued") and not re.fullmatch(_DAY + r".*", content):
                    kind = "meta"  # not a date after all: kept, not read as one
                clutter.append(Clutter(kind, content, content, number, label))
                previous_open = False
                continue
        label_line = meta_label(content)
        if label_line:
            pending_label = label_line
            clutter.append(Clutter("label", content, "", number, pending_label))
            previous_open = False
            continue
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
