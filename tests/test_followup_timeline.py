"""Follow-ups as progress (issue 28, item 5). The Jinpu item page showed the 2020 follow-up's "已完成"
and, just below, "通报发布后,发文单位尚未公布此项的新进展" — and not what the follow-up said was done.
A problem's page now lists each later notice's statement in its timeline (整改进展记录): the status
line verbatim with its status word, the follow-up item's measures verbatim (every paragraph), the
later notice's date and a link to its item page, in date order with the dated updates; the "no
news" sentence only when there is nothing after the notice's own word. The follow-up is the one
written for the tests (tests/notices/followup/README.md), imported as staff would."""
from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from disclosure.site import BuildContext, build_site
from disclosure.validate import load_dataset
from helpers import ROOT, serve_directory

FOLLOWUP = ROOT / "tests" / "notices" / "followup" / "jinpu-2020-followup.txt"
EARLIER, LATER = "jinpu-2019", "jinpu-2020"
LATER_TITLE = "中共大连金普新区工作委员会关于省委巡视整改进展情况的通报"
AS_OF = dt.date(2026, 11, 26)
NO_NEWS = "尚未公布此项的新进展"
SECOND_PARAGRAPH = "建立产业项目推进台账,每月调度一次,逐项对账销号。"  # added to the follow-up's (二) for the tests
HOSTILE = ['</q></blockquote><script>alert("措施")</script>', '<img src=x onerror=alert(1)> {{ 7*7 }} & "引号"']

UPDATES = {
    # the earlier item (1): one update before the follow-up and one after it
    (EARLIER, "1"): '''updates:
  - date: "2020-03-31"
    status: in_progress
    note: 机构改革方案已报批。
  - date: "2021-04-15"
    status: done
    note: 开展整改“回头看”,巩固整改成效。
''',
    # the follow-up's (三): an update of its own, which the earlier item's page shows as related progress
    (LATER, "3"): '''updates:
  - date: "2021-06-30"
    status: done
    note: 稳外资措施形成长效机制。
''',
    # the earlier (3): one update before the follow-up (not on the follow-up's page) and one after it (on it)
    (EARLIER, "3"): '''updates:
  - date: "2020-06-01"
    status: in_progress
    note: 拜访商务部,推进示范区申报。
  - date: "2021-01-20"
    status: in_progress
    note: 示范区方案已上报省政府。
''',
}


def _import_followup(root: Path) -> Path:
    """data/ (the real notice) plus the follow-up imported with --follows, (六) linked by hand."""
    shutil.copytree(ROOT / "data", root / "data")
    done = subprocess.run([sys.executable, "-m", "disclosure.cli", "import", str(FOLLOWUP), "--out",
                           f"data/notices/{LATER}", "--follows", EARLIER], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = root / "data"
    six = data / "notices" / LATER / "items" / "6.yml"
    six.write_text(six.read_text("utf-8").rstrip("\n") + f"\ncontinues: {EARLIER}/7-1\n", "utf-8")
    return data


def _item_file(data: Path, notice: str, item: str) -> Path:
    return data / "notices" / notice / "items" / f"{item}.yml"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), "utf-8")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    data = _import_followup(tmp_path_factory.mktemp("followup"))
    for (notice, item), block in UPDATES.items():
        _replace(_item_file(data, notice, item), "updates: []\n", block)
    _replace(_item_file(data, LATER, "2"), "\nupdates:", f"\n  - |-\n    {SECOND_PARAGRAPH}\nupdates:")
    return data


@pytest.fixture(scope="module")
def site(data):
    return build_site(load_dataset(data), BuildContext(AS_OF, "站"))


@pytest.fixture(scope="module")
def plain_site():
    """data/ alone: no follow-up."""
    return build_site(load_dataset(ROOT / "data"), BuildContext(AS_OF, "站"))


def item_html(site, notice: str, item: str) -> str:
    return next(p for p in site.pages if p.url == f"{notice}/items/{item}/").html


def timeline_of(page: str) -> str:
    return page.split("data-timeline>", 1)[1].split("</section>", 1)[0]


