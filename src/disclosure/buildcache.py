"""The build cache: a publish re-renders only the pages whose inputs changed, and reuses the rest.

What a page shows is a function of its inputs; when every input of a page is the same as in the
last build, its file is taken (hard-linked) from that build instead of being rendered again: MkDocs
is not even told about it (the MkDocs adapter, disclosure_mkdocs/reuse.py; at 40,000 items MkDocs' own work per page was
most of a publish). The inputs, and so the dependency rules, are all in `notice_keys` and `page_keys` below:

    every page      the fingerprint: the code, templates, hand-written pages, mkdocs.yml and the
                    installed packages (`fingerprint`), the as-of date and the site address, and the
                    site-wide template context (the site settings, navigation) except the build commit
                    (shown on home and 关于本站 only, which are portal pages)
    a notice's own  + every file of every notice linked to it (follows / continues, withdrawn ones too:
    pages, and its  a follow-up's statements appear on the earlier notice's item pages and back), and
    items.json/csv  git's dates for those files
    a portal page   + its own body, title and scripts (home, 通报目录 and its pages by year, 按单位查找 and
                    each unit's page, 已过整改时限的问题 and each unit's, 最近更新, 联系方式, 搜索, 开放数据): they
                    count or list every notice, so their bodies are made on every build, but one whose body
                    comes out the same is reused (of ~1,000 such pages at 40,000 items, a one-item
                    change alters a handful); home (it shows the build commit, disclosure-footer.html) and
                    the pages the nav names (MkDocs must have their files) are always rendered

Other files (the site's open data, assembled from its notices', the feeds, the directory's index)
are always regenerated; the search index
is patched from the last build's index where only a few items changed (search/index.py). The
as-of date is on every page, so pages are reused within one day only; a change of code or settings
changes the fingerprint and the next build is a full one. Anything unreadable or missing in the
cache is simply rendered again: the cache can only save work, never change a page. A release never
depends on it (a reused page is a hard link, so every release stays complete), and deleting the
folder is safe.

Checked data files (parsed and schema-checked, by the hash of their bytes) are checked.py's.

Layout (on the server: WEB_ROOT/.cache, `DISCLOSURE_BUILD_CACHE`):
    checked/        checked.py: the data files already parsed and schema-checked
    source/, source.json  the tree the last publish built from, and its commits (publish.build.Builds.kept_source)
    manifest.json   {"fingerprint", "site": the published release it describes,
                     "pages": {src_uri: [key, file in the release, size]}, "index": {search file: size}}
    next.json       the same for the build just finished, adopted when that build is published
The cache holds no files of its own: it points into the current release, whose files are read-only
and never rewritten; a pruned or missing file is simply rendered again.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import stat
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from .checked import files_under
from .series import linked_groups
from . import urls
from .urls import site_addresses  # refused as notice ids; kept out here too, should one slip through

if TYPE_CHECKING:  # only named in annotations: the hooks import this module, and the site package
    from .site.context import BuildContext  # costs them a sixth of a second (docs/performance.md)

# What the code of a build is (relative to the project folder): a change to any of these, or to an
# installed package, invalidates the whole cache.
CODE_PATHS = ("src", "hooks", "overrides", "docs", "mkdocs.yml", "requirements.txt", "requirements-server.txt",
              "pyproject.toml")
COMMIT_FIELDS = ("build_commit", "build_commit_date", "build_commit_date_text")  # home and about only
# Template-context fields that are not site-wide inputs: the commit (home and 关于本站 only, portal
# pages, always rendered) and each notice's own footer contact (a notice's pages read only their own
# entry, which comes from the notice's notice.yml, already in its key).
NOT_SITE_WIDE = (*COMMIT_FIELDS, "notice_contacts")


def _hash(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def fingerprint(project: Path, settings, directory_urls: bool = True) -> str:
    """The code, templates and packages a build runs, and the settings every page shows (and where
    a page's file is: `mkdocs build --no-directory-urls` changes that without changing mkdocs.yml)."""
    h = hashlib.sha256()
    for rel in CODE_PATHS:
        for path in files_under(project / rel):
            h.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes() + b"\0")
    h.update("\n".join([sys.version, *_installed()]).encode())
    h.update(f"{settings.as_of.isoformat()}\0{settings.site_url}\0{settings.production}\0{settings.gzip_static}\0{directory_urls}".encode())
    return h.hexdigest()


@functools.cache
def _installed() -> tuple[str, ...]:
    """Every installed package and version, read once per process (a fifth of a second, and a
    running process keeps the code it imported: a preview restarted after an install sees it)."""
    return tuple(sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()))


