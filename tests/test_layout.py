"""Where the data lives is written once (disclosure/layout.py); the schemas' id patterns and the
modules that name data paths follow it (fast)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from disclosure import layout

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "src" / "disclosure" / "schema"


def patterns(node, where=()):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            else:
                yield from patterns(value, where + (key,))
    elif isinstance(node, list):
        for value in node:
            yield from patterns(value, where)


def test_every_id_pattern_of_the_schemas_is_the_layouts():
    ids = {}
    for name in ("item", "notice"):
        for where, pattern in patterns(json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))):
            if where[-1] in ("id", "follows", "continues"):
                ids[(name, *where)] = pattern
    assert len(ids) >= 5, ids  # item id, notice id, a node's id, follows, continues
    for where, pattern in ids.items():
        expected = f"^{layout.ID}/{layout.ID}$" if where[-1] == "continues" else \
            f"^{layout.NOTICE_ID}$" if where == ("notice", "properties", "id") else f"^{layout.ID}$"
        assert pattern == expected, where


def test_the_paths_a_push_names_are_the_layouts():
    assert layout.item_path("jinpu-2019", "5-2") == "data/notices/jinpu-2019/items/5-2.yml"
    assert layout.ITEM_PATH.match(layout.item_path("jinpu-2019", "5-2"))[1] == "jinpu-2019"
    assert layout.NOTICE_PATH.match(layout.notice_path("jinpu-2019"))[1] == "jinpu-2019"
    assert layout.NOTICE_FOLDER_FILE.match("data/notices/jinpu-2019/source.docx")
    assert not layout.NOTICE_FOLDER_FILE.match("data/notices/jinpu-2019/items/.gitattributes")
    assert not layout.SAFE_ID.match("jinpu\n") and layout.SAFE_ID.match("jinpu-2019")


def test_no_other_module_spells_a_data_path():
    spelled = re.compile(r"""["']data/notices/?["']|["']data/owners\.yml["']|f["']data/notices/\{""")  # code, not prose
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "src").rglob("*.py") if p.name != "layout.py"
                 for n, line in enumerate(p.read_text("utf-8").splitlines(), 1) if spelled.search(line)]
    assert offenders == []
