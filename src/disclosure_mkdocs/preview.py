"""What `mkdocs serve --dirty` (`make serve`) keeps between rebuilds, and how it is told of edits.

    Preview            the state: the notices as last loaded (validate.LoadedFolders), each notice's
                       key as last served, what each generated file last held, the compiled theme
                       templates, the listing of the theme's files, the error page shown while the
                       data has errors (errorpages.ErrorPages)
    ChangesOnly        watchdog's change-notification observer, reporting changes only
    TellLoadedFolders  tells LoadedFolders which notice folder each change is in; a new folder
                       is read again, and rebuilt, once its files have settled
    LostChanges        when the kernel's queue of change notices overflows: check every folder
    watch_by_notification  moves MkDocs' polling watches to change notification

A build (one per process) finds the state empty: nothing is left unwritten. What reaches past
MkDocs' API is in shim.py."""
from __future__ import annotations

import logging
import os
import posixpath
import threading
from pathlib import Path

from jinja2 import BytecodeCache
from watchdog.events import (DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileClosedEvent, FileCreatedEvent,
                             FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileSystemEventHandler)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from disclosure.validate import LoadedFolders

from . import shim
from .errorpages import ErrorPages

log = logging.getLogger("mkdocs.hooks.disclosure")
WATCHDOG_LOG = "watchdog.observers.inotify_c"  # where watchdog says it lost change notices
INDEX = "search/"  # Preview.previous: the search index (and a preview's site-wide files)


class Preview:
    """The preview's memory of its last rebuild: what may be left out of the next one."""

    def __init__(self):
        self.folders = LoadedFolders()  # the notices as last loaded
        # notice id -> the key (site.NoticeParts.key) its pages and files were written with by the
        # last good build; a notice whose key is unchanged is left out of the next rebuild as a whole
        self.served: dict[str, str] = {}
        # what each generated file (src_uri) was last time: MkDocs skips the unchanged ones
        self.previous: dict[str, int] = {}
        self.context_key = 0  # what every page's template shares (site context and navigation)
        self.compiled_templates = CompiledTemplates()
        self.theme_listing: dict[tuple, list[str]] = {}
        self.lost_changes: LostChanges | None = None
        self.error_pages = ErrorPages()  # what every page shows while the data has errors

    def kept_notices(self, site, site_dir: str) -> set[str]:
        """The notices whose parts have the key their pages and files were last written with (and
        whose folder is still in the site folder): nothing of theirs is made again."""
        return {i for i, parts in site.parts.items()
                if parts.key is not None and self.served.get(i) == parts.key and os.path.isdir(os.path.join(site_dir, i))}

    def served_now(self, site) -> None:
        """Every page is written: the next rebuild may leave these notices out."""
        self.served.clear()
        self.served.update({i: parts.key for i, parts in site.parts.items() if parts.key is not None})

    def forget(self) -> None:
        """After a failed build nothing on disk can be trusted to be current."""
        self.previous.clear()
        self.served.clear()

    def data_errors(self) -> None:
        """A load found errors: it stopped part way, after the watcher's news was taken (a folder
        told of but not read again would be trusted as unchanged next time), so the next load checks
        every folder; and the pages on disk are about to be replaced by the error page."""
        self.folders.changed(None)
        self.forget()

    def written_as_before(self, page, site_dir: str) -> bool:
        """Whether a portal page outside the navigation (its later pages: MkDocs builds the
        navigation from the files it is given, so those are always given) is what the last rebuild
        wrote. Its file is a function of its body, title and attributes and of what every page shares
        (context_key); its body is already rendered (portal pages are built eagerly)."""
        key = hash((self.context_key, page.title, page.html, repr(page.article), page.scripts))
        path = os.path.join(site_dir, posixpath.splitext(page.src_uri)[0] + ".html")
        unchanged = self.previous.get(page.src_uri) == key and os.path.exists(path)
        self.previous[page.src_uri] = key
        return unchanged

    def tracked(self, file, content):
        """Remember what a generated file holds; in a dirty rebuild, an unchanged one is not redone."""
        key = hash((self.context_key, content))
        unchanged = self.previous.get(file.src_uri) == key and os.path.exists(file.abs_dest_path)
        self.previous[file.src_uri] = key
        if unchanged:
            shim.leave_unwritten(file)
        return file

    def index_unchanged(self, key, site_dir: str) -> bool:
        """Whether the search index in the site folder was made from `key` (the records)."""
        return self.previous.get(INDEX) == key and os.path.exists(os.path.join(site_dir, "search"))

    def index_started(self, key) -> None:
        self.previous[INDEX] = key

    def list_theme_once(self, theme) -> None:
        """Every build MkDocs lists the theme's files to find its static ones: Material ships 14,000
        (its icons), matched against a dozen patterns each, a quarter of a second. The preview lists
        them once per process; the theme is not watched either (a file added to overrides/ shows after
        a restart of `make serve`)."""
        listing = self.theme_listing

        def listed(list_templates, extensions=None, filter_func=None):
            key = (tuple(theme.dirs), extensions, tuple(sorted(theme.static_templates)),
                   getattr(filter_func, "__qualname__", filter_func))
            if key not in listing:
                listing[key] = list_templates(extensions, filter_func)
            return list(listing[key])

        shim.list_templates_through(theme, listed)

    def watch(self, server, data_dir: Path | None, watched: list[str], docs_dir: str) -> None:
        """Watch the data folder being served (DISCLOSURE_DATA may point outside the project's data/,
        which mkdocs.yml's `watch` names): an edit there must rebuild the preview too. And be told of
        edits rather than look for them; the loads that follow read again only the notice folders
        a change was told of."""
        if data_dir and os.path.realpath(data_dir) not in {os.path.realpath(p) for p in watched}:
            server.watch(str(data_dir))
        watch_by_notification(server, [*watched, docs_dir])
        if data_dir:
            shim.tell_of_changes(server, TellLoadedFolders(data_dir, self.folders, server), str(data_dir))
            self.folders.watch()
            self.hear_lost_changes(server)

    def hear_lost_changes(self, server) -> LostChanges:
        logger = logging.getLogger(WATCHDOG_LOG)
        if self.lost_changes is not None:
            logger.removeHandler(self.lost_changes)
        self.lost_changes = LostChanges(self.folders, server)
        logger.addHandler(self.lost_changes)
        return self.lost_changes


