"""What a portal shows above any one notice: the fixed navigation, the home page, 通报目录 (and its
static ways in: by year, by unit), 已过整改时限的问题 (/overdue/, and each unit's), 最近更新, 联系方式,
the search page, and whose contact each page's footer shows.

No page here grows with the number of notices, only the number of pages of the paged lists: the
nav is a fixed set of sections (a nav listing every notice made the build quadratic: issue 13), a
footer names one contact (its notice's, or the site operator's: notice_contacts, settings_file),
and the directory (and its years), /updates/, /contact/, the units, each unit's notices and the
overdue lists are paged. The directory's entries (one per notice: unit, kind, round,
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
from .charts import Bar, stacked_bars
from .context import BuildContext
from .figures import Figures, combined, figures
from .overdue import OverdueRow, overdue_rows
from .render import Bodies, GeneratedPage, chunks, render, tel_href
from .settings_file import footer_settings

PAGE_SIZE = 40  # notices per directory page: ~40 KB of HTML, whatever the portal holds
LATEST = 5  # notices on the home page
MOST_OVERDUE = 10  # units on the home page
UPDATES_PAGE_SIZE = 50  # changes per /updates/ page
CONTACT_PAGE_SIZE = 40  # notices per /contact/ page
OVERDUE_PAGE_SIZE = 50  # problems per /overdue/ page: ~35 KB of HTML (long headings: ~70 KB), whatever the portal holds
UNITS_PAGE_SIZE = 100  # units per 按单位查找 page
MAX_INITIALS = 120  # first characters the directory links to (more: the units index lists them all)

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
                         notice.inspection_kind, notice.round, notice.year, tuple(series)))
    return out


def groups(page: list[Entry]) -> list[tuple[str, str, list[Entry]]]:
    """(year, round, entries) runs of one page, in order."""
    return [(year, round_, list(run)) for (year, round_), run in groupby(page, key=lambda e: (e.year, e.round))]


def index_json(all_entries: list[Entry]) -> str:
    return json.dumps([e.record() for e in all_entries], ensure_ascii=False, separators=(",", ":")) + "\n"


@dataclass(frozen=True)
class UnitEntries:
    """One inspected unit (Entry.unit) with its directory entries, newest first, and their figures."""
    unit: str
    entries: tuple[Entry, ...]
    fig: Figures

    @property
    def initial(self) -> str:
        return self.unit[:1]


def units(all_entries: list[Entry]) -> list[UnitEntries]:
    """Every unit of the directory, by its name (so, grouped by the name's first character)."""
    by_unit: dict[str, list[Entry]] = {}
    for e in all_entries:
        by_unit.setdefault(e.unit, []).append(e)
    return [UnitEntries(unit, tuple(run), combined([e.fig for e in run])) for unit, run in sorted(by_unit.items())]


def most_overdue(all_units: list[UnitEntries]) -> list[UnitEntries]:
    """The units with overdue items, most first (ties by name), at most MOST_OVERDUE."""
    ranked = sorted((u for u in all_units if u.fig.overdue), key=lambda u: (-u.fig.overdue, u.unit))
    return ranked[:MOST_OVERDUE]


def unit_chart(top: list[UnitEntries], page_url: str) -> str:
    """The home page's chart of the units with the most overdue items, its table always shown."""
    bars = [Bar.of(u.unit, u.fig, urls.relative(urls.unit_overdue_url(u.unit), page_url)) for u in top]
    return stacked_bars("chart-units", "这些单位的整改进展", bars, "单位", table="open",
                        table_attrs=" data-overdue-units",
                        explain="按单位合计，每个问题只计一次；点击单位名称查看该单位已过整改时限的全部问题。")


def directory_files(listed: list[Entry]) -> dict[str, str | bytes]:
    return {urls.DIRECTORY_INDEX: index_json(listed),
            urls.DIRECTORY_SCRIPT: (package_files("disclosure.site") / "directory.js").read_bytes()}


# ---- pages ------------------------------------------------------------------------------------

def portal_pages(dataset: Dataset, context: BuildContext, listed: list[Entry],
                 bodies: Bodies | None = None) -> list[GeneratedPage]:
    """bodies: the paged lists' bodies of the last build, reused where their inputs are the same."""
    bodies = bodies or Bodies()
    as_of = context.as_of
    all_units = units(listed)
    rows = overdue_rows(dataset, as_of)
    return [home_page(dataset, as_of, context.site_name, listed, all_units, len(rows)),
            *contact_pages(dataset, as_of, bodies), search_page(dataset, as_of),
            *updates_pages(dataset, as_of, bodies), *directory_pages(listed, as_of, bodies, all_units),
            *year_pages(listed, as_of, bodies), *units_pages(all_units, as_of, bodies),
            *unit_pages(all_units, as_of, bodies), *overdue_pages(rows, all_units, as_of, bodies),
            *all_withdrawn_pages(dataset, listed, as_of)]


def home_page(dataset: Dataset, as_of: dt.date, site_name: str, listed: list[Entry],
              all_units: list[UnitEntries] | None = None, overdue_count: int | None = None) -> GeneratedPage:
    all_units = units(listed) if all_units is None else all_units
    total = combined([e.fig for e in listed])
    top = most_overdue(all_units)
    html = render("home.html", urls.HOME, as_of, site_name=site_name, total=total,
                  count=len(listed), latest=listed[:LATEST], overdue_units=top,
                  unit_chart=unit_chart(top, urls.HOME) if top else "",
                  overdue_count=total.overdue if overdue_count is None else overdue_count,
                  unit_count=len(all_units), followups=any(n.follows for n in dataset.notices))
    return GeneratedPage(urls.HOME, "首页", html, article={"page": "home"})


DIRECTORY_SCRIPTS: tuple[str, ...] = (urls.DIRECTORY_SCRIPT,)


def directory_pages(listed: list[Entry], as_of: dt.date, bodies: Bodies | None = None,
                    all_units: list[UnitEntries] | None = None) -> list[GeneratedPage]:
    """通报目录 in pages of PAGE_SIZE notices; the filter choices come from every notice. Its static
    ways in (templates/_directory_ways.html: by year, by the unit name's first character) need
    ways_years and ways_initials."""
    bodies = bodies or Bodies()
    pages = chunks(listed, PAGE_SIZE)
    all_units = units(listed) if all_units is None else all_units
    choices = {"kinds": sorted({e.kind for e in listed}), "years": sorted({e.year for e in listed}, reverse=True),
               "rounds": sorted({e.round for e in listed if e.round}),
               "ways_years": year_counts(listed), "ways_initials": initials(all_units)[:MAX_INITIALS],
               "ways_units": len(all_units), "ways_more_initials": len(initials(all_units)) > MAX_INITIALS}
    out = []
    for number, chunk in enumerate(pages, 1):
        url = urls.directory_url(number)
        html = bodies.render("directory.html", url, as_of, groups=groups(chunk), page=number,
                             pages=len(pages), total=len(listed), **choices)
        title = "通报目录" if number == 1 else f"通报目录(第 {number} 页)"
        out.append(GeneratedPage(url, title, html, article={"page": "directory", "directory-page": str(number)},
                                 scripts=DIRECTORY_SCRIPTS))
    return out


# ---- the directory's static ways in: by year, by unit --------------------------------------------

def year_counts(listed: list[Entry]) -> list[tuple[str, int]]:
    """(year, notices) newest year first."""
    counts: dict[str, int] = {}
    for e in listed:
        counts[e.year] = counts.get(e.year, 0) + 1
    return sorted(counts.items(), reverse=True)


def year_pages(listed: list[Entry], as_of: dt.date, bodies: Bodies | None = None) -> list[GeneratedPage]:
    """notices/years/<year>/: the directory's notices of one year, PAGE_SIZE a page, without JavaScript."""
    bodies = bodies or Bodies()
    years = year_counts(listed)
    out = []
    for year, _ in years:
        chosen = [e for e in listed if e.year == year]
        pages = chunks(chosen, PAGE_SIZE)
        for number, chunk in enumerate(pages, 1):
            url = urls.year_url(year, number)
            html = bodies.render("year.html", url, as_of, year=year, groups=groups(chunk), page=number,
                                 pages=len(pages), total=len(chosen), years=years,
                                 url_of=PagedAddress(urls.year_url, year))
            title = f"{year}年印发的通报" + (f"(第 {number} 页)" if number > 1 else "")
            out.append(GeneratedPage(url, title, html, article={"page": "directory-year", "year": year}))
    return out


def initials(all_units: list[UnitEntries]) -> list[tuple[str, str]]:
    """(first character, the address of the 按单位查找 page and section listing it), in order."""
    out: dict[str, str] = {}
    for number, chunk in enumerate(chunks(all_units, UNITS_PAGE_SIZE), 1):
        for u in chunk:
            out.setdefault(u.initial, f"{urls.units_url(number)}#{initial_anchor(u.initial)}")
    return list(out.items())


def initial_anchor(char: str) -> str:
    """An ASCII id for a first character's section: 'initial-793a' for 示."""
    return f"initial-{ord(char):x}" if char else "initial-none"


def units_pages(all_units: list[UnitEntries], as_of: dt.date, bodies: Bodies | None = None) -> list[GeneratedPage]:
    """按单位查找 (units/): every unit by its name, so by the first character of its name, with its
    notices and overdue items, UNITS_PAGE_SIZE a page; every page lists every first character."""
    bodies = bodies or Bodies()
    pages = chunks(all_units, UNITS_PAGE_SIZE)
    every = initials(all_units)
    out = []
    for number, chunk in enumerate(pages, 1):
        url = urls.units_url(number)
        runs = [(char, initial_anchor(char), [(u.unit, len(u.entries), u.fig.overdue) for u in run])
                for char, run in groupby(chunk, key=lambda u: u.initial)]
        html = bodies.render("units.html", url, as_of, runs=runs, initials=every, page=number, pages=len(pages),
                             total=len(all_units))
        title = "按单位查找" + (f"(第 {number} 页)" if number > 1 else "")
        out.append(GeneratedPage(url, title, html, article={"page": "units", "units-page": str(number)}))
    return out


def unit_pages(all_units: list[UnitEntries], as_of: dt.date, bodies: Bodies | None = None) -> list[GeneratedPage]:
    """units/<slug>/: one unit's notices (PAGE_SIZE a page), their figures and their contacts."""
    bodies = bodies or Bodies()
    out = []
    for u in all_units:
        pages = chunks(list(u.entries), PAGE_SIZE)
        for number, chunk in enumerate(pages, 1):
            url = urls.unit_url(u.unit, number)
            html = bodies.render("unit.html", url, as_of, unit=u.unit, fig=u.fig, groups=groups(chunk),
                                 contacts=[n for e in chunk for n in reversed(e.series)], page=number,
                                 pages=len(pages), total=len(u.entries), url_of=PagedAddress(urls.unit_url, u.unit))
            title = u.unit + (f"(第 {number} 页)" if number > 1 else "")
            out.append(GeneratedPage(url, title, html, article={"page": "unit", "unit-page": str(number)}))
    return out


# ---- 已过整改时限的问题 ------------------------------------------------------------------------------

def overdue_pages(rows: list[OverdueRow], all_units: list[UnitEntries], as_of: dt.date,
                  bodies: Bodies | None = None) -> list[GeneratedPage]:
    """overdue/: every overdue problem of the portal, longest overdue first, OVERDUE_PAGE_SIZE a
    page; units/<slug>/overdue/: the same list of one unit (the unit filter, without JavaScript)."""
    bodies = bodies or Bodies()
    top = [(u.unit, u.fig.overdue) for u in most_overdue(all_units)]
    out = _overdue_list(rows, "", urls.overdue_url, as_of, bodies, top=top, units_with=sum(1 for u in all_units if u.fig.overdue))
    by_unit: dict[str, list[OverdueRow]] = {}
    for row in rows:
        by_unit.setdefault(row.unit, []).append(row)
    for u in all_units:
        if u.unit in by_unit:
            out += _overdue_list(by_unit[u.unit], u.unit, PagedAddress(urls.unit_overdue_url, u.unit), as_of, bodies)
    return out


def all_withdrawn_pages(dataset: Dataset, listed: list[Entry], as_of: dt.date) -> list[GeneratedPage]:
    """A year's or a unit's addresses (notices/years/<year>/, units/<slug>/ and its overdue/) once all
    of its notices are withdrawn: published addresses still answer, as a withdrawn notice's own do,
    saying so and linking to each withdrawn notice's page."""
    years, names = {e.year for e in listed}, {e.unit for e in listed}
    by_year: dict[str, list[Notice]] = {}
    by_unit: dict[str, list[Notice]] = {}
    for notice in dataset.withdrawn_notices:
        if notice.year not in years:
            by_year.setdefault(notice.year, []).append(notice)
        if notice.unit not in names:
            by_unit.setdefault(notice.unit, []).append(notice)
    out = []
    for year, notices in sorted(by_year.items()):
        heading = f"{year}年印发的通报"
        out.append(GeneratedPage(urls.year_url(year), heading,
                                 render("all_withdrawn.html", urls.year_url(year), as_of, heading=heading,
                                        whose=f"{year}年印发", notices=notices),
                                 article={"page": "all-withdrawn", "year": year}))
    for unit, notices in sorted(by_unit.items()):
        for url, heading in ((urls.unit_url(unit), unit), (urls.unit_overdue_url(unit), f"{unit}：已过整改时限的问题")):
            out.append(GeneratedPage(url, heading, render("all_withdrawn.html", url, as_of, heading=heading,
                                                          whose=unit, notices=notices),
                                     article={"page": "all-withdrawn"}))
    return out


@dataclass(frozen=True)
class PagedAddress:
    """page -> the address of that page of a unit's or a year's paged list (a pager's url_of);
    compared by value, so a preview reuses the bodies whose context is unchanged (render.Bodies)."""
    address: object  # urls.unit_url, urls.unit_overdue_url or urls.year_url
    key: str  # the unit or the year

    def __call__(self, page: int) -> str:
        return self.address(self.key, page)


def _overdue_list(rows: list[OverdueRow], unit: str, url_of, as_of: dt.date, bodies: Bodies,
                  top: list[tuple[str, int]] = (), units_with: int = 0) -> list[GeneratedPage]:
    pages = chunks(rows, OVERDUE_PAGE_SIZE)
    out = []
    for number, chunk in enumerate(pages, 1):
        url = url_of(number)
        html = bodies.render("overdue.html", url, as_of, rows=chunk, unit=unit, page=number, pages=len(pages),
                             total=len(rows), first=(number - 1) * OVERDUE_PAGE_SIZE + 1, url_of=url_of,
                             top=list(top) if number == 1 else [], units_with=units_with)
        title = (f"{unit}：" if unit else "") + "已过整改时限的问题" + (f"(第 {number} 页)" if number > 1 else "")
        out.append(GeneratedPage(url, title, html, article={"page": "overdue", "overdue-page": str(number),
                                                            **({"unit": unit} if unit else {})}))
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
                                 article={"page": "contact", "contact-page": str(number)},
                                 scripts=DIRECTORY_SCRIPTS))  # its unit filter (directory.js)
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
