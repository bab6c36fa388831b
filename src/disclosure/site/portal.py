"""What a portal shows above any one notice: the fixed navigation, the home page, 通报目录, 最近更新,
联系方式, the search page, and whose contact each page's footer shows.

Nothing here grows with the number of notices except the directory's page count: the nav is a
fixed set of sections (a nav listing every notice made the build quadratic: issue 13), a footer
names one contact (its notice's, or the site operator's: notice_contacts, settings_file), and the
directory and /updates/ are paged. The directory's entries (one per notice: unit, kind, round,
year, figures) feed its pages, the home page and notices/index.json, over which directory.js
filters when JavaScript runs."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib.resources import files as package_files
from itertools import groupby

from markupsafe import escape

from ..feed import FeedEntry, changes
from ..dataset import Dataset
from ..model import Notice
from ..status import DONE
from .. import urls
from .context import BuildContext
from .figures import Figures, combined, figures
from .render import Bodies, GeneratedPage, chunks, render, tel_href
from .settings_file import footer_settings

PAGE_SIZE = 40  # notices per directory page: ~40 KB of HTML, whatever the portal holds
LATEST = 5  # notices on the home page
MOST_OVERDUE = 10  # units on the home page
UPDATES_PAGE_SIZE = 50  # changes per /updates/ page
CONTACT_PAGE_SIZE = 40  # notices per /contact/ page

SECTIONS = [("首页", urls.src_uri(urls.HOME)), ("通报目录", urls.src_uri(urls.DIRECTORY)),
            ("搜索", urls.src_uri(urls.SEARCH)), ("最近更新", urls.src_uri(urls.UPDATES)),
            ("开放数据", urls.src_uri(urls.DATA)), ("联系方式", urls.src_uri(urls.CONTACT)), ("关于本站", "about.md")]


# ---- navigation ------------------------------------------------------------------------------

def site_nav(dataset: Dataset | None = None, extra_pages: list[str] = ()) -> list[dict]:
    """MkDocs' `nav` (a list of {title: src_uri}): the citizen's sections. Staff and maintainer pages
    (staff guide, promises, performance, how search works) are linked from 关于本站, not listed here.
    Titles are escaped because MkDocs/Material print nav titles unescaped. A notice's own pages carry
    its local nav in their body (templates/_local_nav.html)."""
    return [{str(escape(title)): path} for title, path in SECTIONS] + list(extra_pages)


def nav_pages(nav: list) -> list[str]:
    """Every page path in a nav structure, in order (nested sections flattened)."""
    out = []
    for entry in nav:
        for value in (entry.values() if isinstance(entry, dict) else [entry]):
            out += nav_pages(value) if isinstance(value, list) else [value]
    return out


# ---- whose contact a footer shows --------------------------------------------------------------

CONTACT_FIELDS = ("phone", "address", "email", "web_form", "note")  # notice.yml `contact`


def footer_contact(notice: Notice) -> dict:
    """A notice's contact as its pages' footer shows it: every field of notice.yml `contact` ('' when
    not given), the phone's tel: link, and whether it gives any way to reach the issuer."""
    contact = {key: str(notice.contact.get(key) or "") for key in CONTACT_FIELDS}
    reachable = any(contact[key] for key in ("phone", "address", "email", "web_form"))
    return {"notice": notice.id, "issuer": notice.issuer, **contact,
            "tel": tel_href(contact["phone"]) if contact["phone"] else "", "reachable": reachable}


def notice_contacts(dataset: Dataset) -> dict[str, dict]:
    """Notice id (withdrawn notices too) -> footer_contact: the footer of a notice's pages (they
    carry data-notice: GeneratedPage.article) shows its own notice's contact and no other. Part of
    the theme's template context, but not a site-wide input of the build cache: a notice's pages
    read only their own entry, which comes from that notice's notice.yml (buildcache.NOT_SITE_WIDE)."""
    return {n.id: footer_contact(n) for n in dataset.notices + dataset.withdrawn_notices}

