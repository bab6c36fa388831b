"""Notice text -> data folder (notice.yml, items/<id>.yml, source.txt), losing nothing.

    text.split        lines -> paragraphs + page clutter
    structure         paragraphs -> sections, hierarchy, item drafts
    build (here)      drafts -> the plain dicts written as YAML, plus a lossless self-check
    write             atomic replacement of the output folder

The result is deterministic: the same bytes in give the same bytes out, which is how the
committed data/notices/jinpu-2019/ is produced and checked.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import genre, yamlio
from ..model import natural_key
from ..names import without_invisible
from ..status import DONE, LABELS as STATUS_LABELS, UNREPORTED
from . import structure as st
from .sources import SourceError, SourceText, read_source
from .text import Clutter, Paragraph, split, strip

NOTICE_SCHEMA = "# yaml-language-server: $schema=../../../src/disclosure/schema/notice.schema.json\n"
ITEM_SCHEMA = "# yaml-language-server: $schema=../../../../src/disclosure/schema/item.schema.json\n"
SOURCE_NAME = "source.txt"
DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
NO_DEADLINE = "原通报未列明整改时限"
TITLE_LIKE = re.compile(r"(关于|巡视|巡察).*(通报|情况|公告|公示|报告)$")
# a site's name or column glued before or after a title (a page's <title>, a copied header)
SITE_PREFIX = re.compile(r"^(?P<site>.{2,30}?(网站|门户网|网|专栏|栏目|公开|动态|公示公告|通知公告)\s*[-—|｜_>»]*\s*)"
                         r"(?P<title>(中共|关于).{6,})$")
SITE_SUFFIX = re.compile(r"^(?P<title>.{6,}?(通报|报告|公告|公示|情况))(?P<site>\s*[-—|｜_]+\s*[^-—|｜_]{2,30})$")
# a note under the signature's date: (此件公开发布) / （此件发至县级领导干部）
SIGNATURE_NOTE = re.compile(r"^[（(]此(?:件|页)[^()（）]{1,20}[)）]$")
# a portal's header copied onto the title's line: 示例区人民政府 The People's Government of … 政府信息公开
# 中共…的通报. The prefix is the site's only when it names a site or a column and is no sentence.
SITE_WORDS = re.compile(r"网站|门户|人民政府|政府信息公开|政务公开|信息公开|栏目|专栏|纪委监委|Government|首页")
ORGAN = re.compile(r"(委员会|党组|党委|工委|办公室|政府|局|公司|集团|中心|学校|医院|大学|支部|总支)$")


class ImportFailed(Exception):
    """The input cannot be imported at all (e.g. not text); message in Chinese."""


@dataclass
class ImportResult:
    notice: dict
    items: list[dict]
    source: bytes
    notes: list[str] = field(default_factory=list)  # what the importer noticed; printed on stderr
    found: list[str] = field(default_factory=list)  # what it filled in, each with its source line
    source_name: str = SOURCE_NAME  # source.txt / source.html / source.docx: the original bytes

    def report(self) -> str:
        """The Chinese import report: what was recognised, and what staff should check."""
        n = self.notice
        counts = {}
        for item in self.items:
            counts[item["status"]] = counts.get(item["status"], 0) + 1
        lines = ["导入结果(请逐项核对):",
                 f"  标题:{n.get('title', '(未识别)')}",
                 f"  发文单位:{n.get('issuer', '(未识别)')}",
                 f"  印发日期:{n.get('issued', '(未识别)')}" + (f";网页发布日期:{n['published']}" if n.get("published") else ""),
                 f"  整改事项:{len(self.items)} 项(" + "、".join(f"{STATUS_LABELS[k]} {v}" for k, v in counts.items()) + ")",
                 f"  有整改时限的事项:{sum('deadline' in i for i in self.items)} 项"]
        figures = n.get("stated_figures")
        if figures:
            lines.append(f"  通报自述的数字:{figures['text']}")
        if self.found:
            lines.append("从原文读出的内容(行号为原文的行号,请对照原文核对):")
            lines += [f"  {line}" for line in self.found]
        lines.append(f"需要核对的地方:{len(self.notes)} 处,逐条见上面以“提示:”开头的行。" if self.notes
                     else "没有需要特别核对的地方;仍请对照原文抽查几项。")
        return "\n".join(lines)


def import_notice(raw: bytes, notice_id: str, filename: str = "") -> ImportResult:
    """`filename` is only named in messages: the kind of file is found from its bytes."""
    try:
        source = read_source(raw)
    except SourceError as exc:
        raise ImportFailed(str(exc)) from None
    source = _visible(source)
    paragraphs, clutter = split(source.text)
    for line in _page_furniture(source):
        clutter.append(line)
    return Builder(notice_id, paragraphs, clutter, raw, list(source.notes), source).build()


def _visible(source: SourceText) -> SourceText:
    """The source without characters that print nothing (names.py: zero-width spaces, bidirectional
    controls...), which the validator refuses in names and headings; the original file keeps them,
    and a note says how many were left out."""
    text, removed = without_invisible(source.text)
    title, in_title = without_invisible(source.title)
    lines = [without_invisible(line) for line in source.page_lines]
    removed += in_title + sum(n for _, n in lines)
    if not removed:
        return source
    note = (f"原文中有 {removed} 个看不见的格式字符(如零宽空格 U+200B、文字方向控制符),"
            "导入的文字里没有保留它们;原文文件保持原样。")
    return replace(source, text=text, title=title, page_lines=[line for line, _ in lines],
                   notes=[*source.notes, note])


def _page_furniture(source: SourceText) -> list[Clutter]:
    """A web page's lines outside the article: read for metadata (published date, 政府信息公开
    block), and every one of them kept in page.lines; none becomes notice text."""
    if not source.page_lines:
        return []
    paragraphs, clutter = split("\n".join(source.page_lines))
    out = clutter + [Clutter("page", p.text, p.text, 0) for p in paragraphs]
    order = {line: i for i, line in enumerate(source.page_lines)}
    return sorted(out, key=lambda c: order.get(c.text, len(order)))


class Builder:
    def __init__(self, notice_id, paragraphs: list[Paragraph], clutter: list[Clutter], raw: bytes, notes,
                 source: SourceText):
        self.id = notice_id
        self.source = source
        self.paragraphs = paragraphs
        self.clutter = clutter
        self.raw = raw
        self.notes = notes
        self.unplaced: list[str] = []
        self.found: list[str] = []
        self.page_extra: dict = {}
        self.where: dict[str, int] = {}  # what was read from which source line, for the report
        self.issued_text = ""  # the signature's date line, as written

    # -- head and tail of the notice --------------------------------------------------------
    def take_head(self, body: list[Paragraph]) -> tuple[str, str, list[Paragraph]]:
        """Title and addressees (a line ending in a colon) open the notice. The title is the first
        short line that reads like one (…关于…的通报); lines above it are the page's (its site name,
        a repeated 文件名称), kept in page.lines. Without such a line, a first short line that
        is no sentence is the title, as before."""
        title = addressees = ""
        body = self._join_title(body)
        looks = [i for i, p in enumerate(body[:12]) if self._title_line(p.text) or self._site_and_title(p.text)]
        # lines above the title are the page's only when they read as page lines (a site name, a
        # column), never body text: furniture is what a line is, not where it stands
        if looks and all(self._head_line(p.text) for p in body[:looks[0]]):
            for p in body[:looks[0]]:
                self.clutter.append(Clutter("head", p.text, p.text, p.lines[0]))
            body = body[looks[0]:]
        glued = self._site_and_title(body[0].text) if body else None
        if glued:  # the whole line is kept as page.title_line; the title is what follows the site
            self.page_extra.update(title_line=body[0].text)  # the schema's page has no site name: the line keeps it
            title, body, self.where["标题"] = glued[1], body[1:], body[0].lines[0]
        elif body and len(body[0].text) <= 80 and not body[0].text.endswith(("。", ":", "：")) \
                and not st.SECTION.match(body[0].text) and not st.level_of(body[0].text):
            title, body, self.where["标题"] = body[0].text, body[1:], body[0].lines[0]
            site = SITE_PREFIX.match(title) or SITE_SUFFIX.match(title)
            if site and TITLE_LIKE.search(site["title"]):  # 某某县人民政府门户网站 巡察公开 中共…的通报
                self.page_extra.update(title_line=title)  # the site's name stays in the line (no schema field)
                title = site["title"]
            prefix = re.match(r"^[^:：“”]{2,10}[:：](?=.{6,}(关于|通报))", title)
            if prefix:  # 巡察整改公开:中共…: a column name written before the title
                self.page_extra.update(column=prefix[0].rstrip(":："), title_line=title)
                title = title[prefix.end():]
            column = re.match(r"^【(?P<tag>[^】]{1,12})】\s*", title)
            if column and title[column.end():]:  # 【巡察整改】中共…: the site's column, not the title
                self.page_extra.update(column=column["tag"], title_line=title)
                title = title[column.end():]
        first = body[0].text if body else ""
        if first.endswith((":", "：")) and len(first) <= 200 and "。" not in first and not st.genre.is_status_line(first):
            addressees, body = body[0].text, body[1:]
        return title, addressees, body

    @staticmethod
    def _title_line(text: str) -> bool:
        return bool(TITLE_LIKE.search(text)) and len(text) <= 80 and not text.endswith(("。", ":", "：")) \
            and not st.SECTION.match(text) and not st.level_of(text) and not re.search(r"[。；;]", text)

    @classmethod
    def _site_and_title(cls, text: str) -> tuple[str, str] | None:
        """(site, title) when a line longer than a title is a site's header glued before one: the
        title is a whole title line starting at 中共/关于, the rest names a site or column."""
        whole = cls._title_line(text)  # 某某县人民政府关于…的通报 is a title, its organ no site
        if whole and not SITE_WORDS.search(text):
            return None
        for m in re.finditer(r"中共|关于", text):
            before, rest = text[:m.start()], text[m.start():]
            site = before.strip(" -—|｜_>»\u3000")
            if not site:
                return None
            apart = re.search(r"[\s\u3000\-—|｜_>»]$", before)  # the site is set off from the title
            words = SITE_WORDS.search(site) if not whole else re.search(r"网站|门户|信息公开|政务公开|栏目|专栏|Government", site)
            if apart and words and not re.search(r"[。，,；;:：]", site) and len(site) <= 80 \
                    and cls._title_line(rest) and TITLE_LIKE.search(rest):
                return site, rest
        return None

    @staticmethod
    def _head_line(text: str) -> bool:
        return len(text) <= 40 and not re.search(r"[。；;,，]", text)

    def _join_title(self, body: list[Paragraph]) -> list[Paragraph]:
        """A title printed over two lines: '中共某某县农业农村局党组关于县委第二轮巡察' / '反馈意见整改
        进展情况的通报', or the organ's name on a line above '关于……的通报'. Joined only when the
        first part is a title's beginning (it holds 关于, or names a party organ) and no page line."""
        for i in range(min(len(body) - 1, 11)):
            first, second = body[i].text, body[i + 1].text
            if not (self._head_line(first) and self._head_line(second)) or self._title_line(first) \
                    or re.search(r"[:：]", first + second) or second.startswith("中共"):
                continue
            starts = ("关于" in first and "关于" not in second) or \
                (re.search(r"(党组|党委|委员会|党工委|支部|总支|领导小组|办公室)$", first) and second.startswith("关于")
                 and first.startswith("中共"))
            if starts and self._title_line(first + second):
                joined = Paragraph(first + second, body[i].lines + body[i + 1].lines, body[i].indented)
                return body[:i] + [joined] + body[i + 2:]
            # 中共某某县民政局党组 / 关于县委第三巡察组反馈意见 / 整改情况的通报: a title over three lines
            third = body[i + 2].text if i + 2 < len(body) else ""
            if starts and third and self._head_line(third) and not self._title_line(second) \
                    and not re.search(r"[:：]", third) and "关于" not in third and self._title_line(first + second + third):
                joined = Paragraph(first + second + third, body[i].lines + body[i + 1].lines + body[i + 2].lines,
                                   body[i].indented)
                return body[:i] + [joined] + body[i + 3:]
        return body

    def take_signature(self, body: list[Paragraph]) -> tuple[list[str], str, str, list[Paragraph]]:
        """Issuer and date under the text: '中共…委员会' / '2019年8月12日'. The issuer may be split
        over two lines (中共…巡察工作 / 领导小组办公室), or stand alone without a date."""
        lines, issued = [], ""
        notes: list[Paragraph] = []  # (此件公开发布) under the date: the document's note, kept with its signature
        while body and SIGNATURE_NOTE.match(body[-1].text) and len(notes) < 2:
            notes.insert(0, body[-1])
            body = body[:-1]
        if body and DATE_LINE.match(body[-1].text):
            date_para, body = body[-1], body[:-1]
            self.where["印发日期"] = date_para.lines[0]
            lines = [date_para.text]
            y, m, d = DATE_LINE.match(date_para.text).groups()
            issued = f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
            self.issued_text = date_para.text
        issuer = ""
        if body and self._signature_line(body[-1].text) and (lines or ORGAN.search(body[-1].text)):
            self.where["发文单位"] = body[-1].lines[0]
            issuer, body = body[-1].text, body[:-1]
            lines.insert(0, issuer)
            if body and self._signature_line(body[-1].text) and ORGAN.search(issuer) and len(body[-1].text) <= 24 \
                    and len(issuer) <= 8:  # 中共…管理局 / 党组: the organ's name broken over two lines
                lines.insert(0, body[-1].text)
                issuer, body = body[-1].text + issuer, body[:-1]
        if notes and not lines:  # no signature above the note: it is the body's last words
            return [], "", "", body + notes
        return lines + [n.text for n in notes], issuer, issued, body

    @staticmethod
    def _signature_line(text: str) -> bool:
        return len(text) <= 40 and not text.endswith(tuple("。;；:：")) and not st.level_of(text) \
            and not re.search(r"[,，。:：]", text)

    # -- the whole notice ---------------------------------------------------------------------
    def build(self) -> ImportResult:
        title, addressees, body = self.take_head(self.paragraphs)
        signature, issuer, issued, body = self.take_signature(body)
        table = st.find_table(body)
        if table:
            return self._build_notice(title, addressees, signature, issuer, issued, *self._table_sections(body, table))
        before, sections = st.split_sections(body)
        flat_sections = st.sections_are_items(sections)
        if not sections or flat_sections:  # no 一、二、 sections: the whole body is one problems section
            sections = [st.SectionDraft("", "", body if flat_sections else before)]
            before = []
        sections_out: list[dict] = []
        if before:
            sections_out.append({"role": "preamble", "paragraphs": [p.text for p in before]})
        problems: st.ProblemsParser | None = None
        chosen = next((s for s in sections if st.looks_like_problems(s.paragraphs)), None) \
            or next((s for s in sections if st.maybe_problems(s)), None)
        run = self._problem_run(sections, chosen)
        for section in sections:
            if section in run[1:]:
                continue  # merged into the problems of the first: its heading is a category
            if problems is None and section is chosen:
                ends_here = run[-1] is sections[-1] and not signature  # the text stops inside this section
                if len(run) > 1:  # 一、关于……方面 二、关于……方面: several sections hold the items
                    merged = [p for s in run for p in [Paragraph(s.label + s.title, [])] + s.paragraphs]
                    problems = st.ProblemsParser(merged, True).parse().finish(ends_here)
                    section = st.SectionDraft("", "", [])
                else:
                    problems = st.ProblemsParser(section.paragraphs, flat_sections).parse().finish(ends_here)
                self.notes.extend(problems.notes)
                out = self._section("problems", section, problems.intro)
                if problems.outro:
                    sections_out += [out]
                    out = {"role": "closing", "paragraphs": problems.outro}
            else:
                out = self._section("closing" if problems else "opening", section, [p.text for p in section.paragraphs])
            sections_out.append(out)
        return self._build_notice(title, addressees, signature, issuer, issued, sections_out, problems)

    def _table_sections(self, body: list[Paragraph], table: st.Table):
        """A notice whose items are the rows of a table: text before and after it, and the rows."""
        problems = st.ProblemsParser([])
        problems.items = table.items
        sections = []
        if body[:table.start]:
            sections.append({"role": "preamble", "paragraphs": [p.text for p in body[:table.start]]})
        sections.append({"role": "problems", "paragraphs": table.header})
        if body[table.end:]:
            sections.append({"role": "closing", "paragraphs": [p.text for p in body[table.end:]]})
        self.notes.append(f"整改事项来自表格(列:{'、'.join(table.header)}),共 {len(table.items)} 行,请逐行核对。")
        return sections, problems

    def _build_notice(self, title, addressees, signature, issuer, issued, sections_out, problems) -> ImportResult:
        if signature:
            sections_out.append({"role": "signature", "paragraphs": signature})
        published_line = next((c.line for c in self.clutter if c.kind == "published" and c.line), 0)
        if published_line:
            self.where["网页发布日期"] = published_line
        if not issuer and not self._issuer_from_title(title):  # the 政府信息公开 block's 发文机关, with its line
            self.where["发文单位(发文机关)"] = next((c.line for c in self.clutter if c.label in ("发文机关", "发文机构")
                                             and c.value and c.kind != "label"), 0)
        if not issued:  # 成文日期 of the block or the info line
            self.where["印发日期(成文日期)"] = next((c.line for c in self.clutter if c.kind == "issued"
                                             and len(re.findall(r"\d+", c.value)) >= 3), 0)
        self.found[:0] = [f"{what} ← 第 {line} 行" for what, line in self.where.items() if line]
        if problems is None or not problems.items:
            self.notes.append("未识别出整改事项结构(编号、“关于……问题”或整改状态行)。全文已按段落保留在 notice.yml 的 sections 中,请人工拆分事项。")
        categories, items = self._hierarchy(problems) if problems else ([], [])
        all_text = " ".join(p.text for p in self.paragraphs)
        # the issuer as the notice states it: its signature, the organ heading its title, or the
        # 发文机关 of its 政府信息公开 block; a page's 发布机构 / 来源 is who put it online, not the issuer
        stated_issuer = issuer or self._issuer_from_title(title) or self._clutter_value("发文机关", "发文机构")
        # Nothing is invented: what the text does not say is left out, and validation asks for it.
        notice: dict = {"id": self.id}
        for key, value, missing in (
            ("title", title, "未识别出标题。请在 notice.yml 中填写 title。"),
            ("issuer", stated_issuer,
             "未识别出发文单位。请在 notice.yml 中填写 issuer。"),
            ("issued", issued or self._clutter_date("issued"),
             "未找到落款日期或成文日期。请在 notice.yml 中填写 issued(印发日期,如 \"2019-08-12\")"
             + (f";网页发布日期为 {self._published()},可供参考。" if self._published() else "。")),
        ):
            if value:
                notice[key] = value
            else:
                self.notes.append(missing)
        if self._published():
            notice["published"] = self._published()
        if signature and self.issued_text:
            notice["issued_text"] = self.issued_text
        notice["inspection"] = self._inspection(title, all_text, stated_issuer)
        if addressees:
            notice["addressees"] = addressees
        notice["source"] = f"source.{self.source.extension}"
        page = self._page()
        if page:
            notice["page"] = page
        figures = self._stated_figures()
        if figures:
            notice["stated_figures"] = figures
        notice["categories"] = categories
        notice["sections"] = sections_out
        notice["contact"] = self._contact()
        result = ImportResult(notice, items, self.raw, self.notes, self.found, f"source.{self.source.extension}")
        self._check_lossless(result)
        if self.unplaced:
            notice["unplaced"] = self.unplaced
        return result

    @staticmethod
    def _problem_run(sections: list[st.SectionDraft], chosen: st.SectionDraft | None) -> list[st.SectionDraft]:
        """The chosen problems section and the sections right after it that hold items too."""
        if chosen is None or chosen not in sections:
            return []
        run = [chosen]
        for section in sections[sections.index(chosen) + 1:]:
            if not st.continues_problems(section, chosen):
                break
            run.append(section)
        return run

    def _section(self, role: str, section: st.SectionDraft, paragraphs: list[str]) -> dict:
        out: dict = {"role": role}
        if section.label:
            out["label"] = section.label
            out["title"] = section.title
        out["paragraphs"] = paragraphs
        return out

    # -- hierarchy and items --------------------------------------------------------------------
    def _hierarchy(self, problems: st.ProblemsParser) -> tuple[list[dict], list[dict]]:
        """Levels above the item level become categories (outermost) and groups; the item level
        becomes the numbered issues. Items reference them by id."""
        above = problems.levels[: problems.levels.index(problems.leaf)] if problems.leaf else []
        kinds = dict(zip(above, ["category", "group"]))
        for extra in above[2:]:
            self.notes.append(f"编号层级超过三层({extra}),该层标题保留在上一层的段落中。")
        ids = self._item_ids(problems)
        items: list[dict] = []
        node_ids = self._node_ids(problems)

        def node_dict(node: st.Heading) -> dict:
            d = {"id": node_ids[id(node)], "label": node.label, "title": node.title}
            if node.paragraphs:
                d["paragraphs"] = node.paragraphs
            groups = [node_dict(c) for c in node.children if kinds.get(c.level) == "group"]
            issues = [node_dict(c) for c in node.children if c.level == problems.leaf]
            if groups:
                d["groups"] = groups
            if issues:
                d["issues"] = issues
            return d

        def refs(trail: list[st.Heading]) -> dict:
            out = {}
            for node in trail:
                key = "issue" if node.level == problems.leaf else kinds.get(node.level)
                if key:
                    out[key] = node_ids[id(node)]
            return out

        def walk(nodes: list[st.Heading], trail: list[st.Heading]):
            for node in nodes:
                for draft in node.items:
                    items.append(self._item(draft, ids[id(draft)], refs(trail + [node])))
                walk(node.children, trail + [node])

        top = [n for n in problems.roots]
        walk(top, [])
        for draft in problems.items:  # unnumbered items (no hierarchy)
            if draft.issue is None:
                items.append(self._item(draft, ids[id(draft)], {}))
        if not above:  # a flat list: items stand directly under the notice, no hierarchy
            for item in items:
                item.pop("issue", None)
            return [], items
        return [node_dict(n) for n in top], items

    def _node_ids(self, problems: st.ProblemsParser) -> dict[int, str]:
        """Each heading's id: its number, unique among its siblings of the same kind. A number used
        twice on one level (a category heading repeated) gets a letter (1, 1b), and is reported."""
        out: dict[int, str] = {}

        def rec(nodes: list[st.Heading], issues_seen: set[str]):
            seen: set[str] = set()
            for node in nodes:
                used = issues_seen if node.level == problems.leaf else seen
                candidate = str(node.number)
                while candidate in used:
                    candidate += "b"
                if candidate != str(node.number):
                    self.notes.append(f"编号 “{node.label.strip()}” 在同一层级重复出现(第二次的标题:{node.title[:20]}…),"
                                      f"其编号记为 {candidate},请核对。")
                used.add(candidate)
                out[id(node)] = candidate
                rec(node.children, set())
        rec(problems.roots, set())
        return out

    def _item_ids(self, problems: st.ProblemsParser) -> dict[int, str]:
        """'5-2' for (5) 二是, '1' for (1). Numbering that restarts per group gets the group prefix."""
        def base(d: st.ItemDraft) -> str:
            return f"{d.number}-{d.sub_number}" if d.sub_label else str(d.number)

        plain = [base(d) for d in problems.items]
        if len(set(plain)) == len(plain):
            return {id(d): b for d, b in zip(problems.items, plain)}
        self.notes.append("事项编号在不同类别中重复出现,编号前加上了上级编号(如 2.1-3)。")
        out, parents = {}, self._parents(problems)
        for d, b in zip(problems.items, plain):
            prefix = ".".join(str(n.number) for n in parents.get(id(d.issue), []))
            candidate = f"{prefix}.{b}" if prefix else b
            while candidate in out.values():
                candidate += "b"
            out[id(d)] = candidate
        return out

    @staticmethod
    def _parents(problems: st.ProblemsParser) -> dict[int, list[st.Heading]]:
        out = {}

        def rec(nodes, trail):
            for n in nodes:
                out[id(n)] = trail
                rec(n.children, trail + [n])
        rec(problems.roots, [])
        return out

    def _item(self, draft: st.ItemDraft, item_id: str, refs: dict) -> dict:
        """Status only from a status phrase, deadline only from a deadline phrase of this item;
        every value filled is reported with the line it came from."""
        status = deadline = None
        phrase = ""
        if draft.status_text:
            body = genre.status_line_body(draft.status_text)
            status = genre.status_of(body)
            deadline, phrase = genre.deadline_in(body)
        if deadline is None and draft.deadline_text:
            deadline, phrase = genre.deadline_in(genre.DEADLINE_LINE.sub("", draft.deadline_text, count=1), labelled=True)
            where = draft.deadline_line
        else:
            where = draft.status_line
        if deadline is None and not phrase and status != DONE:
            # a deadline phrase of this item's own text (…2024年底前完成与8个部门的数据对接), the latest one
            found = [genre.deadline_in(t) for t in draft.measures + [draft.finding_tail]]
            found = [f for f in found if f[0]]
            if found:
                deadline, phrase = max(found)
                where = draft.lines[-1] if draft.lines else 0
        if deadline is None and phrase:
            self.notes.append(f"事项 {draft.label}(第 {where} 行)的整改时限写法有误,未填写 deadline:{phrase}")
        elif deadline is None and status != DONE and re.search(r"\d{4}\s*年\s*\d{1,2}\s*月|\d{4}[-./]\d", draft.deadline_text):
            self.notes.append(f"事项 {draft.label} 的整改时限未能识别(日期写法有误?),未填写 deadline:{draft.deadline_text}")
        elif deadline is None and status != DONE and re.search(r"\d{4}", draft.deadline_text or draft.status_text):
            self.notes.append(f"事项 {draft.label} 的整改时限未能识别(日期写法有误?),未填写 deadline:"
                              f"{draft.deadline_text or draft.status_text}")
        if draft.status_text and status is None:
            self.notes.append(f"事项 {draft.label}(第 {draft.status_line} 行)的状态用语未能识别,记为 unreported:{draft.status_text}")
        if not draft.status_text:
            first = draft.lines[0] if draft.lines else 0
            self.notes.append(f"事项 {draft.label}(第 {first} 行起)原文没有整改状态行,记为 unreported。")
        if status:
            how = "结尾一句" if draft.status_from_sentence else "状态行"
            self.found.append(f"事项 {draft.label}:{STATUS_LABELS[status]} ← 第 {draft.status_line} 行{how}“{draft.status_text}”")
        if deadline:
            self.found.append(f"事项 {draft.label}:整改时限 {deadline} ← 第 {where} 行“{phrase}”")
        if draft.truncated:
            self.notes.append(f"事项 {draft.label} 的原文在此处中断(文本不完整),已保留已有内容并标记为 truncated。请找到完整原文核对。")
        status = status or UNREPORTED
        d: dict = {"id": item_id, "label": draft.label}
        d.update(refs)
        heading = draft.issue.title if draft.issue is not None else (draft.finding or draft.label)
        d["heading"] = heading or draft.label
        d["status"] = status
        if deadline:
            d["deadline"] = deadline
        elif status != DONE:
            word = genre.no_deadline_words(draft.status_text)
            d["no_deadline"] = f"原通报称“{word}”,未列明整改时限" if word else NO_DEADLINE
        d["status_text"] = draft.status_text
        d["finding_lead"] = draft.finding_lead
        d["finding"] = draft.finding
        d["finding_tail"] = draft.finding_tail
        d["measures"] = draft.measures
        if draft.responsible:
            d["responsible"] = draft.responsible
        if draft.truncated:
            d["truncated"] = True
        d["updates"] = []
        return d

    # -- metadata ---------------------------------------------------------------------------------
    def _clutter_date(self, kind: str) -> str:
        for c in self.clutter:
            if c.kind == kind:
                parts = re.findall(r"\d+", c.value)[:3]
                if len(parts) == 3:
                    y, m, d = map(int, parts)
                    return f"{y:04d}-{m:02d}-{d:02d}"
        return ""

    def _published(self) -> str:
        return self._clutter_date("published")

    def _clutter_value(self, *labels: str) -> str:
        return next((c.value for c in self.clutter if c.label in labels and c.value and c.kind != "label"), "")

    def _page(self) -> dict:
        page: dict = dict(self.page_extra)
        for c in self.clutter:
            if c.kind == "breadcrumb":
                page.setdefault("breadcrumb", c.value)
            elif c.kind == "editor":
                page.setdefault("editor", c.value)
        if self.clutter:
            page["lines"] = [c.text for c in self.clutter]
        return page

    @staticmethod
    def _issuer_from_title(title: str) -> str:
        m = re.match(r"^(.+?)关于", title)
        return m[1] if m else ""

    def _inspection(self, title: str, text: str, issuer: str) -> dict:
        """What the notice states about its inspection (genre.py); each fact found is reported.
        `issuer`: the signature's or the title's organ (never a page's 发布机构), which names the
        unit when the text says 对我局/我中心/我单位."""
        out = {"kind": genre.inspection_kind(title, text)}
        by = re.search(r"(中央|省委|市委|州委|县委|区委|旗委)第[一二三四五六七八九十\d]+(巡视|巡察)组", text)
        if by:
            out["by"] = by[0]
        period = re.search(r"\d{4}年\d{1,2}月\d{1,2}日至(\d{4}年)?\d{1,2}月\d{1,2}日", text)
        if period:
            out["period"] = period[0]
        facts = {"unit": genre.inspected_unit(text, issuer), "round": genre.inspection_round(title, text),
                 "stage": genre.notice_stage(title)}
        names = {"unit": "被巡视(巡察)单位", "round": "轮次", "stage": "通报阶段"}
        self_word = genre.self_reference(text)
        for key, value in facts.items():
            if value:
                out[key] = value
                if key == "unit" and self_word:  # 对我局: the issuer's own unit, named by the issuer
                    line = next((par.lines[0] for par in self.paragraphs if "对" + self_word in par.text), None)
                    self.found.append(f"{names[key]}:{value}(第 {line} 行“对{self_word}”,单位名称取自发文单位“{issuer}”)")
                    continue
                line = next((par.lines[0] for par in self.paragraphs if value in par.text), None)
                self.found.append(f"{names[key]}:{value}" + (f"(第 {line} 行)" if line else "(标题)"))
        if not facts["unit"] and self_word:
            self.notes.append(f"原文称巡视(巡察)组“对{self_word}”开展巡视(巡察),发文单位未写明该单位名称,"
                              "未填写被巡视(巡察)单位(inspection.unit),如需要请人工填写。")
        return out

    def _stated_figures(self) -> dict:
        """The first sentence that counts the notice's problems and how many are done (genre.py);
        failing that, the first that states the total alone (共发现反馈问题21个) or the counts alone
        (5个问题已完成整改,1个问题已基本完成整改), with the next sentence's counts when it gives them."""
        fallback = None
        for p in self.paragraphs:
            sentences = re.split(r"[。；;]", p.text)
            for i, sentence in enumerate(sentences):
                figures = genre.stated_figures(sentence)
                if not figures:
                    continue
                if "total" in figures and len(set(figures) - {"total", "text"}) >= 1 and "text" in figures \
                        and not figures.get("_lenient"):
                    self.found.append(f"通报自述的数字(第 {p.lines[0]} 行):{figures['text']}")
                    return figures
                if fallback is None:
                    if set(figures) <= {"total", "text"} and i + 1 < len(sentences):
                        parts = genre.stated_figures(sentences[i + 1], parts_only=True)
                        if parts:  # 共发现反馈问题21个。目前已完成整改18个,正在整改3个
                            start = p.text.index(figures["text"])
                            stop = p.text.index(parts["text"], start) + len(parts["text"])
                            merged = {**{k: v for k, v in parts.items() if k != "text"}, "total": figures["total"]}
                            figures = {key: merged[key] for key in genre.FIGURE_KEYS if key in merged}
                            figures["text"] = p.text[start:stop]
                    fallback = (p, figures)
        if fallback:
            p, figures = fallback
            self.found.append(f"通报自述的数字(第 {p.lines[0]} 行):{figures['text']}")
            return figures
        return {}

    def _contact(self) -> dict:
        contact: dict = {}
        for p in self.paragraphs:
            t = p.text
            phone = re.search(r"(?:电话|热线|联系电话)\s*[:：]?\s*([0-9０-９][0-9０-９\-—－–() （）]{5,}[0-9０-９])", t)
            if phone and "phone" not in contact:
                contact["phone"] = phone[1]
            addr = re.match(r"^(?:邮政信箱|通信地址|通讯地址|来信地址|邮寄地址|地址)\s*[:：]\s*(.+?)[。.]?$", t)
            if addr and "address" not in contact:
                contact["address"] = addr[1]
            email = re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", t)
            if email and "email" not in contact:
                contact["email"] = email[0]
            web = re.search(r"https?://[^\s,，。;；)）]+", t)
            if web and "web_form" not in contact and ("网" in t or "举报" in t):
                contact["web_form"] = web[0]
        if not contact:
            self.notes.append("原文中未找到联系方式(电话、邮政信箱)。请在 notice.yml 的 contact 中补填。")
        return contact

    # -- nothing lost --------------------------------------------------------------------------------
    def _check_lossless(self, result: ImportResult):
        """Every non-blank source line must appear verbatim in some text field. Lines that do not
        are kept in `unplaced` and reported — the importer never drops text silently."""
        haystack = "\n".join(texts(result.notice, result.items))
        for number, line in enumerate(self.source.text.splitlines(), 1):
            content = strip(line)
            if content and content not in haystack:
                self.unplaced.append(content)
                self.notes.append(f"第 {number} 行未能归入任何字段,已保存在 unplaced:{content[:40]}")


