"""Preview benchmark (issue 15): how long after saving one item file `make serve` serves the new page.

    .venv/bin/python bench/serve.py [--notices 88]

A synthetic portal of N notices x 40 items (tests/support/synthetic.py, in a temporary folder) served
by `mkdocs serve --dirty` (what `make serve` runs); after the first build, one item's heading is
edited 3 times and the time from the write to the served page showing it is taken. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))  # tests/support: generated portals, the search oracle

from support.synthetic import write_synthetic_portal  # noqa: E402


def get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def wait(url: str, text: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if text in get(url):
            return time.monotonic() - started
        time.sleep(0.05)
    raise SystemExit(f"{url} did not show {text!r} within {seconds} s")


def bench(notices: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"bench-serve-{notices}-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        data = write_synthetic_portal(REPO / "data", root / "data", notices, items_per_notice=40)
        env = {**os.environ, "DISCLOSURE_DATA": str(data), "DISCLOSURE_AS_OF": "2026-11-26", "NO_MKDOCS_2_WARNING": "1"}
        proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}"],
                                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            item = sorted((data / "notices" / "unit-0001" / "items").glob("*.yml"))[0]
            url = f"http://127.0.0.1:{port}/unit-0001/items/{item.stem}/"
            first = wait(url, "unit-0001", 1800)
            time.sleep(3)
            seconds = []
            for k in range(3):
                text = item.read_text("utf-8")
                marker = f"预览计时{k}"
                item.write_text(text.replace("heading: ", f"heading: {marker}", 1), "utf-8")
                seconds.append(wait(url, marker, 600))
                time.sleep(2)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        return {"notices": notices, "items": notices * 40, "first_build_s": round(first, 1),
                "after_edit_s": [round(x, 2) for x in seconds], "after_edit_median_s": round(statistics.median(seconds), 2)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notices", type=int, nargs="+", default=[88])
    args = parser.parse_args()
    for n in args.notices:
        print(json.dumps(bench(n), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