# ---- the directory's entries ------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One inspection in the directory: its first notice, and every later notice that follows it."""
    notice: Notice  # the first notice of the series
    fig: Figures  # the series' problems, each once, by current status
    unit: str  # the inspected unit, or the issuer when the notice does not name one
    region: str
    kind: str
    round: str
    year: str
    series: tuple[Notice, ...] = ()  # every notice of the inspection, oldest first

    @property
    def later(self) -> tuple[Notice, ...]:
        return self.series[1:]

    def record(self) -> dict:
        """One row of notices/index.json (what the filter script needs, nothing more)."""
        row = {"id": self.notice.id, "title": self.notice.title, "unit": self.unit, "region": self.region,
               "kind": self.kind, "round": self.round, "year": self.year, "issued": self.notice.issued,
               "total": self.fig.total, DONE: self.fig.done, "overdue": self.fig.overdue,
               "url": urls.notice_url(self.notice)}
        if self.later:
            row["later"] = [{"id": n.id, "title": n.title, "issued": n.issued, "stage": n.inspection.get("stage", ""),
                             "url": urls.notice_url(n)} for n in self.later]
        return row


def entries(dataset: Dataset, as_of: dt.date) -> list[Entry]:
    """One entry per series (a notice and its follow-ups shown together), newest first; figures
    count each problem once by its current status (a notice's own page shows its own figures)."""
    by_root: dict[str, list] = {}
    for problem in dataset.problems:
        by_root.setdefault(problem.root.notice.id, []).append(problem)
    by_first: dict[str, list] = {}
    for notice in dataset.notices:
        if notice.id in by_root:
            by_first.setdefault(dataset.series(notice)[0].id, []).extend(by_root[notice.id])
    out = []
    for notice in dataset.notices:  # newest first (validate.load_dataset)
        series = dataset.series(notice)
        if series[0] is not notice:
            continue  # a follow-up: listed with the notice it follows
        info = notice.inspection
        out.append(Entry(notice, figures(by_first.get(notice.id, []), as_of), notice.unit, info.get("region", ""),
                         notice.inspection_kind, notice.round, notice.issued[:4], tuple(series)))
    return out


def groups(page: list[Entry]) -> list[tuple[str, str, list[Entry]]]:
    """(year, round, entries) runs of one page, in order."""
    return [(year, round_, list(run)) for (year, round_), run in groupby(page, key=lambda e: (e.year, e.round))]


def index_json(all_entries: list[Entry]) -> str:
    return json.dumps([e.record() for e in all_entries], ensure_ascii=False, separators=(",", ":")) + "\n"


def most_overdue(all_entries: list[Entry]) -> list[tuple[str, int, int]]:
    """(unit, overdue items, items) for the units with overdue items, most first."""
    by_unit: dict[str, list[int]] = {}
    for e in all_entries:
        counts = by_unit.setdefault(e.unit, [0, 0])
        counts[0] += e.fig.overdue
        counts[1] += e.fig.total
    ranked = sorted(((u, o, t) for u, (o, t) in by_unit.items() if o), key=lambda r: (-r[1], r[0]))
    return ranked[:MOST_OVERDUE]


def directory_files(listed: list[Entry]) -> dict[str, str | bytes]:
    return {urls.DIRECTORY_INDEX: index_json(listed),
            urls.DIRECTORY_SCRIPT: (package_files("disclosure.site") / "directory.js").read_bytes()}


# ---- pages ------------------------------------------------------------------------------------

def portal_pages(dataset: Dataset, context: BuildContext, listed: list[Entry],
                 bodies: Bodies | None = None) -> list[GeneratedPage]:
    """bodies: the paged lists' bodies of the last build, reused where their inputs are the same."""
    bodies = bodies or Bodies()
    as_of = context.as_of
    return [home_page(dataset, as_of, context.site_name, listed), *contact_pages(dataset, as_of, bodies),
            search_page(dataset, as_of), *updates_pages(dataset, as_of, bodies), *directory_pages(listed, as_of, bodies)]


