"""MkDocs adapter for disclosure.site: load + validate data, add generated pages and files, and
hand their prebuilt HTML to the theme. No site logic lives here.

Settings (as-of date, data folder, site address) come from disclosure.site.settings.Settings,
read from the environment (DISCLOSURE_AS_OF, DISCLOSURE_DATA, DISCLOSURE_SITE_URL) and mkdocs.yml's
site_url, the same way `bench/` reads them. Moving to a fork of MkDocs means porting this file and overrides/ only."""
from __future__ import annotations

import logging
import os
import posixpath
import re
import threading
from pathlib import Path
from urllib.parse import unquote

from jinja2 import BytecodeCache
from markupsafe import escape
from watchdog.events import (DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileClosedEvent, FileCreatedEvent,
                             FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileSystemEventHandler)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, InclusionLevel

from disclosure.errors import DataErrors
from disclosure.gitinfo import read_history
from disclosure.site import Settings, Site, build_site, site_nav, template_context, urls
from disclosure.site.background import BackgroundFailed, BackgroundWriter
from disclosure.buildcache import BuildCache, CheckedFiles, fingerprint, link_reused, notice_keys, page_keys
from disclosure.site.portal import nav_pages
from disclosure.site.settings import AsOfError
from disclosure.validate import LoadedFolders, consistency_warnings, load_dataset

log = logging.getLogger("mkdocs.hooks.disclosure")
_site: Site | None = None  # built in on_config, used by the later events of the same build
_pages: dict = {}  # src_uri -> GeneratedPage
_data_dir: Path | None = None
_settings: Settings | None = None
_background: BackgroundWriter | None = None  # the search index, written while pages render
# `mkdocs serve --dirty` keeps this module between rebuilds: what each generated file was last
# time lets MkDocs skip the unchanged ones (an edit to one item re-renders a few pages, not all).
_dirty = False
_serving = False
_previous: dict[str, int] = {}
_context_key = 0
# Which pages can be left out (disclosure.buildcache.page_keys, the one set of dependency rules):
# a page whose inputs are unchanged is not given to MkDocs at all. A publish with a build cache
# (`mkdocs build --dirty`, DISCLOSURE_BUILD_CACHE) links its file from the last build afterwards;
# the preview leaves the file it wrote last time where it is.
_cache: BuildCache | None = None
_code = ""
_keys: dict[str, str | None] = {}
_reused: dict = {}  # publish: src_uri -> (the last build's file, its path in the site)
_dests: dict[str, str] = {}  # src_uri -> the page's file in the site folder
_folders = LoadedFolders()  # preview: the notices as last loaded
# preview: notice id -> the key (site.NoticeParts.key) its pages and files were written with by the
# last good build; a notice whose key is unchanged is left out of the next rebuild as a whole
_served: dict[str, str] = {}


class _QuietDirtyWarning(logging.Filter):
    """`make serve` runs `mkdocs serve --dirty` on purpose (this hook tracks what changed, so the
    navigation and links are exact); MkDocs' warning that a dirty build is inaccurate does not apply."""

    def filter(self, record):
        return "'dirty' build" not in record.getMessage()


def on_startup(command, dirty):
    global _dirty, _serving
    _dirty, _serving = dirty, command == "serve"
    if dirty:
        logging.getLogger("mkdocs.commands.build").addFilter(_QuietDirtyWarning())
        logging.getLogger("mkdocs.commands.serve").addFilter(_QuietDirtyWarning())
    if _serving and dirty:
        log.info("预览:修改 data/ 里的文件并保存后,浏览器中的页面会自动刷新;只重新生成内容有变化的页面。")