def entries(timeline: str) -> list[str]:
    return re.findall(r"<li data-update=.*?</li>", timeline, re.S)


def entry_from(timeline: str, link: str) -> str:
    found = [e for e in entries(timeline) if f'data-progress-from="{link}"' in e and 'data-update-kind="statement"' in e]
    assert len(found) == 1, timeline
    return found[0]


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# -- the earlier notice's item page ----------------------------------------------------------------------------
def test_the_earlier_item_page_shows_the_follow_up_as_progress(site, data):
    timeline = timeline_of(item_html(site, EARLIER, "1"))
    entry = entry_from(timeline, f"{LATER}/1")
    followup = next(i for i in load_dataset(data).notice(LATER).items if i.id == "1")
    # the status line verbatim, with its status word (not data-status: that is the page's current one)
    assert f"<q data-progress-status-text>{followup.status_text}</q>" in entry
    assert 'data-update-status="done"' in entry and "已完成" in entry and 'data-status=' not in entry
    # what was done: the follow-up item's measures, verbatim
    assert followup.measures and all(f"<p>{m}</p>" in entry for m in followup.measures)
    assert "《园区深化改革实施细则》已正式印发执行" in entry
    # the later notice's date and a link to the follow-up item's page
    assert '<time datetime="2020-12-28">2020年12月28日</time>' in entry
    assert f'href="../../../{LATER}/items/1/" data-progress-link' in entry and LATER_TITLE in entry


def test_every_paragraph_of_the_follow_ups_measures_is_shown(site, data):
    entry = entry_from(timeline_of(item_html(site, EARLIER, "2")), f"{LATER}/2")
    measures = next(i for i in load_dataset(data).notice(LATER).items if i.id == "2").measures
    assert len(measures) == 2 and measures[1] == SECOND_PARAGRAPH
    assert re.findall(r"<p>(.*?)</p>", entry.split("data-progress-measures>", 1)[1].split("</blockquote>", 1)[0]) == measures
    assert "整改时限 2021年6月" in text_of(entry)  # the deadline the follow-up set


def test_the_follow_up_is_in_date_order_with_the_updates(site):
    timeline = timeline_of(item_html(site, EARLIER, "1"))
    kinds = [(re.search(r'data-update="([\d-]+)"', e)[1], re.search(r'data-update-kind="(\w+)"', e)[1]
              if "data-update-kind" in e else "update") for e in entries(timeline)]
    assert kinds == [("2019-08-21", "notice"), ("2020-03-31", "update"), ("2020-12-28", "statement"),
                     ("2021-04-15", "update")]
    assert "机构改革方案已报批。" in timeline and "开展整改“回头看”,巩固整改成效。" in timeline


def test_the_follow_up_items_own_updates_are_progress_too(site):
    timeline = timeline_of(item_html(site, EARLIER, "3"))
    dates = re.findall(r'data-update="([\d-]+)"', timeline)
    assert dates == ["2019-08-21", "2020-06-01", "2020-12-28", "2021-01-20", "2021-06-30"]
    related = next(e for e in entries(timeline) if 'data-update="2021-06-30"' in e)
    assert f'data-progress-from="{LATER}/3"' in related and "稳外资措施形成长效机制。" in related
    assert f'href="../../../{LATER}/items/3/" data-progress-link' in related


def test_no_news_is_said_only_when_there_is_none(site, plain_site):
    for item in ("1", "2", "3", "5-2", "6", "7-1"):  # every problem the follow-up reports on
        page = item_html(site, EARLIER, item)
        assert NO_NEWS not in page and "data-no-news" not in page, item
        assert 'data-update-kind="statement"' in timeline_of(page), item
    # no follow-up and no update: the sentence stays, as before
    untouched = item_html(site, EARLIER, "4")
    assert NO_NEWS in timeline_of(untouched) and 'data-update-kind="statement"' not in untouched
    before = item_html(plain_site, EARLIER, "1")
    assert NO_NEWS in timeline_of(before) and len(entries(timeline_of(before))) == 1
    # no follow-up, an update of its own: no such sentence (as before)
    assert NO_NEWS not in item_html(site, LATER, "3")