def home_page(dataset: Dataset, as_of: dt.date, site_name: str, listed: list[Entry]) -> GeneratedPage:
    html = render("home.html", urls.HOME, as_of, site_name=site_name, total=combined([e.fig for e in listed]),
                  count=len(listed), latest=listed[:LATEST], overdue_units=most_overdue(listed),
                  followups=any(n.follows for n in dataset.notices))
    return GeneratedPage(urls.HOME, "首页", html, article={"page": "home"})


DIRECTORY_SCRIPTS: tuple[str, ...] = (urls.DIRECTORY_SCRIPT,)


def directory_pages(listed: list[Entry], as_of: dt.date, bodies: Bodies | None = None) -> list[GeneratedPage]:
    """通报目录 in pages of PAGE_SIZE notices; the filter choices come from every notice."""
    bodies = bodies or Bodies()
    pages = chunks(listed, PAGE_SIZE)
    choices = {"kinds": sorted({e.kind for e in listed}), "years": sorted({e.year for e in listed}, reverse=True),
               "rounds": sorted({e.round for e in listed if e.round})}
    out = []
    for number, chunk in enumerate(pages, 1):
        url = urls.directory_url(number)
        html = bodies.render("directory.html", url, as_of, groups=groups(chunk), page=number,
                             pages=len(pages), total=len(listed), **choices)
        title = "通报目录" if number == 1 else f"通报目录(第 {number} 页)"
        out.append(GeneratedPage(url, title, html, article={"page": "directory", "directory-page": str(number)},
                                 scripts=DIRECTORY_SCRIPTS))
    return out


def contact_pages(dataset: Dataset, as_of: dt.date, bodies: Bodies | None = None) -> list[GeneratedPage]:
    """Every notice's contacts, newest first, CONTACT_PAGE_SIZE notices a page; the first page opens
    with the site operator's own contact when site.yml gives one (settings_file)."""
    bodies = bodies or Bodies()
    pages = chunks(dataset.notices, CONTACT_PAGE_SIZE)
    site = footer_settings(dataset.site)
    out = []
    for number, chunk in enumerate(pages, 1):
        url = urls.contact_url(number)
        html = bodies.render("contact.html", url, as_of, notices=chunk, page=number,
                             pages=len(pages), total=len(dataset.notices), site=site)
        out.append(GeneratedPage(url, "联系方式" if number == 1 else f"联系方式(第 {number} 页)", html,
                                 article={"page": "contact", "contact-page": str(number)}))
    return out


# The search engine's script, site-relative; its index files come from Site.search_files. Without
# JavaScript the page shows its fallback link to the directory.
SEARCH_SCRIPTS: tuple[str, ...] = (f"{urls.SEARCH}search.js",)


def search_page(dataset: Dataset, as_of: dt.date) -> GeneratedPage:
    html = render("search.html", urls.SEARCH, as_of, first_notice=dataset.notices[0].id)
    return GeneratedPage(urls.SEARCH, "搜索", html, article={"page": "search"}, scripts=SEARCH_SCRIPTS)


def site_changes(notices: list[Notice]) -> list[FeedEntry]:
    """Every dated update of every item and each notice's publication, newest first: the /updates/
    pages and the Atom feeds (open_data.site_feed, notice_feed) share this one list, so they cannot disagree."""
    return changes(notices, lambda notice, item: urls.item_url(item), urls.notice_url,
                   lambda item: urls.linked_item_url(item.continues))


def updates_pages(dataset: Dataset, as_of: dt.date, bodies: Bodies | None = None) -> list[GeneratedPage]:
    bodies = bodies or Bodies()
    titles = {n.id: n.title for n in dataset.notices}
    pages = chunks(site_changes(dataset.notices), UPDATES_PAGE_SIZE)
    out = []
    for number, chunk in enumerate(pages, 1):
        url = urls.updates_url(number)
        html = bodies.render("updates.html", url, as_of, changes=chunk, titles=titles,
                             several=len(dataset.notices) > 1, page=number, pages=len(pages))
        out.append(GeneratedPage(url, "最近更新" if number == 1 else f"最近更新(第 {number} 页)", html,
                                 article={"page": "updates", "updates-page": str(number)}))
    return out
