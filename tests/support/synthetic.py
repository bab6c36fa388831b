"""Synthetic data sets for scale tests: the real notice with its items multiplied to N, made from
the real items' own paragraphs, so pages look like real ones. Optionally one hostile item whose
text tries HTML, Jinja and Markdown injection."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from disclosure.model import natural_key

HOSTILE = {
    "heading": "<script>alert('heading')</script>{{ 7*7 }} **粗体** [链接](https://example.invalid/)",
    "finding": "<img src=x onerror=alert(1)>{% raw %}{{ config }}{% endraw %} _强调_ # 标题",
    "measures": ["<b>不应加粗</b> | 表格 | 列 |", "    缩进代码块 & &amp; &lt;"],
}


def write_synthetic_data(source_data: Path, out: Path, n_items: int, notice_id: str = "jinpu-2019",
                         hostile: bool = False) -> Path:
    """Copy data/notices/<notice_id> to out/notices/<notice_id> with exactly n_items items.
    The real items come first, unchanged; then copies named s<n> cycling through them."""
    src = Path(source_data) / "notices" / notice_id
    dst = Path(out) / "notices" / notice_id
    if dst.exists():
        shutil.rmtree(dst)
    (dst / "items").mkdir(parents=True)
    for name in ("notice.yml", "source.txt"):
        shutil.copy2(src / name, dst / name)
    real = sorted((src / "items").glob("*.yml"), key=lambda p: natural_key(p.stem))
    originals = [yaml.safe_load(p.read_text("utf-8")) for p in real]
    for number in range(n_items):
        item = dict(originals[number % len(originals)])
        if number >= len(originals):
            item["id"] = f"s{number + 1}"
        if hostile and number == n_items - 1:
            item.update(HOSTILE)
        (dst / "items" / f"{item['id']}.yml").write_text(
            yaml.safe_dump(item, allow_unicode=True, sort_keys=False), "utf-8")
    return Path(out)


def write_synthetic_portal(source_data: Path, out: Path, n_notices: int, items_per_notice: int = 2,
                           notice_id: str = "jinpu-2019") -> Path:
    """A regional portal for scale tests: n_notices notices of different units, years and rounds,
    each the real notice's head with its first items_per_notice items. Not real data: it lives
    wherever the caller puts it (never under data/)."""
    src = Path(source_data) / "notices" / notice_id
    base = yaml.safe_load((src / "notice.yml").read_text("utf-8"))
    real = sorted((src / "items").glob("*.yml"), key=lambda p: natural_key(p.stem))[:items_per_notice]
    items = [yaml.safe_load(p.read_text("utf-8")) for p in real]
    root = Path(out) / "notices"
    if root.exists():
        shutil.rmtree(root)
    for n in range(n_notices):
        unit = f"示例{n % 37 + 1}镇党委" if n % 3 else f"示例县第{n % 29 + 1}局党组"
        nid = f"unit-{n:04d}"
        folder = root / nid / "items"
        folder.mkdir(parents=True)
        issuer = f"{unit}(第{n + 1}份通报)"  # every notice its own issuer line: what must not pile up in footers
        notice = dict(base, id=nid, issuer=issuer, title=f"{unit}关于县委巡察整改情况的通报",
                      issued=f"{2019 + n % 7}-{n % 12 + 1:02d}-{n % 27 + 1:02d}",
                      inspection={"kind": "巡察", "unit": unit, "region": f"示例{n % 5 + 1}区",
                                  "round": f"第{n % 6 + 1}轮"})
        notice.pop("published", None)
        (root / nid / "notice.yml").write_text(yaml.safe_dump(notice, allow_unicode=True, sort_keys=False), "utf-8")
        shutil.copy2(src / "source.txt", root / nid / "source.txt")
        for item in items:
            (folder / f"{item['id']}.yml").write_text(yaml.safe_dump(item, allow_unicode=True, sort_keys=False), "utf-8")
    return Path(out)
