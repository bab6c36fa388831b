"""The importer: the real Jinpu notice reproduces the committed data exactly; variants of the
genre import without crashing or losing a line."""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from disclosure.cli import main
from disclosure.importer import import_notice, render
from disclosure.importer.structure import parse_status, split_finding

from helpers import JINPU, ROOT, body_lines, lost_lines

VARIANTS = sorted((ROOT / "tests" / "notices").glob("*.txt"))
yaml = YAML(typ="safe")


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def jinpu_import(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("import") / "jinpu-2019"
    assert main(["import", str(JINPU / "source.txt"), "--out", str(out), "--id", "jinpu-2019"]) == 0
    return out


def test_provenance_copy_is_the_published_text():
    shared = ROOT.parent / "shared" / "notices" / "jinpu-2019-08-12.txt"
    if shared.exists():  # on a developer machine or CI; a user's machine has only the copy
        assert (JINPU / "source.txt").read_bytes() == shared.read_bytes()
    assert (JINPU / "source.txt").stat().st_size > 90_000


def test_reimport_reproduces_committed_data_byte_for_byte(jinpu_import):
    assert files_of(jinpu_import) == files_of(JINPU)


def test_jinpu_counts_statuses_and_deadlines(jinpu_import):
    items = [yaml.load(p.read_text("utf-8")) for p in (jinpu_import / "items").glob("*.yml")]
    assert len(items) == 44
    assert Counter(i["status"] for i in items) == {"done": 20, "in_progress": 24}
    assert Counter(i["deadline"] for i in items if "deadline" in i) == {
        "2019-11": 1, "2019-12": 12, "2020-12": 7, "2022-12": 1, "2023-12": 2, "2030-12": 1}
    ids = {i["id"] for i in items}
    assert {"1", "5-1", "5-2", "5-3", "25-4", "34"} <= ids


def test_jinpu_hierarchy_has_4_categories_12_groups_34_issues(jinpu_import):
    notice = yaml.load((jinpu_import / "notice.yml").read_text("utf-8"))
    groups = [g for c in notice["categories"] for g in c["groups"]]
    issues = [i for g in groups for i in g["issues"]]
    assert (len(notice["categories"]), len(groups), len(issues)) == (4, 12, 34)
    assert notice["contact"] == {"phone": "0411—88171399",
                                 "address": "大连经济技术开发区金马路199号省委巡视整改落实领导小组办公室(收)"}
    assert (notice["issued"], notice["published"]) == ("2019-08-12", "2019-08-21")
    assert notice["page"]["lines"] == ["当前位置: 首页 > 公开 > 公示公告", "发布时间:2019-08-21", "责编:督察处", "【打印】"]
    assert "unplaced" not in notice


def test_every_line_of_jinpu_is_found_verbatim(jinpu_import):
    text = (JINPU / "source.txt").read_text("utf-8")
    assert len(body_lines(text)) > 290
    assert lost_lines(text, jinpu_import) == []


def test_lines_broken_mid_sentence_are_rejoined(jinpu_import):
    item = yaml.load((jinpu_import / "items" / "13-2.yml").read_text("utf-8"))
    assert any("切实提高民主生活会质量,深刻汲取辽宁拉票贿选沉痛教训" in m for m in item["measures"])
    item10 = yaml.load((jinpu_import / "items" / "10.yml").read_text("utf-8"))
    assert item10["finding"].startswith("2016年以来,因严重违纪违法被省纪委查处的徐长元、姜周")


def test_import_is_deterministic():
    raw = (JINPU / "source.txt").read_bytes()
    assert render(import_notice(raw, "jinpu-2019")) == render(import_notice(raw, "jinpu-2019"))


@pytest.mark.parametrize("path", VARIANTS, ids=[p.stem for p in VARIANTS])
def test_variant_notices_import_without_losing_a_line(path, tmp_path, capsys):
    out = tmp_path / "n"
    assert main(["import", str(path), "--out", str(out)]) == 0
    raw = path.read_bytes()
    text = raw.decode("gb18030") if "gbk" in path.stem else raw.decode("utf-8")
    assert lost_lines(text, out) == []
    assert (out / "source.txt").read_bytes() == raw


def _items(folder: Path) -> dict[str, dict]:
    return {p.stem: yaml.load(p.read_text("utf-8")) for p in (folder / "items").glob("*.yml")}


def test_xuncha_variant_status_words_and_fullwidth(tmp_path):
    main(["import", str(ROOT / "tests/notices/xuncha-status-words.txt"), "--out", str(tmp_path / "n")])
    items = _items(tmp_path / "n")
    assert {k: v["status"] for k, v in items.items()} == {
        "1": "partly_done", "2": "done", "3-1": "done", "3-2": "mostly_done"}
    assert items["1"]["deadline"] == "2023-12"
    assert items["3-2"]["no_deadline"]  # not done, no deadline printed: said so, not invented
    notice = yaml.load((tmp_path / "n" / "notice.yml").read_text("utf-8"))
    assert notice["inspection"]["kind"] == "巡察"
    assert notice["contact"]["email"] == "xuncha@example.gov.cn"
    assert notice["categories"][0]["label"] == "（一）"


def test_flat_list_with_status_before_measures(tmp_path):
    main(["import", str(ROOT / "tests/notices/flat-list-status-first.txt"), "--out", str(tmp_path / "n")])
    items = _items(tmp_path / "n")
    assert [items[k]["status"] for k in ("1", "2", "3")] == ["done", "in_progress", "ongoing"]
    assert items["2"]["deadline"] == "2022-06"
    assert items["1"]["measures"] == ["2021年抽检批次较上年增加40%，覆盖全部乡镇农贸市场。"]
    assert "category" not in items["1"] and "issue" not in items["1"]


def test_problem_labels_without_status(tmp_path, capsys):
    main(["import", str(ROOT / "tests/notices/problem-labels-no-status.txt"), "--out", str(tmp_path / "n")])
    items = _items(tmp_path / "n")
    assert {i["status"] for i in items.values()} == {"unreported"}
    assert items["2"]["finding"] == "教师培训经费使用不规范。"
    assert "原文没有整改状态行" in capsys.readouterr().err


def test_unknown_structure_keeps_text_and_says_so(tmp_path, capsys):
    assert main(["import", str(ROOT / "tests/notices/unstructured.txt"), "--out", str(tmp_path / "n")]) == 0
    assert "未识别出整改事项结构" in capsys.readouterr().err


def test_binary_input_is_refused_and_nothing_written(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\xff\xfe binary")
    assert main(["import", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    assert "纯文本" in capsys.readouterr().err


def test_import_refuses_to_overwrite_an_unrelated_folder(tmp_path, capsys):
    target = tmp_path / "docs"
    target.mkdir()
    (target / "keep.md").write_text("x")
    assert main(["import", str(JINPU / "source.txt"), "--out", str(target)]) == 1
    assert (target / "keep.md").read_text() == "x"


def test_cli_subprocess_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "disclosure.cli", "import", str(tmp_path / "missing.txt"),
                           "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "无法读取" in proc.stderr


@pytest.mark.parametrize("line, expected", [
    ("整改进展情况:已完成。", ("done", None)),
    ("整改进展情况:正在整改,2019年12月前完成。", ("in_progress", "2019-12")),
    ("整改状态：阶段性完成", ("partly_done", None)),
    ("完成情况:已完成", ("done", None)),
    ("整改情况：基本完成，2024年底前全面完成", ("mostly_done", "2024-12")),
    ("整改状态：持续推进", ("ongoing", None)),
    ("整改状态：未完成，2024717日", ("in_progress", None)),  # a broken date gives no deadline
    ("整改状态：待定", (None, None)),
])
def test_status_words_of_the_genre(line, expected):
    assert parse_status(line) == expected


def test_split_finding_keeps_nested_quotes():
    lead, finding, tail = split_finding("关于“贯彻落实“三个推进”精神不够”问题整改落实情况。")
    assert (lead, finding, tail) == ("关于“", "贯彻落实“三个推进”精神不够", "”问题整改落实情况。")


def test_notice_id_defaults_to_the_output_folder_name(tmp_path):
    out = tmp_path / "data" / "notices" / "xuncha-2023"
    assert main(["import", str(ROOT / "tests/notices/xuncha-status-words.txt"), "--out", str(out)]) == 0
    assert yaml.load((out / "notice.yml").read_text("utf-8"))["id"] == "xuncha-2023"
    assert all(yaml.load(p.read_text("utf-8"))["id"] == p.stem for p in (out / "items").glob("*.yml"))
    bad = main(["import", str(ROOT / "tests/notices/xuncha-status-words.txt"), "--out", str(tmp_path / "有 空格")])
    assert bad == 1 and not (tmp_path / "有 空格").exists()


def _import(name: str, tmp_path: Path) -> tuple[dict, dict[str, dict]]:
    out = tmp_path / name
    assert main(["import", str(ROOT / "tests/notices" / f"{name}.txt"), "--out", str(out)]) == 0
    return yaml.load((out / "notice.yml").read_text("utf-8")), _items(out)


def test_sections_used_as_item_numbers(tmp_path):
    _, items = _import("sections-as-items", tmp_path)
    assert [items[k]["label"] for k in ("1", "2", "3")] == ["一、", "二、", "三、"]
    assert items["2"]["deadline"] == "2024-06"


def test_separate_deadline_and_responsible_lines(tmp_path):
    _, items = _import("separate-deadline-and-units", tmp_path)
    assert items["1"]["deadline"] == "2024-12"
    assert items["1"]["responsible"] == ["县农业农村局", "各乡镇人民政府"]
    assert "责任单位：县农业农村局、各乡镇人民政府" in items["1"]["measures"]  # still verbatim


def test_broken_dates_are_reported_not_guessed(tmp_path, capsys):
    _, items = _import("broken-dates", tmp_path)
    assert "deadline" not in items["1"] and "deadline" not in items["2"]
    err = capsys.readouterr().err
    assert "2024717日" in err and "2024年13月" in err


def test_web_clutter_goes_to_page_metadata(tmp_path):
    notice, items = _import("heavy-web-clutter", tmp_path)
    assert notice["title"] == "示例区林业局关于区委巡察整改情况的通报"
    assert notice["published"] == "2023-11-02"
    assert "网站首页 | 机构概况 | 政务公开 | 巡察工作 | 互动交流" in notice["page"]["lines"]
    assert len(items) == 2


def test_problem_labels_with_chinese_numerals(tmp_path):
    _, items = _import("problem-cn-numerals-latin", tmp_path)
    assert [items[k]["status"] for k in ("1", "2", "3")] == ["mostly_done", "ongoing", "done"]


def test_the_import_report_names_the_source_line_of_every_filled_value(tmp_path, capsys):
    assert main(["import", str(ROOT / "tests/notices/corpus/deadline-variety.txt"), "--out", str(tmp_path / "n")]) == 0
    out = capsys.readouterr().out
    source = (ROOT / "tests/notices/corpus/deadline-variety.txt").read_text("utf-8").splitlines()
    filled = re.findall(r"事项 (\S+?):(?:\S+) ← 第 (\d+) 行", out)
    assert filled and "整改时限 2025-06" in out
    for _, line in filled:
        assert source[int(line) - 1].strip()  # the named line exists and holds text
    assert "标题 ← 第" in out and "需要核对的地方" in out


def test_a_truncated_item_is_kept_flagged_and_its_page_says_so(tmp_path, scratch_data):
    from disclosure.site import BuildContext, build_site
    from disclosure.validate import load_dataset
    import datetime as dt
    folder = scratch_data / "notices" / "cut-2024"
    assert main(["import", str(ROOT / "tests/notices/corpus/truncated-first-finding.txt"), "--out", str(folder)]) == 0
    items = _items(folder)
    assert len(items) == 1 and next(iter(items.values()))["truncated"] is True
    notice = folder / "notice.yml"
    text = notice.read_text("utf-8")
    if "issued:" not in text:  # the fragment has no date: staff fill it in, as the import report asks
        notice.write_text(text.replace("source:", 'issued: "2024-05-10"\nsource:', 1), "utf-8")
    site = build_site(load_dataset(scratch_data), BuildContext(dt.date(2026, 11, 26), "测试", site_url=""))
    page = next(p for p in site.pages if p.url == f"cut-2024/items/{next(iter(items))}/")
    assert "data-truncated" in page.html and "原文在此处中断" in page.html


# -- portal metadata: only what the text states ----------------------------------------------------
def test_inspection_facts_come_only_from_words_that_state_them():
    from disclosure import genre
    opening = "根据省委统一部署,十一届省委第四轮巡视第二巡视组于2018年11月对某某县进行了巡视。"
    assert genre.inspected_unit(opening) == "某某县" and genre.inspection_round("", opening) == "十一届省委第四轮"
    # a round named elsewhere is the unit's own work; 我局 and several units are no unit's name
    assert genre.inspection_round("", "省委第二巡视组对金普新区进行了巡视。4月15日,区委启动第四轮巡察工作") == ""
    assert genre.inspected_unit("县委第四巡察组于2024年4月对我局党组开展了巡察") == ""
    assert genre.inspected_unit("区委组建4个巡察组对区民政局、区农业农村局等4家单位开展常规巡察") == ""
    assert genre.inspection_kind("关于十四届省委第五轮巡视“回头看”整改情况的通报", "") == "巡视回头看"
    assert genre.inspection_kind("关于县委专项巡察整改进展情况的通报", "") == "专项巡察"
    assert genre.notice_stage("关于县委巡察集中整改进展情况的通报") == "集中整改进展情况"
    assert genre.notice_stage("某某通报") == ""


def test_the_jinpu_import_names_its_unit_and_stage_and_no_round():
    from helpers import JINPU
    result = import_notice((JINPU / "source.txt").read_bytes(), "jinpu-2019", "source.txt")
    info = result.notice["inspection"]
    assert info["unit"] == "金普新区" and info["stage"] == "整改情况" and "round" not in info
    assert any(line.startswith("被巡视(巡察)单位:金普新区(第 ") for line in result.found)


def test_the_unit_of_a_notice_that_says_对我局_is_the_issuers_own_as_the_issuer_names_it():
    """Issue 30, item 6: 对我局/我中心/我单位 is the issuer speaking of itself; the unit is read from the
    issuer's name and from nothing else."""
    from disclosure import genre
    said = "省委第三巡视组于2023年4月对我局开展了巡视"
    assert genre.inspected_unit(said, "中共某市某局党组") == "某市某局"
    assert genre.inspected_unit("县委第一巡察组对我中心开展了巡察", "某县疾病预防控制中心") == "某县疾病预防控制中心"
    assert genre.inspected_unit("县委第二巡察组对我村党支部开展了巡察", "中共某某村支部委员会") == "某某村党支部"
    assert genre.inspected_unit("市委第四巡察组对我委党组进行了巡察", "中共示例市卫生健康委员会党组") == "示例市卫生健康委员会党组"
    assert genre.inspected_unit("县委第一巡察组对我单位开展了巡察", "中共某某县档案馆支部委员会") == "某某县档案馆"
    # no issuer, or an issuer that names no such unit: unknown, never guessed
    assert genre.inspected_unit(said, "") == ""
    assert genre.inspected_unit(said, "中共某某县委巡察工作领导小组办公室") == ""
    assert genre.inspected_unit("县委第一巡察组对我院开展了巡察", "中共某某县卫生健康局党组") == ""


def test_a_self_named_unit_is_reported_with_its_line_and_the_issuer_it_came_from():
    result = import_notice((ROOT / "tests/notices/corpus/sections-as-items.txt").read_bytes(), "t")
    assert result.notice["inspection"]["unit"] == "某某县公共资源交易中心"
    assert any("“对我中心”" in line and "中共某某县公共资源交易中心支部委员会" in line for line in result.found)
    text = (ROOT / "tests/notices/corpus/sections-as-items.txt").read_text("utf-8")
    unsigned = text.replace("　　中共某某县公共资源交易中心支部委员会\n", "")  # no issuer anywhere now
    result = import_notice(unsigned.encode("utf-8"), "t")
    assert "unit" not in result.notice["inspection"] and "issuer" not in result.notice
    assert any("对我中心" in note and "inspection.unit" in note for note in result.notes)


def test_a_note_under_the_signature_date_leaves_issuer_and_date_read():
    result = import_notice((ROOT / "tests/notices/corpus/plain-txt-body-lines.txt").read_bytes(), "t")
    n = result.notice
    assert (n["issuer"], n["issued"], n["issued_text"]) == ("中共某某县民政局党组", "2024-09-20", "2024年9月20日")
    assert n["sections"][-1] == {"role": "signature", "paragraphs": ["中共某某县民政局党组", "2024年9月20日", "(此件公开发布)"]}


def test_a_site_header_glued_before_a_title_is_no_part_of_it():
    from disclosure.importer import Builder
    assert Builder._site_and_title("某某市人民政府门户网站 政务公开 关于市委巡察整改情况的通报") == \
        ("某某市人民政府门户网站 政务公开", "关于市委巡察整改情况的通报")
    assert Builder._site_and_title("某某县人民政府关于县委巡察整改情况的通报") is None  # the organ heads its title
    assert Builder._site_and_title("中共某某县人民政府党组关于巡察整改情况的通报") is None
    result = import_notice((ROOT / "tests/notices/corpus/portal-header-glued-title.txt").read_bytes(), "t")
    page = result.notice["page"]
    assert page["title_line"].endswith(result.notice["title"]) and page["title_line"].startswith("示例区人民政府 The")
