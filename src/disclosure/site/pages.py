"""Every generated page of the site as plain data: source URI, title, body HTML and the
attributes of the page's main <article>. MkDocs is not needed to produce or test these."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..gitinfo import History
from ..model import Dataset, Item, Node, Notice
from ..qr import qr_svg
from . import urls
from .directory import PAGE_SIZE, LATEST, entries, groups, most_overdue, pages_of
from .provenance import item_changed, notice_changed
from .feeds import site_changes
from .fields import FIELDS
from .figures import figures
from .fulltext import notice_blocks
from .render import render


@dataclass(frozen=True)
class GeneratedPage:
    url: str
    title: str  # plain text; the MkDocs adapter escapes it
    html: str
    article: dict = field(default_factory=dict)  # data-* attributes of the main <article>
    scripts: tuple[str, ...] = ()  # site-relative script paths loaded (deferred) by this page only

    @property
    def src_uri(self) -> str:
        return urls.src_uri(self.url)


def site_pages(dataset: Dataset, as_of: dt.date, site_name: str, site_url: str = "",
               history: History | None = None, listed=None) -> list[GeneratedPage]:
    """site_url ('' if unknown) is only for QR codes: pages link to each other page-relatively.
    history: what git says about the data (gitinfo.read_history); None outside git."""
    history = history or History()
    changed = {n.id: notice_changed(n, history) for n in dataset.notices}
    listed = entries(dataset, as_of) if listed is None else listed
    pages = [home_page(dataset, as_of, site_name, listed), contact_page(dataset, as_of),
             search_page(dataset, as_of), data_page(dataset, as_of)]
    pages += updates_pages(dataset, as_of)
    pages += directory_pages(listed, as_of)
    for notice in dataset.notices:
        pages.append(notice_page(notice, as_of, changed))
        pages.append(full_text_page(notice, as_of))
        pages.append(print_page(notice, as_of, site_url))
        pages += node_pages(notice, as_of)
        pages += item_pages(notice, as_of, site_url, history)
        pages += [withdrawn_page(urls.item_url(i), notice, i, as_of) for i in notice.withdrawn_items]
    for notice in dataset.withdrawn_notices:  # every address it had still answers, saying why it is gone
        pages.append(withdrawn_page(urls.notice_url(notice), notice, None, as_of))
        pages += [withdrawn_page(urls.item_url(i), notice, i, as_of) for i in notice.items + notice.withdrawn_items]
    return pages


def withdrawn_page(url: str, notice: Notice, item: Item | None, as_of: dt.date) -> GeneratedPage:
    """What stays public of a withdrawn item or notice: when, why, and by whom it was published."""
    withdrawal = (item.withdrawn if item and item.withdrawn else None) or notice.withdrawn
    html = render("withdrawn.html", url, as_of, notice=notice, item=item, withdrawal=withdrawal)
    what = f"第 {item.label} 项" if item else "本通报"
    return GeneratedPage(url, f"{what}已撤下", html,
                         article={"page": "withdrawn", "notice": notice.id, **({"item-id": item.id} if item else {}),
                                  "withdrawn": withdrawal.date})


def _category_figures(notice: Notice, as_of: dt.date):
    return [(cat, figures(notice.items_under(cat), as_of)) for cat in notice.categories]


def home_page(dataset: Dataset, as_of: dt.date, site_name: str, listed) -> GeneratedPage:
    html = render("home.html", urls.HOME, as_of, site_name=site_name, total=figures(dataset.items, as_of),
                  count=len(listed), latest=listed[:LATEST], overdue_units=most_overdue(listed))
    return GeneratedPage(urls.HOME, "首页", html, article={"page": "home"})


DIRECTORY_SCRIPTS: tuple[str, ...] = (urls.DIRECTORY_SCRIPT,)


def directory_pages(listed, as_of: dt.date) -> list[GeneratedPage]:
    """通报目录 in pages of PAGE_SIZE notices; the filter choices come from every notice."""
    chunks = pages_of(listed)
    choices = {"kinds": sorted({e.kind for e in listed}), "years": sorted({e.year for e in listed}, reverse=True),
               "rounds": sorted({e.round for e in listed if e.round})}
    out = []
    for number, chunk in enumerate(chunks, 1):
        url = urls.directory_url(number)
        html = render("directory.html", url, as_of, groups=groups(chunk), page=number, pages=len(chunks),
                      total=len(listed), **choices)
        title = "通报目录" if number == 1 else f"通报目录(第 {number} 页)"
        out.append(GeneratedPage(url, title, html, article={"page": "directory", "directory-page": str(number)},
                                 scripts=DIRECTORY_SCRIPTS))
    return out


def notice_page(notice: Notice, as_of: dt.date, changed: dict[str, str]) -> GeneratedPage:
    url = urls.notice_url(notice)
    html = render("notice.html", url, as_of, notice=notice, fig=figures(notice.items, as_of),
                  categories=_category_figures(notice, as_of), changed=changed)
    return GeneratedPage(url, f"{notice.issuer}整改通报概览", html, article={"page": "notice", "notice": notice.id})


def full_text_page(notice: Notice, as_of: dt.date) -> GeneratedPage:
    url = urls.full_text_url(notice)
    html = render("fulltext.html", url, as_of, notice=notice, blocks=notice_blocks(notice))
    return GeneratedPage(url, "通报全文", html, article={"page": "full-text", "notice": notice.id})


def contact_page(dataset: Dataset, as_of: dt.date) -> GeneratedPage:
    html = render("contact.html", urls.CONTACT, as_of, notices=dataset.notices)
    return GeneratedPage(urls.CONTACT, "联系方式", html, article={"page": "contact"})


# The search engine's script, site-relative; its index files come from Site.search_files. Without
# JavaScript the page shows its fallback link to the full item table.
SEARCH_SCRIPTS: tuple[str, ...] = ("search/search.js",)


def search_page(dataset: Dataset, as_of: dt.date) -> GeneratedPage:
    html = render("search.html", urls.SEARCH, as_of, first_notice=dataset.notices[0].id)
    return GeneratedPage(urls.SEARCH, "搜索", html, article={"page": "search"}, scripts=SEARCH_SCRIPTS)


UPDATES_PAGE_SIZE = 50  # changes per /updates/ page: the list is paged, so no page grows with the site


def updates_pages(dataset: Dataset, as_of: dt.date) -> list[GeneratedPage]:
    titles = {n.id: n.title for n in dataset.notices}
    changes = site_changes(dataset.notices)
    chunks = [changes[i:i + UPDATES_PAGE_SIZE] for i in range(0, len(changes), UPDATES_PAGE_SIZE)] or [[]]
    out = []
    for number, chunk in enumerate(chunks, 1):
        url = urls.updates_url(number)
        html = render("updates.html", url, as_of, changes=chunk, titles=titles, several=len(dataset.notices) > 1,
                      page=number, pages=len(chunks))
        out.append(GeneratedPage(url, "最近更新" if number == 1 else f"最近更新(第 {number} 页)", html,
                                 article={"page": "updates", "updates-page": str(number)}))
    return out


def data_page(dataset: Dataset, as_of: dt.date) -> GeneratedPage:
    html = render("data.html", urls.DATA, as_of, notices=dataset.notices, fields=FIELDS)
    return GeneratedPage(urls.DATA, "开放数据", html, article={"page": "data"})


def item_qr(item: Item, site_url: str) -> str:
    """Inline SVG of the item page's address: the bridge from a printed notice board to the live page."""
    return qr_svg(urls.absolute(urls.item_url(item), site_url), f"第 {item.label} 项页面的二维码")