# -- the follow-up's own item page ------------------------------------------------------------------------------
def test_the_follow_up_item_page_keeps_its_own_text(site, data):
    page = item_html(site, LATER, "1")
    followup = next(i for i in load_dataset(data).notice(LATER).items if i.id == "1")
    assert f"<q data-status-text>{followup.status_text}</q>" in page
    measures = page.split("data-measures>", 1)[1].split("</ol>", 1)[0]
    assert all(f"<p>{m}</p>" in measures for m in followup.measures)
    timeline = timeline_of(page)
    assert re.findall(r'data-update="([\d-]+)"', timeline) == ["2020-12-28", "2021-04-15"]
    assert 'data-update-kind="statement"' not in timeline and NO_NEWS not in timeline  # no later notice
    assert "机构改革方案已报批" not in timeline  # the earlier item's update came before this notice
    nothing_later = timeline_of(item_html(site, LATER, "4"))  # continues jinpu-2019/6; no update anywhere
    assert re.findall(r'data-update="([\d-]+)"', nothing_later) == ["2020-12-28"] and NO_NEWS in nothing_later


def test_the_follow_up_page_shows_later_updates_of_the_earlier_item(site):
    timeline = timeline_of(item_html(site, LATER, "3"))
    assert re.findall(r'data-update="([\d-]+)"', timeline) == ["2020-12-28", "2021-01-20", "2021-06-30"]
    related = next(e for e in entries(timeline) if 'data-update="2021-01-20"' in e)
    assert f'data-progress-from="{EARLIER}/3"' in related and "示范区方案已上报省政府。" in related
    assert "拜访商务部" not in timeline  # before the follow-up was published


# -- hostile text ------------------------------------------------------------------------------------------------
def test_hostile_text_in_the_follow_ups_measures_is_escaped(tmp_path):
    data = _import_followup(tmp_path)
    path = _item_file(data, LATER, "1")
    text = path.read_text("utf-8")
    block = "measures:\n" + "".join(f"  - {_yaml_quoted(m)}\n" for m in HOSTILE)
    path.write_text(re.sub(r"^measures:\n(?:  .*\n)+", lambda _: block, text, flags=re.M), "utf-8")
    assert next(i for i in load_dataset(data).notice(LATER).items if i.id == "1").measures == HOSTILE
    site = build_site(load_dataset(data), BuildContext(AS_OF, "站"))
    entry = entry_from(timeline_of(item_html(site, EARLIER, "1")), f"{LATER}/1")
    assert "<script" not in entry and "<img" not in entry and "</q></blockquote>" not in entry
    quoted = entry.split("data-progress-measures>", 1)[1].split("</blockquote>", 1)[0]
    assert [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", quoted)] == HOSTILE
    assert "&lt;script&gt;" in entry and "{{ 7*7 }}" in entry and "&amp;" in entry


def _yaml_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- in a browser ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(data, tmp_path_factory):
    from conftest import run_mkdocs_build
    out = tmp_path_factory.mktemp("followup-site") / "site"
    done = run_mkdocs_build(out, data_dir=data)
    assert done.returncode == 0, done.stderr
    with serve_directory(out) as url:
        yield url


def test_the_follow_up_entry_is_visible_on_a_phone(page, served):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{served}{EARLIER}/items/1/")
    entry = page.locator(f'[data-timeline] li[data-progress-from="{LATER}/1"][data-update-kind="statement"]')
    entry.scroll_into_view_if_needed()
    assert entry.is_visible()
    for part in ("[data-progress-status-text]", "[data-progress-measures]", "time", "[data-progress-link]"):
        assert entry.locator(part).first.is_visible(), part
    assert "《园区深化改革实施细则》已正式印发执行" in entry.inner_text()
    box = entry.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert NO_NEWS not in page.locator("[data-timeline]").inner_text()
    entry.locator("[data-progress-link]").click()
    page.wait_for_url(f"**/{LATER}/items/1/")
    assert page.locator("[data-status-text]").inner_text() == "整改进展情况:已完成。"
