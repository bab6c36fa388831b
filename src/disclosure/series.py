"""One inspection, several notices over time. After a 集中整改情况 notice a unit publishes 整改进展情况
notices (and a 回头看) that report again on the problems still open. A later notice declares
`follows: <notice-id>` and each of its items that reports on an earlier problem declares
`continues: <notice-id>/<item-id>`.

A Problem is one problem across its series: the item that first reported it and every later item
that continues it, oldest first. Its current status and deadline come from the newest statement
(a notice's own status line, or a later dated update of any of its items); the site counts each
problem once by that status, while every notice keeps its text and its own figures as published.

This module holds the rules (links resolve, stay within the series, point back in time, no cycle,
one continuation per problem per notice), the problems of a dataset, and the importer's matching of
a follow-up's items to the earlier notice's (fold width, quote marks and punctuation; exact first,
then similarity above a threshold; never a weak guess)."""
from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from .model import Item, Notice, Update, date_text, month_text
from .status import is_overdue, month_end

SEPARATOR = "/"  # continues: <notice-id>/<item-id>


def link_of(notice: Notice | str, item: Item | str) -> str:
    return f"{notice if isinstance(notice, str) else notice.id}{SEPARATOR}{item if isinstance(item, str) else item.id}"


# ---- problems ---------------------------------------------------------------------------------

@dataclass
class Statement:
    """One notice's word on a problem: its item, and the date that word was given."""
    notice: Notice
    item: Item

    @property
    def date(self) -> str:
        """The item's last dated update, else its notice's publication date."""
        return self.item.updates[-1].date if self.item.updates else self.published

    @property
    def published(self) -> str:
        """The date its notice was published (issued, when no publication date is known)."""
        return self.notice.published or self.notice.issued


@dataclass
class Problem:
    statements: list[Statement] = field(default_factory=list)  # oldest notice first

    @property
    def root(self) -> Statement:
        return self.statements[0]

    @property
    def later(self) -> list[Statement]:
        return self.statements[1:]

    # A Problem is made once its notices are loaded, and they do not change after (model.Dataset):
    # what it derives is kept, since every figure of every portal page asks again (a preview rebuild
    # reuses unchanged groups' Problems, so their figures cost nothing the second time).
    @cached_property
    def latest(self) -> Statement:
        """The newest statement (ties: the later notice)."""
        return max(enumerate(self.statements), key=lambda pair: (pair[1].date, pair[0]))[1]

    @property
    def status(self) -> str:
        return self.latest.item.status

    def deadline_events(self) -> list[tuple[str, str, str]]:
        """(date, deadline, where) each time a deadline was stated, oldest first: a notice's own
        deadline on its publication date, and each update that moved it on the update's date. A
        later word that states no deadline (正在整改 alone, a status-only update) moves nothing."""
        events = []
        for k, s in enumerate(self.statements):
            published = s.notice.published or s.notice.issued
            if s.item.deadline_original:
                events.append((published, k, 0, s.item.deadline_original, f"{month_text(published[:7])}通报"))
            for n, u in enumerate(s.item.updates):
                if u.deadline:
                    events.append((u.date, k, n + 1, u.deadline, f"{date_text(u.date)}进展"))
        return [(date, deadline, where) for date, _, _, deadline, where in sorted(events)]

    @cached_property
    def deadline(self) -> str | None:
        """The newest stated deadline."""
        events = self.deadline_events()
        return events[-1][1] if events else None

    @cached_property
    def _deadline_end(self) -> dt.date | None:
        return month_end(self.deadline) if self.deadline is not None else None

    def overdue(self, as_of: dt.date) -> bool:
        return is_overdue(self.status, self._deadline_end, as_of)

    # An Item's current-state attributes, so pages and figures can take a problem where they take an item.
    @property
    def no_deadline(self) -> str | None:
        return self.latest.item.no_deadline

    @property
    def deadline_original(self) -> str | None:
        return self.root.item.deadline_original

    @property
    def link(self) -> str:
        """notice/item of the item that first reported it: open data's `problem`."""
        return link_of(self.root.notice, self.root.item)

    @property
    def deadline_history(self) -> list[tuple[str, str]]:
        """(deadline, where it was stated: 2020年12月通报 / 2021年3月1日进展) each time it changed."""
        out: list[tuple[str, str]] = []
        for _, deadline, where in self.deadline_events():
            if not out or out[-1][0] != deadline:
                out.append((deadline, where))
        return out


# ---- an item page's timeline ------------------------------------------------------------------