def link_followup(result: ImportResult, earlier) -> list:
    """A follow-up of `earlier` (a model.Notice): write follows and the matched continues, and report
    every item — linked (how), unmatched or ambiguous (for staff to settle). series.propose_links
    never links on a weak guess."""
    from ..series import propose_links
    result.notice["follows"] = earlier.id
    matches = propose_links(earlier, result.items)
    by_id = {item["id"]: item for item in result.items}
    for match in matches:
        item = by_id[match.item_id]
        if match.target:
            item["continues"] = match.target
            result.found.append(f"事项 {item['label']} 接续 {match.target}({match.note})")
        else:
            result.notes.append(f"事项 {item['label']}{item['heading']}:{match.note}。如它是 {earlier.id} 某一项的后续报告,"
                                f"请在 items/{item['id']}.yml 中加一行 continues: {earlier.id}/<事项编号>;如是新问题,无需处理。")
    return matches


def texts(notice: dict, items: list[dict]):
    """Every text value in the output (for the lossless check)."""
    def rec(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            if "label" in value and "title" in value:  # a heading line is stored as label + title
                yield value["label"] + value["title"]
            if "label" in value and "heading" in value:  # a flat list's item heading line
                yield value["label"] + value["heading"]
            for v in value.values():
                yield from rec(v)
        elif isinstance(value, list):
            for v in value:
                yield from rec(v)
    yield from rec(notice)
    for item in items:
        yield from rec(item)
        finding_line = item.get("finding_lead", "") + item.get("finding", "") + item.get("finding_tail", "")
        yield finding_line
        if item.get("measures"):  # (一)关于…的问题。一是…: a heading line that carries the first measures
            yield finding_line + item["measures"][0]


def render(result: ImportResult) -> dict[str, bytes]:
    """The output folder as {relative path: bytes}."""
    files = {"notice.yml": yamlio.dump(result.notice, NOTICE_SCHEMA).encode("utf-8"), result.source_name: result.source}
    for item in sorted(result.items, key=lambda i: natural_key(i["id"])):
        files[f"items/{item['id']}.yml"] = yamlio.dump(item, ITEM_SCHEMA).encode("utf-8")
    return files


def write(result: ImportResult, out: Path) -> None:
    """Write the folder atomically: build it beside the target, then swap. A failure leaves the
    target as it was. An existing target must be a previous import (it has notice.yml) or empty."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "notice.yml").exists():
        raise ImportFailed(f"输出文件夹 {out} 已存在且不是通报数据文件夹。请换一个输出位置,或先清空它。")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, data in render(result).items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.rename(out, old / "x")
            os.rename(staging, out)
            shutil.rmtree(old)
        else:
            os.rename(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
