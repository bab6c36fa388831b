"""The only code that reaches past MkDocs' public API (MkDocs 1.6.1; ProperDocs 1.6.7 keeps the
same names). Each function works around one limit of the framework, named in its docstring; a fork
that lifts the limit makes the function unnecessary, and one that renames an attribute breaks only
this file. Nothing here decides anything: preview.py does, and calls these."""
from __future__ import annotations

from typing import Callable

from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver


def polls(server) -> bool:
    """LiveReloadServer makes its own observer, always watchdog's PollingObserver (its __init__, no
    setting): whether that one is still in place."""
    return isinstance(server.observer, PollingObserver)


def watched_paths(server) -> dict[str, int]:
    """LiveReloadServer has no public way to list what it watches (path -> how many `watch` calls;
    `unwatch` must be called as often): read from its private _watched_paths."""
    return dict(server._watched_paths)


def replace_observer(server, observer: BaseObserver, paths: dict[str, int]) -> None:
    """LiveReloadServer cannot be given another observer (it polls every watched file twice a
    second). Its watches are moved: unwatched from its own observer, which is then replaced (before
    `serve` starts it), and watched again as often, so its counts stay right."""
    for path, count in paths.items():
        for _ in range(count):
            server.unwatch(path)
    server.observer = observer
    for path, count in paths.items():
        for _ in range(count):
            server.watch(path)


def tell_of_changes(server, handler, path: str) -> None:
    """`server.watch` takes only a path and rebuilds on any change under it, without saying which:
    to know which notice folder changed, our handler is scheduled on the server's observer too."""
    server.observer.schedule(handler, path, recursive=True)


def ask_rebuild(server) -> None:
    """LiveReloadServer rebuilds only when its own watch callback sees an event; there is no public
    call to ask for a rebuild (needed when watchdog lost events). Done as its callback does, under
    its _rebuild_cond. Without a server, or with a MkDocs that has no such attributes: nothing (the
    next save rebuilds)."""
    try:
        with server._rebuild_cond:
            server._want_rebuild = True
            server._rebuild_cond.notify_all()
    except AttributeError:
        pass


Listing = Callable[[Callable, object, object], list[str]]


def list_templates_through(theme, listed: Listing) -> None:
    """Theme.get_env makes a new Jinja environment for every build, and Files.add_files_from_theme
    walks every theme file through its list_templates before any event can intervene (on_env comes
    later). theme.get_env is wrapped so that each environment's list_templates goes through
    `listed(list_templates, extensions, filter_func)`, which may answer from a cache."""
    make_env = theme.get_env

    def get_env():
        env = make_env()
        list_templates = env.list_templates
        env.list_templates = lambda extensions=None, filter_func=None: listed(list_templates, extensions, filter_func)
        return env

    theme.get_env = get_env


def leave_unwritten(file) -> None:
    """A generated File (File.generated with content) always counts as modified, so a --dirty build
    rewrites it even when its content is what the last build wrote: told it is unmodified (MkDocs
    asks is_modified only in --dirty builds)."""
    file.is_modified = lambda: False


def always_write(file) -> None:
    """A --dirty build writes a hand-written page only when its Markdown is newer than the page
    written last time (File.is_modified compares the two files' times). After the preview showed
    its error page in place of every page (errorpages.ErrorPages), those pages are newer than their
    Markdown yet wrong: the first good rebuild is told they are modified, so MkDocs writes them."""
    file.is_modified = lambda: True


# MkDocs puts its live-reload script into every .html file it serves, but not into the page it
# answers a missing address with (serve.py's error_handler returns 404.html as it is). While the data
# has errors that page is the error page (errorpages.ErrorPages), and must reload by itself when the
# next rebuild succeeds: it asks as MkDocs' own script does. /livereload/<epoch>/<request id> is
# LiveReloadServer's private protocol (mkdocs/livereload/__init__.py): it answers the epoch of the
# last good build, at once when that is newer than <epoch> (0: at once), else within a minute.
RELOAD_SCRIPT = """(function () {
  var seen = null;
  function poll() {
    var req = new XMLHttpRequest();
    req.onloadend = function () {
      var epoch = parseFloat(this.responseText);
      if (this.status !== 200 || isNaN(epoch)) { setTimeout(poll, 3000); }
      else if (seen === null) { seen = epoch; poll(); }
      else if (epoch > seen) { location.reload(); }
      else { poll(); }
    };
    req.open("GET", "/livereload/" + (seen === null ? 0 : seen) + "/" + Date.now());
    req.send();
  }
  poll();
})();"""
