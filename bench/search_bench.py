"""Search benchmark: index size, bytes fetched per query and query latency in headless Chromium.

    .venv/bin/python bench/search_bench.py [--sizes 44 2000 10000] [--no-cards] [--out FILE]

N=44 is the real notice (the actual site). Larger N are synthetic items recombined from the real
notice's sentences (deterministic seed), so vocabulary and bigram frequencies stay realistic.
For every query a fresh page first loads the search page (meta.json, and the bundle on small sites),
then the query runs; "bytes" are the gzip sizes of the files that query fetched, "cold ms" its time
including those fetches from 127.0.0.1, until its first page (meta.json's page_size: 20 cards, each
with heading, unit, date and status) is on screen; "complete ms" until the last snippet that comes
from an item's measures (its docs file) is filled in too; "warm ms" the same query again with its
files in memory. "cards" is how many cards the page showed and "docs requests" how many docs files
the query fetched (with --no-cards the index carries no cards, so every shown card costs its docs
file before the page shows: the format before cards, for comparison).
Every result count is checked against the brute-force oracle. Writes bench/results/search.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # tests/support: generated portals, the search oracle

from playwright.sync_api import sync_playwright  # noqa: E402

from support.search_page import CHROMIUM, CHROMIUM_ARGS, StaticServer, write_site  # noqa: E402
from disclosure.search.index import _dumps, build_index, gzip_size  # noqa: E402
from support.search_oracle import oracle_ids  # noqa: E402
from support.search_records import records_from_dataset, with_issue_dates  # noqa: E402
from disclosure.validate import load_dataset  # noqa: E402

QUERIES = ["党费", "丁氏家族", "黑中介", "生态环境", "软枣猕猴桃", "饮水", "村", "水", "学校", "扶贫", "信访",
           "2020年12月", "农村 饮水", "环境 整改", "黨費", "（5）二是", "GDP", "整改", "工作", "不存在的词语"]
SEED = 2019
SENTENCE = re.compile(r"[^。;；]*[。;；]?")


def real_records() -> list[dict]:
    dataset = load_dataset(ROOT / "data")
    return with_issue_dates(records_from_dataset(dataset, dt.date(2025, 6, 1)), dataset)


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.findall(text) if s]


def synthetic_records(n: int, seed: int = SEED) -> list[dict]:
    """n items: each copies a random real item's shape and facets, with every sentence replaced
    by a random real sentence of the same field."""
    real = real_records()
    rng = random.Random(seed)
    finding_pool = [s for r in real for s in _sentences(r["finding"])]
    measure_pool = [s for r in real for m in r["measures"] for s in _sentences(m)]
    headings = [r["heading"] for r in real]
    out = []
    for i in range(n):
        shape = rng.choice(real)
        notice = f"syn-{i // 500:02d}"
        out.append(dict(
            shape, id=str(i % 500 + 1), notice=notice, notice_title=f"合成通报 {i // 500 + 1}",
            unit=f"合成单位{i // 500 + 1}", issued=f"{2019 + i // 500 % 7}-{i // 500 % 12 + 1:02d}-{i // 500 % 27 + 1:02d}",
            url=f"{notice}/items/{i % 500 + 1}/", label=f"({i % 500 + 1})", heading=rng.choice(headings),
            finding="".join(rng.choice(finding_pool) for _ in _sentences(shape["finding"])),
            measures=["".join(rng.choice(measure_pool) for _ in _sentences(m)) for m in shape["measures"]],
        ))
    return out


def index_stats(files: dict[str, bytes]) -> dict:
    return {"files": len(files), "raw_bytes": sum(len(v) for v in files.values()),
            "gzip_bytes": sum(gzip_size(v) for v in files.values()),
            "meta_gzip": gzip_size(files["search/meta.json"]),
            "bundle_gzip": gzip_size(files["search/bundle.json"]) if "search/bundle.json" in files else None,
            "cards_gzip": gzip_size(files["search/cards.json"]) if "search/cards.json" in files else None,
            "shard_cards_raw": sum(len(_dumps(json.loads(v)["cards"])) for p, v in files.items()
                                   if p.startswith("search/shards/")),
            "shards": sum(p.startswith("search/shards/") for p in files),
            "docs_files": sum(p.startswith("search/docs/") for p in files)}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def measure(browser, server_url: str, gz: dict[str, int], records: list[dict]) -> dict:
    """Per query: fresh page, load, then time the query and sum the gzip bytes it fetched."""
    rows = []
    first_load = None
    for query in QUERIES:
        context = browser.new_context()
        page = context.new_page()
        fetched: list[str] = []
        page.on("requestfinished", lambda r: fetched.append(urlsplit(r.url).path.lstrip("/")))
        page.goto(server_url + "search/")
        page.wait_for_selector("[data-search-state=ready]")
        load_paths = list(fetched)
        if first_load is None:
            first_load = {"requests": len(load_paths), "gzip_bytes": sum(gz.get(p, 0) for p in load_paths)}
        fetched.clear()
        cold, complete = page.evaluate("""async q => { const app = window.disclosureSearch.apps[0];
            const t = performance.now(); await app.search(q); return [app.renderedAt - t, performance.now() - t]; }""",
                                       query)
        query_paths = list(fetched)
        warm = [page.evaluate("""async q => { const t = performance.now();
            await window.disclosureSearch.apps[0].search(q); return performance.now() - t; }""", query)
            for _ in range(3)]
        count = int(page.inner_text("[data-result-count]"))
        cards = page.locator("[data-search-results] [data-item-id]").count()
        expected = len(oracle_ids(records, query))
        rows.append({"query": query, "count": count, "exact": count == expected, "cards": cards,
                     "requests": len(query_paths), "docs_requests": sum("/docs/" in "/" + p for p in query_paths),
                     "gzip_bytes": sum(gz.get(p, 0) for p in query_paths),
                     "cold_ms": round(cold, 1), "complete_ms": round(complete, 1),
                     "warm_ms": round(statistics.median(warm), 1)})
        context.close()
    cold = [r["cold_ms"] for r in rows]
    complete = [r["complete_ms"] for r in rows]
    warm = [r["warm_ms"] for r in rows]
    sizes = [r["gzip_bytes"] for r in rows]
    docs = [r["docs_requests"] for r in rows]
    return {"first_load": first_load, "queries": rows,
            "all_exact": all(r["exact"] for r in rows),
            "cards_per_page": max(r["cards"] for r in rows),
            "docs_requests": {"median": statistics.median(docs), "max": max(docs)},
            "bytes_per_query": {"median": statistics.median(sizes), "max": max(sizes)},
            "cold_ms": {"median": round(statistics.median(cold), 1), "p95": percentile(cold, 0.95)},
            "complete_ms": {"median": round(statistics.median(complete), 1), "p95": percentile(complete, 0.95)},
            "warm_ms": {"median": round(statistics.median(warm), 1), "p95": percentile(warm, 0.95)}}


class NginxServer:
    """The index served the way a real deployment serves it (deploy/nginx.conf uses nginx too):
    a local nginx on 127.0.0.1, gzip on, keep-alive. Python's http.server, sharing the GIL with the
    benchmark driver, adds tens of milliseconds per request that no real host would."""

    def __init__(self, root: Path):
        self.root, self.dir = root, Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> "NginxServer":
        conf = self.dir / "nginx.conf"
        user = "user root;" if os.geteuid() == 0 else ""  # workers must read the 0700 temp folder
        conf.write_text(f"""{user} daemon off; worker_processes 1; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log;
