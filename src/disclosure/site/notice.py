"""One notice's pages: its overview, a page per category and problem group, the full text in its
original order, the printed sheets for notice boards (paged), and what stays of a withdrawn notice
or item. Every text block is verbatim from notice.yml or an item file."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from ..gitinfo import History
from ..model import Item, Node, Notice
from .. import urls
from .charts import Bar, progress_chart, stacked_bars
from .context import BuildContext
from .figures import figures
from .item import item_changed, item_qr
from .render import GeneratedPage, chunks, label_text, render



def notice_changed(notice: Notice, history: History) -> str:
    """ISO date anything in the notice's folder last changed (git history of the folder, else the
    latest date written in its data)."""
    data_name = notice.folder.parent.parent.name if notice.folder else "data"  # as in Item.file
    day = history.notice_dates.get(f"{data_name}/notices/{notice.id}")
    if day:
        return day.isoformat()
    own = [c.date for c in notice.corrections]
    return max([item_changed(i, notice, history) for i in notice.items] + own + [notice.published or notice.issued])


def notice_page(notice: Notice, as_of: dt.date, changed: dict[str, str]) -> GeneratedPage:
    url = urls.notice_url(notice)
    html = partial(_notice_html, notice, url, as_of, changed)  # rendered when written (render.GeneratedPage)
    return GeneratedPage(url, f"{notice.issuer}整改通报概览", html, article={"page": "notice", "notice": notice.id})


def _notice_html(notice: Notice, url: str, as_of: dt.date, changed: dict[str, str]) -> str:
    categories = [(cat, figures(notice.items_under(cat), as_of)) for cat in notice.categories]
    fig = figures(notice.items, as_of)
    bars = [Bar.of(cat.label + cat.title, cf, urls.relative(urls.category_url(notice, cat), url)) for cat, cf in categories]
    category_chart = stacked_bars("chart-categories", "各类别整改进展", bars, "类别", table="below") if bars else ""
    return render("notice.html", url, as_of, notice=notice, fig=fig, categories=categories, changed=changed,
                  category_chart=category_chart, progress_chart=progress_chart(notice, as_of, fig))


def withdrawn_page(url: str, notice: Notice, item: Item | None, as_of: dt.date) -> GeneratedPage:
    """What stays public of a withdrawn item or notice: when, why, and by whom it was published."""
    withdrawal = (item.withdrawn if item and item.withdrawn else None) or notice.withdrawn
    html = partial(render, "withdrawn.html", url, as_of, notice=notice, item=item, withdrawal=withdrawal)
    what = f"第 {label_text(item.label)} 项" if item else "本通报"
    return GeneratedPage(url, f"{what}已撤下", html,
                         article={"page": "withdrawn", "notice": notice.id, **({"item-id": item.id} if item else {}),
                                  "withdrawn": withdrawal.date})


# ---- print sheets -----------------------------------------------------------------------------

def print_pages(notice: Notice, context: BuildContext) -> list[GeneratedPage]:
    """Every item of a notice as printed sheets, one per A4 page, urls.PRINT_PAGE_SIZE sheets per web page."""
    items = notice.items
    pages = chunks(items, urls.PRINT_PAGE_SIZE)
    out = []
    for number, chunk in enumerate(pages, 1):
        url = urls.print_url(notice, number)
        first = (number - 1) * urls.PRINT_PAGE_SIZE + 1
        html = partial(_print_html, notice, chunk, url, context, number, len(pages), first)
        title = f"打印公示单：{notice.title}" + (f"(第 {number} 页)" if number > 1 else "")
        out.append(GeneratedPage(url, title, html,
                                 article={"page": "print", "notice": notice.id, "print-page": str(number)}))
    return out


def _print_html(notice: Notice, chunk: list[Item], url: str, context: BuildContext, number: int, pages: int,
                first: int) -> str:
    sheets = [(item, item_qr(item, context.site_url)) for item in chunk]
    return render("print.html", url, context.as_of, notice=notice, sheets=sheets, site_url=context.site_url, page=number,
                  pages=pages, first=first, total=len(notice.items), print_page_url=partial(urls.print_url, notice))


# ---- categories and groups --------------------------------------------------------------------

def node_pages(notice: Notice, as_of: dt.date) -> list[GeneratedPage]:
    """A page per category and per problem group; issues are sections on their group's page."""
    out = []
    for category in notice.categories:
        out.append(_node_page(notice, category, [], as_of))
        for group in (c for c in category.children if c.kind == "group"):
            out.append(_node_page(notice, group, [category], as_of))
    return out