def print_page(notice: Notice, as_of: dt.date, site_url: str) -> GeneratedPage:
    """Every item of a notice as printed sheets, one per A4 page, for notice boards."""
    url = urls.print_url(notice)
    sheets = [(item, item_qr(item, site_url)) for item in notice.items]
    html = render("print.html", url, as_of, notice=notice, sheets=sheets, site_url=site_url)
    return GeneratedPage(url, f"打印公示单：{notice.title}", html, article={"page": "print", "notice": notice.id})


def node_pages(notice: Notice, as_of: dt.date) -> list[GeneratedPage]:
    """A page per category and per problem group; issues are sections on their group's page."""
    out = []
    for category in notice.categories:
        out.append(_node_page(notice, category, [], as_of))
        for group in (c for c in category.children if c.kind == "group"):
            out.append(_node_page(notice, group, [category], as_of))
    return out


def node_url(notice: Notice, node: Node, parents: list[Node]) -> str | None:
    if node.kind == "category":
        return urls.category_url(notice, node)
    if node.kind == "group" and parents:
        return urls.group_url(notice, parents[0], node)
    return None  # issues live on their group's page


def _node_page(notice: Notice, node: Node, parents: list[Node], as_of: dt.date) -> GeneratedPage:
    url = node_url(notice, node, parents)
    path = parents + [node]
    children = [(child, node_url(notice, child, path), _items_at(notice, path + [child])) for child in node.children]
    direct = [i for i in notice.items_under(node) if len(notice.node(i)) == len(path)]
    html = render("node.html", url, as_of, notice=notice, node=node, fig=figures(notice.items_under(node), as_of),
                  parents=[(p, node_url(notice, p, parents[:i])) for i, p in enumerate(parents)],
                  children=children, direct_items=direct)
    return GeneratedPage(url, f"{node.label}{node.title}", html,
                         article={"page": node.kind, "notice": notice.id, "node": node.id})