def on_config(config):
    global _site, _pages, _context_key, _data_dir, _settings
    try:
        settings = _settings = Settings.from_env(os.environ, Path(config.config_file_path).parent,
                                                 site_url=config.site_url)
        if settings.missing_address():
            raise PluginError(settings.missing_address())
        if not settings.site_url and not _serving:
            log.info("提醒:没有配置网站网址(site_url),二维码和订阅源中只有页面路径。预览可以不配置;"
                     "正式发布时必须配置(见 README 的“部署”)。")
        data_dir = settings.data_dir
        _data_dir = data_dir
        # a publish with a build cache: files unchanged since the last build are not parsed again
        checked = CheckedFiles(settings.build_cache) if settings.build_cache and not _serving else None
        # the preview: folders untouched since the last rebuild are not read again
        dataset = load_dataset(data_dir, checked, _folders if _serving else None)
    except AsOfError as exc:
        raise PluginError(str(exc)) from None
    except DataErrors as exc:
        raise PluginError("数据校验未通过，网站没有生成：\n" + exc.report()) from None
    # the notice's own figures differ from its items (shown on the site); a preview rebuild repeats
    # only those of the notices it read again (at 1,000 notices the console had 3,000 lines a save)
    last = {n.id: n for n in _site.dataset.notices} if _serving and _site is not None else {}
    for warning in consistency_warnings(dataset, [n for n in dataset.notices if last.get(n.id) is not n]):
        log.info(str(warning))
    history = read_history(data_dir)
    notices = _notice_keys(settings, config, dataset, history)
    # the preview reuses what each notice whose key is unchanged put on the site last time
    _site = build_site(dataset, settings.as_of, config.site_name, site_url=settings.site_url,
                       history=history, keys=notices, last=_site if _serving else None)
    # the pages by name (MkDocs' events name them): a preview names only those it gives MkDocs (on_files)
    _pages = {} if _serving else {page.src_uri: page for page in _site.pages}
    config.extra["disclosure"] = _site.template_context
    _context_key = hash(repr((_site.template_context, _site.nav)))  # shared by every page's template
    _plan_reuse(settings, config, notices)
    if _cache is not None and _dirty:
        # a publish (into a fresh folder MkDocs will not clean): the index, the longest single job,
        # starts now on the other core rather than after the open data and the files are made
        _start_search_index(config)
    # MkDocs' sitemap lists every page it is given, and reused pages are not given to it; ours
    # (disclosure.site.sitemap) lists them all, one file per notice.
    config.theme.static_templates.discard("sitemap.xml")
    if _serving:
        _list_theme_once(config.theme)
    return config


_theme_listing: dict[tuple, list[str]] = {}


def _list_theme_once(theme):
    """Every build MkDocs lists the theme's files to find its static ones: Material ships 14,000
    (its icons), matched against a dozen patterns each, a quarter of a second. The preview lists
    them once per process; the theme is not watched either (a file added to overrides/ shows after
    a restart of `make serve`)."""
    make_env = theme.get_env

    def get_env():
        env = make_env()
        list_templates = env.list_templates

        def listed(extensions=None, filter_func=None):
            key = (tuple(theme.dirs), extensions, tuple(sorted(theme.static_templates)),
                   getattr(filter_func, "__qualname__", filter_func))
            if key not in _theme_listing:
                _theme_listing[key] = list_templates(extensions, filter_func)
            return list(_theme_listing[key])

        env.list_templates = listed
        return env

    theme.get_env = get_env


def _notice_keys(settings, config, dataset, history) -> dict[str, str] | None:
    """buildcache.notice_keys for a build that reuses work (the preview, a publish with a cache)."""
    global _code
    _code = ""
    if not _serving and settings.build_cache is None:
        return None
    _code = fingerprint(Path(config.config_file_path).parent, settings, config.use_directory_urls)
    return notice_keys(dataset, history, settings.as_of, template_context(dataset, settings.as_of, history),
                       site_nav(dataset), config.site_name, settings.site_url, _code)


def _plan_reuse(settings, config, notices):
    global _cache, _keys, _reused
    _cache, _keys, _reused = None, {}, {}
    _dests.clear()
    if notices is None:
        return
    if _serving:  # the preview leaves out whole notices by their key (on_files)
        return
    # the dependency rules: unchanged pages are linked from the cache
    _keys = page_keys(_site, config.site_name, settings.site_url, _code, notices)
    _cache = BuildCache(settings.build_cache)
    # only a dirty build leaves unmodified pages unwritten; a clean one renders all (and reuses none)
    _reused = _cache.reusable(_keys, _code) if _dirty else {}
    pages = _reused_pages()
    log.info(f"增量生成:{pages} 个页面内容未变、直接沿用,其余 {len(_pages) - pages} 个重新生成。")


def _reused_pages() -> int:
    return sum(1 for src_uri in _reused if src_uri in _pages)  # _reused holds open data files too