def _node_page(notice: Notice, node: Node, parents: list[Node], as_of: dt.date) -> GeneratedPage:
    url = urls.node_url(notice, node, parents)
    return GeneratedPage(url, f"{node.label}{node.title}", partial(_node_html, notice, node, parents, url, as_of),
                         article={"page": node.kind, "notice": notice.id, "node": node.id})


def _node_html(notice: Notice, node: Node, parents: list[Node], url: str, as_of: dt.date) -> str:
    path = parents + [node]
    children = [(child, urls.node_url(notice, child, path), notice.items_under(child)) for child in node.children]
    direct = [i for i in notice.items_under(node) if len(notice.node(i)) == len(path)]
    return render("node.html", url, as_of, notice=notice, node=node, fig=figures(notice.items_under(node), as_of),
                  parents=[(p, urls.node_url(notice, p, parents[:i])) for i, p in enumerate(parents)],
                  children=children, direct_items=direct)


# ---- the full text ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    kind: str  # page | title | addressees | section | heading | paragraph | finding | measure | status | signature
    text: str
    level: int = 0  # heading depth: 1 section 一、, 2 category (一), 3 group 1., 4 issue (1)
    item: Item | None = None  # the item a finding/measure/status belongs to (links to its page)
    anchor: str = ""


def full_text_page(notice: Notice, as_of: dt.date) -> GeneratedPage:
    url = urls.full_text_url(notice)
    html = partial(_full_text_html, notice, url, as_of)
    return GeneratedPage(url, "通报全文", html, article={"page": "full-text", "notice": notice.id})


def _full_text_html(notice: Notice, url: str, as_of: dt.date) -> str:
    return render("fulltext.html", url, as_of, notice=notice, blocks=notice_blocks(notice))


def notice_blocks(notice: Notice) -> list[Block]:
    """The whole notice reassembled from data, in the original order, so readers can check the
    site against what was published."""
    blocks = [Block("page", line) for line in notice.page.get("lines", [])]
    blocks.append(Block("title", notice.title))
    if notice.addressees:
        blocks.append(Block("addressees", notice.addressees))
    for index, section in enumerate(notice.sections):
        if section.label or section.title:
            blocks.append(Block("section", section.label + section.title, 1, anchor=f"section-{index + 1}"))
        kind = "signature" if section.role == "signature" else "paragraph"
        blocks += [Block(kind, text) for text in section.paragraphs]
        if section.role == "problems":
            blocks += _problem_blocks(notice)
    blocks += [Block("paragraph", text) for text in notice.unplaced]
    return blocks


def notice_paragraphs(notice: Notice) -> list[str]:
    return [block.text for block in notice_blocks(notice)]


def _problem_blocks(notice: Notice) -> list[Block]:
    out: list[Block] = []
    placed = {id(i) for i in notice.items if notice.node(i)}
    for item in notice.items:  # items outside any hierarchy (flat notices) come first, in order
        if id(item) not in placed:
            out += _item_blocks(item, heading_line="")
    for node, trail in notice.walk():
        line = node.label + node.title
        out.append(Block("heading", line, len(trail) + 2, anchor=f"{node.kind}-{'-'.join(n.id for n in trail + [node])}"))
        out += [Block("paragraph", text) for text in node.paragraphs]
        path = trail + [node]
        for item in (i for i in notice.items if notice.node(i) == path):
            out += _item_blocks(item, heading_line=line)
    return out


def _item_blocks(item: Item, heading_line: str) -> list[Block]:
    out = []
    # An issue printed without a separate finding line has finding == its heading: don't repeat it.
    if item.finding_paragraph and item.finding_paragraph != heading_line:
        out.append(Block("finding", item.finding_paragraph, item=item))
    out += [Block("measure", text, item=item) for text in item.measures]
    if item.status_text:
        out.append(Block("status", item.status_text, item=item))
    return out