class LostChanges(logging.Handler):
    """When the kernel's queue of change notices overflows (a `git pull` or checkout of thousands
    of files at once), watchdog drops them and says so only in a log line. Then nothing is known:
    the next load checks every folder, and a rebuild is asked for (none may have been)."""

    def __init__(self, folders: LoadedFolders, server):
        super().__init__(logging.WARNING)
        self.folders, self.server = folders, server

    def emit(self, record):
        if "overflow" not in record.getMessage():
            return
        self.folders.changed(None)
        shim.ask_rebuild(self.server)


class TellLoadedFolders(FileSystemEventHandler):
    """Tells validate.LoadedFolders which notice folder each change under the data folder is in.

    A folder that appears (`disclosure import` writes one beside its place and renames it there; a
    copy makes one and fills it) is a directory event, and MkDocs rebuilds only for a file's: the
    folder is told of and a rebuild asked for here. And a load may read it half written (a rebuild
    starts 0.1 s after the last event): it is told of again, with a rebuild, once its files have
    settled (SETTLE), whether or not their own events arrived."""

    SETTLE = (0.5, 2.0)  # seconds after a folder appears: read it again

    def __init__(self, data_dir: Path, folders: LoadedFolders, server=None):
        self.notices = os.path.join(os.path.abspath(data_dir), "notices")
        self.folders, self.server = folders, server
        self._settling: set[str] = set()
        self._lock = threading.Lock()

    def on_any_event(self, event):
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                name = self._folder(path)
                self.folders.changed(name)
                if name and not name.startswith(".") and event.is_directory and event.event_type in ("created", "moved"):
                    self._appeared(name)

    def _folder(self, path) -> str | None:
        rel = os.path.relpath(os.fsdecode(path), self.notices)
        return rel.split(os.sep, 1)[0] if rel != "." and not rel.startswith("..") else None

    def _appeared(self, name: str) -> None:
        with self._lock:
            if name in self._settling:
                return
            self._settling.add(name)
        shim.ask_rebuild(self.server)
        for delay in self.SETTLE:
            timer = threading.Timer(delay, self._settled, (name, delay == self.SETTLE[-1]))
            timer.daemon = True
            timer.start()

    def _settled(self, name: str, last: bool) -> None:
        if last:
            with self._lock:
                self._settling.discard(name)
        self.folders.changed(name)
        shim.ask_rebuild(self.server)


# What polling can see: a file made, changed, removed or renamed. Change notification also reports a
# file being opened and read, and every rebuild reads the data and docs it watches: MkDocs, which
# rebuilds on any event, would rebuild for ever.
CHANGES = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent,
           DirCreatedEvent, DirDeletedEvent, DirMovedEvent]


class ChangesOnly(Observer):
    def schedule(self, event_handler, path, *, recursive=False, event_filter=None, **kwargs):
        return super().schedule(event_handler, path, recursive=recursive, event_filter=event_filter or CHANGES,
                                **kwargs)


def watch_by_notification(server, later: list[str]) -> None:
    """MkDocs' preview polls every watched file twice a second: at 40,000 items that is 80,000
    stats a second on a core the rebuild needs, and up to a second before an edit is even seen.
    The operating system's change notification (inotify on Linux, watchdog's default observer)
    reports a save at once. Paths already watched move to it; `later` (what MkDocs watches after
    this event) will use it. Where it cannot start (e.g. no inotify watches left), polling stays."""
    try:
        if Observer is PollingObserver or not shim.polls(server):
            return
        paths = shim.watched_paths(server)
        probe = ChangesOnly()  # starting it is what fails when notification is unavailable
        for path in {os.path.abspath(p) for p in [*paths, *later] if os.path.exists(p)}:
            probe.schedule(FileSystemEventHandler(), path, recursive=True)
        probe.start()
        probe.stop()
        probe.join()
    except Exception as exc:  # noqa: BLE001 - any failure: keep MkDocs' own watcher
        log.debug(f"preview keeps polling: {exc}")
        return
    shim.replace_observer(server, ChangesOnly(), paths)


class CompiledTemplates(BytecodeCache):
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