def _kept_notices(site_dir: str) -> set[str]:
    """Preview: the notices whose parts have the key their pages and files were last written with
    (and whose folder is still in the site folder): nothing of theirs is made again."""
    return {i for i, parts in _site.parts.items()
            if parts.key is not None and _served.get(i) == parts.key and os.path.isdir(os.path.join(site_dir, i))}


def on_serve(server, config, builder):
    """Watch the data folder being served (DISCLOSURE_DATA may point outside the project's data/,
    which mkdocs.yml's `watch` names): an edit there must rebuild the preview too. And be told of
    edits rather than look for them."""
    watched = {os.path.realpath(p) for p in config.watch}
    if _site and _data_dir and os.path.realpath(_data_dir) not in watched:
        server.watch(str(_data_dir))
    _watch_by_notification(server, [*config.watch, config.docs_dir])
    if _data_dir:  # the loads that follow read again only the notice folders it tells of
        server.observer.schedule(_TellLoadedFolders(_data_dir), str(_data_dir), recursive=True)
        _folders.watch()
        _LostChanges.server = server
    return server


class _LostChanges(logging.Handler):
    """When the kernel's queue of change notices overflows (a `git pull` or checkout of thousands
    of files at once), watchdog drops them and says so only in a log line. Then nothing is known:
    the next load checks every folder, and a rebuild is asked for (none may have been)."""
    server = None

    def emit(self, record):
        if "overflow" not in record.getMessage():
            return
        _folders.changed(None)
        server = self.server
        try:
            with server._rebuild_cond:
                server._want_rebuild = True
                server._rebuild_cond.notify_all()
        except AttributeError:  # no server yet, or another MkDocs: the next save rebuilds
            pass


logging.getLogger("watchdog.observers.inotify_c").addHandler(_LostChanges(logging.WARNING))


class _TellLoadedFolders(FileSystemEventHandler):
    """Tells validate.LoadedFolders which notice folder each change under the data folder is in."""

    def __init__(self, data_dir: Path):
        self.notices = os.path.join(os.path.abspath(data_dir), "notices")

    def on_any_event(self, event):
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                rel = os.path.relpath(os.fsdecode(path), self.notices)
                inside = rel != "." and not rel.startswith("..")
                _folders.changed(rel.split(os.sep, 1)[0] if inside else None)


# What polling can see: a file made, changed, removed or renamed. Change notification also reports a
# file being opened and read, and every rebuild reads the data and docs it watches: MkDocs, which
# rebuilds on any event, would rebuild for ever.
CHANGES = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent,
           DirCreatedEvent, DirDeletedEvent, DirMovedEvent]


class _ChangesOnly(Observer):
    def schedule(self, event_handler, path, *, recursive=False, event_filter=None, **kwargs):
        return super().schedule(event_handler, path, recursive=recursive, event_filter=event_filter or CHANGES,
                                **kwargs)


def _watch_by_notification(server, later: list[str]):
    """MkDocs' preview polls every watched file twice a second: at 40,000 items that is 80,000
    stats a second on a core the rebuild needs, and up to a second before an edit is even seen.
    The operating system's change notification (inotify on Linux, watchdog's default observer)
    reports a save at once. Paths already watched move to it; `later` (what MkDocs watches after
    this event) will use it. Where it cannot start (e.g. no inotify watches left), polling stays."""
    try:
        if Observer is PollingObserver or not isinstance(server.observer, PollingObserver):
            return
        paths = dict(server._watched_paths)
        probe = _ChangesOnly()  # starting it is what fails when notification is unavailable
        for path in {os.path.abspath(p) for p in [*paths, *later] if os.path.exists(p)}:
            probe.schedule(FileSystemEventHandler(), path, recursive=True)
        probe.start()
        probe.stop()
        probe.join()
    except Exception as exc:  # noqa: BLE001 - any failure: keep MkDocs' own watcher
        log.debug(f"preview keeps polling: {exc}")
        return
    for path, count in paths.items():
        for _ in range(count):
            server.unwatch(path)
    server.observer = _ChangesOnly()
    for path, count in paths.items():
        for _ in range(count):
            server.watch(path)


