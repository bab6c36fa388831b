"""The importer never writes data the validator rejects (issue 30, item 5).

Every corpus fragment and the real Jinpu source are imported together into one data folder and
validated: the only complaints allowed are the facts a fragment does not state (a title, a
signature date), which the importer leaves for staff instead of inventing. Generated variants of
the genre (organisational paragraphs numbered like categories, shuffled and repeated; a category
heading reused; headings without items) must import to data whose ids are unique, whose
references resolve, and which keeps every line (what fits nowhere goes to `unplaced`)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure.errors import DataErrors
from disclosure.importer import import_notice, texts, write
from disclosure.validate import load_dataset

from helpers import JINPU, ROOT, body_lines

CORPUS = ROOT / "tests" / "notices" / "corpus"
EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text("utf-8"))
UNSTATED = ("title", "issued")  # facts the importer leaves for staff when the source does not state them


def validation_errors(data: Path) -> str:
    try:
        load_dataset(data)
    except DataErrors as exc:
        return exc.report()
    return ""


def allowed_only(report: str, unstated: dict[str, set[str]]) -> list[str]:
    """Lines of a validation report other than 'required field missing' for a fact that notice's
    source does not state."""
    bad = []
    for line in report.splitlines():
        if not line.startswith("notices/") and "/notices/" not in line:
            continue
        name = line.split("notices/", 1)[1].split("/", 1)[0]
        if not any(f"缺少必填字段 “{key}”" in line for key in unstated.get(name, set())):
            bad.append(line)
    return bad


def test_every_corpus_fragment_and_jinpu_import_into_one_valid_data_folder(tmp_path):
    data = tmp_path / "data"
    unstated: dict[str, set[str]] = {}
    for name in sorted(EXPECTED):
        result = import_notice((CORPUS / f"{name}.txt").read_bytes(), name)
        write(result, data / "notices" / name)
        unstated[name] = {key for key in UNSTATED if EXPECTED[name].get(key) is None}
    write(import_notice((JINPU / "source.txt").read_bytes(), "jinpu-2019"), data / "notices" / "jinpu-2019")
    report = validation_errors(data)
    assert allowed_only(report, unstated) == [], report


# ---- generated variants ----------------------------------------------------------------------
CN = "一二三四五六七八九十"
ORGANISATIONAL = [
    "加强组织领导,扛牢整改责任。党组召开专题会议研究部署整改工作,成立整改工作领导小组。",
    "压实整改责任,细化任务分工。对反馈问题逐项建立台账,明确责任领导、责任科室和完成时限。",
    "坚持举一反三,健全长效机制。以整改为契机,梳理完善内部管理制度。",
    "强化督促检查,确保整改实效。纪检组每月跟踪整改进度,对滞后事项及时督办。",
]
CATEGORIES = ["在“贯彻落实上级决策部署不够有力”方面", "关于全面从严治党主体责任落实不到位方面的问题",
              "在“选人用人和基层党组织建设薄弱”方面", "关于财务管理不规范方面的问题"]
FINDINGS = ["议事决策程序执行不严", "固定资产管理混乱", "专项资金使用绩效不高", "党员教育管理不到位",
            "合同管理不规范", "干部培训计划落实不够"]
STATUSES = ["整改进展:已完成", "整改进展:正在整改,计划2025年6月底前完成", "整改进展:基本完成",
            "整改进展:长期坚持", "整改进展:阶段性完成"]


ORG_HEADINGS = ["加强组织领导,压实整改责任", "提高站位抓整改,压实整改政治责任", "强化统筹推进,扛牢整改工作责任"]
ORG_STEPS = ["成立由党组书记任组长的整改工作领导小组,制定整改工作方案。", "建立班子成员包联整改机制,每月听取整改进展汇报。",
             "召开巡察整改专题民主生活会,逐项对照检视。"]
ORG_STATUSES = ["完成情况:已完成。", "完成情况:长期坚持。"]
HEADS = ["plain", "glued-site", "three-lines", "label-block"]
LEDGER = ["局党组形成问题清单、任务清单、责任清单,将巡察反馈意见细化为整改措施{m}条。",
          "局党组建立整改台账,共制定整改措施{m}条,明确责任领导和完成时限。",
          "局党组建立整改台账,列出问题清单共{n}项。"]
TITLE = "中共示例县某某局党组关于县委巡察整改进展情况的通报"


@st.composite
def notices(draw) -> dict:
    """A generated notice and what it states: {text, problems (the 问题清单 count or None), measures,
    org (organisational headings used), one_line (findings written with their measures)}."""
    head = draw(st.sampled_from(HEADS))
    lines = []
    if head == "label-block":  # 政府信息公开 labels each on a line, values on the next, some empty
        for label, value in [("索 引 号:", "000000/2024-00001"), ("主题分类:", ""), ("发文机关:", "中共示例县某某局党组"),
                             ("成文日期:", "2024年05月30日"), ("发文字号:", ""), ("发布日期:", "2024年06月04日")]:
            lines.append(label)
            if value and draw(st.booleans()):
                lines.append(value)
        lines.append(TITLE)
    elif head == "glued-site":
        lines.append(f"示例县人民政府 政府信息公开 {TITLE}")
    elif head == "three-lines":
        lines += ["中共示例县某某局党组", "关于县委巡察整改进展", "情况的通报"]
    else:
        lines.append(TITLE)
    lines += ["", "根据县委统一部署,县委第二巡察组对我局党组开展了常规巡察。现将整改进展情况通报如下。", ""]
    measures, problems = draw(st.integers(40, 49)), draw(st.integers(1, 9))
    ledger = draw(st.lists(st.sampled_from(LEDGER), max_size=2, unique=True))
    lines += [sentence.format(m=measures, n=problems) for sentence in ledger]
    stated = problems if any("{n}" in sentence for sentence in ledger) else None
    org = draw(st.lists(st.sampled_from(ORGANISATIONAL), max_size=5))  # shuffled and repeated
    org_labels = draw(st.lists(st.integers(0, 3), min_size=len(org), max_size=len(org)))
    lines += [f"({CN[n]}){text}" for n, text in zip(org_labels, org)]
    org_headings = []
    if draw(st.booleans()):  # an organisational heading whose numbered paragraphs even carry status lines
        org_headings.append(draw(st.sampled_from(ORG_HEADINGS)))
        lines.append(f"({CN[draw(st.integers(0, 3))]}){org_headings[-1]}")
        for i, step in enumerate(draw(st.lists(st.sampled_from(ORG_STEPS), min_size=1, max_size=3))):
            lines.append(f"{i + 1}.{step}")
            if draw(st.booleans()):
                lines.append(draw(st.sampled_from(ORG_STATUSES)))
    number = 0
    one_line = []
    for _ in range(draw(st.integers(1, 4))):
        label = draw(st.integers(0, 3))  # a category number may be used again
        lines.append(f"({CN[label]}){draw(st.sampled_from(CATEGORIES))}")
        if draw(st.booleans()) and org:  # organisational paragraphs may stand among the categories
            lines.append(f"({CN[draw(st.integers(0, 3))]}){draw(st.sampled_from(ORGANISATIONAL))}")
        for _ in range(draw(st.integers(0, 3))):  # a heading may hold no item
            number = draw(st.sampled_from([number + 1, number + 1, max(number, 1)]))  # numbers may repeat
            finding = draw(st.sampled_from(FINDINGS))
            if draw(st.booleans()):  # heading and first measures on one line, no status anywhere
                one_line.append(f"关于{finding}的问题。")
                lines.append(f"{number}.关于{finding}的问题。一是修订完善相关制度;二是开展专项检查。")
            else:
                lines.append(f"{number}.关于“{finding}”的问题")
                lines.append("整改情况:修订完善相关制度,开展专项检查。")
                lines.append(draw(st.sampled_from(STATUSES)))
    lines += ["", "欢迎广大干部群众对巡察整改落实情况进行监督。联系电话:0000-1234567。", "",
              "中共示例县某某局党组", "2024年6月3日"]
    if draw(st.booleans()):
        lines.append("(此件公开发布)")
    return {"text": "\n".join(lines), "problems": stated, "measures": measures, "org": org_headings, "one_line": one_line}


def hierarchy_ids(categories: list[dict]) -> None:
    """Ids unique among siblings at every level (categories, groups, issues of one parent)."""
    def unique(nodes, where):
        ids = [n["id"] for n in nodes]
        assert len(ids) == len(set(ids)), f"{where}: {ids}"
    unique(categories, "categories")
    for c in categories:
        unique(c.get("groups", []), f"groups of {c['id']}")
        unique(c.get("issues", []), f"issues of {c['id']}")
        for g in c.get("groups", []):
            unique(g.get("issues", []), f"issues of {c['id']}/{g['id']}")


def resolves(categories: list[dict], item: dict) -> bool:
    """category → group → issue, each found among the children of the one before."""
    def find(nodes, key):
        return next((n for n in nodes if n["id"] == item[key]), None)
    if "category" not in item:
        return "group" not in item and "issue" not in item
    node = find(categories, "category")
    if node is None:
        return False
    if "group" in item:
        node = find(node.get("groups", []), "group")
        if node is None:
            return False
    return "issue" not in item or find(node.get("issues", []), "issue") is not None


VARIANTS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@VARIANTS
@given(notices())
def test_generated_variants_import_to_valid_data(variant):
    text = variant["text"]
    result = import_notice(text.encode("utf-8"), "variant")
    notice = result.notice
    assert notice["title"] == TITLE and notice["issuer"] == "中共示例县某某局党组" and notice["issued"] == "2024-06-03"
    assert notice["inspection"]["unit"] == "示例县某某局党组"  # 对我局党组, named by the issuer
    # figures only from a count of problems, never from the count of measures
    assert notice.get("stated_figures", {}).get("total") == variant["problems"], notice.get("stated_figures")
    # an organisational heading is never a category, whatever its paragraphs carry
    assert not [c["title"] for c in notice["categories"] if c["title"] in variant["org"]]
    org_text = set(ORG_STEPS)
    assert not [i for i in result.items if org_text & set(i["measures"] + [i["heading"]])]
    # a finding written with its measures: the finding is the heading, the measures stay measures
    one_line = [i for i in result.items if i["heading"] in variant["one_line"]]
    assert len(one_line) == len([line for line in text.splitlines() if "的问题。一是" in line])
    assert all(i["measures"][0].startswith("一是") and i["status"] == "unreported" for i in one_line)
    hierarchy_ids(result.notice["categories"])
    ids = [item["id"] for item in result.items]
    assert len(ids) == len(set(ids)), ids
    assert all(resolves(result.notice["categories"], item) for item in result.items)
    haystack = "\n".join(texts(result.notice, result.items))  # includes `unplaced`
    assert [line for line in body_lines(text) if line not in haystack] == []
    folder = Path(tempfile.mkdtemp(prefix="variant-"))
    try:
        write(result, folder / "data" / "notices" / "variant")
        assert validation_errors(folder / "data") == ""
    finally:
        shutil.rmtree(folder)


def test_organisational_paragraphs_are_not_categories():
    """The issue's failing shape: (一)加强组织领导… (二)压实责任… and then the real categories,
    numbered (一)(二) again. Before the fix: duplicate category id "1" and items under the wrong one."""
    result = import_notice((CORPUS / "housing-org-paragraphs-categories.txt").read_bytes(), "t")
    titles = [c["title"] for c in result.notice["categories"]]
    assert all("方面" in t for t in titles), titles
    assert [c["id"] for c in result.notice["categories"]] == ["1", "2"]
    hierarchy_ids(result.notice["categories"])
    assert all(resolves(result.notice["categories"], item) for item in result.items)


def test_an_organisational_heading_with_numbered_status_lines_is_text_not_a_category():
    """(一)提高站位抓整改,压实整改政治责任 with 1./2. paragraphs that carry 完成情况: lines: work, not
    problems. Before the fix it became category "1" with two items; now its lines stay text, in
    order, and only the 方面 categories hold items."""
    name = "org-heading-with-items"
    text = (CORPUS / f"{name}.txt").read_text("utf-8")
    result = import_notice(text.encode("utf-8"), name)
    categories = result.notice["categories"]
    assert [c["title"] for c in categories] == ["关于“落实全面从严治党主体责任不到位”方面的问题",
                                                "关于“医疗服务质量管理存在短板”方面的问题"]
    hierarchy_ids(categories)
    assert all(resolves(categories, item) for item in result.items)
    assert [i["heading"] for i in result.items] == ["关于“党委会议事规则执行不严格”的问题", "关于“廉政风险防控不到位”的问题",
                                                   "关于“病历书写不规范”的问题"]
    opening = next(s for s in result.notice["sections"] if s["role"] == "problems")["paragraphs"]
    org = [line.strip("\u3000") for line in text.splitlines()[2:7]]
    assert opening[-len(org):] == org  # heading, steps and their status lines, as written
    assert "unplaced" not in result.notice


def test_a_heading_that_carries_its_measures_is_split_at_the_problem():
    result = import_notice((CORPUS / "heading-measures-one-line.txt").read_bytes(), "t")
    first = result.items[0]
    assert first["heading"] == first["finding"] == "关于意识形态工作责任制落实不到位的问题。"
    assert first["measures"][0].startswith("一是局党组每半年") and first["status"] == "unreported"
    assert "no_deadline" in first and result.items[1]["deadline"] == "2024-12"
    assert "unplaced" not in result.notice
