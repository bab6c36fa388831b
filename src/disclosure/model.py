"""Domain objects. Each owns its parsing from validated plain data; the data model is the architecture:
one notice folder -> one Notice (notice.yml) with its Items (items/<id>.yml), each with Updates."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .status import is_overdue, month_end


def natural_key(text: str) -> tuple:
    """'5-2' < '10': compare numbers as numbers so files sort in the notice's order."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p)


def month_text(yyyymm: str) -> str:
    year, month = yyyymm.split("-")
    return f"{int(year)}年{int(month)}月"


def date_text(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


@dataclass
class Update:
    date: str
    status: str
    note: str
    deadline: str | None = None
    reason: str | None = None
    evidence: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, raw: dict) -> "Update":
        return cls(raw["date"], raw["status"], raw["note"], raw.get("deadline"), raw.get("reason"),
                   list(raw.get("evidence", [])))


@dataclass(frozen=True)
class Correction:
    """An admin's correction of the official text, shown on the page with its reason."""

    date: str
    reason: str
    fields: tuple[str, ...] = ()

    @classmethod
    def parse_all(cls, raw: dict) -> list["Correction"]:
        return [cls(c["date"], c["reason"], tuple(c.get("fields", []))) for c in raw.get("corrections", [])]


@dataclass(frozen=True)
class Withdrawal:
    """Why and when an admin took an item or notice off the site (its page stays, saying so)."""

    date: str
    reason: str

    @classmethod
    def parse(cls, raw: dict) -> "Withdrawal | None":
        w = raw.get("withdrawn")
        return cls(w["date"], w["reason"]) if w else None


@dataclass
class Node:
    """A level of the notice's hierarchy: category (一), problem group 1., numbered issue (1)."""

    kind: str  # "category" | "group" | "issue"
    id: str
    label: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)

    @classmethod
    def parse(cls, raw: dict, kind: str) -> "Node":
        node = cls(kind, raw["id"], raw["label"], raw["title"], list(raw.get("paragraphs", [])))
        node.children = [cls.parse(g, "group") for g in raw.get("groups", [])] + \
                        [cls.parse(i, "issue") for i in raw.get("issues", [])]
        return node


@dataclass
class Item:
    notice_id: str
    id: str
    label: str
    heading: str
    finding: str
    measures: list[str]
    status_original: str  # as published in the notice
    status_text: str
    deadline_original: str | None
    category: str | None = None
    group: str | None = None
    issue: str | None = None
    finding_lead: str = ""
    finding_tail: str = ""
    no_deadline: str | None = None
    responsible: list[str] = field(default_factory=list)
    truncated: bool = False  # the source text ends inside this item
    updates: list[Update] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    withdrawn: Withdrawal | None = None
    continues: str | None = None  # "<notice-id>/<item-id>": the earlier problem this item reports on (series.py)
    file: str = ""

    @classmethod
    def parse(cls, raw: dict, notice_id: str, file: str = "") -> "Item":
        return cls(
            notice_id=notice_id, id=raw["id"], label=raw["label"], heading=raw["heading"],
            finding=raw["finding"], measures=list(raw["measures"]), status_original=raw["status"],
            status_text=raw["status_text"], deadline_original=raw.get("deadline"),
            category=raw.get("category"), group=raw.get("group"), issue=raw.get("issue"),
            finding_lead=raw.get("finding_lead", ""), finding_tail=raw.get("finding_tail", ""),
            no_deadline=raw.get("no_deadline"), responsible=list(raw.get("responsible", [])),
            truncated=bool(raw.get("truncated", False)),
            updates=[Update.parse(u) for u in raw.get("updates", [])], corrections=Correction.parse_all(raw),
            withdrawn=Withdrawal.parse(raw), continues=raw.get("continues"), file=file,
        )

    # Current state: the latest dated update wins over the notice's original words.
    @property
    def status(self) -> str:
        return self.updates[-1].status if self.updates else self.status_original

    @property
    def deadline(self) -> str | None:
        for update in reversed(self.updates):
            if update.deadline:
                return update.deadline
        return self.deadline_original

    @property
    def deadline_revisions(self) -> list[Update]:
        return [u for u in self.updates if u.deadline]

    def overdue(self, as_of: dt.date) -> bool:
        return is_overdue(self.status, month_end(self.deadline) if self.deadline is not None else None, as_of)

    @property
    def finding_paragraph(self) -> str:
        """The finding as printed, with its lead and tail words."""
        return f"{self.finding_lead}{self.finding}{self.finding_tail}"


