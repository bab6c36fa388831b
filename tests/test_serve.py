"""`make serve` as staff use it: `mkdocs serve --dirty` on a copy of the data, edit one item file,
and the served page shows the edit (the preview renders only pages whose inputs changed, by the publish's rules (buildcache.page_keys);
a build renders each page as it writes it — both paths must give the same page)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import AS_OF, ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def _fresh_hook():
    """The object the MkDocs hook forwards every event to, new: its preview state starts empty, as
    in a new `make serve`."""
    from disclosure_mkdocs.hook import DisclosureHook
    return DisclosureHook()


def test_the_hook_file_only_forwards_mkdocs_events_to_one_object():
    """hooks/disclosure_site.py (named in mkdocs.yml) is a thin adapter: one DisclosureHook, and for
    each event it defines a function that hands the event to that object's method of the same name."""
    import importlib.util
    import inspect

    from disclosure_mkdocs.hook import DisclosureHook

    spec = importlib.util.spec_from_file_location("disclosure_site_hook", ROOT / "hooks" / "disclosure_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "hooks/disclosure_site.py" in (ROOT / "mkdocs.yml").read_text("utf-8")
    events = {name for name in vars(module) if name.startswith("on_")}
    assert events == {name for name in vars(DisclosureHook) if name.startswith("on_")}
    assert isinstance(module._hook, DisclosureHook)
    for name in events:
        assert inspect.signature(getattr(module, name)) == inspect.signature(getattr(module._hook, name)), name
    code = [line for line in (ROOT / "hooks" / "disclosure_site.py").read_text("utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    assert len(code) <= 150


def _wait(url: str, ready, seconds: float) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        body = _get(url)
        if ready(body):
            return body
        time.sleep(0.3)
    raise AssertionError(f"{url} not ready after {seconds} s")


def test_serve_shows_an_edited_item_and_serves_the_built_page(scratch_data, tmp_path, built_site):
    port = _free_port()
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "export NO_MKDOCS_2_WARNING = 1" in makefile  # what `make serve` runs with
    env = {**os.environ, "DISCLOSURE_DATA": str(scratch_data), "DISCLOSURE_AS_OF": AS_OF, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dirty", "-f", str(ROOT / "mkdocs.yml"),
                             "-a", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/jinpu-2019/items/1/"
    try:
        first = _wait(url, lambda body: "体制机制落后" in body, 120)
        built = (built_site / "jinpu-2019" / "items" / "1" / "index.html").read_text("utf-8")
        # the served page's article is the built one (serve and build render the same way) up to its
        # printed sheet, whose QR code names the preview's own address
        article = lambda html: html.split("<article", 1)[1].split("data-print-sheet", 1)[0]  # noqa: E731
        assert article(first) == article(built)
        time.sleep(1.0)  # let the watcher settle after the first build
        item = scratch_data / "notices" / "jinpu-2019" / "items" / "1.yml"
        item.write_text(item.read_text("utf-8").replace("heading: 关于“体制机制落后”的问题。",
                                                        "heading: 关于“体制机制落后”的问题(预览修改)。"), "utf-8")
        _wait(url, lambda body: "(预览修改)" in body, 60)
        # the edited notice's open data and the site's carry the edit (a notice's files are left
        # from the last build only while their inputs are unchanged); the other notice's are as built
        base = f"http://127.0.0.1:{port}"
        assert "(预览修改)" in _wait(f"{base}/jinpu-2019/items.json", lambda body: "(预览修改)" in body, 30)
        # the site's own open data and feed land with the search index, moments after the pages
        assert "(预览修改)" in _wait(f"{base}/data/items.json", lambda body: "(预览修改)" in body, 60)
        assert "<entry>" in _get(f"{base}/feed.xml")
        other = next(p.name for p in (scratch_data / "notices").iterdir() if p.name != "jinpu-2019")
        assert _get(f"{base}/{other}/items.json") == (built_site / other / "items.json").read_text("utf-8")
        # an edit to the other notice: its page changes, and jinpu's figures warning is not repeated
        edited = sorted((scratch_data / "notices" / other / "items").glob("*.yml"))[0]
        edited.write_text(edited.read_text("utf-8").replace("heading: ", "heading: 另改", 1), "utf-8")
        _wait(f"{base}/{other}/items/{edited.stem}/", lambda body: "另改" in body, 60)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    console = proc.stderr.read().decode("utf-8", "replace")
    # a quiet, honest console: no "dirty build is inaccurate" warning (the hook tracks changes), no
    # MkDocs 2.0 box (MkDocs is pinned to 1.x), one line saying what the preview does
    assert "'dirty' build" not in console and "MkDocs 2.0" not in console, console
    assert "预览:修改 data/ 里的文件并保存后" in console, console
    # a notice's warning is shown by the first build and again only when that notice is read again
    assert console.count("通报原文称已完成 19 项") == 2, console  # first build, jinpu's edit; not the other's


def test_the_preview_is_told_of_a_save_rather_than_polling_for_it(tmp_path):
    """MkDocs polls every watched file twice a second (80,000 stats a second at 40,000 items); the
    hook moves its watches to the system's change notification, watches added later included, and a
    save still asks for a rebuild."""
    from mkdocs.livereload import LiveReloadServer
    from watchdog.observers.polling import PollingObserver

    from disclosure_mkdocs.preview import watch_by_notification

    data, later = tmp_path / "data", tmp_path / "hooks"
    data.mkdir(), later.mkdir()
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    try:
        server.watch(str(data))
        server.watch(str(data))  # MkDocs counts repeated watches of one path
        assert isinstance(server.observer, PollingObserver)
        watch_by_notification(server, [str(later)])
        assert not isinstance(server.observer, PollingObserver)
        server.watch(str(later))
        assert server._watched_paths == {str(data): 2, str(later): 1}
        server.observer.start()
        try:
            for folder in (data, later):
                server._want_rebuild = False
                (folder / "1.yml").write_text("heading: 改\n", "utf-8")
                deadline = time.time() + 20
                while not server._want_rebuild and time.time() < deadline:
                    time.sleep(0.05)
                assert server._want_rebuild, folder
            # every rebuild reads what is watched: a read is not a change (else it rebuilds for ever)
            time.sleep(0.5)
            server._want_rebuild = False
            for folder in (data, later):
                assert (folder / "1.yml").read_text("utf-8") == "heading: 改\n"
            time.sleep(1.0)
            assert not server._want_rebuild
        finally:
            server.observer.stop()
            server.observer.join()
    finally:
        server.server_close()


def test_the_preview_compiles_a_theme_template_once_and_again_when_it_is_edited(tmp_path):
    """MkDocs makes a new template environment for every rebuild; the hook's bytecode cache (on_env)
    spares compiling the theme again, and never serves an edited template's old code."""
    import jinja2

    hook = _fresh_hook()
    hook.on_startup("serve", dirty=False)
    template = tmp_path / "main.html"
    template.write_text("<p>{{ x }} 第一版</p>", "utf-8")
    compiled = []

    def rebuild() -> str:
        env = hook.on_env(jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path))), None, None)
        original = env._compile
        env._compile = lambda source, filename: compiled.append(filename) or original(source, filename)
        return env.get_template("main.html").render(x="整改")

    assert rebuild() == "<p>整改 第一版</p>" and len(compiled) == 1
    assert rebuild() == "<p>整改 第一版</p>" and len(compiled) == 1  # a new environment, not compiled again
    template.write_text("<p>{{ x }} 第二版</p>", "utf-8")
    assert rebuild() == "<p>整改 第二版</p>" and len(compiled) == 2


def test_stopping_the_preview_while_the_index_is_written_is_not_reported_as_a_failure(tmp_path, caplog):
    import logging

    from disclosure.site.background import BackgroundWriter
    from disclosure_mkdocs.hook import report_background

    hook = _fresh_hook()
    (tmp_path / "site").mkdir()
    writer = hook.background = BackgroundWriter(lambda: time.sleep(60) or {}, tmp_path / "site").start()
    with caplog.at_level(logging.ERROR, logger="mkdocs.hooks.disclosure"):
        hook.on_shutdown()  # Ctrl+C: MkDocs calls it on the way out
        report_background(writer)  # what the preview's reporting thread does
    assert not writer.process.is_alive() and hook.background is None
    assert not caplog.records, caplog.text


def test_the_preview_rewrites_a_later_portal_page_only_when_it_would_change(tmp_path):
    from disclosure.site import GeneratedPage

    preview = _fresh_hook().preview
    site_dir = str(tmp_path)
    page = GeneratedPage("notices/page/2/", "通报目录(第 2 页)", "<p>甲单位 3 项</p>", {"page": "directory"})
    assert not preview.written_as_before(page, site_dir)  # never written: given to MkDocs
    (tmp_path / "notices" / "page" / "2").mkdir(parents=True)
    (tmp_path / "notices" / "page" / "2" / "index.html").write_text("<html>", "utf-8")  # MkDocs wrote it
    assert preview.written_as_before(page, site_dir)  # the same body: left as written
    changed = GeneratedPage(page.url, page.title, "<p>甲单位 4 项</p>", page.article)
    assert not preview.written_as_before(changed, site_dir)
    preview.context_key = 1  # what every page shares (footer, navigation) changed
    assert not preview.written_as_before(changed, site_dir)
    (tmp_path / "notices" / "page" / "2" / "index.html").unlink()
    assert not preview.written_as_before(changed, site_dir)  # its file is gone


def test_the_preview_lists_the_theme_files_once():
    """MkDocs lists Material's 14,000 theme files on every build to find the static ones; the
    preview lists them once (disclosure_mkdocs Preview.list_theme_once) and gives MkDocs the same
    list every rebuild."""
    from mkdocs.theme import Theme

    preview = _fresh_hook().preview
    theme = Theme(name="material", custom_dir=str(ROOT / "overrides"))
    asked = []

    def static(name):  # as MkDocs' Files.add_files_from_theme filters
        asked.append(name)
        return not name.endswith(".html") and not name.startswith(".")

    preview.list_theme_once(theme)
    first = theme.get_env().list_templates(filter_func=static)
    walked = len(asked)
    assert walked > 1000 and first and all(static(name) for name in first)
    assert theme.get_env().list_templates(filter_func=static) == first  # a new environment, as each build makes
    assert len(asked) == walked + len(first)  # only the checks above: the theme was not walked again


def test_lost_change_notices_make_the_preview_check_every_folder(tmp_path):
    """watchdog reports a kernel queue overflow (events lost) only as a log line: the hook then has
    the next load check every notice folder and asks for a rebuild."""
    import logging

    from mkdocs.livereload import LiveReloadServer

    preview = _fresh_hook().preview
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    try:
        (tmp_path / "notices" / "a").mkdir(parents=True)
        preview.folders.put(tmp_path / "notices" / "a", (), None, {})
        preview.folders.watch()
        preview.folders.untold()  # the first load after watching checks all
        assert preview.folders.untold() == {str(tmp_path / "notices" / "a")}  # nothing told: trusted
        preview.hear_lost_changes(server)  # as on_serve does
        logging.getLogger("watchdog.observers.inotify_c").warning("Inotify queue overflowed; filesystem events were lost")
        assert preview.folders.untold() == set() and server._want_rebuild  # checked again, and rebuilt
    finally:
        logging.getLogger("watchdog.observers.inotify_c").removeHandler(preview.lost_changes)
        server.server_close()
