"""The whole notice reassembled from data, in the original order, so readers can check the site
against what was published. Every block is verbatim text from notice.yml or an item file."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Item, Node, Notice


@dataclass(frozen=True)
class Block:
    kind: str  # page | title | addressees | section | heading | paragraph | finding | measure | status | signature
    text: str
    level: int = 0  # heading depth: 1 section 一、, 2 category (一), 3 group 1., 4 issue (1)
    item: Item | None = None  # the item a finding/measure/status belongs to (links to its page)
    anchor: str = ""


def notice_blocks(notice: Notice) -> list[Block]:
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
        for item in _items_directly_under(notice, node, trail):
            out += _item_blocks(item, heading_line=line)
    return out


def _items_directly_under(notice: Notice, node: Node, trail: list[Node]) -> list[Item]:
    path = trail + [node]
    return [i for i in notice.items if notice.node(i) == path]


def _item_blocks(item: Item, heading_line: str) -> list[Block]:
    out = []
    # An issue printed without a separate finding line has finding == its heading: don't repeat it.
    if item.finding_paragraph and item.finding_paragraph != heading_line:
        out.append(Block("finding", item.finding_paragraph, item=item))
    out += [Block("measure", text, item=item) for text in item.measures]
    if item.status_text:
        out.append(Block("status", item.status_text, item=item))
    return out
