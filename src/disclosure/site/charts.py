"""Charts as static SVG made at build time: pure functions from figures to markup, no chart library
and nothing loaded from anywhere (the SVG is inline in the page; its look is assets/charts.css).

Every chart is a <figure> whose rows put an HTML label beside each bar (HTML text follows 关怀模式
and the phone's width; the SVG holds no text) and the numbers beside it, and whose table gives the
same numbers as text. Colour is never the only carrier of meaning: each part of a bar has its own
pattern (solid, dotted, striped), the legend names them, and the numbers carry the status symbols.
Every data text (unit names, category titles) is escaped here.

    stacked_bars    rows of done / not done and not yet overdue / overdue, each row 100 % wide
    progress_rows   a notice's figures at each date of its dated records (progress_points)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..model import Item, Notice, date_text, month_text
from ..status import DONE, ICONS, LABELS, is_done, is_overdue, month_end
from .figures import Figures

# The three parts of a bar: what the legend and the table call them, their symbol, their look.
DONE_WORD, OPEN_WORD, OVERDUE_WORD = LABELS[DONE], "未完成、未过时限", "已过整改时限"
OPEN_ICON, OVERDUE_ICON = "◔", "⚠"  # as the figures blocks show them (templates/_macros.html)
DONE_FILL, OPEN_FILL, OPEN_DOT, OVERDUE_FILL = "#1b5e20", "#e3f2fd", "#0d47a1", "#b71c1c"  # disclosure.css --dsc-*
MAX_POINTS = 24  # rows of a chart over time: more dated records are told by month, then by year


@dataclass(frozen=True)
class Bar:
    """One row of a chart: its label (data text) and the three parts, which add up to its total."""
    label: str
    done: int
    open: int  # not done, and not past its deadline (or without one)
    overdue: int
    href: str = ""  # the label links here when given (page-relative)
    note: str = ""  # shown after the label, e.g. "（状态计算日期）"

    @property
    def total(self) -> int:
        return self.done + self.open + self.overdue

    @classmethod
    def of(cls, label: str, fig: Figures, href: str = "", note: str = "") -> "Bar":
        return cls(label, fig.done, fig.not_done - fig.overdue, fig.overdue, href, note)


def _percent(part: int, total: int) -> str:
    return f"{100 * part / total:.2f}".rstrip("0").rstrip(".") + "%" if total else "0%"


def _defs(chart_id: str) -> str:
    """The patterns of one chart (ids unique per chart: a page may hold several)."""
    return (f'<svg class="dsc-chart__defs" aria-hidden="true" focusable="false" width="0" height="0"><defs>'
            f'<pattern id="{chart_id}-open" patternUnits="userSpaceOnUse" width="6" height="6">'
            f'<rect width="6" height="6" fill="{OPEN_FILL}"/><circle cx="3" cy="3" r="1.6" fill="{OPEN_DOT}"/></pattern>'
            f'<pattern id="{chart_id}-overdue" patternUnits="userSpaceOnUse" width="8" height="8" '
            f'patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff"/>'
            f'<rect width="5.5" height="8" fill="{OVERDUE_FILL}"/></pattern></defs></svg>')


def _fills(chart_id: str) -> tuple[str, str, str]:
    return DONE_FILL, f"url(#{chart_id}-open)", f"url(#{chart_id}-overdue)"


def _swatch(fill: str) -> str:
    return (f'<svg class="dsc-chart__swatch" aria-hidden="true" focusable="false" width="24" height="14">'
            f'<rect x="1" y="1" width="22" height="12" fill="{fill}" stroke="#333" stroke-width="1"/></svg>')


def bar_words(bar: Bar) -> str:
    """What a bar shows, in words: its image's accessible name."""
    return (f"{bar.label}{bar.note}：共 {bar.total} 项，{DONE_WORD} {bar.done} 项，{OPEN_WORD} {bar.open} 项，"
            f"{OVERDUE_WORD} {bar.overdue} 项")


