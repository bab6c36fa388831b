"""What MkDocs is given as files (on_files): the generated pages as File.generated, with or
without a place in the navigation; which of them hand-written pages link to (those MkDocs must
know); which theme files are not published."""
from __future__ import annotations

import os
import posixpath
import re
from urllib.parse import unquote

from mkdocs.structure.files import File, InclusionLevel

from disclosure import urls

_MD_LINK = re.compile(r"\]\(\s*<?([^)\s#?>]+\.md)")


def page_file(config, src_uri: str, in_nav: bool) -> File:
    """A generated page, empty: its body is rendered as the page is written (on_page_context)."""
    inclusion = InclusionLevel.INCLUDED if in_nav else InclusionLevel.NOT_IN_NAV
    return File.generated(config, src_uri, content="", inclusion=inclusion)


def generated_file(config, path: str, content) -> File:
    return File.generated(config, path, content=content)


def linked_from(files) -> set[str]:
    """src_uris that hand-written pages link to by their Markdown file name (MkDocs resolves those)."""
    out = set()
    for file in files.documentation_pages():
        try:
            text = file.content_string
        except (OSError, UnicodeDecodeError):
            continue
        folder = posixpath.dirname(file.src_uri)
        for target in _MD_LINK.findall(text):
            if "://" not in target and not target.startswith("/"):
                out.add(posixpath.normpath(posixpath.join(folder, unquote(target))))
    return out


def given_pages(site, kept: set[str], linked: set[str]):
    """The generated pages MkDocs is given (before a publish's reuse): all, less a preview's kept
    notices' pages, except those a hand-written page links to (MkDocs must know them as files)."""
    if not kept:
        return site.pages
    pages = list(site.portal_pages)
    for notice_id, parts in site.parts.items():
        if notice_id not in kept:
            pages += parts.pages
    return pages + [page for src in linked if urls.owner(src) in kept
                    for page in site.parts[urls.owner(src)].pages if page.src_uri == src]


def static_only(files, docs_dir: str):
    """The preview while the data has errors: no page is rendered (the theme's templates need the
    site), the styles and images are still copied."""
    for file in [f for f in files if f.is_documentation_page()] + unused_theme_scripts(files, docs_dir):
        files.remove(file)
    return files


def unused_theme_scripts(files, docs_dir: str):
    """Material's JavaScript (bundle, lunr search, workers, source maps) is never loaded: our
    templates include only our own small script. Not publishing it keeps the site self-contained
    (the bundle can fetch from CDNs) and makes "nothing loads from another host" checkable."""
    docs = os.path.abspath(docs_dir)
    return [f for f in files
            if (f.src_uri.startswith("assets/javascripts/") or f.src_uri.endswith(".map"))
            and f.abs_src_path and not os.path.abspath(f.abs_src_path).startswith(docs)]