def on_files(files, config):
    config.nav = _site.nav
    in_nav = set(nav_pages(_site.nav))
    handwritten = [unquote(f.url) for f in files.documentation_pages()]  # File.url is percent-encoded
    taken = set(handwritten)
    # a generated page a hand-written one links to (`[..](x/index.md)`) must be a File for MkDocs to
    # resolve that link: never left out
    linked = _linked_from(files)
    kept = _kept_notices(config.site_dir) if _serving else set()
    given = _given_pages(kept, linked)
    if _serving:
        _pages.update({page.src_uri: page for page in given})
    for url in taken:  # a hand-written page (e.g. docs/search.md) replaces the generated one
        page = _pages.get(urls.src_uri(url))
        if page is not None and page.url == url:
            _pages.pop(page.src_uri)
    portal = {page.src_uri for page in _site.portal_pages if page.src_uri not in in_nav} if _serving else set()
    for page in given:
        if page.src_uri not in _pages:
            continue
        if page.src_uri in portal and _written_as_before(page, config):
            continue  # preview: a portal page (e.g. 通报目录 page 7) whose file would not change
        if page.src_uri in linked:
            _reused.pop(page.src_uri, None)
        if page.src_uri in _reused:  # publish: linked from the last build once MkDocs is done
            _dests[page.src_uri] = _reused[page.src_uri][1]
            continue
        inclusion = InclusionLevel.INCLUDED if page.src_uri in in_nav else InclusionLevel.NOT_IN_NAV
        # the body is rendered as the page is written (on_page_context), one at a time
        file = File.generated(config, page.src_uri, content="", inclusion=inclusion)
        _dests[page.src_uri] = file.dest_uri
        files.append(file)
    # a notice's open data whose inputs are unchanged is read from the last build: a publish links
    # it afterwards; a preview leaves a kept notice's files where they are
    previous = {path: cached for path, (cached, _rel) in _reused.items() if path not in _pages}
    left = {path for i in kept for path in _site.notice_files(i)}
    # the preview writes the site-wide files (items.json, items.csv, feed.xml: every notice's data
    # joined, no page depends on them) in the background with the search index
    generated = {**_site.generated_files(previous, _settings.gzip_static, site_wide=not _serving),
                 **_site.sitemap_files(handwritten)}
    for path, content in generated.items():
        if path in _keys:  # a notice's open data: recorded for the next build
            _dests[path] = path
        if path in previous or path in left:
            continue
        files.append(_tracked(File.generated(config, path, content=content), content))
    for file in _unused_theme_scripts(files, config):
        files.remove(file)
    if _serving:  # the index and the site-wide files are functions of the notices' parts
        _start_search_index(config, hash(tuple((i, parts.key) for i, parts in _site.parts.items())), site_wide=True)
    elif _background is None:  # the index is a function of the records, as items.json is
        _start_search_index(config, hash(generated.get(urls.ITEMS_JSON) or generated.get(urls.ITEMS_JSON + ".gz")))
    return files


def _given_pages(kept: set[str], linked: set[str]):
    """The generated pages MkDocs is given (before a publish's reuse): all, less a preview's kept
    notices' pages, except those a hand-written page links to (MkDocs must know them as files)."""
    if not kept:
        return _site.pages
    pages = list(_site.portal_pages)
    for notice_id, parts in _site.parts.items():
        if notice_id not in kept:
            pages += parts.pages
    return pages + [page for src in linked if urls.owner(src) in kept
                    for page in _site.parts[urls.owner(src)].pages if page.src_uri == src]


def _linked_from(files) -> set[str]:
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


_MD_LINK = re.compile(r"\]\(\s*<?([^)\s#?>]+\.md)")


def _written_as_before(page, config) -> bool:
    """Preview: whether a portal page outside the navigation (its later pages: MkDocs builds the
    navigation from the files it is given, so those are always given) is what the last rebuild
    wrote. Its file is a function of its body, title and attributes and of what every page shares
    (_context_key); its body is already rendered (portal pages are built eagerly)."""
    key = hash((_context_key, page.title, page.html, repr(page.article), page.scripts))
    path = os.path.join(config.site_dir, posixpath.splitext(page.src_uri)[0] + ".html")
    unchanged = _previous.get(page.src_uri) == key and os.path.exists(path)
    _previous[page.src_uri] = key
    return unchanged


