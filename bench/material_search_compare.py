"""Precision/recall: this engine vs MkDocs-Material's built-in search, on the same 44 items.

    .venv/bin/python bench/material_search_compare.py

Builds a throwaway MkDocs + Material site (one Markdown page per item, same text, `search: lang: zh`),
opens it in headless Chromium, types each query into Material's own search box and captures the
result list its search worker sends back (a page counts as returned if any of its sections is).
Ground truth is the brute-force substring oracle. Our engine is evaluated with query.IndexReader,
which the browser tests prove returns the same sets as search.js.
Writes bench/results/search_material_compare.json and prints a Markdown table.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # tests/support: generated portals, the search oracle
sys.path.insert(0, str(ROOT / "bench"))

from playwright.sync_api import sync_playwright  # noqa: E402

from support.search_page import CHROMIUM, CHROMIUM_ARGS, StaticServer  # noqa: E402
from disclosure.search.index import build_index  # noqa: E402
from support.search_oracle import IndexReader, item_key, oracle_ids  # noqa: E402
from search_bench import real_records  # noqa: E402

QUERIES = [
    "党费", "丁氏家族", "中介", "黑中介", "环境", "生态环境", "软枣猕猴桃", "学校", "饮水", "村", "水厂",
    "扶贫", "巡视", "信访", "拆迁", "土地", "医院", "食品", "垃圾", "污水", "招商", "水", "2020年12月",
    "农村 饮水", "环境 整改", "巡视 土地 村", "党 费", "（5）二是", "整改进展情况：正在整改，", "GDP", "gdp",
    "Ｇｄｐ", "黨費", "環境", "飲水", "生態環境", "幼儿园", "不存在的词语",
]

# Wrap Worker before Material starts, to read the result lists its search worker posts (type 3).
CAPTURE_WORKER = """
(() => {
  const Native = window.Worker;
  window.__results = []; window.__ready = false;
  window.Worker = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => {
        if (e.data && e.data.type === 1) window.__ready = true;
        if (e.data && e.data.type === 3) window.__results.push(e.data.data);
      });
    }
  };
})();
"""


def page_markdown(record: dict) -> str:
    parts = [f"# {record['label']} {record['heading']}", record["finding"], *record["measures"],
             record["status_text"], *record.get("responsible", [])]
    return "\n\n".join(parts) + "\n"


def build_material_site(records: list[dict], root: Path) -> Path:
    docs = root / "docs"
    (docs / "items").mkdir(parents=True)
    (docs / "index.md").write_text("# 事项\n", "utf-8")
    for n, record in enumerate(records):
        (docs / "items" / f"{n}.md").write_text(page_markdown(record), "utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: compare\ntheme:\n  name: material\n  language: zh\n"
        "plugins:\n  - search:\n      lang: zh\n", "utf-8")
    subprocess.run([str(ROOT / ".venv" / "bin" / "mkdocs"), "build", "-q", "-f", str(root / "mkdocs.yml"),
                    "-d", str(root / "site")], check=True, cwd=root)
    return root / "site"


def material_results(site: Path, n_records: int) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    with StaticServer(site) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.add_init_script(CAPTURE_WORKER)
        page.goto(server.url)
        page.wait_for_function("window.__ready", timeout=30_000)
        for query in QUERIES:
            page.evaluate("window.__results = []")
            page.click("label.md-search__icon, .md-header__button[for=__search]", timeout=2_000) \
                if not page.is_visible("input.md-search__input") else None
            page.fill("input.md-search__input", query)
            page.dispatch_event("input.md-search__input", "keyup")  # Material queries on keyup
            page.wait_for_function("window.__results.length > 0", timeout=10_000)
            page.wait_for_timeout(300)  # let a debounced follow-up query land
            data = page.evaluate("window.__results[window.__results.length - 1]")
            pages = set()
            for group in data.get("items", []):
                for hit in group if isinstance(group, list) else [group]:
                    location = hit["location"].split("#")[0]
                    if location.startswith("items/"):
                        pages.add(int(location.split("/")[1]))
            found[query] = pages
            page.fill("input.md-search__input", "")
        browser.close()
    return found


def scores(returned: set, expected: set) -> tuple[int, int, int]:
    return len(returned & expected), len(returned), len(expected)


def main() -> None:
    records = real_records()
    keys = [item_key(r) for r in records]
    reader = IndexReader(build_index(records, bundle_max_gzip_bytes=0))
    with tempfile.TemporaryDirectory() as tmp:
        site = build_material_site(records, Path(tmp))
        material = material_results(site, len(records))
    rows, totals = [], {"ours": [0, 0, 0], "material": [0, 0, 0]}
    for query in QUERIES:
        expected = oracle_ids(records, query)
        ours = {keys[o] for o, _ in reader.search(query)}
        theirs = {keys[o] for o in material[query]}
        row = {"query": query, "expected": len(expected)}
        for name, got in (("ours", ours), ("material", theirs)):
            tp, returned, relevant = scores(got, expected)
            row[name] = {"returned": returned, "correct": tp}
            totals[name] = [a + b for a, b in zip(totals[name], (tp, returned, relevant))]
        rows.append(row)
    summary = {name: {"precision": round(tp / ret, 3) if ret else None, "recall": round(tp / rel, 3) if rel else None,
                      "correct": tp, "returned": ret, "relevant": rel}
               for name, (tp, ret, rel) in totals.items()}
    summary["jieba_installed"] = importlib.util.find_spec("jieba") is not None
    out = ROOT / "bench" / "results" / "search_material_compare.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "queries": rows}, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print("| 查询 query | 应有 expected | 本引擎 ours (返回/正确) | Material (返回/正确) |")
    print("|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['query']} | {r['expected']} | {r['ours']['returned']}/{r['ours']['correct']} | "
              f"{r['material']['returned']}/{r['material']['correct']} |")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
