"""Atom feeds of status changes, built with feedgen (a kept library: it gets Atom's required
elements, escaping and date formats right, so we don't hand-write XML).

Entries: each dated update of an item, plus the publication of each notice. Nothing uses the
wall clock: `updated` is the newest entry's date, so two builds of the same data are identical.
"""
from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass

from feedgen.feed import FeedGenerator
from lxml import etree

from .model import Notice, month_text
from .status import LABELS as STATUS_LABELS


@dataclass(frozen=True)
class FeedEntry:
    """One line of the 'what changed' list and one feed entry."""

    date: str  # YYYY-MM-DD
    notice_id: str
    item_id: str | None  # None for the publication of the notice itself
    title: str
    text: str
    url: str  # site-relative


def changes(notices: list[Notice], url_for_item, url_for_notice, url_for_continued=None) -> list[FeedEntry]:
    """Every dated change across notices, newest first (ties in a fixed order). A follow-up notice's
    item that continues an earlier problem is announced as that problem's new status, linking to
    the earlier item (url_for_continued(item); without it, to the follow-up's own item)."""
    out = []
    for notice in notices:
        date = notice.published or notice.issued
        out.append(FeedEntry(date, notice.id, None, f"发布通报：{notice.title}",
                          f"{notice.issuer}发布{notice.title}，共 {len(notice.items)} 项整改事项。",
                          url_for_notice(notice)))
        for item in notice.items:
            if item.continues:
                word = STATUS_LABELS[item.status_original]
                text = f"后续通报《{notice.title}》报告：{item.status_text or word}"
                if item.deadline_original:
                    text += f" 整改时限：{month_text(item.deadline_original)}。"
                url = url_for_continued(item) if url_for_continued else url_for_item(notice, item)
                out.append(FeedEntry(date, notice.id, item.id, f"{item.label} {item.heading.rstrip('。')}：{word}（后续通报）",
                                  text, url))
            for update in item.updates:
                text = f"状态：{STATUS_LABELS[update.status]}。{update.note}"
                if update.deadline:
                    text += f" 整改时限调整为{month_text(update.deadline)}：{update.reason}"
                title = f"{item.label} {item.heading.rstrip('。')}：{STATUS_LABELS[update.status]}"
                out.append(FeedEntry(update.date, notice.id, item.id, title, text, url_for_item(notice, item)))
    return sorted(out, key=lambda c: (c.date, c.notice_id, c.item_id or ""), reverse=True)


def _when(date: str) -> dt.datetime:
    return dt.datetime.fromisoformat(date).replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


def atom(entries: list[FeedEntry], *, feed_id: str, title: str, site_url: str, self_path: str,
         stylesheet: str | None = None, scope: str = "") -> bytes:
    """An Atom document. site_url may be empty: links are then relative to the feed's own address
    (self_path), which readers resolve against it, so the feed works on any host and sub-path.

    stylesheet: the site path of the feeds' CSS (urls.FEED_STYLE). A browser that opens the feed
    then shows a Chinese page instead of raw XML: the feed's <subtitle> (standard Atom, type
    xhtml) says what a 订阅源 is and how to subscribe, and each entry carries a small XHTML
    extension element (RFC 4287 6.4: feed readers skip it) with its date and a real link. CSS,
    not XSLT: Chromium shows an English "this site uses XSLT ... being removed" banner over XSLT
    pages and is removing XSLT. scope: what the feed covers, for the subtitle ("全站", a notice's
    or a unit's name)."""
    def href(path: str) -> str:
        return _href(path, site_url, self_path)
    fg = FeedGenerator()
    fg.id(f"tag:disclosure,2019:{feed_id}")
    fg.title(title)
    if stylesheet is not None:
        fg.subtitle("-")  # replaced by the XHTML explanation below
    fg.language("zh-CN")
    fg.author({"name": title})
    fg.link(href=href(self_path), rel="self", type="application/atom+xml")
    fg.link(href=href(""), rel="alternate", type="text/html")
    fg.updated(_when(entries[0].date) if entries else _when("2000-01-01"))
    for change in reversed(entries):  # feedgen prepends: add oldest first, newest ends on top
        fe = fg.add_entry()
        fe.id(f"tag:disclosure,2019:{change.notice_id}/{change.item_id or 'notice'}/{change.date}/{hash_title(change)}")
        fe.title(change.title)
        fe.link(href=href(change.url), rel="alternate", type="text/html")
        fe.updated(_when(change.date))
        fe.published(_when(change.date))
        fe.content(change.text, type="text")
    if stylesheet is None:
        return fg.atom_str(pretty=True)
    return _for_browsers(fg.atom_str(pretty=False), entries, href, href(""),
                         posixpath.relpath(stylesheet, posixpath.dirname(self_path) or "."), scope or title)


_ATOM = "{http://www.w3.org/2005/Atom}"
_XHTML = "http://www.w3.org/1999/xhtml"


def _x(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    el = etree.SubElement(parent, f"{{{_XHTML}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text  # lxml escapes: hostile text stays text
    return el


def _for_browsers(xml: bytes, entries: list[FeedEntry], href, home: str, style_href: str, scope: str) -> bytes:
    """The feed with its stylesheet instruction, the Chinese explanation and each entry's link."""
    root = etree.fromstring(xml)
    subtitle = root.find(f"{_ATOM}subtitle")
    subtitle.set("type", "xhtml")
    subtitle.text = None
    div = etree.SubElement(subtitle, f"{{{_XHTML}}}div", nsmap={None: _XHTML})
    div.set("class", "feed-help")
    _x(div, "p", f"这是“{scope}”的订阅源（Atom 格式）。订阅后，有新的通报或整改进展时，阅读器会自动收到，不用反复打开网站查看。")
    _x(div, "p", "订阅方法：复制浏览器地址栏中本页的地址，粘贴到 RSS 阅读器（订阅源阅读器）的“添加订阅”中即可。")
    back = _x(div, "p", "下面是其中的更新，最新的在前。")
    _x(back, "a", "返回网站首页", href=home)
    for el, change in zip(root.findall(f"{_ATOM}entry"), entries):
        box = etree.SubElement(el, f"{{{_XHTML}}}div", nsmap={None: _XHTML})
        box.set("class", "feed-entry")
        _x(box, "span", change.date, class_="feed-date")
        _x(box, "a", "查看详情", href=href(change.url))
    out = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    declaration, _, rest = out.partition(b"\n")
    pi = f'<?xml-stylesheet type="text/css" href="{style_href}"?>'.encode()
    return declaration + b"\n" + pi + b"\n" + rest


def _href(path: str, site_url: str, self_path: str) -> str:
    """Absolute under site_url, else relative to the feed's folder ('' is the site's home)."""
    if site_url:
        return site_url.rstrip("/") + "/" + path
    rel = posixpath.relpath(path or ".", posixpath.dirname(self_path) or ".")
    if rel == ".":
        return "./"
    return rel + "/" if path == "" or path.endswith("/") else rel


def hash_title(change: FeedEntry) -> str:
    """A short stable discriminator for two changes of one item on one day."""
    import hashlib
    return hashlib.sha1((change.title + change.text).encode("utf-8")).hexdigest()[:8]