events {{ worker_connections 256; }}
http {{ include /etc/nginx/mime.types; access_log off; sendfile on; keepalive_timeout 60;
  gzip on; gzip_types application/json application/javascript text/css;
  client_body_temp_path {self.dir}; proxy_temp_path {self.dir}; fastcgi_temp_path {self.dir};
  uwsgi_temp_path {self.dir}; scgi_temp_path {self.dir};
  server {{ listen 127.0.0.1:{self.port}; root {self.root}; }} }}
""")
        self.proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(self.dir)], stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def server_for(root: Path):
    return NginxServer(root) if Path(NGINX).exists() else StaticServer(root)


def bench_size(browser, n: int, **build_options) -> dict:
    records = real_records() if n == len(real_records()) else synthetic_records(n)
    started = time.perf_counter()
    files = build_index(records, **build_options)
    build_ms = (time.perf_counter() - started) * 1000
    gz = {p: gzip_size(v) for p, v in files.items()}
    with tempfile.TemporaryDirectory() as tmp:
        write_site(Path(tmp), files)
        with server_for(Path(tmp)) as server:
            result = measure(browser, server.url, gz, records)
            result["server"] = type(server).__name__
    return {"items": n, "synthetic": n != 44, "build_ms": round(build_ms), "index": index_stats(files),
            "trad_pairs": len(json.loads(files["search/meta.json"])["trad"]) // 2, **result}


def print_table(results: list[dict]) -> None:
    print(f"{'items':>6} {'files':>6} {'index raw':>10} {'index gz':>10} {'build ms':>9} {'load gz':>8} "
          f"{'q gz med':>9} {'q gz max':>9} {'cards':>5} {'docs med':>8} {'docs max':>8} "
          f"{'cold med':>9} {'cold p95':>9} {'full med':>9} {'full p95':>9} {'warm med':>9} exact")
    for r in results:
        print(f"{r['items']:>6} {r['index']['files']:>6} {r['index']['raw_bytes']:>10} {r['index']['gzip_bytes']:>10} "
              f"{r['build_ms']:>9} {r['first_load']['gzip_bytes']:>8} {r['bytes_per_query']['median']:>9} "
              f"{r['bytes_per_query']['max']:>9} {r['cards_per_page']:>5} {r['docs_requests']['median']:>8} "
              f"{r['docs_requests']['max']:>8} {r['cold_ms']['median']:>9} {r['cold_ms']['p95']:>9} "
              f"{r['complete_ms']['median']:>9} {r['complete_ms']['p95']:>9} "
              f"{r['warm_ms']['median']:>9} {r['all_exact']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[44, 2000, 10000])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "search.json")
    parser.add_argument("--no-cards", action="store_true",
                        help="an index without cards: every shown card costs its docs file (the format before cards)")
    args = parser.parse_args()
    options = {"common_cards": 0, "card_min_posting": 10 ** 9} if args.no_cards else {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        results = []
        for n in args.sizes:
            results.append(bench_size(browser, n, **options))
            print_table(results[-1:])
        browser.close()
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"queries": QUERIES, "cards": not args.no_cards, "results": results},
                                   ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
