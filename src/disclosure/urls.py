"""The URL scheme, in one place. URLs are site-relative directory URLs ('' is home); source URIs are
the MkDocs file names that produce them (use_directory_urls: 'x/index.md' -> 'x/').

    ''                                    home: site-wide figures, latest notices, units with most overdue
    notices/  notices/page/<n>/           the directory of every notice, by year and round, paged
    notices/index.json  notices/directory.js     its small index and the filter script
    <notice>/                             one notice's overview
    <notice>/items/<item>/                one item
    <notice>/categories/<cat>/            one category (一)
    <notice>/categories/<cat>/<group>/    one problem group 1.
    <notice>/full-text/                   the notice reassembled in its original order
    <notice>/print/  <notice>/print/page/<n>/   every item as a one-page printed sheet with a QR code, paged
    <notice>/feed.xml  items.json  items.csv    one notice's Atom feed and open data
    <notice>/sitemap.xml                  its pages, for search engines (listed by sitemap.xml)
    updates/  updates/page/<n>/  feed.xml  what changed, newest first (paged list and Atom feed)
    data/  data/items.json  data/items.csv  data/*.schema.json    open data and its description
    contact/  contact/page/<n>/           every notice's contacts, paged
    notices/years/<year>/  …/page/<n>/    the directory's notices of one year (its static way in, no JavaScript)
    overdue/  overdue/page/<n>/           every overdue problem of the portal, longest overdue first, paged
    units/  units/page/<n>/               every inspected unit, by the first character of its name
    units/<slug>/  units/<slug>/page/<n>/ one unit: its notices and their contacts
    units/<slug>/overdue/  …/page/<n>/    one unit's overdue problems (the overdue list filtered by unit)
    units/<slug>/feed.xml                 one unit's Atom feed
    search/
    accessibility/                        无障碍声明 (the hand-written docs/accessibility.md), linked from every footer
    sitemap.xml  sitemap-portal.xml       the sitemap index (every notice's sitemap) and the portal's pages
"""
from __future__ import annotations

from functools import cache, lru_cache

from .model import Item, Node, Notice

HOME = ""
DIRECTORY = "notices/"
DIRECTORY_INDEX = "notices/index.json"
DIRECTORY_SCRIPT = "notices/directory.js"
CONTACT = "contact/"
SEARCH = "search/"
UPDATES = "updates/"
FEED = "feed.xml"
DATA = "data/"
ITEMS_JSON = "data/items.json"
ITEMS_CSV = "data/items.csv"
RECORD_SCHEMA = "data/items.schema.json"
SITEMAP = "sitemap.xml"
PORTAL_SITEMAP = "sitemap-portal.xml"
SCHEMAS = {"item.schema.json": "data/item.schema.json", "notice.schema.json": "data/notice.schema.json"}
ACCESSIBILITY = "accessibility/"  # docs/accessibility.md
OVERDUE = "overdue/"


def updates_url(page: int = 1) -> str:
    return UPDATES if page == 1 else f"{UPDATES}page/{page}/"


def contact_url(page: int = 1) -> str:
    return CONTACT if page == 1 else f"{CONTACT}page/{page}/"


def directory_url(page: int = 1) -> str:
    return DIRECTORY if page == 1 else f"{DIRECTORY}page/{page}/"


def overdue_url(page: int = 1) -> str:
    return _paged(OVERDUE, page)


def year_url(year: str, page: int = 1) -> str:
    """The directory's notices issued in one year."""
    return _paged(f"{DIRECTORY}years/{year}/", page)


def _paged(first: str, page: int) -> str:
    return first if page == 1 else f"{first}page/{page}/"


def notice_url(notice: Notice | str) -> str:
    return f"{_id(notice)}/"


def item_url(item: Item) -> str:
    return f"{item.notice_id}/items/{item.id}/"


def linked_item_url(link: str) -> str:
    """The page of an item named as "<notice-id>/<item-id>" (an item's `continues`)."""
    notice_id, _, item_id = link.partition("/")
    return f"{notice_id}/items/{item_id}/"


def category_url(notice: Notice | str, category: Node) -> str:
    return f"{_id(notice)}/categories/{category.id}/"


def group_url(notice: Notice | str, category: Node, group: Node) -> str:
    return f"{category_url(notice, category)}{group.id}/"


def full_text_url(notice: Notice | str) -> str:
    return f"{_id(notice)}/full-text/"


PRINT_PAGE_SIZE = 20  # sheets per print page: a notice of 1,000 items prints in bounded pages


def print_page_of(notice: Notice, item: Item | int) -> int:
    """The print page holding an item's sheet (item, or its index in notice.items)."""
    position = item if isinstance(item, int) else next(i for i, x in enumerate(notice.items) if x is item)
    return position // PRINT_PAGE_SIZE + 1


