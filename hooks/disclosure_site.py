"""MkDocs adapter for disclosure.site: load + validate data, add generated pages and files, and
hand their prebuilt HTML to the theme. No site logic lives here.

Environment: DISCLOSURE_DATA (data folder, default "data", relative to mkdocs.yml) and
DISCLOSURE_AS_OF (YYYY-MM-DD, default: the build date)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from markupsafe import escape
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, InclusionLevel

from disclosure.errors import DataErrors
from disclosure.site import Site, build_site
from disclosure.site.asof import AsOfError, as_of_from_env
from disclosure.validate import consistency_warnings, load_dataset

log = logging.getLogger("mkdocs.hooks.disclosure")
_site: Site | None = None  # built in on_config, used by the later events of the same build
_pages: dict = {}  # src_uri -> GeneratedPage


def on_config(config):
    global _site, _pages
    data_dir = Path(config.config_file_path).parent / os.environ.get("DISCLOSURE_DATA", "data")
    try:
        as_of = as_of_from_env(os.environ)
        dataset = load_dataset(data_dir)
    except AsOfError as exc:
        raise PluginError(str(exc)) from None
    except DataErrors as exc:
        raise PluginError("数据校验未通过，网站没有生成：\n" + exc.report()) from None
    for warning in consistency_warnings(dataset):
        log.info(str(warning))  # the notice's own figures differ from its items: shown on the site
    _site = build_site(dataset, as_of, config.site_name)
    _pages = {page.src_uri: page for page in _site.pages}
    config.extra["disclosure"] = _site.template_context
    return config


def on_files(files, config):
    config.nav = _site.nav
    in_nav = set(_flatten(_site.nav))
    taken = {f.url for f in files.documentation_pages()}
    for page in _site.pages:
        if page.url in taken:  # a hand-written page (e.g. docs/search.md) replaces the generated one
            _pages.pop(page.src_uri, None)
            continue
        inclusion = InclusionLevel.INCLUDED if page.src_uri in in_nav else InclusionLevel.NOT_IN_NAV
        files.append(File.generated(config, page.src_uri, content=page.html, inclusion=inclusion))
    for path, content in _site.files.items():
        files.append(File.generated(config, path, content=content))
    for file in _unused_theme_scripts(files, config):
        files.remove(file)
    return files


def _unused_theme_scripts(files, config):
    """Material's JavaScript (bundle, lunr search, workers, source maps) is never loaded: our
    templates include only our own small script. Not publishing it keeps the site self-contained
    (the bundle can fetch from CDNs) and makes "nothing loads from another host" checkable."""
    docs = os.path.abspath(config.docs_dir)
    return [f for f in files
            if (f.src_uri.startswith("assets/javascripts/") or f.src_uri.endswith(".map"))
            and f.abs_src_path and not os.path.abspath(f.abs_src_path).startswith(docs)]


def on_page_markdown(markdown, page, config, files):
    generated = _pages.get(page.file.src_uri)
    if generated is None:
        return markdown
    page.meta["title"] = str(escape(generated.title))  # Material prints titles unescaped
    page.meta["hide"] = ["toc"]
    page.meta["article"] = generated.article
    page.meta["scripts"] = list(generated.scripts)
    return ""  # the body is prebuilt HTML: Markdown never sees data text


def on_page_content(html, page, config, files):
    generated = _pages.get(page.file.src_uri)
    return generated.html if generated else html


def _flatten(nav):
    for entry in nav:
        for value in (entry.values() if isinstance(entry, dict) else [entry]):
            if isinstance(value, list):
                yield from _flatten(value)
            else:
                yield value
