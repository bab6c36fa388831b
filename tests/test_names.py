"""Names that look alike are one name (names.py): invisible characters are refused where they would
make two names look the same or turn page text around, push checks compare names by name_key, the
importer leaves such characters out (and says so), and two units whose pages would share an address
are refused instead of one page silently replacing the other. Found by a red-team review: a staff
account could state another account's unit with a zero-width space in it."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers import write_test_data

from disclosure import urls
from disclosure.access import Owners, name_refusals
from disclosure.errors import DataErrors
from disclosure.importer import import_notice
from disclosure.names import invisible_in, name_key, without_invisible
from disclosure.validate import load_dataset
from disclosure.yamlio import load_bytes

JINPU = "notices/jinpu-2019/notice.yml"
SHIXIAN = "notices/shixian-xuncha-2024/notice.yml"
OWNERS = Owners.parse({"admins": ["admin"], "accounts": {"jinpu": ["jinpu-*"], "shixian": ["shixian-*"]}})
# Two names whose 40-bit unit addresses are equal: a real SHA-256 prefix collision, found by search.
CLASH = ("测试单位610440", "测试单位1084569")


@pytest.fixture
def data(tmp_path) -> Path:
    return write_test_data(tmp_path / "data")


def edit(data: Path, rel: str, old: str, new: str) -> None:
    path = data / rel
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def errors_of(data: Path) -> list:
    with pytest.raises(DataErrors) as caught:
        load_dataset(data)
    return caught.value.errors


@pytest.mark.parametrize("hidden", ["\u200b", "\u2060", "\ufeff", "\u202e", "\u2066", "\u00ad"])
def test_an_invisible_character_in_a_unit_name_is_refused_naming_file_line_and_field(data, hidden):
    edit(data, JINPU, "  unit: 金普新区", f"  unit: 金普{hidden}新区")
    errors = errors_of(data)
    assert len(errors) == 1
    error = errors[0]
    assert error.file.endswith("jinpu-2019/notice.yml") and error.line == 12
    assert f"U+{ord(hidden):04X}" in error.message and "看不见的字符" in error.message
    assert "“金普⟨这里⟩新区”" in error.message and "重新输入" in error.message


def test_a_heading_may_not_hold_one_and_long_text_only_no_direction_controls(data):
    item = "notices/jinpu-2019/items/1.yml"
    edit(data, item, "heading: 关于", "heading: 关\u200b于")
    edit(data, item, "  - |-\n    金普新区党工委", "  - |-\n    金普\u200b新区党工委")  # verbatim text: allowed
    errors = errors_of(data)
    assert [(e.file.rsplit("/", 2)[-1], e.field) for e in errors] == [("1.yml", "heading")]
    edit(data, item, "heading: 关\u200b于", "heading: 关于")
    edit(data, item, "    金普\u200b新区党工委", "    金普\u202e新区党工委")  # reverses the page's text
    errors = errors_of(data)
    assert len(errors) == 1 and "U+202E" in errors[0].message and errors[0].field == "第1条整改措施"
    assert "“金普⟨这里⟩新区党工委牢牢抓”" in errors[0].message


def test_names_compare_without_spaces_invisible_characters_and_full_width_forms():
    assert name_key("金普新区") == name_key("金普\u200b新区") == name_key(" 金普 新区\u3000") == name_key("金普\u202e新区")
    assert name_key("ＡＢ县１号") == name_key("AB县1号")
    assert name_key("金普新区") != name_key("金普新城")
    assert without_invisible("a\u200bb\nc\td") == ("ab\nc\td", 1)
    assert invisible_in("a\u200bb", "measures") == [] and invisible_in("a\u202eb", "measures") == ["\u202e"]


@pytest.mark.parametrize("claimed", ["金普\u200b新区", "金普 新区", "金普新区\u3000", "金普\u2060新区"])
def test_a_staff_notice_may_not_claim_another_accounts_unit_by_a_lookalike_name(claimed):
    others = {name_key("金普新区"): "jinpu-2019"}
    text = f"id: shixian-b\nissuer: 示例县\ninspection:\n  unit: \"{claimed}\"\n"
    claim = ("data/notices/shixian-b/notice.yml", load_bytes(text.encode("utf-8"), "data/notices/shixian-b/notice.yml"))
    errors = name_refusals("shixian", OWNERS, [claim], others)
    assert len(errors) == 1 and errors[0].field == "inspection.unit" and errors[0].line == 4
    assert "jinpu-2019(由 jinpu 负责)" in errors[0].message
    granted = Owners.parse({"accounts": {"shixian": ["shixian-*"]}, "names": {"shixian": ["金普 新区"]}})
    assert name_refusals("shixian", granted, [claim], others) == []


def test_two_units_whose_pages_would_share_an_address_are_refused(data):
    first, second = CLASH
    assert hashlib.sha256(first.encode()).digest() != hashlib.sha256(second.encode()).digest()
    assert urls.unit_slug(first) == urls.unit_slug(second)  # the real collision the test relies on
    edit(data, JINPU, "  unit: 金普新区", f"  unit: {first}")
    edit(data, SHIXIAN, "issuer: 中共示例县水务局党组", f"issuer: {second}")
    errors = errors_of(data)
    assert len(errors) == 1
    error = errors[0]  # the later notice (2024) is refused; the earlier unit keeps its page
    assert error.file.endswith("shixian-xuncha-2024/notice.yml") and error.field == "issuer"
    lines = (data / SHIXIAN).read_text("utf-8").splitlines()
    assert lines[error.line - 1].startswith(f"issuer: {second}")  # the line to fix
    assert f"“{second}”" in error.message and "jinpu-2019" in error.message and f"“{first}”" in error.message
    edit(data, SHIXIAN, f"issuer: {second}", "issuer: 中共示例县水务局党组")
    assert load_dataset(data).notices


def test_the_importer_leaves_invisible_characters_out_and_says_so():
    text = ("中共某某县水务局\u200b党组关于县委巡察反馈问题整改情况的通报\n"
            "按照县委巡察工作统一部署,县委巡察组对我局党组开展了巡察。\n"
            "(一)关于“农村供水\u202e保障不力”的问题。一是更换老化管网。二是建立应急送水机制。\n"
            "整改情况:已完成。\n"
            "(二)关于“河长制落实不到位”的问题。一是补齐巡河记录。二是每月通报。\n"
            "整改情况:已完成。\n")
    result = import_notice(text.encode("utf-8"), "shixian-b")
    assert result.source == text.encode("utf-8")  # the original keeps every byte
    written = repr(result.notice) + repr(result.items)
    assert "\u200b" not in written and "\u202e" not in written
    assert any("2 个看不见的格式字符" in note for note in result.notes)
    assert len(result.items) == 2 and "农村供水保障不力" in result.items[0]["heading"]
    assert result.notice["issuer"] == "中共某某县水务局党组"