@dataclass
class Section:
    role: str
    paragraphs: list[str]
    label: str = ""
    title: str = ""

    @classmethod
    def parse(cls, raw: dict) -> "Section":
        return cls(raw["role"], list(raw["paragraphs"]), raw.get("label", ""), raw.get("title", ""))


@dataclass
class Notice:
    id: str
    title: str
    issuer: str
    issued: str
    source: str
    published: str | None = None
    issued_text: str = ""
    inspection: dict = field(default_factory=dict)
    addressees: str = ""
    source_url: str = ""
    page: dict = field(default_factory=dict)
    stated_figures: dict = field(default_factory=dict)
    categories: list[Node] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    contact: dict = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    withdrawn: Withdrawal | None = None
    follows: str | None = None  # the earlier notice of the same inspection this one reports on (series.py)
    items: list[Item] = field(default_factory=list)  # the published ones, in the notice's order
    withdrawn_items: list[Item] = field(default_factory=list)  # taken off by an admin: a page says why
    folder: Path | None = None

    @classmethod
    def parse(cls, raw: dict, folder: Path | None = None) -> "Notice":
        return cls(
            id=raw["id"], title=raw["title"], issuer=raw["issuer"], issued=raw["issued"],
            source=raw["source"], published=raw.get("published"), issued_text=raw.get("issued_text", ""),
            inspection=dict(raw.get("inspection", {})), addressees=raw.get("addressees", ""),
            source_url=raw.get("source_url", ""), page=dict(raw.get("page", {})),
            stated_figures=dict(raw.get("stated_figures", {})),
            categories=[Node.parse(c, "category") for c in raw["categories"]],
            sections=[Section.parse(s) for s in raw["sections"]], contact=dict(raw["contact"]),
            unplaced=list(raw.get("unplaced", [])), corrections=Correction.parse_all(raw),
            withdrawn=Withdrawal.parse(raw), follows=raw.get("follows"), folder=folder,
        )

    def walk(self):
        """Every hierarchy node with its ancestors, in the notice's order."""
        def rec(nodes, trail):
            for node in nodes:
                yield node, trail
                yield from rec(node.children, trail + [node])
        yield from rec(self.categories, [])

    def node(self, item: Item) -> list[Node]:
        """The hierarchy path of an item: [category, group, issue] as far as they exist."""
        refs = (item.category, item.group, item.issue)
        cache = self.__dict__.setdefault("_paths", {})  # every page asks; a site has thousands
        if refs not in cache:
            path, level = [], self.categories
            for ref in refs:
                if ref is None:
                    continue
                found = next((n for n in level if n.id == ref), None)
                if found is None:
                    break
                path.append(found)
                level = found.children
            cache[refs] = path
        return list(cache[refs])

    def items_under(self, node: Node) -> list[Item]:
        """Items at or below node, in order. One pass over the items serves every node's page."""
        key = tuple(map(id, self.items))
        cached = self.__dict__.get("_under")
        if cached is None or cached[0] != key:
            under: dict[int, list[Item]] = {}
            for item in self.items:
                for n in self.node(item):
                    under.setdefault(id(n), []).append(item)
            cached = self.__dict__["_under"] = (key, under)
        return list(cached[1].get(id(node), []))

    @property
    def inspection_kind(self) -> str:
        return self.inspection.get("kind", "巡视")

    @property
    def unit(self) -> str:
        """The inspected unit a citizen looks for; the issuer when the notice does not name one."""
        return self.inspection.get("unit") or self.issuer

    @property
    def year(self) -> str:
        """The year it was issued in ("2019"): the directory's year filter and notices/years/<year>/."""
        return self.issued[:4]

    @property
    def round(self) -> str:
        """The round (e.g. 十四届第五轮) as the notice states it; '' when it does not."""
        return self.inspection.get("round", "")