def notice_digest(notice, dates: list[str]) -> str:
    """Every file of the notice's folder, and git's date for each of them (`_dates_by_notice`).
    The files' hash is kept on the Notice: a Notice object is never reused once its folder changed
    (validate.LoadedFolders), so the preview does not read an unchanged folder again."""
    files = notice.__dict__.get("_files_digest")
    if files is None:
        parts: list[bytes | str] = []
        if notice.folder is not None:
            top = str(notice.folder)
            for root, dirs, names in os.walk(top):
                dirs.sort()
                rel = os.path.relpath(root, top)
                for name in sorted(names):
                    with open(os.path.join(root, name), "rb") as f:
                        parts += [name if rel == "." else f"{rel}/{name}", f.read()]
        files = notice.__dict__["_files_digest"] = _hash(*parts)
    return _hash(notice.id, files, *dates)


def _dates_by_notice(history) -> dict[str, list[str]]:
    """Notice id -> "path in its folder=date" of each of its files git has a date for, in one pass
    over the history (keys are "<data folder>/notices/<id>/<path>", gitinfo.last_commit_dates)."""
    out: dict[str, list[str]] = {}
    for path, day in sorted(history.file_dates.items()):
        parts = path.split("/", 3)
        if len(parts) == 4 and parts[1] == "notices":
            out.setdefault(parts[2], []).append(f"{parts[3]}={day.isoformat()}")
    return out


def site_wide_key(build: BuildContext, template: dict, nav, code: str) -> str:
    """What every page shows beyond its own content: the build context, the theme's template context
    (but NOT_SITE_WIDE), the navigation and the code."""
    template = {k: v for k, v in template.items() if k not in NOT_SITE_WIDE}
    return _hash(code, build.site_name, build.site_url, build.as_of.isoformat(), repr(sorted(template.items())),
                 repr(nav))


def notice_keys(dataset, build: BuildContext, template: dict, nav, code: str) -> dict[str, str]:
    """Notice id (withdrawn ones too) -> the key of everything its pages and open data show: the
    site-wide inputs (the build context, the theme's template context, the navigation, the code)
    and the files (with git dates) of every notice linked to it. The notice part of THE dependency
    rules (module docstring); the preview reuses a notice's parts by it (site.NoticeParts)."""
    history = build.history
    common = site_wide_key(build, template, nav, code)
    every = {n.id: n for n in dataset.notices + dataset.withdrawn_notices}
    groups = linked_groups(list(every.values()))
    dates = _dates_by_notice(history)
    digests = {i: notice_digest(n, dates.get(i, [])) for i, n in every.items()}
    return {i: _hash(common, *(digests[m] for m in groups[i])) for i in every if i.lower() not in site_addresses()}


def page_keys(site, code: str, notices: dict[str, str] | None = None) -> dict[str, str | None]:
    """src_uri -> the key of everything the page shows; None: always rendered (home); and a
    notice's open data file (its path) -> the key of its records. notices: notice_keys, if known.
    THE dependency rules of incremental builds: see the module docstring."""
    if notices is None:
        notices = notice_keys(site.dataset, site.context, site.template_context, site.nav, code)
    keys: dict[str, str | None] = {page.src_uri: None for page in site.pages}
    common = site_wide_key(site.context, site.template_context, site.nav, code)
    # MkDocs must be given every page the nav names (a nav entry without its file fails --strict),
    # and home shows the build commit: those are always rendered
    in_nav = set(site.nav_pages)
    for page in site.portal_pages:
        if page.src_uri not in in_nav and page.url != urls.HOME:
            keys[page.src_uri] = _hash(common, "portal", page.src_uri, page.title, page.html,
                                       repr(sorted(page.article.items())), repr(page.scripts))
    for notice in site.dataset.notices + site.dataset.withdrawn_notices:
        parts = site.parts.get(notice.id)
        if notice.id not in notices or parts is None:
            continue
        group = notices[notice.id]
        mine = parts.page_keys if parts.key == group else None  # the same for the same notice key
        if mine is None:
            mine = {page.src_uri: _hash(group, page.src_uri) for page in parts.pages}
            if not notice.withdrawn:  # its open data: its records, a function of the same inputs
                mine.update({path: _hash(group, path) for path in (urls.notice_items_json(notice), urls.notice_items_csv(notice))})
            if parts.key == group:
                parts.page_keys = mine
        keys.update(mine)
    return keys


class BuildCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def manifest(self) -> dict:
        try:
            data = json.loads((self.folder / "manifest.json").read_text("utf-8"))
            ok = isinstance(data, dict) and isinstance(data.get("pages"), dict) and isinstance(data.get("site"), str)
            return data if ok else {}
        except (OSError, ValueError):
            return {}  # missing or damaged: nothing is reused

    def reusable(self, keys: dict[str, str | None], code: str) -> dict[str, tuple[str, str]]:
        """src_uri -> (the cached file, its path inside the site) of each page whose key is unchanged
        and whose file is intact. The path is the same in the new build: it follows from the page's
        src_uri and mkdocs.yml, both part of the key."""
        manifest = self.manifest()
        if manifest.get("fingerprint") != code:
            return {}
        out = {}
        site = manifest["site"]
        pages = manifest["pages"]
        for src_uri, key in keys.items():
            entry = pages.get(src_uri)
            if key is None or not isinstance(entry, list) or len(entry) != 3 or entry[0] != key \
                    or not _inside(entry[1]):
                continue
            path = os.path.join(site, entry[1])
            try:
                st = os.lstat(path)
            except (OSError, TypeError, ValueError):
                continue
            if stat.S_ISREG(st.st_mode) and st.st_size == entry[2]:
                out[src_uri] = (path, entry[1])
        return out

    def previous_index(self, code: str) -> Path | None:
        """The last build's search/ folder, if built by this code and every file is intact."""
        manifest = self.manifest()
        index = manifest.get("index")
        if manifest.get("fingerprint") != code or not isinstance(index, dict) or not index:
            return None
        site = manifest["site"]
        try:
            if all(_inside(path) and os.stat(os.path.join(site, path)).st_size == size for path, size in index.items()):
                return Path(site) / "search"
        except (OSError, TypeError, ValueError):
            pass
        return None

    def record(self, code: str, keys: dict[str, str | None], dests: dict[str, str], site_dir: Path,
               reused: int, page_count: int) -> None:
        """After a successful build: what each page's key was and where its file is (next.json)."""
        site = str(site_dir)
        pages = {}
        for src_uri, key in keys.items():
            dest = dests.get(src_uri)
            if key is None or dest is None:
                continue
            try:
                pages[src_uri] = [key, dest, os.stat(os.path.join(site, dest)).st_size]
            except OSError:
                continue
        index = {}
        for root, _dirs, names in os.walk(os.path.join(site, "search")):
            for name in names:
                path = os.path.join(root, name)
                index[os.path.relpath(path, site)] = os.stat(path).st_size
        self._write("next.json", {"fingerprint": code, "site": str(Path(site_dir).resolve()), "reused": reused,
                                  "rendered": page_count - reused, "pages": pages, "index": index})

    def _write(self, name: str, data: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = self.folder / f".{name}-{os.getpid()}"
        temp.write_text(json.dumps(data), "utf-8")
        os.replace(temp, self.folder / name)

    def _next(self) -> dict:
        try:
            data = json.loads((self.folder / "next.json").read_text("utf-8"))
            return data if isinstance(data, dict) and isinstance(data.get("site"), str) else {}
        except (OSError, ValueError):
            return {}

    def last_build(self) -> dict:
        """The counts of the last recorded build: {"reused": n, "rendered": m} (publish reports them)."""
        data = self._next()
        return {k: data[k] for k in ("reused", "rendered") if isinstance(data.get(k), int)}

    def moved(self, old: Path, new: Path) -> None:
        """The recorded build's folder was renamed (publish: building -> pending -> release)."""
        data = self._next()
        if data.get("site") == str(Path(old).resolve()):
            data["site"] = str(Path(new).resolve())
            self._write("next.json", data)

    def adopt(self, site_dir: Path) -> bool:
        """Make the recorded build, now published in site_dir, the one the next build reuses: the
        cache refers to that release's files (releases are never written to after they are built),
        so it costs no disk and no copying. Returns False if site_dir is not the recorded build."""
        data = self._next()
        if data.get("site") != str(Path(site_dir).resolve()):
            return False
        for key in ("reused", "rendered"):
            data.pop(key, None)
        self._write("manifest.json", data)
        (self.folder / "next.json").unlink(missing_ok=True)
        return True


def _inside(rel) -> bool:
    """A path the manifest may name: relative, inside the release (a damaged manifest names nothing else)."""
    return isinstance(rel, str) and bool(rel) and not rel.startswith("/") and "\0" not in rel \
        and ".." not in rel.split("/")


def link_reused(reused: dict[str, tuple[str, str]], site_dir: Path) -> None:
    """Put each reused page's cached file into the new build (a hard link; a copy across file
    systems). MkDocs never saw these pages, so nothing is there yet; one mkdir per new folder."""
    site = str(site_dir)
    made: set[str] = set()
    for cached, rel in reused.values():
        target = os.path.join(site, rel)
        folder = os.path.dirname(target)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        try:
            os.link(cached, target)
            continue
        except FileExistsError:
            if os.path.samefile(cached, target):
                continue  # built into the cache's own folder: it is already there
            os.unlink(target)
        except OSError:  # another file system: copied below
            pass
        try:
            os.link(cached, target)
        except OSError:
            shutil.copyfile(cached, target)
