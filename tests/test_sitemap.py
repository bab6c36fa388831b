"""sitemap.xml: an index of one sitemap per notice and one for the portal, listing every page of the
site exactly once, each file inside the folder it describes (the protocol's rule) and far below its
50,000 addresses. Built by the site package (MkDocs' own sitemap lists only the pages it renders,
and an incremental build does not give it the reused ones)."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from disclosure.site import BuildContext, build_site, urls
from disclosure.validate import load_dataset

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SITE = "https://disclosure.example.gov.cn/sub/"


def test_every_page_once_grouped_by_notice_with_its_change_date(test_data):
    site = build_site(load_dataset(test_data), BuildContext(dt.date(2026, 11, 26), "测试站", site_url=SITE))
    files = site.sitemap_files(["about/", "promises/", "search/"])  # search/: generated, listed once
    index = ET.fromstring(files[urls.SITEMAP])
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    listed = [e.findtext("s:loc", namespaces=NS) for e in index.findall("s:sitemap", NS)]
    assert listed == [SITE + path for path in files if path != urls.SITEMAP]
    notices = {n.id for n in site.dataset.notices + site.dataset.withdrawn_notices}
    assert {path for path in files if path.endswith("/sitemap.xml")} == {urls.notice_sitemap(n) for n in notices}
    seen = []
    for path, text in files.items():
        if path == urls.SITEMAP:
            continue
        entries = ET.fromstring(text).findall("s:url", NS)
        assert 0 < len(entries) < 50_000
        folder = SITE + path.rsplit("/", 1)[0] + "/" if "/" in path else SITE
        for entry in entries:
            loc = entry.findtext("s:loc", namespaces=NS)
            assert loc.startswith(folder), (path, loc)  # a sitemap lists only its own folder
            seen.append(loc)
        if "/" in path:  # a notice's pages carry the date its data last changed
            notice = path.split("/")[0]
            assert {e.findtext("s:lastmod", namespaces=NS) for e in entries} == {site.changed[notice]}
            dt.date.fromisoformat(site.changed[notice])
    expected = [SITE + p.url for p in site.pages] + [SITE + "about/", SITE + "promises/"]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))


def test_no_sitemap_without_a_site_address(test_data):
    site = build_site(load_dataset(test_data), BuildContext(dt.date(2026, 11, 26), "测试站"))
    assert site.sitemap_files(["about/"]) == {}


def test_the_built_site_has_the_sitemap_and_not_mkdocs_one(build_site, test_data, tmp_path):
    out = tmp_path / "site"
    done = build_site(out, data_dir=test_data, extra_env={"DISCLOSURE_SITE_URL": SITE})
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (out / "sitemap.xml.gz").exists()
    index = ET.fromstring((out / "sitemap.xml").read_bytes())
    locs = [e.findtext("s:loc", namespaces=NS) for e in index.findall("s:sitemap", NS)]
    pages = {p.parent.relative_to(out).as_posix() for p in out.rglob("index.html")}
    listed = []
    for loc in locs:
        rel = loc.removeprefix(SITE)
        assert (out / rel).is_file(), loc
        listed += [e.findtext("s:loc", namespaces=NS).removeprefix(SITE).rstrip("/") or "."
                   for e in ET.fromstring((out / rel).read_bytes()).findall("s:url", NS)]
    assert len(listed) == len(set(listed)), sorted(u for u in listed if listed.count(u) > 1)[:10]
    assert set(listed) == pages, sorted(set(listed) ^ pages)[:10]
    assert "search" in listed and "about" in listed
