"""Scale benchmark: `make bench` (or `.venv/bin/python bench/run.py [--sizes 44,2000,10000]`).

For each N it generates a data set of N items from the real notice's items (several notices at
the larger sizes), builds the site with our hooks, and builds a BASELINE in the same run: plain
MkDocs + Material building the very same pages pre-written as Markdown files (same theme,
overrides and nav policy, no hooks). It prints one table and writes bench/results/scale.json.

Measured per N: build seconds (hooks, baseline, ratio), peak memory of each build, an item page's
HTML bytes, the gzip bytes a browser fetches for a first view of an item page (HTML + CSS + JS
it references), the search index bytes, and — at 2,000 items — how long `mkdocs serve` takes to
serve the rebuilt page after one item file is edited.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))  # tests/support: generated portals, the search oracle

from disclosure.model import natural_key  # noqa: E402
from disclosure.site import BuildContext, build_site  # noqa: E402
from disclosure.site.settings import parse_as_of  # noqa: E402
from disclosure.site.portal import nav_pages  # noqa: E402
from support.synthetic import write_synthetic_data  # noqa: E402
from disclosure.validate import load_dataset  # noqa: E402

AS_OF = "2026-11-26"
MKDOCS = str(Path(sys.executable).parent / "mkdocs")
RESULTS = REPO / "bench" / "results"


# ---- data ----------------------------------------------------------------------------------------

def notices_for(n_items: int) -> list[int]:
    """Items per notice: one notice up to 1,000 items, then notices of 1,000 (a province's rounds)."""
    if n_items <= 1000:
        return [n_items]
    full, rest = divmod(n_items, 1000)
    return [1000] * full + ([rest] if rest else [])


def make_data(n_items: int, out: Path) -> Path:
    """N items from the real notice's items, spread over several notices at larger sizes."""
    for index, size in enumerate(notices_for(n_items)):
        notice_id = "jinpu-2019" if index == 0 else f"bench-{index:02d}"
        tmp = out / "_tmp"
        write_synthetic_data(REPO / "data", tmp, size)
        src = tmp / "notices" / "jinpu-2019"
        notice = src / "notice.yml"
        text = notice.read_text("utf-8").replace('id: "jinpu-2019"', f'id: "{notice_id}"', 1)
        text = text.replace('issued: "2019-08-12"', f'issued: "{2019 + index % 7}-08-12"', 1)
        notice.write_text(text, "utf-8")
        dest = out / "notices" / notice_id
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(src), dest)
        shutil.rmtree(tmp)
    return out


# ---- builds ----------------------------------------------------------------------------------------

def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def build_with_hooks(data: Path, out: Path) -> tuple[float, float]:
    env = dict(os.environ, DISCLOSURE_DATA=str(data), DISCLOSURE_AS_OF=AS_OF)
    return timed([MKDOCS, "build", "-q", "-f", str(REPO / "mkdocs.yml"), "-d", str(out)], REPO, env)


def write_baseline_project(data: Path, root: Path) -> Path:
    """The same pages as Markdown files with front matter, same theme/overrides/nav, no hooks."""
    site = build_site(load_dataset(data), BuildContext(parse_as_of(AS_OF), "baseline"))
    docs = root / "docs"
    shutil.copytree(REPO / "docs", docs)
    not_in_nav = []
    in_nav = set(nav_pages(site.nav))
    for page in site.pages:
        target = docs / page.src_uri
        if target.exists():  # a hand-written page replaces the generated one, as in the hook
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        meta = {"title": page.title, "hide": ["toc"], "article": page.article, "scripts": list(page.scripts)}
        target.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n\n" + page.html, "utf-8")
        if page.src_uri not in in_nav:
            not_in_nav.append("/" + page.src_uri)
    for path, content in site.all_files().items():
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config.pop("hooks", None)
    config.pop("watch", None)
    config["theme"]["custom_dir"] = str(REPO / "overrides")
    config["nav"] = site.nav
    config["not_in_nav"] = "\n".join(not_in_nav)
    config["extra"] = {"disclosure": site.template_context}
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return root / "mkdocs.yml"


def build_baseline(config: Path, out: Path) -> tuple[float, float]:
    return timed([MKDOCS, "build", "-q", "-f", str(config), "-d", str(out)], config.parent, dict(os.environ))


# ---- page weight ------------------------------------------------------------------------------------

def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6, mtime=0))


def first_item_page(site: Path) -> Path:
    pages = sorted((site / "jinpu-2019" / "items").glob("*/index.html"), key=lambda p: natural_key(p.parent.name))
    return pages[0]


def first_view_bytes(page: Path, site: Path) -> int:
    """gzip bytes of the HTML and every stylesheet, script, icon and image it references."""
    html = page.read_bytes()
    total = gz(html)
    refs = re.findall(rb'<(?:link|script|img)\b[^>]*?(?:href|src)="([^"#?]+)', html)
    for ref in sorted(set(refs)):
        target = (page.parent / ref.decode()).resolve()
        if target.is_file() and str(target).startswith(str(site.resolve())):
            total += gz(target.read_bytes())
    return total