NOTICE, UPDATE, STATEMENT = "notice", "update", "statement"


@dataclass(frozen=True)
class Progress:
    """One dated entry of an item page's timeline (整改进展记录). kind: NOTICE, the page's own notice
    published the item; UPDATE, a dated progress record (`update`) of the statement's item;
    STATEMENT, a later notice's word on the same problem (its status line and measures as that
    notice published them). own: the entry belongs to the page's own item."""
    date: str
    kind: str
    statement: Statement
    update: Update | None = None
    own: bool = True


def timeline(notice: Notice, item: Item, problem: Problem | None = None) -> list[Progress]:
    """What the page of item tells of the problem since its notice's word, oldest first: its
    notice's publication; its own dated updates; and, when later notices report on the same
    problem, each later notice's statement with that item's updates, and the updates of earlier
    notices' items dated after this notice was published (progress is progress wherever it was
    recorded). Equal dates keep the notices' order, then each item's order of updates."""
    own = Statement(notice, item)
    statements = problem.statements if problem is not None else [own]
    k_own = next((k for k, s in enumerate(statements) if s.item is item), None)
    if k_own is None:  # an item the problem does not list: its own word only
        statements, k_own = [own], 0
    entries: list[tuple[tuple[str, int, int], Progress]] = []
    for k, s in enumerate(statements):
        mine = k == k_own
        if k > k_own:
            entries.append(((s.published, k, 0), Progress(s.published, STATEMENT, s, own=False)))
        for n, u in enumerate(s.item.updates):
            if k >= k_own or u.date > own.published:
                entries.append(((u.date, k, n + 1), Progress(u.date, UPDATE, s, u, own=mine)))
    first = Progress(own.published, NOTICE, statements[k_own])
    return [first] + [p for _, p in sorted(entries, key=lambda e: e[0])]


def root_link(item: Item, by_link: dict[str, Item], notice_id: str | None = None) -> str:
    """The link of the item that first reported item's problem: its `continues` followed back as far
    as they go, through withdrawn notices and items too (a withdrawn statement leaves the problem one)."""
    link, seen = link_of(notice_id or item.notice_id, item), set()
    current = item
    while current.continues and current.continues in by_link and current.continues not in seen:
        seen.add(link)
        link, current = current.continues, by_link[current.continues]
    return link


def linked_groups(every: list[Notice]) -> dict[str, list[str]]:
    """Notice id -> the ids of every notice linked to it by follows / continues, itself included
    (the connected group; pass withdrawn notices too), sorted. No problem, statement or series
    crosses a group: what one notice shows depends on its group only (buildcache's rules, and the
    problems reused below)."""
    parent = {n.id: n.id for n in every}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for notice in every:
        targets = [notice.follows] + [i.continues.split(SEPARATOR)[0] for i in notice.items + notice.withdrawn_items
                                      if i.continues]
        for target in targets:
            if target in parent:
                parent[root(target)] = root(notice.id)
    members: dict[str, list[str]] = {}
    for notice in every:
        members.setdefault(root(notice.id), []).append(notice.id)
    return {n.id: sorted(members[root(n.id)]) for n in every}


@dataclass
class Problems:
    """Every problem of the published notices, in the order of the notices given (each notice's
    items in order); the problem of each published item (by id(item)); and each linked group's
    notices with its problems, so that a later load whose group holds the very same Notice objects
    (a preview's unchanged folders: validate.LoadedFolders) reuses them instead of linking again."""
    all: list[Problem]
    of: dict[int, Problem]
    groups: dict[str, tuple[tuple[Notice, ...], list[Problem]]]  # first id of a group -> (its notices, problems)


def problems(notices: list[Notice], withdrawn: list[Notice] = (), earlier: Problems | None = None) -> Problems:
    """withdrawn: withdrawn notices, whose items (like withdrawn items) still join the statements
    around them. earlier: a previous load's Problems, reused group by group where nothing changed."""
    every = list(notices) + list(withdrawn)
    published = {id(n) for n in notices}
    by_id = {n.id: n for n in every}
    groups: dict[str, tuple[tuple[Notice, ...], list[Problem]]] = {}
    for ids in {tuple(g) for g in linked_groups(every).values()}:
        members = tuple(by_id[i] for i in ids)
        last = earlier.groups.get(ids[0]) if earlier is not None else None
        if last is not None and len(last[0]) == len(members) and all(a is b for a, b in zip(last[0], members)):
            groups[ids[0]] = last
        else:
            groups[ids[0]] = members, _group_problems([n for n in members if id(n) in published], members)
    of: dict[int, Problem] = {}
    order: list[Problem] = []
    for _, found in groups.values():
        order += found
        for problem in found:
            for statement in problem.statements:
                of[id(statement.item)] = problem
    position = {n.id: k for k, n in enumerate(notices)}
    # stable: a group's problems are made in time order, so each notice's items keep their order
    order.sort(key=lambda p: position[p.root.notice.id])
    return Problems(order, of, groups)


