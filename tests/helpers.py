"""Shared test helpers: the independent oracle for "nothing from the input was lost", and a local static server."""
from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import tempfile
import socketserver
import threading
from pathlib import Path

from ruamel.yaml import YAML

BLANKS = " \t\u00a0\u3000\r\ufeff"
ROOT = Path(__file__).resolve().parent.parent
JINPU = ROOT / "data" / "notices" / "jinpu-2019"
SAMPLE_PORTAL = ROOT / "examples" / "sample-portal"  # fictional: never part of data/


@functools.cache
def merged_data_folder() -> Path:
    """write_test_data into a temporary folder once per process (for module-level helpers)."""
    return write_test_data(Path(tempfile.mkdtemp(prefix="test-data-")) / "data")


def write_test_data(dest: Path) -> Path:
    """data/ (real notices) plus the fictional sample notices, as one data folder for tests."""
    shutil.copytree(ROOT / "data", dest)
    for folder in (SAMPLE_PORTAL / "notices").iterdir():
        shutil.copytree(folder, dest / "notices" / folder.name)
    return dest


def body_lines(text: str) -> list[str]:
    return [line.strip(BLANKS) for line in text.splitlines() if line.strip(BLANKS)]


def text_values(value):
    """Every string in a loaded YAML document, plus the printed forms that are stored split:
    a heading line as label + title, a finding paragraph as lead + finding + tail."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        if "label" in value and "title" in value:
            yield value["label"] + value["title"]
        if "label" in value and "heading" in value:
            yield value["label"] + value["heading"]
        if "finding" in value:
            yield value.get("finding_lead", "") + value["finding"] + value.get("finding_tail", "")
        for v in value.values():
            yield from text_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from text_values(v)


def folder_text(folder: Path) -> str:
    yaml = YAML(typ="safe")
    docs = [yaml.load((folder / "notice.yml").read_text("utf-8"))]
    docs += [yaml.load(p.read_text("utf-8")) for p in sorted((folder / "items").glob("*.yml"))]
    return "\n".join(s for doc in docs for s in text_values(doc))


def lost_lines(source_text: str, folder: Path) -> list[str]:
    haystack = folder_text(folder)
    return [line for line in body_lines(source_text) if line not in haystack]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_directory(directory: Path, handler=QuietHandler):
    """Serve a folder on 127.0.0.1 (random port) from a daemon thread; yields the base URL."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def processes_inside(folder: Path) -> list[str]:
    """Live processes whose command line names `folder` or whose working folder is inside it
    (how tests see that a build left nothing running)."""
    import os
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            cwd = os.readlink(proc / "cwd")
            state = next((line for line in (proc / "status").read_text().splitlines() if line.startswith("State:")), "")
        except OSError:
            continue
        if "zombie" in state:
            continue  # already dead, waiting for its parent to read the exit status
        if str(folder) in cmdline or cwd.startswith(str(folder)):
            out.append(f"{proc.name}: {cmdline}")  # whole: callers match words anywhere in it
    return out
