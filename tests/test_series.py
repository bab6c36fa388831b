"""One inspection, several notices (issue 14): a follow-up of the real Jinpu notice, written for the
test (tests/notices/followup/README.md), is imported with --follows; its items are linked to the
problems they report on, the site counts each problem once by its newest statement, the Jinpu item
pages show the follow-up's status lines, and bad links are refused with file and line."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from disclosure.series import fold, heading_key, propose_links
from disclosure.site import BuildContext, build_site
from disclosure.site.figures import figures
from disclosure.validate import load_dataset
from helpers import ROOT

FOLLOWUP = ROOT / "tests" / "notices" / "followup" / "jinpu-2020-followup.txt"
LATER = "jinpu-2020"
EXPECTED_LINKS = {"1": "jinpu-2019/1", "2": "jinpu-2019/2", "3": "jinpu-2019/3", "4": "jinpu-2019/6",
                  "5": "jinpu-2019/5-2"}  # (六) is reworded on purpose: reported, not linked
AS_OF = dt.date(2026, 11, 26)
EARLY = dt.date(2021, 3, 1)  # after the follow-up, before its moved deadlines (2021-06, 2021-12)


def disclosure(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "disclosure.cli", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """data/ (the real notice alone) plus the follow-up imported with --follows, as staff would."""
    root = tmp_path_factory.mktemp("series")
    shutil.copytree(ROOT / "data", root / "data")
    done = disclosure(root, "import", str(FOLLOWUP), "--out", f"data/notices/{LATER}", "--follows", "jinpu-2019")
    return root, done


@pytest.fixture(scope="module")
def settled(imported, tmp_path_factory):
    """The import with (六) settled by hand: staff add the continues line the report asked for."""
    root, _ = imported
    data = tmp_path_factory.mktemp("settled") / "data"
    shutil.copytree(root / "data", data)
    item = data / "notices" / LATER / "items" / "6.yml"
    item.write_text(item.read_text("utf-8").rstrip("\n") + "\ncontinues: jinpu-2019/7-1\n", "utf-8")
    return data


def continues_of(data: Path) -> dict[str, str]:
    out = {}
    for path in (data / "notices" / LATER / "items").glob("*.yml"):
        found = re.search(r"^continues: (\S+)$", path.read_text("utf-8"), re.M)
        if found:
            out[path.stem] = found[1]
    return out


# -- import -------------------------------------------------------------------------------------------
def test_the_import_links_exactly_the_matching_problems_and_reports_the_rest(imported):
    root, done = imported
    assert done.returncode == 0, done.stderr
    data = root / "data"
    assert continues_of(data) == EXPECTED_LINKS
    assert re.search(r"^follows: jinpu-2019$", (data / "notices" / LATER / "notice.yml").read_text("utf-8"), re.M)
    report = done.stdout + done.stderr
    assert "事项 (二) 接续 jinpu-2019/2(标题一致)" in report  # ‘…’ and a half-width stop fold to the same words
    assert "事项 (五) 接续 jinpu-2019/5-2" in report and "问题描述与第 (5)二是 项吻合" in report  # same heading as (5)一是
    assert re.search(r"提示: 事项 \(六\)关于乡村振兴统筹推进不够的问题。:在 jinpu-2019 中没有找到对应的问题.*continues: jinpu-2019/<事项编号>",
                     report)
    assert disclosure(root, "validate", "data").returncode == 0


def test_matching_folds_quotes_width_and_punctuation_and_never_guesses():
    assert heading_key("关于‘发展步伐不快’的问题.") == heading_key("关于“发展步伐不快”的问题。") == "发展步伐不快"
    assert heading_key("关于“体制机制落后”问题的整改进展情况") == "体制机制落后"
    assert fold("（５）ＧＤＰ") == "5GDP"
    earlier = load_dataset(ROOT / "data").notice("jinpu-2019")
    # same heading as both (5)一是 and (5)二是 and nothing of either finding: ambiguous, not linked
    vague = {"id": "x", "heading": "关于“一些影响群众日常生活的民生问题解决不力”的问题。", "finding": "", "measures": ["持续推进。"]}
    # a near miss: one word changed in a long heading is similar enough; a different problem is not
    near = {"id": "y", "heading": "关于“贯彻落实中央决策部署及省委市委具体安排不到位”的问题", "finding": "", "measures": []}
    other = {"id": "z", "heading": "关于食堂管理不规范的问题", "finding": "", "measures": []}
    matches = {m.item_id: m for m in propose_links(earlier, [vague, near, other])}
    assert (matches["x"].target, matches["x"].how) == (None, "ambiguous")
    assert (matches["y"].target, matches["y"].how) == ("jinpu-2019/8", "exact")  # punctuation only: same words
    assert (matches["z"].target, matches["z"].how) == (None, "unmatched")
    twice = [dict(near, id="a"), dict(near, id="b")]  # two items on one problem: neither is linked
    assert [m.target for m in propose_links(earlier, twice)] == [None, None]


def test_import_follows_an_unknown_notice_is_refused_in_chinese(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    done = disclosure(tmp_path, "import", str(FOLLOWUP), "--out", "data/notices/x-2020", "--follows", "nope")
    assert done.returncode == 1 and "“nope”" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "notices" / "x-2020").exists()


# -- the site -----------------------------------------------------------------------------------------
def site_figures(site) -> dict[str, int]:
    home = next(p for p in site.pages if p.url == "").html
    return {k: int(v) for k, v in re.findall(r'data-site-figure="(\w+)" data-figure="\w+">(\d+)<', home)}


@pytest.fixture(scope="module")
def sites(settled):
    without = load_dataset(ROOT / "data")
    with_followup = load_dataset(settled)
    return {(name, when): build_site(ds, BuildContext(when, "站")) for name, ds in (("before", without), ("after", with_followup))
            for when in (AS_OF, EARLY)}


def test_site_wide_figures_count_each_problem_once_by_its_newest_status(sites, settled):
    earlier = load_dataset(ROOT / "data").notice("jinpu-2019")
    by_id = {i.id: i for i in earlier.items}
    newly_done = [t for t in ("1", "3", "6") if by_id[t].status != "done"]  # the follow-up reports them done
    for when in (AS_OF, EARLY):
        before, after = site_figures(sites[("before", when)]), site_figures(sites[("after", when)])
        assert after["total"] == before["total"] == 44  # 6 follow-up items, each an earlier problem
        assert after["done"] == before["done"] + len(newly_done)
        was_overdue = {i.id for i in earlier.items if i.overdue(when)}
        now_overdue = set(was_overdue) - set(newly_done)
        if when == EARLY:  # deadlines moved by the follow-up: 2 to 2021-06, 7-1 to 2021-12
            now_overdue -= {"2", "7-1"}
        else:
            assert {"2", "7-1"} <= now_overdue  # 2026: the moved deadlines have passed too
        assert after["overdue"] == len(now_overdue), (when, was_overdue, now_overdue)
    records = json.loads(sites[("after", AS_OF)].files["data/items.json"])
    assert len(records) == 50 and len({r["problem"] for r in records}) == 44
    assert {r["id"]: r["continues"] for r in records if r["notice"] == LATER} == {**EXPECTED_LINKS, "6": "jinpu-2019/7-1"}
    one = next(r for r in records if (r["notice"], r["id"]) == ("jinpu-2019", "1"))
    assert (one["status"], one["status_text"], one["continues"]) == ("done", "整改进展情况:正在整改,2019年12月前完成。", None)
    meta = json.loads(sites[("after", AS_OF)].search_files()["search/meta.json"])
    assert meta["count"] == 44  # search and its facets count problems


def test_the_notice_keeps_its_own_figures_and_text(sites):
    page = next(p for p in sites[("after", AS_OF)].pages if p.url == "jinpu-2019/").html
    figures_shown = [int(v) for v in re.findall(r'data-figure="(?:total|done|not_done|overdue)">(\d+)<', page)[:4]]
    assert figures_shown == [44, 20, 24, 23]  # the live Jinpu figures, as that notice stated them
    full = next(p for p in sites[("after", AS_OF)].pages if p.url == "jinpu-2019/full-text/").html
    assert "整改进展情况:正在整改,2019年12月前完成。" in full and "已正式印发执行" not in full  # not the follow-up's words


def item_html(site, notice: str, item: str) -> str:
    return next(p for p in site.pages if p.url == f"{notice}/items/{item}/").html


def test_the_earlier_item_page_shows_the_follow_ups_status_line_and_date(sites):
    page = item_html(sites[("after", AS_OF)], "jinpu-2019", "1")
    state = page.split('data-state>', 1)[1].split("</section>", 1)[0]
    assert 'data-status="done"' in state and "2020年12月28日" in state  # current: the follow-up's word
    series = page.split("data-series>", 1)[1].split("</section>", 1)[0]
    assert 'data-statement="jinpu-2019/1"' in series and f'data-statement="{LATER}/1"' in series
    assert "<q data-statement-text>整改进展情况:已完成。</q>" in series and "2020年12月28日" in series
    assert "中共大连金普新区工作委员会关于省委巡视整改进展情况的通报" in series
    assert "<q data-status-text>整改进展情况:正在整改,2019年12月前完成。</q>" in page  # its own line, verbatim


def test_overdue_follows_the_moved_deadline(sites):
    early_before = item_html(sites[("before", EARLY)], "jinpu-2019", "2")
    early_after = item_html(sites[("after", EARLY)], "jinpu-2019", "2")
    assert "data-overdue-note" in early_before and "data-overdue-note" not in early_after
    assert "原定 2020年12月 → 2021年6月（2020年12月通报）" in early_after
    assert 'data-deadline="2021-06"' in early_after
    late = item_html(sites[("after", AS_OF)], "jinpu-2019", "2")
    assert "data-overdue-note" in late and "已超过 5 年 4 个月" in late  # counted from the end of 2021-06, not 2020-12


def test_the_follow_up_item_page_points_to_the_problem(sites):
    page = item_html(sites[("after", AS_OF)], LATER, "4")
    assert 'href="../../../jinpu-2019/items/6/" data-series-root' in page
    assert 'data-statement="jinpu-2019/6"' in page


def test_directory_shows_the_series_together_and_feeds_announce_the_follow_up(sites):
    site = sites[("after", AS_OF)]
    directory = next(p for p in site.pages if p.url == "notices/").html
    assert directory.count("data-entry=") == 1 and f'data-entry-later="{LATER}"' in directory
    index = json.loads(site.files["notices/index.json"])
    assert [e["id"] for e in index] == ["jinpu-2019"] and index[0]["later"][0]["id"] == LATER
    assert (index[0]["total"], index[0]["done"]) == (44, site_figures(site)["done"])
    feed = site.files["jinpu-2019/feed.xml"].decode() + site.files[f"{LATER}/feed.xml"].decode()
    assert "(一) 关于“体制机制落后”的问题：已完成（后续通报）" in feed
    assert "jinpu-2019/items/1/" in site.files["feed.xml"].decode()


# -- bad links ----------------------------------------------------------------------------------------
def _line_of(path: Path, key: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if line.startswith(key + ":"))


def _set(path: Path, key: str, value: str) -> None:
    text = re.sub(rf"^{key}: .*\n", "", path.read_text("utf-8"), flags=re.M)
    path.write_text(text.rstrip("\n") + f"\n{key}: {value}\n", "utf-8")


@pytest.mark.parametrize("case", ["missing_item", "forward_in_time", "cycle", "outside_series", "twice"])
def test_bad_links_are_refused_with_file_and_line(case, settled, tmp_path, capsys):
    from disclosure.cli import main
    data = tmp_path / "data"
    shutil.copytree(settled, data)
    later = data / "notices" / LATER
    earlier = data / "notices" / "jinpu-2019" / "notice.yml"
    if case == "missing_item":
        target, key, words = later / "items" / "1.yml", "continues", ["jinpu-2019/99", "不存在"]
        _set(target, key, "jinpu-2019/99")
    elif case == "forward_in_time":
        target, key, words = earlier, "follows", ["不早于本通报"]
        shutil.copytree(later, data / "notices" / "jinpu-2021")  # a later notice the earlier one claims to follow
        notice = data / "notices" / "jinpu-2021" / "notice.yml"
        notice.write_text(notice.read_text("utf-8").replace(f'id: "{LATER}"', 'id: "jinpu-2021"').replace(
            'issued: "2020-12-25"', 'issued: "2021-06-30"').replace("follows: jinpu-2019\n", ""), "utf-8")
        for item in (data / "notices" / "jinpu-2021" / "items").glob("*.yml"):
            item.write_text(re.sub(r"^continues: .*\n", "", item.read_text("utf-8"), flags=re.M), "utf-8")
        _set(earlier, "follows", "jinpu-2021")
    elif case == "cycle":
        target, key, words = earlier, "follows", ["循环"]
        _set(earlier, "follows", LATER)
    elif case == "outside_series":
        target, key, words = later / "items" / "1.yml", "continues", ["不属于本通报所接续的通报"]
        shutil.copytree(ROOT / "examples" / "sample-portal" / "notices" / "shixian-xuncha-2024",
                        data / "notices" / "shixian-xuncha-2024")
        _set(target, key, "shixian-xuncha-2024/1")
    else:
        target, key, words = later / "items" / "2.yml", "continues", ["已由本通报的事项 1", "只能接续一次"]
        _set(target, key, "jinpu-2019/1")
    capsys.readouterr()
    code = main(["validate", str(data)])
    out = capsys.readouterr()
    text = out.out + out.err
    line = _line_of(target, key)
    rel = target.relative_to(data.parent).as_posix()
    assert code == 1 and f"{rel}:{line}:" in text, text
    assert all(w in text for w in words), text
    assert "Traceback" not in text


@pytest.mark.slow  # a whole MkDocs build
def test_mkdocs_builds_the_series_and_every_series_link_resolves(settled, tmp_path):
    from conftest import run_mkdocs_build
    out = tmp_path / "site"
    done = run_mkdocs_build(out, data_dir=settled)
    assert done.returncode == 0, done.stderr
    page = (out / "jinpu-2019" / "items" / "1" / "index.html").read_text("utf-8")
    assert "data-series" in page and "<q data-statement-text>整改进展情况:已完成。</q>" in page
    hrefs = re.findall(r'href="([^"#]+)"', page.split("data-series>", 1)[1].split("</section>", 1)[0])
    targets = [(out / "jinpu-2019" / "items" / "1" / h).resolve() for h in hrefs]
    assert targets and all((t / "index.html").is_file() for t in targets), hrefs


# -- chains, withdrawals and dates (found in review) ---------------------------------------------
def _notice(nid: str, issued: str, follows: str | None = None, items=(), withdrawn=None):
    from disclosure.model import Notice
    n = Notice(nid, f"{nid} 通报", "某单位", issued, "source.txt", published=issued, follows=follows, withdrawn=withdrawn)
    n.items = list(items)
    return n


def _item(nid: str, iid: str, status="in_progress", deadline=None, continues=None, updates=()):
    from disclosure.model import Item
    return Item(nid, iid, f"({iid})", f"关于“问题{iid}”的问题。", "问题", [], status, "整改进展情况:正在整改。", deadline,
                continues=continues, updates=list(updates))


def test_a_withdrawn_middle_notice_does_not_split_a_problem_or_its_series():
    from disclosure.dataset import Dataset
    from disclosure.model import Withdrawal
    a = _notice("a", "2019-01-01", items=[_item("a", "1", deadline="2019-12")])
    b = _notice("b", "2020-01-01", "a", [_item("b", "1", continues="a/1")], withdrawn=Withdrawal("2020-02-01", "重复"))
    c = _notice("c", "2021-01-01", "b", [_item("c", "1", status="done", continues="b/1")])
    dataset = Dataset([c, a], withdrawn_notices=[b])
    assert len(dataset.problems) == 1 and [s.notice.id for s in dataset.problems[0].statements] == ["a", "c"]
    assert [n.id for n in dataset.series(c)] == ["a", "c"] and dataset.problems[0].status == "done"


def test_one_problem_is_continued_once_per_notice_even_through_an_intermediate_link():
    from disclosure.series import link_problems
    a = _notice("a", "2019-01-01", items=[_item("a", "1")])
    b = _notice("b", "2020-01-01", "a", [_item("b", "1", continues="a/1")])
    c = _notice("c", "2021-01-01", "b", [_item("c", "1", continues="a/1"), _item("c", "2", continues="b/1")])
    problems = link_problems([a, b, c])
    assert [(p.notice_id, p.item_id) for p in problems] == [("c", "2")] and "最早见于 a/1" in problems[0].message


def test_a_status_only_update_does_not_bring_back_an_old_deadline():
    from disclosure.dataset import Dataset
    from disclosure.model import Update
    a = _notice("a", "2019-08-01", items=[_item("a", "1", deadline="2019-12",
                                                 updates=[Update("2021-03-01", "in_progress", "仍在推进")])])
    b = _notice("b", "2020-06-01", "a", [_item("b", "1", deadline="2021-12", continues="a/1")])
    problem = Dataset([b, a]).problems[0]
    assert problem.deadline == "2021-12" and not problem.overdue(dt.date(2021, 6, 30))
    assert problem.latest.notice.id == "a"  # the newest word on its status is a's 2021 update
    assert problem.deadline_history == [("2019-12", "2019年8月通报"), ("2021-12", "2020年6月通报")]


def test_an_item_pages_timeline_holds_later_statements_and_updates_in_date_order():
    from disclosure.dataset import Dataset
    from disclosure.model import Update
    from disclosure.series import NOTICE, STATEMENT, UPDATE, timeline
    a1 = _item("a", "1", deadline="2019-12", updates=[Update("2019-10-01", "in_progress", "甲"),
                                                      Update("2021-03-01", "in_progress", "乙")])
    b1 = _item("b", "1", status="done", continues="a/1", updates=[Update("2020-09-01", "done", "丙")])
    a = _notice("a", "2019-08-01", items=[a1, _item("a", "2")])
    b = _notice("b", "2020-06-01", "a", [b1])
    dataset = Dataset([b, a])
    problem = dataset.problem_of(a1)
    got = [(p.date, p.kind, p.statement.item.notice_id, p.own) for p in timeline(a, a1, problem)]
    assert got == [("2019-08-01", NOTICE, "a", True), ("2019-10-01", UPDATE, "a", True),
                   ("2020-06-01", STATEMENT, "b", False), ("2020-09-01", UPDATE, "b", False),
                   ("2021-03-01", UPDATE, "a", True)]
    # the later notice's page: its own word, then what came after it wherever it was recorded
    got = [(p.date, p.kind, p.statement.item.notice_id, p.own) for p in timeline(b, b1, problem)]
    assert got == [("2020-06-01", NOTICE, "b", True), ("2020-09-01", UPDATE, "b", True),
                   ("2021-03-01", UPDATE, "a", False)]
    # a problem one notice reports on: the notice's word alone (the page then says there is no news)
    two = a.items[1]
    assert [(p.date, p.kind) for p in timeline(a, two, dataset.problem_of(two))] == [("2019-08-01", NOTICE)]
    assert [(p.date, p.kind) for p in timeline(a, two)] == [("2019-08-01", NOTICE)]
