"""The sitemap for search engines: sitemap.xml is an index of one sitemap per notice (its own
folder's pages) and one for the portal's pages. A notice's sitemap changes only when the notice
does, so releases share it (publish.releases.freeze_and_share), and no file comes near the protocol's
50,000 addresses a file, which one list of a 40,000-item portal's 60,000 pages would pass.
Sitemaps need full addresses: without a configured site address there is none."""
from __future__ import annotations

from urllib.parse import quote

from markupsafe import escape

from .. import urls

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
XMLNS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _loc(path: str, site_url: str) -> str:
    return str(escape(urls.absolute(quote(path, safe="/"), site_url)))


def _urlset(paths: list[str], site_url: str, lastmod: str) -> str:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    rows = "".join(f"<url><loc>{_loc(p, site_url)}</loc>{mod}</url>\n" for p in paths)
    return f"{HEAD}<urlset {XMLNS}>\n{rows}</urlset>\n"


def sitemap_files(page_urls: list[str], other_urls: list[str], changed: dict[str, str],
                  site_url: str, known: dict[str, str] | None = None) -> dict[str, str]:
    """page_urls: every generated page; other_urls: the hand-written pages; changed: notice id ->
    ISO date its data last changed (each notice's pages carry it; the portal's, the latest).
    known: a notice's sitemap, where the caller knows it is what this call would make (the preview's
    unchanged notices: site.NoticeParts); their pages need not be in page_urls."""
    known = known or {}
    if not site_url:
        return {}
    by_notice: dict[str, list[str]] = {notice: [] for notice in changed}
    portal: list[str] = []
    generated = set(page_urls)
    other_urls = [url for url in other_urls if url not in generated]  # a hand-written page replacing one
    for url in page_urls:
        owner = urls.owner(url)
        (by_notice[owner] if owner in by_notice else portal).append(url)
    files = {urls.PORTAL_SITEMAP: _urlset(portal + other_urls, site_url, max(changed.values(), default=""))}
    index = [f"<sitemap><loc>{_loc(urls.PORTAL_SITEMAP, site_url)}</loc></sitemap>\n"]
    for notice, paths in by_notice.items():
        if not paths and notice not in known:
            continue
        path = urls.notice_sitemap(notice)
        files[path] = known[notice] if notice in known else _urlset(paths, site_url, changed[notice])
        index.append(f"<sitemap><loc>{_loc(path, site_url)}</loc>"
                     f"<lastmod>{changed[notice]}</lastmod></sitemap>\n")
    files[urls.SITEMAP] = f"{HEAD}<sitemapindex {XMLNS}>\n{''.join(index)}</sitemapindex>\n"
    return files