def search_bytes(site: Path) -> tuple[int, int]:
    files = [p for p in (site / "search").rglob("*") if p.is_file()] if (site / "search").is_dir() else []
    return sum(p.stat().st_size for p in files), sum(gz(p.read_bytes()) for p in files)


# ---- mkdocs serve: edit one item, wait for the rebuilt page ---------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_reload_seconds(data: Path, work: Path) -> float:
    """Start `mkdocs serve` on the data set, edit one item file, and time until the served item
    page shows the edit."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["hooks"] = [str(REPO / h) for h in config["hooks"]]
    config["theme"]["custom_dir"] = str(REPO / "overrides")
    config["docs_dir"] = str(REPO / "docs")
    config["watch"] = [str(data)]
    cfg = work / "serve.yml"
    cfg.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    port = free_port()
    env = dict(os.environ, DISCLOSURE_DATA=str(data), DISCLOSURE_AS_OF=AS_OF)
    proc = subprocess.Popen([MKDOCS, "serve", "--dirty", "-f", str(cfg), "-a", f"127.0.0.1:{port}"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/jinpu-2019/items/1/"
    try:
        _wait_for(url, lambda body: "体制机制落后" in body, 600)
        time.sleep(1.0)  # let the watcher settle after the first build
        item = data / "notices" / "jinpu-2019" / "items" / "1.yml"
        marker = f"基准测试修改标记{int(time.time())}"
        edited = yaml.safe_load(item.read_text("utf-8"))
        edited["measures"][0] = marker + edited["measures"][0]
        text = yaml.safe_dump(edited, allow_unicode=True, sort_keys=False)
        start = time.perf_counter()
        item.write_text(text, "utf-8")
        _wait_for(url, lambda body: marker in body, 120)
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_for(url: str, ready, timeout: float):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if ready(response.read().decode("utf-8", "replace")):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {url}")


# ---- main ------------------------------------------------------------------------------------------

def measure(n_items: int, work: Path, serve: bool) -> dict:
    data = make_data(n_items, work / f"data-{n_items}")
    hooks_out, base_out = work / f"site-{n_items}", work / f"baseline-{n_items}"
    base_cfg = write_baseline_project(data, work / f"baseline-project-{n_items}")
    hooks_s, hooks_mb = build_with_hooks(data, hooks_out)
    base_s, base_mb = build_baseline(base_cfg, base_out)
    page = first_item_page(hooks_out)
    base_page = first_item_page(base_out)
    index_bytes, index_gz = search_bytes(hooks_out)
    row = {
        "items": n_items, "notices": len(notices_for(n_items)),
        "build_s_hooks": round(hooks_s, 2), "build_s_baseline": round(base_s, 2),
        "ratio": round(hooks_s / base_s, 3),
        "peak_mb_hooks": round(hooks_mb), "peak_mb_baseline": round(base_mb),
        "item_html_bytes": page.stat().st_size, "item_html_bytes_baseline": base_page.stat().st_size,
        "item_first_view_gzip": first_view_bytes(page, hooks_out),
        "search_index_bytes": index_bytes, "search_index_gzip": index_gz,
    }
    if serve:
        row["serve_reload_s"] = round(serve_reload_seconds(data, work), 2)
    shutil.rmtree(hooks_out)
    shutil.rmtree(base_out)
    return row


def search_query_numbers() -> dict:
    """Bytes fetched per query and latency come from the search benchmark (bench/search_bench.py)."""
    path = RESULTS / "search.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def print_table(rows: list[dict]):
    cols = [("items", "N"), ("notices", "notices"), ("build_s_hooks", "hooks s"), ("build_s_baseline", "base s"),
            ("ratio", "ratio"), ("peak_mb_hooks", "peak MB"), ("peak_mb_baseline", "base MB"),
            ("item_html_bytes", "item HTML B"), ("item_first_view_gzip", "1st view gz B"),
            ("search_index_gzip", "index gz B"), ("serve_reload_s", "serve reload s")]
    widths = [max(len(title), *(len(str(r.get(key, "-"))) for r in rows)) for key, title in cols]
    print("  ".join(title.rjust(w) for (_, title), w in zip(cols, widths)))
    for r in rows:
        print("  ".join(str(r.get(key, "-")).rjust(w) for (key, _), w in zip(cols, widths)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="44,2000,10000")
    parser.add_argument("--serve-at", type=int, default=2000, help="measure serve reload at this N (0: skip)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="disclosure-bench-") as tmp:
        for n in sizes:
            print(f"… {n} items", file=sys.stderr, flush=True)
            rows.append(measure(n, Path(tmp), serve=(n == args.serve_at)))
    print_table(rows)
    result = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
              "as_of": AS_OF, "rows": rows, "search": search_query_numbers()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"written {RESULTS / 'scale.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