def _bar_svg(bar: Bar, chart_id: str) -> str:
    parts, x = [], 0
    for count, fill in zip((bar.done, bar.open, bar.overdue), _fills(chart_id)):
        if count:
            parts.append(f'<rect x="{_percent(x, bar.total)}" y="0" width="{_percent(count, bar.total)}" '
                         f'height="100%" fill="{fill}" stroke="#fff" stroke-width="2"/>')
            x += count
    words = escape(bar_words(bar))
    return (f'<svg class="dsc-chart__bar" role="img" aria-label="{words}" focusable="false" width="100%" height="100%">'
            f'<title>{words}</title>{"".join(parts)}</svg>')


def _label(bar: Bar) -> str:
    text = f'<a href="{escape(bar.href)}">{escape(bar.label)}</a>' if bar.href else str(escape(bar.label))
    return text + (f'<span class="dsc-chart__note">{escape(bar.note)}</span>' if bar.note else "")


def _table(bars: list[Bar], first_column: str, caption: str, attrs: str) -> str:
    head = "".join(f'<th scope="col">{escape(w)}</th>'
                   for w in (first_column, "事项数", DONE_WORD, OPEN_WORD, OVERDUE_WORD))
    rows = "".join(
        f'<tr data-chart-data><th scope="row" data-label="{escape(first_column)}">{_label(b)}</th>'
        f'<td data-label="事项数" data-count="total">{b.total}</td><td data-label="{DONE_WORD}" data-count="{DONE}">{b.done}</td>'
        f'<td data-label="{OPEN_WORD}" data-count="open">{b.open}</td>'
        f'<td data-label="{OVERDUE_WORD}" data-count="overdue">{b.overdue}</td></tr>' for b in bars)
    return (f'<table class="dsc-table dsc-chart__table"{attrs}><caption>{escape(caption)}</caption>'
            f'<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')


def stacked_bars(chart_id: str, title: str, bars: list[Bar], first_column: str, *, table: str = "details",
                 table_attrs: str = "", explain: str = "") -> Markup:
    """A chart of rows, each a bar of done / not done and not overdue / overdue, with its label and
    numbers beside it, then the same numbers as a table: table="details" (folded), "open" (shown),
    or "below" (the page's own table right after the chart holds them: a sentence says so).
    chart_id: a page-unique id made of ASCII letters, digits and hyphens (never data).
    table_attrs: extra attributes of the table (code, never data), e.g. ' data-overdue-units'."""
    done_fill, open_fill, overdue_fill = _fills(chart_id)
    legend = (f'<p class="dsc-chart__legend">'
              f'<span>{_swatch(done_fill)}{ICONS[DONE]} {DONE_WORD}（实心）</span> '
              f'<span>{_swatch(open_fill)}{OPEN_ICON} {OPEN_WORD}（圆点）</span> '
              f'<span>{_swatch(overdue_fill)}{OVERDUE_ICON} {OVERDUE_WORD}（斜纹）</span></p>')
    rows = "".join(
        f'<li class="dsc-chart__row" data-chart-row>'
        f'<span class="dsc-chart__label">{_label(b)}</span>'
        f'<span class="dsc-chart__track">{_bar_svg(b, chart_id)}</span>'
        f'<span class="dsc-chart__nums" aria-hidden="true">{ICONS[DONE]}{b.done} · {OPEN_ICON}{b.open} · '
        f'{OVERDUE_ICON}{b.overdue}<span class="dsc-chart__of"> / 共 {b.total}</span></span></li>' for b in bars)
    if table == "below":
        table_html = f'<p class="dsc-chart__explain" data-chart-table-below>各{escape(first_column)}的数字见下表。</p>'
    else:
        table_html = _table(bars, first_column, f"{title}（数字）", table_attrs)
        if table != "open":
            table_html = (f'<details class="dsc-chart__details"><summary>以表格查看这些数字</summary>'
                          f'{table_html}</details>')
    explain_html = f'<p class="dsc-chart__explain">{escape(explain)}</p>' if explain else ""
    return Markup(f'<figure class="dsc-chart" data-chart="{chart_id}" aria-labelledby="{chart_id}-title">'
                  f'<figcaption class="dsc-chart__title" id="{chart_id}-title">{escape(title)}</figcaption>'
                  f'{_defs(chart_id)}{explain_html}{legend}<ul class="dsc-chart__rows">{rows}</ul>{table_html}</figure>')


