"""Charts as static SVG made at build time, each with its numbers as text (issue 28, item 9): by unit on
home, by category and over time on a notice's overview. charts.py's functions on their own (escaping,
the numbers, patterns not colour alone, contrast, the progress computed from dated records only), the
pages that show them, and Chromium at 1280 and 375 px in both modes."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
import yaml

from conftest import write_portal40
from disclosure import urls
from disclosure.model import Item, Notice, Update
from disclosure.site import BuildContext, build_site
from disclosure.site.charts import (DONE_FILL, MAX_POINTS, OPEN_DOT, OVERDUE_FILL, Bar, progress_points,
                                    stacked_bars)
from disclosure.site.figures import Figures, figures
from disclosure.site.portal import entries, most_overdue, units
from disclosure.validate import load_dataset
from helpers import write_test_data

AS_OF = dt.date(2026, 11, 26)
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
SAMPLE = "shixian-xuncha-2024"


def _bars_of(markup: str) -> list[tuple[str, list[float]]]:
    """(aria-label, the x and width percentages of its rects) of each bar."""
    out = []
    for label, body in re.findall(r'<svg class="dsc-chart__bar" role="img" aria-label="([^"]+)"[^>]*>(.*?)</svg>', markup):
        out.append((htmllib.unescape(label), [float(w) for w in re.findall(r'width="([\d.]+)%"', body)]))
    return out


def _table(markup: str) -> list[tuple[str, ...]]:
    return [tuple(htmllib.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row))
            for row in re.findall(r"<tr data-chart-data>(.*?)</tr>", markup)]


def test_a_chart_escapes_its_data_draws_no_text_and_gives_its_numbers_as_a_table():
    hostile = '<script>alert(1)</script>"单位&'
    bars = [Bar(hostile, 3, 1, 6, href='x/" onclick="y'), Bar("示例镇", 0, 0, 0), Bar("另一镇", 5, 0, 0)]
    markup = str(stacked_bars("chart-test", "标题<b>", bars, "单位"))
    assert "<script>" not in markup and "<b>" not in markup and 'onclick="' not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;单位&amp;" in markup
    assert re.findall(r"<text\b", markup) == []  # labels are HTML beside the bars (care mode, phones)
    drawn = _bars_of(markup)
    assert [label for label, _ in drawn] == [
        f"{hostile}：共 10 项，已完成 3 项，未完成、未过时限 1 项，已过整改时限 6 项",
        "示例镇：共 0 项，已完成 0 项，未完成、未过时限 0 项，已过整改时限 0 项",
        "另一镇：共 5 项，已完成 5 项，未完成、未过时限 0 项，已过整改时限 0 项"]
    # each rect's x and width: parts in order, filling the bar exactly
    first = re.search(r'<svg class="dsc-chart__bar".*?</svg>', markup).group(0)
    xs = [float(x) for x in re.findall(r'x="([\d.]+)%"', first)]
    assert xs == [0, 30, 40] and drawn[0][1] == [30, 10, 60]
    assert drawn[1][1] == [] and drawn[2][1] == [100]
    # the table: the same numbers as text
    assert _table(markup) == [(hostile, "10", "3", "1", "6"), ("示例镇", "0", "0", "0", "0"), ("另一镇", "5", "5", "0", "0")]
    assert "<details" in markup and "以表格查看这些数字" in markup
    # patterns, not colour alone: solid, dotted, striped, each named in the legend; only in-page references
    assert 'fill="url(#chart-test-open)"' in markup and 'fill="url(#chart-test-overdue)"' in markup
    for words in ("已完成（实心）", "未完成、未过时限（圆点）", "已过整改时限（斜纹）"):
        assert words in markup
    assert set(re.findall(r"url\(([^)]*)\)", markup)) == {"#chart-test-open", "#chart-test-overdue"}
    assert "http" not in markup.replace(htmllib.escape(hostile), "")
    assert str(stacked_bars("c", "t", bars, "单位", table="open")).count("<details") == 0
    below = str(stacked_bars("c", "t", bars, "类别", table="below"))
    assert "<table" not in below and "各类别的数字见下表" in below


def _contrast(a: str, b: str = "#ffffff") -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_chart_colours_stand_out_from_the_page_and_the_white_gaps_between_parts():
    for colour in (DONE_FILL, OPEN_DOT, OVERDUE_FILL):  # WCAG 1.4.11: graphics at least 3:1 against white
        assert _contrast(colour) >= 4.5, colour


def _write_updates(data):
    """The sample notice (published 2024-07-20, items 2, 4 and 6 done) with dated records."""
    items = data / "notices" / SAMPLE / "items"
    records = {
        "1": [{"date": "2024-08-10", "status": "done", "note": "管网改造完成"}],
        "3": [{"date": "2024-07-25", "status": "in_progress", "note": "已制定方案", "deadline": "2024-08",
               "reason": "按方案推进"},
              {"date": "2024-09-05", "status": "done", "note": "已完成"}],
        "5": [{"date": "2024-07-22", "status": "in_progress", "note": "正在核查", "deadline": "2024-07",
               "reason": "本月完成"}],
    }
    for item_id, updates in records.items():
        path = items / f"{item_id}.yml"
        item = yaml.safe_load(path.read_text("utf-8"))
        item["updates"] = updates
        path.write_text(yaml.safe_dump(item, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    data = write_test_data(tmp_path_factory.mktemp("charts") / "data")
    _write_updates(data)
    site = build_site(load_dataset(data), BuildContext(AS_OF, "整改公示"))
    return site, {p.url: p.html for p in site.pages}


def test_progress_over_time_comes_from_the_dated_records_only(recorded):
    site, pages = recorded
    notice = site.dataset.notice(SAMPLE)
    got = [(p.label, p.fig.done, p.fig.overdue) for p in progress_points(notice, AS_OF)]
    assert got == [("2024年7月20日（通报发布）", 3, 0), ("2024年7月22日", 3, 0), ("2024年7月25日", 3, 0),
                   ("2024年8月10日", 4, 1),  # item 5's July deadline has passed; item 1 done
                   ("2024年9月5日", 5, 1)]  # item 3 done after its August deadline: done, not overdue
    html = pages[urls.notice_url(notice)]
    chart = html.split('data-chart="chart-progress"', 1)[1].split("</figure>", 1)[0]
    rows = _table(chart)
    assert [r[0] for r in rows] == [g[0] for g in got] + ["2026年11月26日（状态计算日期）"]
    assert [(int(r[2]), int(r[4])) for r in rows] == [(3, 0), (3, 0), (3, 0), (4, 1), (5, 1), (5, 1)]
    assert all(int(r[1]) == 6 for r in rows)
    now = figures(notice.items, AS_OF)
    assert (now.done, now.overdue) == (5, 1)  # the last row is the figures the page shows above
    assert len(_bars_of(chart)) == len(rows) and "<details" in chart


def test_a_notice_without_dated_records_says_so_and_draws_nothing(recorded):
    site, pages = recorded
    html = pages[urls.notice_url("jinpu-2019")]
    assert progress_points(site.dataset.notice("jinpu-2019"), AS_OF) == []
    assert "data-no-progress-records" in html and 'data-chart="chart-progress"' not in html


def test_many_record_days_are_told_by_month_then_by_year():
    def notice(days: list[str]) -> Notice:
        items = [Item("n", str(k), f"{k}.", f"问题{k}", f"问题{k}", ["措施"], "in_progress", "正在整改", "2030-12",
                      updates=[Update(day, "done", "完成")]) for k, day in enumerate(days)]
        return Notice("n", "通报", "发文单位", "2020-01-01", "source.txt", items=items)
    daily = [(dt.date(2020, 1, 2) + dt.timedelta(days=k * 9)).isoformat() for k in range(40)]  # ~12 months
    points = progress_points(notice(daily), AS_OF)
    assert 1 < len(points) <= MAX_POINTS + 1 and points[1].label == "2020年1月"
    assert [p.fig.done for p in points][-1] == 40 and all(a.fig.done <= b.fig.done for a, b in zip(points, points[1:]))
    monthly = [f"{2020 + k // 12}-{k % 12 + 1:02d}-15" for k in range(40)]  # 40 months
    points = progress_points(notice(monthly), AS_OF)
    assert [p.label for p in points[1:]] == ["2020年", "2021年", "2022年", "2023年"]
    assert [p.fig.done for p in points[1:]] == [12, 24, 36, 40]
    assert progress_points(notice([]), AS_OF) == []  # no items
    assert progress_points(Notice("n", "t", "i", "2020-01-01", "s"), AS_OF) == []


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    data = write_portal40(tmp_path_factory.mktemp("charts40") / "data")
    site = build_site(load_dataset(data), BuildContext(AS_OF, "整改公示"))
    return site, {p.url: p.html for p in site.pages}


def test_home_charts_the_units_with_most_overdue_items_with_the_same_numbers_in_its_table(portal):
    site, pages = portal
    home = pages[urls.HOME]
    chart = home.split('data-chart="chart-units"', 1)[1].split("</figure>", 1)[0]
    top = most_overdue(units(entries(site.dataset, AS_OF)))
    assert top and [label.split("：")[0] for label, _ in _bars_of(chart)] == [u.unit for u in top]
    assert _table(chart) == [(u.unit, str(u.fig.total), str(u.fig.done), str(u.fig.not_done - u.fig.overdue),
                              str(u.fig.overdue)) for u in top]
    assert "data-overdue-units" in chart and "<details" not in chart  # the table is shown, as before
    for u in top:  # each unit's label links to its overdue list
        assert f'href="{urls.unit_overdue_url(u.unit)}"' in chart


def test_a_notice_overview_charts_its_categories_like_its_category_table(portal):
    site, pages = portal
    notice = site.dataset.notice("jinpu-2019")
    html = pages[urls.notice_url(notice)]
    chart = html.split('data-chart="chart-categories"', 1)[1].split("</figure>", 1)[0]
    table = re.findall(r'<tr data-category="([^"]+)">.*?data-count="total">(\d+)<.*?data-count="done">(\d+)<'
                       r'.*?data-count="not_done">(\d+)<.*?data-count="overdue">(\d+)<', html, re.S)
    drawn = _bars_of(chart)
    assert len(drawn) == len(table) == len(notice.categories)
    for (label, _), cat, (cat_id, total, done, not_done, overdue) in zip(drawn, notice.categories, table):
        assert cat.id == cat_id
        assert label == (f"{cat.label}{cat.title}：共 {total} 项，已完成 {done} 项，未完成、未过时限 "
                         f"{int(not_done) - int(overdue)} 项，已过整改时限 {overdue} 项")


# ---- in Chromium, on the built 40-notice portal -------------------------------------------------------

CHARTS = {"home": ("", "chart-units"), "notice": ("jinpu-2019/", "chart-categories")}


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_charts_fit_the_screen_keep_their_text_alternatives_and_pass_axe(browser, portal40_url, viewport, care):
    from axe_playwright_python.sync_playwright import Axe
    from test_care_mode import MIN_PX, SMALL_TEXTS
    for name, (path, chart_id) in CHARTS.items():
        context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE)
        if care:
            context.add_init_script("try { localStorage.setItem('dsc-care-mode', 'on'); } catch (e) {}")
        tab = context.new_page()
        requests = []
        tab.on("request", lambda r: requests.append(r.url))
        try:
            tab.goto(portal40_url + path)
            chart = tab.locator(f'[data-chart="{chart_id}"]')
            assert chart.is_visible()
            bars = chart.locator("svg.dsc-chart__bar[role=img]")
            assert bars.count() >= 4
            for k in range(bars.count()):
                label = bars.nth(k).get_attribute("aria-label")
                assert re.search(r"：共 \d+ 项，已完成 \d+ 项", label), label
                box = bars.nth(k).bounding_box()
                assert box["width"] >= 0.5 * (viewport["width"] - 60 if viewport is PHONE else 300)
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
            labels = chart.locator(".dsc-chart__label")
            assert labels.first.is_visible() and labels.first.inner_text()
            assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
            if care:
                found = tab.evaluate(SMALL_TEXTS, MIN_PX)
                assert found["small"] == [], (name, found["small"][:10])
                size = float(labels.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
                assert size >= MIN_PX
            details = chart.locator("details")
            if details.count():  # the folded table opens to the same numbers
                details.locator("summary").click()
                assert details.locator("table tr[data-chart-data]").count() == bars.count()
            else:
                assert chart.locator("table tr[data-chart-data]").count() == bars.count() or \
                    tab.locator("[data-category-table] tbody tr").count() == bars.count()
            results = Axe().run(tab)
            bad = [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
                   for v in results.response["violations"] if v["impact"] in ("critical", "serious")]
            assert bad == [], (name, care, viewport["width"], bad)
            host = portal40_url.split("/")[2]
            assert all(r.split("/")[2] == host for r in requests if r.startswith("http")), requests
        finally:
            context.close()