def _group_problems(notices: list[Notice], every: tuple[Notice, ...]) -> list[Problem]:
    by_link = {link_of(n, i): i for n in every for i in n.items + n.withdrawn_items}
    by_root: dict[str, Problem] = {}
    order: list[Problem] = []
    for notice in sorted(notices, key=lambda n: (n.issued, n.id)):  # oldest first: statements in time order
        for item in notice.items:
            key = root_link(item, by_link, notice.id)
            problem = by_root.get(key)
            if problem is None:
                problem = by_root[key] = Problem()
                order.append(problem)
            problem.statements.append(Statement(notice, item))
    return order


def series_of(notice: Notice, by_id: dict[str, Notice]) -> list[Notice]:
    """The notices a notice follows, back to the first, oldest first, then the notice."""
    chain, seen = [notice], {notice.id}
    while chain[0].follows and chain[0].follows in by_id and chain[0].follows not in seen:
        seen.add(chain[0].follows)
        chain.insert(0, by_id[chain[0].follows])
    return chain


# ---- the validator's rules --------------------------------------------------------------------

@dataclass(frozen=True)
class LinkProblem:
    notice_id: str
    item_id: str | None  # None: the notice's `follows`
    message: str  # Chinese, says what to do


def link_problems(notices: list[Notice]) -> list[LinkProblem]:
    by_id = {n.id: n for n in notices}
    every = {link_of(n, i): i for n in notices for i in n.items + n.withdrawn_items}  # once, not per notice
    out: list[LinkProblem] = []
    for notice in notices:
        if notice.follows:
            earlier = by_id.get(notice.follows)
            if earlier is None:
                out.append(LinkProblem(notice.id, None, f"follows 写的通报 “{notice.follows}” 不存在。"
                                       "请填写本通报所接续的那份通报的编号(data/notices/ 下的文件夹名)。"))
            elif earlier.id == notice.id or _in_cycle(notice, by_id):
                out.append(LinkProblem(notice.id, None, f"follows 形成了循环(“{notice.id}” 最终又接续了自己)。"
                                       "请检查各通报的 follows:只能接续更早的通报。"))
            elif earlier.issued >= notice.issued:
                out.append(LinkProblem(notice.id, None, f"follows 指向的通报 “{earlier.id}”({earlier.issued})不早于本通报"
                                       f"({notice.issued})。后续通报只能接续更早印发的通报。"))
        continued: dict[str, str] = {}
        series = {n.id for n in series_of(notice, by_id)[:-1]}
        for item in notice.items + notice.withdrawn_items:
            if not item.continues:
                continue
            target_notice, _, target_item = item.continues.partition(SEPARATOR)
            target = by_id.get(target_notice)
            if target is None or not any(i.id == target_item for i in target.items + target.withdrawn_items):
                out.append(LinkProblem(notice.id, item.id, f"continues 写的事项 “{item.continues}” 不存在。"
                                       "请写成 “通报编号/事项编号”,如 jinpu-2019/5-2,并确认该事项已公开。"))
            elif target.id not in series:
                if not notice.follows:
                    why = "本通报没有写 follows:请先在 notice.yml 中写明它接续哪一份通报。"
                else:
                    why = f"它不属于本通报所接续的通报({' → '.join(sorted(series))})。"
                out.append(LinkProblem(notice.id, item.id, f"continues 指向 “{item.continues}”,但{why}"))
            elif (root := root_link(every[item.continues], every)) in continued:
                out.append(LinkProblem(notice.id, item.id, f"事项 “{item.continues}” 所报告的问题(最早见于 {root})已由本通报的事项 "
                                       f"{continued[root]} 接续。同一问题在一份通报中只能接续一次:请删去其中一个 continues。"))
            else:
                continued[root] = item.id
    return out


def _in_cycle(notice: Notice, by_id: dict[str, Notice]) -> bool:
    seen, current = set(), notice
    while current.follows and current.follows in by_id:
        if current.id in seen:
            return True
        seen.add(current.id)
        current = by_id[current.follows]
        if current.id == notice.id:
            return True
    return False


