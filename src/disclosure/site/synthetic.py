"""Synthetic data sets for scale tests: the real notice with its items multiplied to N, made from
the real items' own paragraphs, so pages look like real ones. Optionally one hostile item whose
text tries HTML, Jinja and Markdown injection."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from ..model import natural_key

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
