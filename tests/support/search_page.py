"""A minimal stand-alone search page and a local HTTP server, for tests and benchmarks.

Until the MkDocs site is wired, this is the page the engine runs in: <div data-search-app> and the
script tag, exactly what the real /search/ page will contain, served from 127.0.0.1."""
from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>搜索</title></head>
<body><header><form action="./" method="get"><input name="q" aria-label="搜索"></form></header>
<main><h1>搜索</h1><div data-search-app{attrs}></div>
<noscript><a href="../">浏览全部事项</a></noscript>
<script src="search.js"></script></main></body></html>
"""


def write_site(root: Path, files: dict[str, bytes], prefix: str = "", page_attrs: str = "") -> Path:
    """Write index files under root/prefix and the search page at root/prefix/search/index.html."""
    site = root / prefix if prefix else root
    for rel, data in files.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (site / "search" / "index.html").write_text(PAGE.format(attrs=page_attrs), "utf-8")
    return site


class _QuietHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like any real static host; HTTP/1.0 reconnects per file
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls

    def log_message(self, *args):
        pass

    def end_headers(self):
        # no HTTP caching between test pages: each page load shows what it really fetches
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class StaticServer:
    """http.server on 127.0.0.1, random port, in a daemon thread. Use as a context manager."""

    def __init__(self, root: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "StaticServer":
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
