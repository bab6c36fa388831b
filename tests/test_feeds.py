"""Feeds for browsers and per unit (issue 28 item 6): every feed names the site's one stylesheet
(feed.css), explains itself in Chinese, and each unit has its own feed."""
from __future__ import annotations

import datetime as dt
import posixpath
import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

import pytest

from disclosure import urls
from disclosure.feed import FeedEntry, atom
from disclosure.site import build_site
from disclosure.site.context import BuildContext
from disclosure.site.open_data import unit_feeds
from disclosure.validate import load_dataset

ATOM = "{http://www.w3.org/2005/Atom}"
XHTML = "{http://www.w3.org/1999/xhtml}"
PI = re.compile(rb'<\?xml-stylesheet type="text/css" href="([^"]+)"\?>')


@pytest.fixture(scope="module")
def site(test_data):
    return build_site(load_dataset(test_data), BuildContext(dt.date(2025, 6, 1), "测试站"))


def feeds(site) -> dict[str, bytes]:
    return {path: body for path, body in site.files.items() if path.endswith("feed.xml")}


def test_every_feed_names_the_stylesheet_from_its_own_folder_and_is_atom(site):
    found = feeds(site)
    assert urls.FEED in found and any(p.startswith(urls.UNITS) for p in found)
    assert urls.FEED_STYLE in site.files and b"@namespace" in site.files[urls.FEED_STYLE]
    for path, body in found.items():
        head = body.split(b"<feed", 1)[0]
        match = PI.search(head)
        assert match, path
        # relative, so it works from the feed's folder, on any host and under a sub-folder
        href = match.group(1).decode()
        assert not href.startswith(("/", "http")), href
        assert posixpath.normpath(posixpath.join(posixpath.dirname(path), href)) == urls.FEED_STYLE
        root = ET.fromstring(body)
        assert root.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):
            assert root.findtext(f"{ATOM}{required}"), (path, required)
        subtitle = root.find(f"{ATOM}subtitle")
        assert subtitle.get("type") == "xhtml" and subtitle.find(f"{XHTML}div") is not None
        help_text = "".join(subtitle.itertext())
        assert "订阅源" in help_text and "RSS 阅读器" in help_text and "复制" in help_text
        for entry in root.findall(f"{ATOM}entry"):
            assert entry.findtext(f"{ATOM}title") and entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
            assert entry.find(f"{ATOM}content").get("type") == "text"
            link = entry.find(f"{ATOM}link").get("href")
            box = entry.find(f"{XHTML}div")
            assert box.find(f"{XHTML}a").get("href") == link  # the browser's link is the entry's own
            assert entry.findtext(f"{ATOM}updated").startswith(box.find(f"{XHTML}span").text)


def test_a_unit_feed_holds_exactly_its_units_entries(site):
    dataset = site.dataset
    units = {n.unit for n in dataset.notices}
    assert len(units) >= 2, units  # else the test proves nothing
    ids_of = {u: {n.id for n in dataset.notices if n.unit == u} for u in units}
    site_entries = ET.fromstring(site.files[urls.FEED]).findall(f"{ATOM}entry")
    total = 0
    for unit, ids in ids_of.items():
        path = urls.unit_feed(unit)
        assert re.fullmatch(r"units/u[0-9a-f]{10}/feed\.xml", path)
        root = ET.fromstring(site.files[path])
        assert unit in root.findtext(f"{ATOM}title")
        entries = root.findall(f"{ATOM}entry")
        assert entries
        for entry in entries:  # tag:disclosure,2019:<notice>/<item>/<date>/<hash>; links to its notice's pages
            notice_id = entry.findtext(f"{ATOM}id").split(":", 2)[2].split("/")[0]
            href = entry.find(f"{ATOM}link").get("href")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), href))
            assert notice_id in ids or target.split("/")[0] in ids, (unit, notice_id, href)
        total += len(entries)
        # the same unit's notices' own feeds are all inside it
        for notice_id in ids:
            own = {e.findtext(f"{ATOM}id") for e in ET.fromstring(site.files[urls.notice_feed(notice_id)]).findall(f"{ATOM}entry")}
            assert own <= {e.findtext(f"{ATOM}id") for e in entries}
    assert total == len(site_entries)  # every site entry in exactly one unit's feed (no follow-up across units here)