def node_url(notice: Notice, node: Node, parents: list[Node]) -> str | None:
    """A category's or a problem group's page; None for an issue (a section of its group's page)."""
    if node.kind == "category":
        return category_url(notice, node)
    if node.kind == "group" and parents:
        return group_url(notice, parents[0], node)
    return None


def print_url(notice: Notice | str, page: int = 1) -> str:
    return f"{_id(notice)}/print/" if page == 1 else f"{_id(notice)}/print/page/{page}/"


def notice_feed(notice: Notice | str) -> str:
    return f"{_id(notice)}/feed.xml"


def notice_items_json(notice: Notice | str) -> str:
    return f"{_id(notice)}/items.json"


def notice_items_csv(notice: Notice | str) -> str:
    return f"{_id(notice)}/items.csv"


def notice_sitemap(notice: Notice | str) -> str:
    return f"{_id(notice)}/sitemap.xml"


def owner(path: str) -> str:
    """The notice a site path (URL, source URI or file) belongs to, if it is a notice's: its first
    segment (portal paths start with a section name, which validation refuses as a notice id)."""
    return path.split("/", 1)[0]


def absolute(path: str, site_url: str) -> str:
    """The address of a site path for use outside the site (QR codes, feeds). Without a configured
    site_url there is no host to name: the result is the root-relative path."""
    return (site_url.rstrip("/") + "/" if site_url else "/") + path


def src_uri(url: str) -> str:
    """'a/b/' -> 'a/b/index.md'; '' -> 'index.md'."""
    return f"{url}index.md"


def relative(target: str, page_url: str) -> str:
    """Link from the page at page_url to target, both site-relative: works on any host, any
    sub-path and from file://. Directory URLs keep their trailing slash."""
    return _relative(target, page_url)


@lru_cache(maxsize=65536)
def _relative(target: str, page_url: str) -> str:
    # Pure string work on '/'-separated parts: posixpath.relpath goes through abspath/os.getcwd,
    # and a big site asks this tens of thousands of times.
    here = [p for p in page_url.rstrip("/").split("/") if p]
    there = [p for p in target.rstrip("/").split("/") if p]
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    rel = "/".join([".."] * (len(here) - common) + there[common:]) or "."
    if target == "" or target.endswith("/"):
        return "./" if rel == "." else rel + "/"
    return rel


def _id(notice: Notice | str) -> str:
    return notice if isinstance(notice, str) else notice.id


# What MkDocs and the theme write at the site's top level besides the addresses above (hand-written pages: validate.docs_folders)
THEME_ADDRESSES = frozenset({"index.html", "404.html", "assets", "search", "sitemap.xml", "sitemap.xml.gz"})


@cache
def site_addresses() -> frozenset[str]:
    """The first segment (lowercase) of every address the site's code writes: each path constant
    in this module, and the theme's files. A notice of that id would share its address."""
    paths = [v for k, v in globals().items() if k.isupper() and isinstance(v, str)] + list(SCHEMAS.values())
    return THEME_ADDRESSES | {p.split("/")[0].lower() for p in paths if p}


# ---- feeds for browsers and per unit (issue 28 item 6) ----------------------------------------------
#   feed.css                      the one stylesheet every feed names (<?xml-stylesheet?>): a browser
#                                 opening a feed shows a Chinese page, not raw XML
#   units/<slug>/feed.xml         one inspected unit's feed (Notice.unit: inspection.unit, else issuer)

FEED_STYLE = "feed.css"
UNITS = "units/"


def unit_slug(unit: str) -> str:
    """A stable id for a unit's name: 'u' + the first 10 hex digits of its UTF-8 SHA-256. It depends on
    the name only, so a unit keeps its address when notices are added, reordered or withdrawn (the
    id of its first notice would move when an older one is added); ASCII, so no percent-encoding."""
    import hashlib
    return "u" + hashlib.sha256(unit.encode("utf-8")).hexdigest()[:10]


def unit_feed(unit: str) -> str:
    return f"{UNITS}{unit_slug(unit)}/feed.xml"


def units_url(page: int = 1) -> str:
    """按单位查找: every unit, by the first character of its name, paged."""
    return _paged(UNITS, page)


def unit_url(unit: str, page: int = 1) -> str:
    """One unit's page: its notices (paged) and their contacts."""
    return _paged(f"{UNITS}{unit_slug(unit)}/", page)


def unit_overdue_url(unit: str, page: int = 1) -> str:
    """One unit's overdue problems: the portal's overdue list filtered by unit, without JavaScript."""
    return _paged(f"{UNITS}{unit_slug(unit)}/overdue/", page)
