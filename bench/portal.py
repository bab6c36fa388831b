"""Portal benchmark (issue 13): generated portals of N notices x 40 items, built with our hooks.

    .venv/bin/python bench/portal.py [--sizes 10 100 1000] [--search-at 1000]

For each N: build wall time and peak memory (`mkdocs build`, one child process), the site's size,
the largest HTML page and the size of one page of each kind (home, directory, updates, search,
open data, contact, a notice overview, a category, an item, a print page), so "every page's size
is independent of N" can be read off the table. At --search-at N the built site's search is
measured in headless Chromium behind nginx, as bench/search_bench.py does for bare indexes.
Targets (docs/performance.md): 1,000 notices <= 8 min and <= 3 GB; t(1000)/t(100) <= 11;
no page over 150 KB and each kind within 5 % from 10 to 1,000; search <= 600 KB gzip fetched
per query and median <= 100 ms. Writes bench/results/portal.json.

The data is synthetic (tests/support/synthetic.py.write_synthetic_portal: the real notice's head
and first 40 items under other units, years and rounds) and lives in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))  # tests/support: generated portals, the search oracle
sys.path.insert(0, str(BENCH))

from disclosure.site.settings import AS_OF_ENV, DATA_ENV, Settings  # noqa: E402
from support.synthetic import write_synthetic_portal  # noqa: E402
from run import MKDOCS, timed  # noqa: E402

AS_OF = "2026-11-26"
ITEMS = 40
RESULTS = BENCH / "results"
KINDS = {  # one page of each kind, by its path in the site
    "home": "index.html", "directory": "notices/index.html", "updates": "updates/index.html",
    "search": "search/index.html", "open data": "data/index.html", "contact": "contact/index.html",
    "notice": "unit-0000/index.html", "category": "unit-0000/categories/1/index.html",
    "item": "unit-0000/items/1/index.html", "print": "unit-0000/print/index.html",
}


PAGED = ("directory", "updates", "contact", "print")


def build(n: int, work: Path) -> dict:
    data = write_synthetic_portal(REPO / "data", work / "data", n, items_per_notice=ITEMS)
    env = {**os.environ, DATA_ENV: str(data), AS_OF_ENV: AS_OF}
    settings = Settings.from_env(env, REPO)  # what the hook will read: one place for the settings
    out = work / "site"
    seconds, peak_mb = timed([MKDOCS, "build", "-q", "-f", str(REPO / "mkdocs.yml"), "-d", str(out)], REPO, env)
    html = list(out.rglob("*.html"))
    largest = max(html, key=lambda p: p.stat().st_size)
    return {"notices": n, "items": n * ITEMS, "as_of": settings.as_of.isoformat(),
            "build_s": round(seconds, 1), "peak_mb": round(peak_mb),
            "site_mb": round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6, 1),
            "html_pages": len(html), "largest_page": {"path": str(largest.relative_to(out)),
                                                      "kb": round(largest.stat().st_size / 1024, 1)},
            "page_kb": {kind: round((out / path).stat().st_size / 1024, 1) for kind, path in KINDS.items()},
            # a paged list's first page is full only when a second page exists
            "full": {kind: (out / Path(path).parent / "page" / "2" / "index.html").exists() for kind in PAGED
                     for path in [KINDS[kind]]}}, out


def search(site: Path) -> dict:
    from playwright.sync_api import sync_playwright
    from support.search_page import CHROMIUM, CHROMIUM_ARGS
    from disclosure.search.index import gzip_size
    from search_bench import measure, server_for
    records = json.loads((site / "data" / "items.json").read_text("utf-8"))
    gz = {str(p.relative_to(site)): gzip_size(p.read_bytes()) for p in (site / "search").rglob("*") if p.is_file()}
    with server_for(site) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            result = measure(browser, server.url, gz, records)
        finally:
            browser.close()
    return {"items": len(records), "server": type(server).__name__,
            **{k: result[k] for k in ("first_load", "all_exact", "bytes_per_query", "cold_ms", "warm_ms")}}


def print_table(rows: list[dict]) -> None:
    print(f"{'notices':>7} {'items':>6} {'build s':>8} {'peak MB':>8} {'site MB':>8} {'pages':>6} {'max KB':>7}  "
          + " ".join(f"{k[:8]:>8}" for k in KINDS))
    for r in rows:
        print(f"{r['notices']:>7} {r['items']:>6} {r['build_s']:>8} {r['peak_mb']:>8} {r['site_mb']:>8} "
              f"{r['html_pages']:>6} {r['largest_page']['kb']:>7}  "
              + " ".join(f"{r['page_kb'][k]:>8}" for k in KINDS))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--search-at", type=int, default=1000)
    args = parser.parse_args()
    rows, searched = [], None
    for n in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"bench-portal-{n}-"))
        try:
            row, site = build(n, work)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            if n == args.search_at:
                searched = search(site)
                print(json.dumps(searched, ensure_ascii=False), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    by_n = {r["notices"]: r for r in rows}
    summary = {}
    if 100 in by_n and 1000 in by_n:
        summary["t1000_over_t100"] = round(by_n[1000]["build_s"] / by_n[100]["build_s"], 2)
    if len(rows) > 1:
        summary["page_spread_pct"] = {k: round(100 * (max(r["page_kb"][k] for r in rows) /
                                                      min(r["page_kb"][k] for r in rows) - 1), 1) for k in KINDS}
        # paged lists compared where their first page is full (at 10 notices one page holds them all)
        summary["full_page_spread_pct"] = {k: round(100 * (max(full) / min(full) - 1), 1) for k in PAGED
                                           if len(full := [r["page_kb"][k] for r in rows if r["full"][k]]) > 1}
    summary["largest_page_kb"] = max(r["largest_page"]["kb"] for r in rows)
    print(json.dumps(summary, ensure_ascii=False))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "portal.json").write_text(json.dumps(
        {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
         "items_per_notice": ITEMS, "rows": rows, "search": searched, "summary": summary,
         "build_s_median_note": "one build per size; compare ratios, not absolutes"},
        ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
