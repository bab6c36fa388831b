"""What the preview (`make serve`) shows while the data has errors: every page of the preview is a
Chinese page listing each problem (file, line, column, what to do), and the site comes back by
itself once the file is fixed (MkDocs' live-reload reloads the page when the next rebuild succeeds).

A publish (`mkdocs build`) never gets here: a data error there stops the build (hook.on_config).

    render       the page (error_page.html, autoescaped: file names and messages are data)
    ErrorPages   puts the page in place of every page the preview serves, and takes it away"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from disclosure.errors import DataError

from . import shim

TEMPLATE = "error_page.html"
MARK = b'<meta name="disclosure-preview" content="data-errors">'  # in every error page (error_page.html)


@lru_cache(maxsize=1)
def _template():
    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent)), autoescape=select_autoescape(["html"]),
                      keep_trailing_newline=True)
    return env.get_template(TEMPLATE)


def render(errors: list[DataError], reload_itself: bool = False) -> str:
    """The error page. reload_itself: for the page served for a missing address (404.html), into
    which MkDocs does not put its live-reload script (shim.RELOAD_SCRIPT)."""
    return _template().render(errors=list(errors), reload_script=Markup(shim.RELOAD_SCRIPT) if reload_itself else "")


class ErrorPages:
    """The site folder's pages while the data has errors. Only pages are replaced (styles, scripts,
    open data stay): MkDocs serves every .html file with its live-reload script, so each page
    reloads when a rebuild succeeds. The files replaced are remembered: a good rebuild writes the
    site's pages again (hook: preview.forget, shim.always_write) and removes those it did not write."""

    def __init__(self):
        self.html: str | None = None  # the page shown; None: the site is shown
        self.pages: list[str] = []  # the files holding it

    @property
    def showing(self) -> bool:
        return self.html is not None

    def show(self, site_dir: str, errors: list[DataError]) -> None:
        html = render(errors)
        if html == self.html:
            return  # the same problems: the files already hold this page
        if not self.pages:
            self.pages = sorted({*_pages_in(site_dir), os.path.join(site_dir, "index.html")})
        for path in self.pages:
            _write(path, html)
        # MkDocs answers a missing address with 404.html (without its live-reload script)
        _write(os.path.join(site_dir, "404.html"), render(errors, reload_itself=True))
        self.html = html

    def cleared(self, site_dir: str) -> None:
        """A good rebuild has written the site's pages: an error page it did not overwrite belongs
        to no page of the site now (e.g. of a notice removed meanwhile) and is removed."""
        if not self.showing:
            return
        for path in [*self.pages, os.path.join(site_dir, "404.html")]:
            try:
                with open(path, "rb") as f:
                    stale = MARK in f.read(2048)
            except OSError:
                continue
            if stale:
                os.remove(path)
        self.html, self.pages = None, []


def _pages_in(site_dir: str) -> list[str]:
    out = []
    for top, _dirs, names in os.walk(site_dir):
        out += [os.path.join(top, name) for name in names if name.endswith(".html") and name != "404.html"]
    return out


def _write(path: str, html: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(html)