# ---- the importer's matching ------------------------------------------------------------------

QUOTES = "“”‘’「」『』〝〞\"'＂＇"
_FRAME = re.compile(r"^(?:关于)?|(?:的问题|问题)?(?:的?整改(?:进展|落实|完成)?情况)?$")
EXACT, SIMILAR = "exact", "similar"
SIMILAR_AT = 0.85  # heading similarity needed to link without an exact match
MARGIN = 0.10  # ... and by this much over the next candidate
FINDING_AT = 0.5  # equal headings (sub-items of one problem): the finding must be found this well


def fold(text: str) -> str:
    """Width, quote marks, punctuation and spaces folded away: “体制机制落后” ≡ ‘体制机制落后’."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch not in QUOTES and not unicodedata.category(ch).startswith(("P", "Z", "S")))
    return text


def heading_key(heading: str) -> str:
    """The problem's own words: 关于“X”的问题 / 关于X问题的整改进展情况 → X (folded)."""
    folded = fold(heading)
    return _FRAME.sub("", folded) or folded


@dataclass(frozen=True)
class Match:
    item_id: str  # the follow-up's item
    target: str | None  # notice/item it continues, None when unmatched or ambiguous
    how: str  # exact | similar | ambiguous | unmatched
    note: str  # Chinese, for the import report


def _covered(needle: str, haystack: str) -> float:
    """How much of needle appears in haystack as one run (0..1)."""
    if not needle:
        return 0.0
    m = difflib.SequenceMatcher(None, needle, haystack, autojunk=False).find_longest_match(0, len(needle), 0, len(haystack))
    return m.size / len(needle)


def propose_links(earlier: Notice, items: list[dict]) -> list[Match]:
    """For each follow-up item (plain data as the importer writes it), the earlier item it continues."""
    candidates = [(i, heading_key(i.heading), fold(i.finding)) for i in earlier.items]
    out: list[Match] = []
    for raw in items:
        key = heading_key(raw["heading"])
        text = fold(" ".join([raw["heading"], raw.get("finding", ""), *raw.get("measures", [])]))
        exact = [c for c in candidates if c[1] == key]
        if len(exact) == 1:
            out.append(Match(raw["id"], link_of(earlier, exact[0][0]), EXACT, "标题一致"))
            continue
        if len(exact) > 1:  # sub-items sharing one heading: the finding decides, or nobody does
            scored = sorted(((_covered(c[2], text), c[0]) for c in exact), key=lambda s: -s[0])
            best, second = scored[0], scored[1]
            if best[0] >= FINDING_AT and best[0] - second[0] >= MARGIN:
                out.append(Match(raw["id"], link_of(earlier, best[1]), EXACT,
                                 f"标题一致,问题描述与第 {best[1].label} 项吻合({best[0]:.0%})"))
            else:
                labels = "、".join(c[0].label for c in exact)
                out.append(Match(raw["id"], None, "ambiguous", f"标题与 {labels} 都一致,无法判断是哪一项"))
            continue
        scored = sorted(((difflib.SequenceMatcher(None, key, c[1], autojunk=False).ratio(), c[0]) for c in candidates),
                        key=lambda s: -s[0])
        best = scored[0] if scored else (0.0, None)
        second = scored[1][0] if len(scored) > 1 else 0.0
        if best[0] >= SIMILAR_AT and best[0] - second >= MARGIN:
            out.append(Match(raw["id"], link_of(earlier, best[1]), SIMILAR, f"标题相近(相似度 {best[0]:.0%})"))
        elif best[0] >= SIMILAR_AT:
            out.append(Match(raw["id"], None, "ambiguous", f"与多项标题相近(最高 {best[0]:.0%}),无法判断"))
        else:
            hint = f",最接近的是第 {best[1].label} 项(相似度 {best[0]:.0%})" if best[1] is not None else ""
            out.append(Match(raw["id"], None, "unmatched", f"在 {earlier.id} 中没有找到对应的问题{hint}"))
    # one earlier problem continued at most once: two follow-up items on one target link neither
    targets: dict[str, list[int]] = {}
    for k, m in enumerate(out):
        if m.target:
            targets.setdefault(m.target, []).append(k)
    for target, positions in targets.items():
        if len(positions) > 1:
            ids = "、".join(out[k].item_id for k in positions)
            for k in positions:
                out[k] = Match(out[k].item_id, None, "ambiguous", f"事项 {ids} 都对应 {target},请人工确认")
    return out
