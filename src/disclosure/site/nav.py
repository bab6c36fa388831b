"""The navigation as MkDocs' `nav` config (a list of {title: src_uri}). Item and group pages stay
out of it, so every page's nav (and so an item page's size) does not grow with the item count.
Titles are HTML-escaped here because MkDocs/Material print nav titles without escaping."""
from __future__ import annotations

from markupsafe import escape

from ..model import Dataset, Notice
from . import urls


def _entry(title: str, url: str) -> dict:
    return {str(escape(title)): urls.src_uri(url)}


def _notice_entries(notice: Notice) -> list[dict]:
    categories = [_entry(f"{c.label}{c.title}", urls.category_url(notice, c)) for c in notice.categories]
    return categories + [_entry("通报全文", urls.full_text_url(notice))]


def site_nav(dataset: Dataset, extra_pages: list[str] = ()) -> list[dict]:
    """Home, (per notice: categories, full text), updates, open data, contact, about, then other hand-written pages.
    One notice gives a flat list: no collapsed sections that need JavaScript or a mouse."""
    nav = [_entry("首页", urls.HOME)]
    if len(dataset.notices) == 1:
        nav += _notice_entries(dataset.notices[0])
    else:
        for notice in dataset.notices:
            nav.append({str(escape(notice.title)): [_entry("概览", urls.notice_url(notice))] + _notice_entries(notice)})
    nav.append(_entry("最近更新", urls.UPDATES))
    nav.append(_entry("开放数据", urls.DATA))
    nav.append(_entry("联系方式", urls.CONTACT))
    nav.append({"关于本站": "about.md"})
    nav.append({"搜索说明": "how-search-works.md"})
    nav.append({"工作人员指南": "staff-guide.md"})
    nav.append({"本站的承诺": "promises.md"})
    nav.append({"性能与规模": "performance.md"})
    nav += list(extra_pages)
    return nav


def nav_pages(nav: list) -> list[str]:
    """Every page path in a nav structure, in order (nested sections flattened)."""
    out = []
    for entry in nav:
        for value in (entry.values() if isinstance(entry, dict) else [entry]):
            out += nav_pages(value) if isinstance(value, list) else [value]
    return out
