"""The navigation as MkDocs' `nav` config (a list of {title: src_uri}): a fixed set of sections,
the same on every page whatever the site holds, so no page grows with the number of notices (a
nav listing every notice made the build quadratic: issue 13). A notice's own pages carry that
notice's local navigation in their body instead (templates/_local_nav.html); only the directory
lists every notice. Titles are HTML-escaped because MkDocs/Material print nav titles unescaped."""
from __future__ import annotations

from markupsafe import escape

from ..model import Dataset
from . import urls

SECTIONS = [("首页", urls.src_uri(urls.HOME)), ("通报目录", urls.src_uri(urls.DIRECTORY)),
            ("搜索", urls.src_uri(urls.SEARCH)), ("最近更新", urls.src_uri(urls.UPDATES)),
            ("开放数据", urls.src_uri(urls.DATA)), ("联系方式", urls.src_uri(urls.CONTACT)), ("关于本站", "about.md")]


def site_nav(dataset: Dataset | None = None, extra_pages: list[str] = ()) -> list[dict]:
    """The citizen's sections. Staff and maintainer pages (staff guide, promises, performance,
    how search works) are linked from 关于本站, not listed here."""
    return [{str(escape(title)): path} for title, path in SECTIONS] + list(extra_pages)


def nav_pages(nav: list) -> list[str]:
    """Every page path in a nav structure, in order (nested sections flattened)."""
    out = []
    for entry in nav:
        for value in (entry.values() if isinstance(entry, dict) else [entry]):
            out += nav_pages(value) if isinstance(value, list) else [value]
    return out