def _tracked(file: File, content) -> File:
    """Remember what a generated file holds; in a dirty rebuild, an unchanged one is not redone."""
    key = hash((_context_key, content))
    unchanged = _previous.get(file.src_uri) == key and os.path.exists(file.abs_dest_path)
    _previous[file.src_uri] = key
    if unchanged:
        file.is_modified = lambda: False  # MkDocs asks this only in --dirty builds
    return file


def _start_search_index(config, key=None, site_wide=False):
    """key: what the index is a function of (the records) in a preview, where an unchanged index
    is not rebuilt; None: always built. site_wide: the site-wide files too (Site.site_wide_files)."""
    global _background
    if key is not None and _dirty and _previous.get("search/") == key and os.path.exists(os.path.join(config.site_dir, "search")):
        return
    if _background:  # `serve`: an edit arrived before the last index was finished
        _background.cancel()
        _background = None
    _previous["search/"] = key
    previous = _cache.previous_index(_code) if _cache is not None else None
    site, gzip_static = _site, _settings.gzip_static
    _background = BackgroundWriter(lambda: {**(site.site_wide_files(gzip_static) if site_wide else {}),
                                            **site.search_files(previous)}, Path(config.site_dir)).start()


def on_post_build(config):
    global _background
    if _serving:  # every page is written: the next rebuild may leave these out
        _served.clear()
        _served.update({i: parts.key for i, parts in _site.parts.items() if parts.key is not None})
    if _serving and _background:  # the preview serves pages now; the index lands moments later
        threading.Thread(target=_report_background, args=(_background,), daemon=True).start()
        return  # kept in _background: the next rebuild cancels it if it is still running
    if _cache is not None:  # while the index may still be being written
        link_reused(_reused, Path(config.site_dir))
    try:
        if _background:
            _background.wait()
    except BackgroundFailed as exc:
        _previous.clear()
        raise PluginError(f"搜索索引生成失败,网站没有完整生成:\n{exc}") from None
    finally:
        _background = None
    if _cache is not None:
        try:
            _cache.record(_code, _keys, _dests, Path(config.site_dir), _reused_pages(), len(_pages))
        except OSError as exc:  # the cache only saves work: without it the next build renders all (info, not
            # warning: --strict would turn a warning into a failed publish)
            log.info(f"构建缓存无法写入({exc.strerror or exc}),下次发布将完整生成;本次网站不受影响。")


def _report_background(writer: BackgroundWriter):
    try:
        writer.wait()
    except BackgroundFailed as exc:
        log.error(f"搜索索引生成失败:\n{exc}")


def on_shutdown():
    """The preview stops (Ctrl+C) while the index may still be being written: stopped, not failed."""
    global _background
    if _background:
        _background.cancel()
        _background = None


def on_build_error(error):
    global _background
    if _background:
        _background.cancel()
        _background = None
    _previous.clear()  # after a failed build nothing on disk can be trusted to be current
    _served.clear()


def _unused_theme_scripts(files, config):
    """Material's JavaScript (bundle, lunr search, workers, source maps) is never loaded: our
    templates include only our own small script. Not publishing it keeps the site self-contained
    (the bundle can fetch from CDNs) and makes "nothing loads from another host" checkable."""
    docs = os.path.abspath(config.docs_dir)
    return [f for f in files
            if (f.src_uri.startswith("assets/javascripts/") or f.src_uri.endswith(".map"))
            and f.abs_src_path and not os.path.abspath(f.abs_src_path).startswith(docs)]


class _CompiledTemplates(BytecodeCache):
    """MkDocs makes a new template environment for every build, so each preview rebuild compiled the
    theme's templates again (a quarter of a second). Jinja checks each template's source against
    the compiled code's checksum, so an edited template is compiled afresh."""

    def __init__(self):
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_compiled_templates = _CompiledTemplates()


def on_env(env, config, files):
    if _serving:
        env.bytecode_cache = _compiled_templates
    return env


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
    if page.file.src_uri not in _pages:
        return html
    # MkDocs reads every page before it writes any: holding every body here would hold a whole
    # portal in memory. The body is rendered just before its page is written.
    return ""


def on_page_context(context, page, config, nav):
    generated = _pages.get(page.file.src_uri)
    if generated is not None:
        page.content = generated.html
    return context


def on_post_page(output, page, config):
    if page.file.src_uri in _pages:
        page.content = ""  # written: let it go
    return output
