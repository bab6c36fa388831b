"""Links: every internal link and asset reference of the built site (href/src/srcset/action in HTML,
url() in CSS) resolves to a file of the site, #fragments to an id on the target page; nothing points
to another host; and the site works from a sub-folder: served under /disclosure/, a crawl from the
home page gets 200 for every page and asset it reaches, and never leaves /disclosure/."""
from __future__ import annotations

import functools
import re
import shutil
import urllib.error
import urllib.request
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from helpers import serve_directory

SITE_HOST = "http://site.invalid/"  # a base for urljoin only; never contacted
# Plain outbound <a> links allowed on the site, by exact href. Ideally none: everything the site
# needs is on the site. (Evidence web addresses typed by staff are vetted by site/evidence.py and
# marked data-evidence; they are the only other outbound links allowed.)
ALLOWED_OUTBOUND: set[str] = set()
NOT_FETCHED = ("tel:", "mailto:", "data:")
URL_ATTRS = {"href", "src", "action", "poster", "data", "formaction"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+?)['"]?\s*\)""")


class Refs(HTMLParser):
    """The URLs a page refers to, and the ids it defines (fragment targets)."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, bool]] = []  # (tag, url, is an evidence link)
        self.ids: set[str] = set()
        self._style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("id", "name" if tag == "a" else ""):
            if attrs.get(name):
                self.ids.add(attrs[name])
        for name, value in attrs.items():
            if name in URL_ATTRS and value is not None:
                self.refs.append((tag, value.strip(), "data-evidence" in attrs))
            elif name == "srcset" and value:
                self.refs += [(tag, part.split()[0], False) for part in value.split(",") if part.strip()]
            elif name == "style" and value:
                self.refs += [(tag, url, False) for url in CSS_URL.findall(value)]
        self._style = tag == "style"

    def handle_data(self, data):
        if self._style:
            self.refs += [("style", url, False) for url in CSS_URL.findall(data)]

    def handle_endtag(self, tag):
        self._style = False


def parse(html: str) -> Refs:
    refs = Refs()
    refs.feed(html)
    return refs


def page_url(site: Path, file: Path) -> str:
    rel = file.relative_to(site).as_posix()
    return SITE_HOST + (rel.removesuffix("index.html") if rel.endswith("index.html") else rel)


def target_file(site: Path, url: str) -> Path | None:
    """The file a site URL names: directory URLs are their index.html."""
    path = unquote(urlsplit(url).path).lstrip("/")
    candidate = site / path
    if path == "" or path.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def is_external(url: str) -> bool:
    return bool(re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.I)) and not url.startswith(NOT_FETCHED)


@functools.cache
def ids_of(file: Path) -> frozenset[str]:
    return frozenset(parse(file.read_text("utf-8")).ids)


def check_reference(site: Path, base: str, url: str) -> str | None:
    """None when url (found in a file whose URL is base) resolves inside the site, else the problem."""
    if url.lower().startswith("javascript:"):
        return "javascript: URL"
    absolute = urljoin(base, url)
    if not absolute.startswith(SITE_HOST):
        return "leaves the site"
    target = target_file(site, absolute)
    if target is None:
        return "no such file"
    fragment = unquote(urlsplit(absolute).fragment)
    if fragment and target.suffix == ".html" and fragment not in ids_of(target):
        return f"no id {fragment!r} in {target.relative_to(site)}"
    return None


def test_reference_checker_catches_broken_links(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h2 id="x">x</h2>', "utf-8")
    base = SITE_HOST + "a/"
    assert check_reference(tmp_path, base, "./#x") is None and check_reference(tmp_path, base, "../a/") is None
    assert check_reference(tmp_path, base, "#y") == "no id 'y' in a/index.html"
    assert check_reference(tmp_path, base, "../b/") == "no such file"
    assert check_reference(tmp_path, base, "javascript:alert(1)") == "javascript: URL"
    assert is_external("https://example.org/") and is_external("//cdn.example/x.js") and not is_external("tel:1")


def test_every_internal_reference_resolves(built_site):
    problems, checked = [], 0
    for file in sorted(built_site.rglob("*")):
        if file.suffix == ".html":
            base, refs = page_url(built_site, file), [url for _, url, _ in parse(file.read_text("utf-8")).refs]
        elif file.suffix == ".css":
            base, refs = page_url(built_site, file), CSS_URL.findall(file.read_text("utf-8"))
        else:
            continue
        for url in refs:
            if url.startswith(NOT_FETCHED) or is_external(url):
                continue  # outbound links are the next test's business
            checked += 1
            if problem := check_reference(built_site, base, url):
                problems.append(f"{file.relative_to(built_site)}: {url} -> {problem}")
    assert checked > 2000
    assert not problems, f"{len(problems)} broken references, e.g.:\n" + "\n".join(problems[:30])


def test_nothing_links_to_another_host(built_site):
    outbound = []
    for file in sorted(built_site.rglob("*.html")):
        for tag, url, evidence in parse(file.read_text("utf-8")).refs:
            if is_external(url) and not (tag == "a" and (url in ALLOWED_OUTBOUND or evidence)):
                outbound.append(f"{file.relative_to(built_site)}: <{tag}> {url}")
    assert not outbound, outbound[:20]


def test_pages_link_page_relatively(built_site):
    """Root-absolute links (/x/) break when the site is served from a sub-folder. MkDocs writes them
    only on 404.html (it is served for any missing path, so it cannot be relative)."""
    absolute = [f"{f.relative_to(built_site)}: {url}" for f in sorted(built_site.rglob("*.html")) if f.name != "404.html"
                or f.parent != built_site for _, url, _ in parse(f.read_text("utf-8")).refs
                if url.startswith("/") and not url.startswith("//")]
    assert not absolute, absolute[:20]


# -- served from a sub-folder ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def subfolder_url(built_site, tmp_path_factory):
    root = tmp_path_factory.mktemp("webroot")
    shutil.copytree(built_site, root / "disclosure")
    with serve_directory(root) as url:
        yield url + "disclosure/"


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", b""


def test_crawl_from_home_under_a_subfolder(subfolder_url):
    host = urlsplit(subfolder_url).netloc
    seen, queue, failures, escapes = {subfolder_url}, deque([subfolder_url]), [], []
    while queue:
        url = queue.popleft()
        status, kind, body = fetch(url)
        if status != 200:
            failures.append(f"{status} {url}")
            continue
        if kind == "text/html":
            found = [ref for _, ref, _ in parse(body.decode("utf-8")).refs]
        elif kind == "text/css":
            found = CSS_URL.findall(body.decode("utf-8"))
        else:
            continue
        for ref in found:
            if ref.startswith(NOT_FETCHED):
                continue
            parts = urlsplit(urljoin(url, ref))
            if parts.netloc != host:
                continue  # outbound links: see test_nothing_links_to_another_host
            if not parts.path.startswith("/disclosure/"):
                escapes.append(f"{url} -> {ref}")
                continue
            target = f"{parts.scheme}://{parts.netloc}{parts.path}"  # without ?query and #fragment
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert not failures, failures[:20]
    assert not escapes, escapes[:20]
    pages = [u for u in seen if u.endswith("/")]
    assert len(pages) > 80 and any("/items/5-2/" in u for u in seen) and any(u.endswith(".css") for u in seen)