def test_the_unit_slug_is_stable_and_its_address_is_linked_from_the_notice(site):
    assert urls.unit_slug("金普新区") == urls.unit_slug("金普新区") != urls.unit_slug("金普新区 ")
    notice = site.dataset.notices[0]
    page = next(p for p in site.pages if p.url == urls.notice_url(notice))
    assert urls.relative(urls.unit_feed(notice.unit), page.url) in page.html


def test_hostile_text_stays_text():
    evil = '<script>alert(1)</script>&amp;"\'<?xml-stylesheet href="x"?>]]>'
    entries = [FeedEntry("2024-02-03", "demo", "1", evil, evil, "demo/items/1/")]
    raw = atom(entries, feed_id="demo", title=evil, site_url="", self_path="units/uabc/feed.xml",
               stylesheet=urls.FEED_STYLE, scope=evil)
    assert b"<script>" not in raw and raw.count(b"<?xml-stylesheet") == 1
    root = ET.fromstring(raw)
    assert root.findtext(f"{ATOM}title") == evil
    entry = root.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == evil and entry.findtext(f"{ATOM}content") == evil
    assert evil in "".join(root.find(f"{ATOM}subtitle").itertext())
    assert PI.search(raw).group(1) == b"../../feed.css"
    assert entry.find(f"{XHTML}div/{XHTML}a").get("href") == "../../demo/items/1/"


def test_without_a_stylesheet_the_feed_is_as_before():
    entries = [FeedEntry("2024-02-03", "demo", None, "t", "x", "demo/")]
    raw = atom(entries, feed_id="s", title="t", site_url="", self_path="feed.xml")
    assert b"xml-stylesheet" not in raw and ET.fromstring(raw).find(f"{ATOM}subtitle") is None


# -- in Chromium -------------------------------------------------------------------------------------

@pytest.mark.browser
def test_a_feed_opens_as_a_chinese_page(page, site_url, built_site):
    site_url = site_url.rstrip("/")
    for path in ("feed.xml", "jinpu-2019/feed.xml"):
        page.goto(f"{site_url}/{path}")
        text = page.evaluate("document.documentElement.textContent")
        shown = page.evaluate("document.body ? document.body.innerText : document.documentElement.innerText || ''")
        assert "does not appear to have any style information" not in (text + (shown or ""))
        assert page.locator("xpath=//*[local-name()='subtitle']").is_visible()
        visible = page.locator("xpath=//*[local-name()='div' and @class='feed-help']").inner_text()
        assert "订阅源" in visible and "RSS 阅读器" in visible
        assert page.locator("xpath=//*[local-name()='feed']/*[local-name()='title']").is_visible()
        assert not page.locator("xpath=//*[local-name()='feed']/*[local-name()='id']").is_visible()
        links = page.locator("xpath=//*[local-name()='entry']//*[local-name()='a']")
        assert links.count() > 0 and links.first.is_visible()
        assert all(url.startswith(site_url) for url in page.seen_requests)  # nothing from another host
    href = links.first.get_attribute("href")
    links.first.click()
    page.wait_for_load_state()
    assert page.url == urljoin(f"{site_url}/jinpu-2019/feed.xml", href)
    unit = sorted((built_site / "units").glob("*/feed.xml"))
    assert unit, "no unit feeds published"
    page.goto(f"{site_url}/{unit[0].relative_to(built_site).as_posix()}")
    assert "订阅源" in page.locator("xpath=//*[local-name()='div' and @class='feed-help']").inner_text()
