"""Stage 2 of the importer: paragraphs -> notice structure (sections, hierarchy, items).

The genre numbers its levels 一、 › (一) › 1. › (1) › 一是关于“…”, but issuers skip levels, write
问题1:, use flat 1. lists, put the status before the measures, or give no status at all. So the
levels are found, not assumed: the deepest numbered level inside the problems section holds the
items; the levels above it become categories and groups. Text that fits nowhere is kept in the
nearest enclosing place (node paragraphs, section paragraphs, or `unplaced`) — never dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import genre
from .text import TERMINAL, Paragraph

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def cn_number(text: str) -> int:
    """一..九十九 -> int (十一 = 11, 二十三 = 23); 0 for runs of numerals that are no number (一一)."""
    try:
        if "十" not in text:
            return CN_DIGITS[text]
        tens, _, ones = text.partition("十")
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)
    except KeyError:  # a typo or clutter such as "一一、": not a number, so it opens no numbered level
        return 0


CN = "[一二三四五六七八九十]+"
SECTION = re.compile(rf"^(?P<label>(?P<n>{CN})、\s*)(?P<title>.*)$")
LEVELS = [  # (name, pattern) from outer to inner, inside the problems section
    # The label keeps the spaces after the number, so label + title is the line exactly.
    ("cn_paren", re.compile(rf"^(?P<label>[（(](?P<n>{CN})[)）]\s*)(?P<title>.*)$")),
    ("dot", re.compile(r"^(?P<label>(?P<n>\d{1,3})[.．、](?!\d)\s*)(?P<title>.*)$")),
    ("paren", re.compile(r"^(?P<label>[（(](?P<n>\d{1,3})[)）]\s*)(?P<title>.*)$")),
    ("problem", re.compile(rf"^(?P<label>问题\s*(?P<n>\d{{1,3}}|{CN})\s*[:：.．、]?\s*)(?P<title>.*)$")),
]
# When every 一、二、 section is itself an item (each has its own status line), sections are the items.
SECTION_LEVEL = ("section", re.compile(rf"^(?P<label>(?P<n>{CN})、\s*)(?P<title>.*)$"))
DEADLINE_LINE = genre.DEADLINE_LINE
RESPONSIBLE_LINE = genre.RESPONSIBLE_LINE
SUB_ITEM = re.compile(rf"^(?P<label>(?P<n>{CN})是)(?P<rest>关于.*)$")
# 一是… without 关于 is a sub-item only under an issue that announces several (关于…等问题).
PLAIN_SUB_ITEM = re.compile(rf"^(?P<label>(?P<n>{CN})是)(?P<rest>.+)$")
FINDING = re.compile(r"^关于\s*[“\"‘']")
CLOSING = re.compile(r"^(下一步|今后|欢迎|热忱欢迎|诚恳欢迎|联系电话|监督电话|举报电话|电子邮箱|电子信箱|邮政信箱|通信地址|"
                     r"通讯地址|来信地址|联系地址|邮寄地址|邮政编码|网络举报)")
# The vocabulary of a heading about the work (整改工作/组织领导/压实责任) and of one about problems.
ORGANISATIONAL = re.compile(r"组织领导|领导小组|压实|责任落实|主体责任|整改工作|整改责任|高度重视|提高政治站位|提高站位|"
                            r"统筹推进|建章立制|举一反三|长效机制|督促检查|督导检查|跟踪问效|强化监督|坚持问题导向|"
                            r"细化整改|整改方案|整改措施|成果运用")
PROBLEM_HEADING = re.compile(r"方面|问题|不够|不足|不到位|不严|不力|不规范|薄弱|缺失|偏差|关于[“\"]")
HEADING_MAX = 120  # numbered paragraphs longer than this are body text that happens to start with 1.
# (一)关于……的问题。一是……;二是……: the problem and its first measures on the heading's own line.
# The problem is the heading; the measures, from 一是 on, are the item's first measure paragraph.
HEADING_WITH_MEASURES = re.compile(r"^(?P<head>(?:关于|针对|在)[^。；;]{2,100}?问题[。；;，,:：])(?P<rest>[一二三四五六七八九十]是.+)$")

def parse_status(text: str) -> tuple[str | None, str | None]:
    """Status line -> (status, 'YYYY-MM' deadline). None when the words do not say."""
    body = genre.status_line_body(text)
    return genre.status_of(body), genre.deadline_in(body)[0]


def split_finding(text: str) -> tuple[str, str, str]:
    """'一是关于“X”问题的整改落实情况。' -> ('一是关于“', 'X', '”问题的整改落实情况。').
    The finding is everything between the first opening quote and the last closing quote;
    nested quotes stay inside. A truncated paragraph without a closing quote keeps the rest."""
    m = re.search(r"[“\"‘']", text)
    if not m:
        return "", text, ""
    start = m.end()
    close = max(text.rfind("”"), text.rfind('"'), text.rfind("’") if m[0] == "‘" else -1)
    if close < start:
        return text[:start], text[start:], ""
    return text[:start], text[start:close], text[close:]


@dataclass
class Heading:
    level: str
    label: str
    number: int
    title: str
    paragraphs: list[str] = field(default_factory=list)
    children: list["Heading"] = field(default_factory=list)
    items: list["ItemDraft"] = field(default_factory=list)


@dataclass
class ItemDraft:
    number: int
    label: str
    sub_label: str = ""
    sub_number: int = 0
    finding_lead: str = ""
    finding: str = ""
    finding_tail: str = ""
    finding_is_heading: bool = False  # the issue's own heading line is the finding (问题1:… style)
    status_text: str = ""
    deadline_text: str = ""  # a separate 整改时限: line, kept verbatim in measures too
    responsible: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    extra_status: list[str] = field(default_factory=list)
    issue: Heading | None = None
    lines: list[int] = field(default_factory=list)  # source lines of everything in the item, for the report
    status_line: int = 0  # where status_text came from (0: nowhere)
    deadline_line: int = 0
    status_from_sentence: bool = False  # the status was read from the item's closing sentence
    truncated: bool = False  # the source text ends inside this item


@dataclass
class SectionDraft:
    label: str
    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    role: str = ""


def level_of(text: str, levels=LEVELS) -> tuple[str, re.Match] | None:
    if len(text) > HEADING_MAX:
        return None
    for name, pattern in levels:
        m = pattern.match(text)
        if m:
            return name, m
    return None


def split_sections(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[SectionDraft]]:
    """Top-level 一、二、三、 sections. Numbers must count up from 一, so a stray '一、' inside a
    paragraph list does not open a section."""
    before: list[Paragraph] = []
    sections: list[SectionDraft] = []
    for p in paragraphs:
        m = SECTION.match(p.text) if len(p.text) <= HEADING_MAX else None
        if m and cn_number(m["n"]) == len(sections) + 1:
            sections.append(SectionDraft(m["label"], m["title"]))
        elif sections:
            sections[-1].paragraphs.append(p)
        else:
            before.append(p)
    return before, sections


def sections_are_items(sections: list[SectionDraft]) -> bool:
    """一、二、三、 used as item numbers: several sections each carry their own status line."""
    return sum(1 for s in sections if sum(bool(genre.is_status_line(p.text)) for p in s.paragraphs) == 1) >= 2


def looks_like_problems(paragraphs: list[Paragraph]) -> bool:
    texts = [p.text for p in paragraphs]
    return any(genre.is_status_line(t) for t in texts) or sum(1 for t in texts if level_of(t) and level_of(t)[0] in ("paren", "problem")) >= 2 \
        or sum(1 for t in texts if FINDING.match(t) or SUB_ITEM.match(t)) >= 2 \
        or sum(1 for t in texts if (found := level_of(t)) and found[1]["title"].startswith("关于")) >= 2 \
        or any((found := level_of(t)) and HEADING_WITH_MEASURES.match(found[1]["title"]) for t in texts)


def continues_problems(section: "SectionDraft", first: "SectionDraft") -> bool:
    """A section right after the problems that holds items too: the notice sorts its problems
    into 一、关于……方面 二、关于……方面 (same shape of heading), or titles it as problems."""
    has_item = _holds_item(section, ("paren", "problem", "dot"))
    same_shape = section.title.startswith("关于") and first.title.startswith("关于")
    return looks_like_problems(section.paragraphs) or (has_item and (same_shape or "问题" in section.title))


def _holds_item(section: "SectionDraft", levels: tuple[str, ...]) -> bool:
    """A finding, a sub-item, or a numbered paragraph of one of `levels` anywhere in the section."""
    return any(FINDING.match(t) or SUB_ITEM.match(t) or ((found := level_of(t)) is not None and found[0] in levels)
               for t in (p.text for p in section.paragraphs))


def maybe_problems(section: "SectionDraft") -> bool:
    """Weaker evidence, used only when no section looks like problems (a notice cut off after its
    first item): a section titled as the problems and holding one numbered item or finding."""
    titled = "问题" in section.title or "整改情况" in section.title or not section.label
    return titled and _holds_item(section, ("paren", "problem"))


def item_level(paragraphs: list[Paragraph], levels=LEVELS) -> tuple[list[str], str | None]:
    """Which numbering levels are present (outer→inner) and which of them holds the items."""
    present = []
    for p in paragraphs:
        found = level_of(p.text, levels)
        if found and found[0] not in present:
            present.append(found[0])
    order = [name for name, _ in levels]
    present.sort(key=order.index)
    if not present:
        return [], None
    # The innermost level holds the items, unless it never carries a finding or a status —
    # then it is a level of headings and items are found by their finding paragraphs.
    return present, present[-1]


class ProblemsParser:
    """Builds the hierarchy and items of the problems section, paragraph by paragraph."""

    def __init__(self, paragraphs: list[Paragraph], sections_are_items: bool = False):
        self.paragraphs = paragraphs
        self.patterns = [SECTION_LEVEL] + LEVELS if sections_are_items else LEVELS
        self.levels, self.leaf = item_level(paragraphs, self.patterns)
        self.roots: list[Heading] = []
        self.items: list[ItemDraft] = []
        self.intro: list[str] = []  # text before the first heading of the section
        self.notes: list[str] = []  # what the importer noticed, for stderr
        self.stack: list[Heading] = []
        self.item: ItemDraft | None = None
        self.synthetic = 0
        self.lines: list[int] = []  # source lines of the paragraph being read
        self.outro: list[str] = []  # closing words after the last item (take_outro)
        self.root_texts: dict[int, list[str]] = {}  # id(root) -> its heading line and every line under it

    def parse(self) -> "ProblemsParser":
        for p in self.paragraphs:
            self.lines = p.lines
            self.feed(p.text)
            if self.item is not None:
                self.item.lines += p.lines
            if self.stack:  # every line under a top-level heading, as written (demote_organisational_roots)
                self.root_texts.setdefault(id(self.stack[0]), []).append(p.text)
        return self

    def feed(self, text: str):
        found = level_of(text, self.patterns)
        if found and found[0] in self.levels:
            self.open_node(found[0], found[1])
            return
        sub = SUB_ITEM.match(text)
        if sub and self.stack and self.stack[-1].level == self.leaf:
            self.open_sub_item(sub, text)
            return
        plain = PLAIN_SUB_ITEM.match(text)
        if plain and self.stack and self.stack[-1].level == self.leaf and "等问题" in self.stack[-1].title \
                and (self.item is None or self.item.sub_label or self._empty(self.item)):
            self.open_sub_item(plain, text, whole=True)
            return
        if self.leaf is None and FINDING.match(text):
            self.open_unnumbered_item(text)
            return
        if genre.is_status_line(text):
            self.add_status(text)
            return
        self.add_text(text)

    def open_node(self, level: str, m: re.Match):
        depth = self.levels.index(level)
        while self.stack and self.levels.index(self.stack[-1].level) >= depth:
            self.stack.pop()
        node = Heading(level, m["label"], int(m["n"]) if m["n"].isdigit() else cn_number(m["n"]), m["title"])
        (self.stack[-1].children if self.stack else self.roots).append(node)
        self.stack.append(node)
        self.item = None
        if level == self.leaf:
            self.item = ItemDraft(node.number, node.label, issue=node)
            node.items.append(self.item)
            self.items.append(self.item)

    def open_sub_item(self, m: re.Match, text: str, whole: bool = False):
        issue = self.stack[-1]
        # The issue's first draft becomes sub-item 一 when it has no content yet.
        if issue.items and not issue.items[0].sub_label and self._empty(issue.items[0]):
            draft = issue.items[0]
        else:
            draft = ItemDraft(issue.number, issue.label, issue=issue)
            issue.items.append(draft)
            self.items.append(draft)
        draft.sub_label, draft.sub_number = m["label"], cn_number(m["n"])
        draft.label = issue.label + m["label"]
        if whole:  # 一是研发投入强度偏低。制定……已完成。: the first sentence is the finding
            first, dot, rest = m["rest"].partition("。")
            draft.finding_lead, draft.finding = m["label"], first + dot
            if rest:
                draft.finding_tail = rest
        else:
            draft.finding_lead, draft.finding, draft.finding_tail = split_finding(text)
        self.item = draft

    def open_unnumbered_item(self, text: str):
        self.synthetic += 1
        draft = ItemDraft(self.synthetic, str(self.synthetic))
        draft.finding_lead, draft.finding, draft.finding_tail = split_finding(text)
        self.items.append(draft)
        self.item = draft
        self.notes.append(f"没有编号的事项,按出现顺序编为 {self.synthetic}:{text[:30]}…")

    @staticmethod
    def _empty(draft: ItemDraft) -> bool:
        return not (draft.finding or draft.measures or draft.status_text)

    def add_status(self, text: str):
        if self.item is None:
            self.add_text(text)
            return
        if self.item.status_text:
            self.item.measures.append(text)  # a second status line is kept as text, and reported
            self.notes.append(f"事项 {self.item.label} 有两行状态,第二行作为措施保留:{text}")
        else:
            self.item.status_text = text
            self.item.status_line = self.lines[0] if self.lines else 0

    def add_text(self, text: str):
        item = self.item
        if item is not None and DEADLINE_LINE.match(text) and not item.deadline_text:
            item.deadline_text = text
            item.deadline_line = self.lines[0] if self.lines else 0
        if item is not None and (units := RESPONSIBLE_LINE.match(text)):
            item.responsible += [u for u in re.split(r"[、,，;；\s]+", units["units"]) if u]
        if item is not None:
            if not item.finding and not item.measures and not item.status_text and FINDING.match(text):
                item.finding_lead, item.finding, item.finding_tail = split_finding(text)
            else:
                item.measures.append(text)
        elif self.stack:
            self.stack[-1].paragraphs.append(text)
        else:
            self.intro.append(text)

    def take_outro(self):
        """A notice without 一、二、 sections ends with its closing words after the last item
        (下一步…, 欢迎……监督, 联系电话:…): they belong to the notice, not to that item."""
        if not self.items:
            return
        last = self.items[-1]
        while last.measures and CLOSING.match(last.measures[-1]):
            self.outro.insert(0, last.measures.pop())

    def demote_descriptive_roots(self):
        """(一)党组书记组织落实整改工作情况 1.… 2.…: where the notice gives its items status lines, an
        outer part whose numbered paragraphs carry no status and no finding describes the work; its
        paragraphs are text of that part, not items."""
        def drafts(node):
            return node.items + [d for c in node.children for d in drafts(c)]

        def substantive(d):
            return d.status_text or d.finding or (d.issue is not None and d.issue.title.startswith("关于"))
        if not any(d.status_text for d in self.items) or len(self.roots) < 2:
            return
        for root in self.roots:
            if root.level == self.leaf or any(substantive(d) for d in drafts(root)):
                continue
            def flatten(node):
                for child in node.children:
                    root.paragraphs.append(child.label + child.title)
                    for d in child.items:
                        root.paragraphs.extend(d.measures)
                    root.paragraphs.extend(child.paragraphs)
                    flatten(child)
            gone = {id(d) for d in drafts(root)}
            flatten(root)
            root.children = []
            self.items = [d for d in self.items if id(d) not in gone]

    def demote_organisational_roots(self):
        """(一)提高站位抓整改,压实整改政治责任 1.成立领导小组… 完成情况:已完成: a part about the work,
        however its paragraphs are numbered or marked, states no problem. Where the notice also has
        parts about problems, a top-level heading in the words of the work (组织领导, 压实责任,
        整改工作; genre vocabulary in ORGANISATIONAL) and not of problems (方面, 问题), whose
        paragraphs name no finding (关于“…”, …问题), is text: its lines stay as written, in order,
        and it holds no items: kept as paragraphs where it stands, never a category."""
        def drafts(node):
            return node.items + [d for c in node.children for d in drafts(c)]

        def names_problem(d: ItemDraft) -> bool:
            title = d.issue.title if d.issue is not None else ""
            return bool(d.finding and not d.finding_is_heading) or bool(FINDING.match(title)) \
                or bool(PROBLEM_HEADING.search(title[:40]))
        if self.leaf is None or len(self.roots) < 2:
            return
        organisational = [r for r in self.roots if r.level != self.leaf and ORGANISATIONAL.search(r.title[:20])
                          and not PROBLEM_HEADING.search(r.title) and drafts(r)
                          and not any(names_problem(d) for d in drafts(r))]
        ids = {id(r) for r in organisational}  # by identity: two headings may read alike
        if not ids or all(id(r) in ids for r in self.roots):
            return
        kept: list[Heading] = []
        for root in self.roots:
            if id(root) not in ids:
                kept.append(root)
                continue
            gone = {id(d) for d in drafts(root)}
            self.items = [d for d in self.items if id(d) not in gone]
            # its heading and every line under it, in order, where it stands: text, never a category
            (kept[-1].paragraphs if kept else self.intro).extend(self.root_texts.get(id(root), [root.label + root.title]))
            self.notes.append(f"“{root.label}{root.title[:20]}…”讲的是整改工作(组织领导、压实责任),不是问题,"
                              "其下编号段落作为正文保留,未列为整改事项或问题类别。")
        self.roots = kept

    def split_heading_measures(self, draft: ItemDraft):
        """An item whose heading line carries its first measures (关于…的问题。一是…;二是…): the
        problem is the heading and the finding, the rest its first measure paragraph."""
        m = HEADING_WITH_MEASURES.match(draft.issue.title) if draft.issue is not None else None
        if not m or draft.sub_label or draft.finding:
            return
        draft.issue.title = m["head"]
        draft.measures.insert(0, m["rest"])

    def demote_empty_roots(self):
        """(一)加强组织领导…… (二)压实整改责任……: numbered paragraphs about the work, before (or among)
        the problem categories, hold no item. They are text, never categories: a category without
        items whose heading speaks of the work rather than of problems (方面/问题), or whose number
        another category already uses, is kept as a paragraph where it stands."""
        if not self.items or self.leaf is None:
            return
        def has_items(node):
            return bool(node.items) or any(has_items(c) for c in node.children)

        def lines_of(node):
            out = [node.label + node.title] + node.paragraphs
            for child in node.children:
                out += lines_of(child)
            return out
        numbers = {(n.level, n.number) for n in self.roots if has_items(n)}
        kept: list[Heading] = []
        for root in self.roots:
            if root.level != self.leaf and not has_items(root) and (
                    (root.level, root.number) in numbers or not PROBLEM_HEADING.search(root.title)
                    or ORGANISATIONAL.search(root.title[:20])):
                (kept[-1].paragraphs if kept else self.intro).extend(lines_of(root))
                self.notes.append(f"“{root.label}{root.title[:20]}…”下没有整改事项,作为正文段落保留,未列为问题类别。")
                continue
            kept.append(root)
        self.roots = kept

    def finish(self, ends_here: bool = False):
        """Items whose finding never came: the issue heading itself states the problem. Items
        without a status line may close with a status sentence (目前已整改到位。). `ends_here`: the
        source text ends inside this section, so its last item may be cut off."""
        self.demote_descriptive_roots()
        self.demote_organisational_roots()
        self.demote_empty_roots()
        self.take_outro()
        for draft in self.items:
            self.split_heading_measures(draft)
            if not draft.finding and draft.issue is not None and not draft.sub_label:
                draft.finding_lead, draft.finding, draft.finding_is_heading = draft.issue.label, draft.issue.title, True
            last = (draft.measures or [draft.finding_lead + draft.finding + draft.finding_tail])[-1]
            if not draft.status_text and last:
                closing = genre.closing_status(last)
                if closing:
                    draft.status_text = closing
                    draft.status_from_sentence = True
                    draft.status_line = draft.lines[-1] if draft.lines else 0
        if ends_here and self.items and self.paragraphs:
            last = self.paragraphs[-1].text
            if last.count("“") > last.count("”") or not last.endswith(TERMINAL):
                self.items[-1].truncated = True
        return self


# ---- a table copied from a page, one cell per line (序号 / 问题 / 整改措施 / 整改时限 / 整改状态) ----------
TABLE_COLUMNS = genre.TABLE_COLUMNS


@dataclass
class Table:
    start: int  # index of the first header cell among the paragraphs
    end: int  # index after the last row
    header: list[str]
    items: list[ItemDraft]


def find_table(paragraphs: list[Paragraph]) -> Table | None:
    """A header of at least three known column names on consecutive lines, with a 序号 column,
    followed by rows that start with 1, 2, 3…; the rows are the items."""
    for start in range(len(paragraphs)):
        header = []
        while start + len(header) < len(paragraphs) and paragraphs[start + len(header)].text in TABLE_COLUMNS:
            header.append(paragraphs[start + len(header)].text)
        roles = [TABLE_COLUMNS[h] for h in header]
        if len(header) < 3 or roles[0] != "number" or "finding" not in roles:
            continue
        items, at = [], start + len(header)
        while at + len(header) <= len(paragraphs) and paragraphs[at].text == str(len(items) + 1):
            cells = [p.text for p in paragraphs[at:at + len(header)]]
            draft = ItemDraft(len(items) + 1, cells[0])
            for role, name, cell in zip(roles, header, cells):
                if role == "finding":
                    draft.finding = cell
                elif role == "measure":
                    draft.measures.append(cell)
                elif role == "status":
                    draft.status_text = cell
                    draft.status_line = paragraphs[at + header.index(name)].lines[0]
                elif role == "deadline":
                    draft.deadline_text = f"{name}:{cell}"
                    draft.deadline_line = paragraphs[at + header.index(name)].lines[0]
                    draft.measures.append(draft.deadline_text)  # the row's words, read with their column
                elif role == "responsible":
                    draft.responsible += [u for u in re.split(r"[、,，;；\s]+", cell) if u]
                    draft.measures.append(f"{name}:{cell}")
                elif role in ("responsible_person", "note") and cell:
                    draft.measures.append(f"{name}:{cell}")
            draft.lines = [line for p in paragraphs[at:at + len(header)] for line in p.lines]
            items.append(draft)
            at += len(header)
        if items:
            return Table(start, at, header, items)
    return None
