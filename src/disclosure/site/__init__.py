"""The public site, as plain Python: everything the MkDocs hook needs, testable without MkDocs.

    asof          the date computed facts refer to (DISCLOSURE_AS_OF or today)
    urls          the URL scheme and page-relative links
    figures       total / done / not done / overdue, computed from items
    overdue       the overdue wording and how long ago
    fulltext      the whole notice reassembled in its original order
    render        Jinja2 (autoescaped) rendering of page bodies from templates/
    pages         every generated page: url, title, body, <article> attributes
    nav           the navigation: a fixed set of sections (no page lists every notice but the directory)
    directory     通报目录 (paged, with a filter over a small index) and the home page's lists
    items_json    the items.json records (also the rows of items.csv)
    fields        what each open-data field means (the /data/ page, data/items.schema.json)
    open_data     items.json / items.csv per site and per notice, schemas
    feeds         what changed: the /updates/ list and the Atom feeds
    evidence      which evidence entries may become links
    siteurl       the public address QR codes and feeds need
    provenance    when each page's data last changed (git history, else the data's own dates)
    static_files  non-page outputs (open data, feeds); Site.search_files the search index
    contacts      the footer contact block
    synthetic     scaled-up data sets for tests
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from ..gitinfo import History
from ..model import Dataset, date_text
from .contacts import footer_contacts
from .nav import site_nav
from .pages import GeneratedPage, site_pages
from .siteurl import site_url_from_env
from ..search import build_index
from .items_json import items_records
from .directory import entries
from .static_files import static_files


@dataclass
class Site:
    dataset: Dataset
    as_of: dt.date
    pages: list[GeneratedPage]
    files: dict[str, str | bytes]
    nav: list[dict]
    records: list[dict]  # items.json records: open data, feeds' rows and the search index share them
    history: History = History()  # the build commit and data dates (gitinfo.read_history)

    def search_files(self) -> dict[str, bytes]:
        """The search index: the build's largest computation, which no page depends on (the MkDocs
        adapter runs it in the background while pages render)."""
        return build_index(self.records)

    def all_files(self) -> dict[str, str | bytes]:
        """Every non-page file, for callers that don't run the search index in the background."""
        return {**self.files, **self.search_files()}

    @property
    def template_context(self) -> dict:
        """What the theme templates (header, footer) need on every page."""
        commit_day = self.history.commit_date
        issuers = len({n.issuer for n in self.dataset.notices})
        contacts = footer_contacts(self.dataset)
        return {"contacts": contacts, "issuers": issuers,
                "more_contacts": issuers > len(contacts), "as_of": self.as_of.isoformat(),
                "as_of_text": date_text(self.as_of.isoformat()), "build_commit": self.history.commit or "",
                "build_commit_date": commit_day.isoformat() if commit_day else "",
                "build_commit_date_text": date_text(commit_day.isoformat()) if commit_day else ""}


def build_site(dataset: Dataset, as_of: dt.date, site_name: str, site_url: str | None = None,
               history: History | None = None) -> Site:
    """site_url: the public address (MkDocs' site_url); None reads DISCLOSURE_SITE_URL, '' means unknown.
    history: gitinfo.read_history(data_dir) for a build from git; None: no commit, dates from the data."""
    if site_url is None:
        site_url = site_url_from_env(os.environ)
    history = history or History()
    records = items_records(dataset, as_of)
    listed = entries(dataset, as_of)  # the directory's entries: its pages, the home page and notices/index.json
    return Site(dataset, as_of, site_pages(dataset, as_of, site_name, site_url, history, listed),
                static_files(dataset, records, site_name, site_url, listed), site_nav(dataset), records, history)
