"""The public site, as plain Python: everything the MkDocs hook needs, testable without MkDocs.
Organised by what a citizen sees:

    portal     the fixed nav, home, 通报目录 (paged, with a filter over notices/index.json; by year), 按单位查找
               (each unit's notices), 已过整改时限的问题 (overdue/, and each unit's), 最近更新, 联系方式, the
               search page, each notice's footer contact
    charts     static SVG charts with their tables (home: by unit; a notice: by category, over time)
    notice     one notice: overview, category and group pages, full text, print sheets (paged), withdrawn
    item       one item: its page, evidence links, QR code, when its data changed
    overdue    overdue wording, and the portal's list of every overdue problem
    open_data  the field table behind items.json / items.csv / their schema / the /data/ page; feeds
    sitemap    sitemap.xml: an index of one sitemap per notice and one for the portal
and what they share:
    settings   as-of date, data folder, site address: read from the environment in one place
    settings_file  the site's own details from site.yml (operator, filings, 12388 line): every footer
    urls       the URL scheme and page-relative links
    figures    total / done / not done / overdue, computed from items
    render     GeneratedPage and Jinja2 (autoescaped) rendering from templates/
    background the search index written while pages render
    synthetic  generated portals and scaled-up data sets for tests and `make bench` (never in data/)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..gitinfo import History
from ..dataset import Dataset
from ..model import date_text
from ..search import build_index
from .. import urls  # the URL scheme (disclosure/urls.py), offered here for the adapter
from .item import item_pages
from .notice import full_text_page, node_pages, notice_changed, notice_page, print_pages, withdrawn_page
from .open_data import (data_page, feed_style, joined_data_files, notice_data_paths, notice_feed, notice_records,
                        open_data_files, problem_records, site_feed, unit_feeds)
from .portal import directory_files, entries, nav_pages, notice_contacts, portal_pages, site_nav
from .render import Bodies, GeneratedPage
from .context import BuildContext
from .settings import Settings
from .settings_file import footer_settings
from .sitemap import sitemap_files

__all__ = ["Site", "Settings", "BuildContext", "GeneratedPage", "NoticeParts", "build_site", "site_nav", "template_context"]


@dataclass
class Site:
    dataset: Dataset
    context: BuildContext  # as-of date, site name and address, git history: what every page shares
    pages: list[GeneratedPage]
    other_files: dict[str, str | bytes]  # notices' feeds and the directory's index (open data: generated_files)
    nav: list[dict]
    records: list[dict]  # items.json records: open data, feeds' rows and the search index share them
    changed: dict[str, str] = field(default_factory=dict)  # notice id (withdrawn too) -> ISO date its data last changed
    parts: dict[str, NoticeParts] = field(default_factory=dict)  # notice id -> what it puts on the site
    portal_pages: list[GeneratedPage] = field(default_factory=list)  # the pages no one notice owns
    bodies: Bodies = field(default_factory=Bodies)  # the portal's paged bodies, for the next preview rebuild

    @property
    def as_of(self) -> dt.date:
        return self.context.as_of

    @property
    def site_url(self) -> str:
        return self.context.site_url

    @property
    def site_name(self) -> str:
        return self.context.site_name

    @property
    def history(self) -> History:
        return self.context.history

    @property
    def nav_pages(self) -> list[str]:
        """The src_uri of every page the nav names (MkDocs must be given each of them)."""
        return nav_pages(self.nav)

    def notice_files(self, notice_id: str) -> list[str]:
        """The files a notice may own (its open data, feed and sitemap; a withdrawn one has no open
        data or feed): like its pages, a function of its parts."""
        return [*notice_data_paths(notice_id), urls.notice_sitemap(notice_id), *self.parts[notice_id].feed]

    def search_files(self, previous: Path | None = None) -> dict[str, bytes]:
        """The search index: the build's largest computation, which no page depends on (the MkDocs
        adapter runs it in the background while pages render). previous: the last build's search/
        folder (same code), patched where only a few items changed."""
        return build_index(problem_records(self.records), previous=previous)  # each problem once, by its current status

    def generated_files(self, previous: dict[str, str] | None = None, gzip_static: bool = False,
                        site_wide: bool = True) -> dict[str, str | bytes]:
        """Every non-page file except the search index and the sitemap. previous: a notice's open
        data file -> the last build's copy, known to be unchanged (buildcache.page_keys): read, not
        encoded. gzip_static: the server sends X.gz for X (settings.Settings.gzip_static).
        site_wide: with site_wide_files (the preview writes those in the background)."""
        out = open_data_files(self.dataset, self.records, previous, gzip_static, self._notice_data(), site_wide=False)
        for notice in self.dataset.notices:
            self.parts[notice.id].open_data = tuple(out[path] for path in notice_data_paths(notice))
        return {**out, **(self.site_wide_files(gzip_static) if site_wide else {}), **self.other_files}

    def site_wide_files(self, gzip_static: bool = False) -> dict[str, str | bytes]:
        """What joins every notice's data: the site's items.json and items.csv (its notices' files
        joined) and feed.xml. No page depends on them."""
        if any(self.parts[n.id].open_data is None for n in self.dataset.notices):
            self.generated_files(gzip_static=gzip_static, site_wide=False)  # encodes each notice's files once
        return {**joined_data_files(self.dataset, self._notice_data(), gzip_static),
                **site_feed(self.dataset, self.context), **unit_feeds(self.dataset, self.context)}

    def _notice_data(self) -> dict[str, tuple[str, bytes]]:
        return {i: p.open_data for i, p in self.parts.items() if p.open_data is not None}

    @cached_property
    def files(self) -> dict[str, str | bytes]:
        return self.generated_files()

    def sitemap_files(self, other_urls: list[str]) -> dict[str, str]:
        """sitemap.xml and the sitemaps it lists; other_urls: the hand-written pages (the adapter's)."""
        known = {i: p.sitemap for i, p in self.parts.items() if p.sitemap is not None}
        page_urls = [p.url for p in self.portal_pages]
        for notice_id, parts in self.parts.items():
            if notice_id not in known:
                page_urls += [p.url for p in parts.pages]
        out = sitemap_files(page_urls, other_urls, self.changed, self.site_url, known)
        for notice_id, parts in self.parts.items():
            parts.sitemap = out.get(urls.notice_sitemap(notice_id))
        return out

    def all_files(self) -> dict[str, str | bytes]:
        """Every non-page file, for callers that don't run the search index in the background."""
        return {**self.files, **self.search_files()}

    @property
    def template_context(self) -> dict:
        return template_context(self.dataset, self.context)


def template_context(dataset: Dataset, context: BuildContext) -> dict:
    """What the theme templates (header, footer) need on every page. The footer shows a notice's
    pages their own notice's contact (notice_contacts, by the page's data-notice) and every other
    page the site operator's (site: settings_file.footer_settings, from site.yml), or a link to
    联系方式 when site.yml gives none: never another unit's."""
    as_of, history = context.as_of, context.history
    commit_day = history.commit_date
    return {"site": footer_settings(dataset.site), "notice_contacts": notice_contacts(dataset),
            "contact_url": urls.CONTACT, "accessibility_url": urls.ACCESSIBILITY, "as_of": as_of.isoformat(),
            "as_of_text": date_text(as_of.isoformat()), "build_commit": history.commit or "",
            "build_commit_date": commit_day.isoformat() if commit_day else "",
            "build_commit_date_text": date_text(commit_day.isoformat()) if commit_day else ""}


@dataclass
class NoticeParts:
    """What one notice (withdrawn ones too) puts on the site: its pages, its items.json records, its
    feed and the date its data last changed. All of it is a function of its key
    (buildcache.notice_keys: its linked notices' files, their git dates and the site-wide inputs), so
    a preview rebuild reuses the parts of every notice whose key is unchanged."""
    key: str | None
    pages: list[GeneratedPage]
    records: list[dict]
    feed: dict[str, bytes]
    changed: str
    page_keys: dict[str, str] | None = None  # buildcache.page_keys of its pages and open data, for `key`
    # what the Site derives from these parts once, valid as long as the parts are (a preview reuses
    # it too): its items.json text and items.csv bytes, and its sitemap
    open_data: tuple[str, bytes] | None = None
    sitemap: str | None = None


def build_site(dataset: Dataset, context: BuildContext, keys: dict[str, str] | None = None,
               last: "Site | None" = None) -> Site:
    """context: the as-of date, site name, public address and git history every page shares. Page
    bodies are rendered when asked for (GeneratedPage.html), never all held at once. keys and last
    (the preview): each notice's key (buildcache.notice_keys) and the previous rebuild's Site, whose
    parts are reused where the key is unchanged."""
    as_of, history = context.as_of, context.history
    keys = keys or {}
    every = dataset.notices + dataset.withdrawn_notices
    before = last.parts if last is not None else {}
    if last is not None:
        dataset.reuse_problems(last.dataset)
    kept = {n.id: before[n.id] for n in every
            if n.id in before and before[n.id].key is not None and before[n.id].key == keys.get(n.id)}
    changed = {n.id: kept[n.id].changed if n.id in kept else notice_changed(n, history) for n in every}
    parts = {n.id: kept.get(n.id) or _notice_parts(n, dataset, context, changed, keys.get(n.id)) for n in every}
    records = [r for n in dataset.notices for r in parts[n.id].records]
    listed = entries(dataset, as_of)  # the directory's entries: its pages, the home page and notices/index.json
    files = directory_files(listed)
    for notice in dataset.notices:
        files.update(parts[notice.id].feed)
    files.update(feed_style())
    bodies = Bodies(last=last.bodies.now if last is not None else {})
    portal = portal_pages(dataset, context, listed, bodies) + [data_page(dataset, as_of)]
    pages = list(portal)
    for notice in every:
        pages += parts[notice.id].pages
    return Site(dataset, context, pages, files, site_nav(dataset), records, changed, parts, portal, bodies)


def _notice_parts(notice, dataset: Dataset, context: BuildContext, changed: dict[str, str],
                  key: str | None) -> NoticeParts:
    as_of = context.as_of
    if notice.withdrawn:  # every address it had still answers, saying why it is gone
        pages = [withdrawn_page(urls.notice_url(notice), notice, None, as_of)]
        pages += [withdrawn_page(urls.item_url(i), notice, i, as_of) for i in notice.items + notice.withdrawn_items]
        # its full text, print and category pages: their addresses from the pages it would have
        # (bodies are rendered only when read, so this renders none of them)
        had = [full_text_page(notice, as_of), *print_pages(notice, context), *node_pages(notice, as_of)]
        pages += [withdrawn_page(page.url, notice, None, as_of) for page in had]
        return NoticeParts(key, pages, [], {}, changed[notice.id])
    pages = [notice_page(notice, as_of, changed), full_text_page(notice, as_of)]
    pages += print_pages(notice, context)
    pages += node_pages(notice, as_of)
    pages += item_pages(notice, context, dataset.problem_of)
    pages += [withdrawn_page(urls.item_url(i), notice, i, as_of) for i in notice.withdrawn_items]
    return NoticeParts(key, pages, notice_records(dataset, notice, as_of),
                       notice_feed(dataset, notice, context.site_url), changed[notice.id])