# ---- a notice's progress over time --------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    """A notice's figures as they stood at the end of one day (or month, or year) of its records."""
    label: str  # "2024年6月20日", "2024年6月" or "2024年"
    fig: Figures
    day: dt.date  # the last day the point describes (its state is computed as of the day after)


def _state_on(item: Item, day: str) -> tuple[str, str | None]:
    """An item's status and deadline after every record dated on or before day (ISO)."""
    status, deadline = item.status_original, item.deadline_original
    for update in item.updates:
        if update.date > day:
            break
        status = update.status
        deadline = update.deadline or deadline
    return status, deadline


def _figures_on(items: list[Item], day: dt.date, as_of: dt.date) -> Figures:
    """The figures as they stood at the end of `day`: overdue by the one rule, judged the day after
    (never after the as-of date, the day the page's own figures are judged on)."""
    iso, judged = day.isoformat(), min(day + dt.timedelta(days=1), as_of)
    done = overdue = 0
    for item in items:
        status, deadline = _state_on(item, iso)
        if is_done(status):
            done += 1
        elif is_overdue(status, month_end(deadline) if deadline else None, judged):
            overdue += 1
    return Figures(len(items), done, len(items) - done, overdue)


def progress_points(notice: Notice, as_of: dt.date) -> list[Point]:
    """The notice's figures on its publication day and at the end of each day on which one of its
    items has a dated progress record (the notice's own records: the figures its page shows),
    oldest first; [] when no item has a dated record (there is no change over time to draw: never
    invented). Too many days are told by month, then by year (the state at each one's last record)."""
    items = notice.items
    days = sorted({u.date for item in items for u in item.updates})
    if not items or not days:
        return []
    published = notice.published or notice.issued
    ends: list[tuple[str, str]] = [(d, date_text(d)) for d in days]  # (last ISO day, label)
    for key, label in ((lambda d: d[:7], lambda k: month_text(k)), (lambda d: d[:4], lambda k: f"{int(k)}年")):
        if len(ends) <= MAX_POINTS:
            break
        last: dict[str, str] = {}
        for d in days:
            last[key(d)] = d
        ends = [(d, label(k)) for k, d in last.items()]
    points = [Point(f"{date_text(published)}（通报发布）", _figures_on(items, _day(published), as_of), _day(published))]
    points += [Point(label, _figures_on(items, _day(d), as_of), _day(d)) for d, label in ends if d > published]
    return points


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def progress_chart(notice: Notice, as_of: dt.date, now: Figures) -> Markup:
    """The notice's progress over time from its dated records, with the as-of date's figures (the
    ones its page shows) as the last row; or a sentence saying there are no dated records."""
    points = progress_points(notice, as_of)
    if not points:
        return Markup('<p class="dsc-note" data-no-progress-records>本通报发布后，各事项尚无带日期的进展记录，'
                      '所以这里不画随时间变化的图；当前状态见上方的整改进展。</p>')
    bars = [Bar.of(p.label, p.fig) for p in points]
    if points[-1].day < as_of:
        bars.append(Bar.of(date_text(as_of.isoformat()), now, note="（状态计算日期）"))
    explain = ("每一行是截至当天结束时的数字：已完成按当时最新的进展记录计算，"
               "已过整改时限按当时的整改时限计算。数字只来自本通报各事项的进展记录。")
    return stacked_bars("chart-progress", "整改进展随时间的变化", bars, "日期", explain=explain)