def _items_at(notice: Notice, path: list[Node]) -> list[Item]:
    """Items at or below path (an item's hierarchy path starts with it)."""
    return notice.items_under(path[-1])


# `mkdocs serve` rebuilds after every edit: an item page whose inputs did not change is reused.
# Its inputs: the item itself (compared by value), its neighbours' links, the notice file (hierarchy,
# contacts), the as-of date and the site address. Templates are fixed for the life of a process.
_item_page_cache: dict[tuple, GeneratedPage] = {}


def item_pages(notice: Notice, as_of: dt.date, site_url: str = "", history: History | None = None) -> list[GeneratedPage]:
    items = notice.items
    history = history or History()
    if len(_item_page_cache) > 50_000:
        _item_page_cache.clear()
    pages = []
    for i, item in enumerate(items):
        previous, next_ = (items[i - 1] if i else None), (items[i + 1] if i + 1 < len(items) else None)
        changed = item_changed(item, notice, history)
        key = notice.digest and (notice.digest, repr(item), _link_key(previous), _link_key(next_), as_of, site_url,
                                 changed)
        page = _item_page_cache.get(key) if key else None
        if page is None:
            page = item_page(notice, item, previous, next_, as_of, site_url, changed)
            if key:
                _item_page_cache[key] = page
        pages.append(page)
    return pages


def _link_key(item: Item | None) -> tuple | None:
    return item and (item.id, item.label, item.heading)


def item_page(notice: Notice, item: Item, previous: Item | None, next_: Item | None, as_of: dt.date,
              site_url: str = "", changed: str = "") -> GeneratedPage:
    url = urls.item_url(item)
    path = notice.node(item)
    node_links = [node_url(notice, node, path[:i]) for i, node in enumerate(path)]
    html = render("item.html", url, as_of, notice=notice, item=item, path=path, node_links=node_links,
                  previous=previous, next=next_, qr=item_qr(item, site_url), site_url=site_url,
                  changed=changed or item_changed(item, notice, History()))
    article = {"page": "item", "notice": notice.id, "item-id": item.id, "status": item.status,
               "overdue": "true" if item.overdue(as_of) else "false"}
    return GeneratedPage(url, f"{item.label} {item.heading}", html, article=article)
