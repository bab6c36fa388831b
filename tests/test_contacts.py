"""Whose contact a page's footer gives (issue 28): every page of a notice (overview, categories,
items, print, full text, withdrawn) gives its own notice's contact and no other unit's; the portal's
own pages give the site operator's (site.yml), or without one a link to 联系方式 — never a list of
units. A notice without a contact says so and gives the operator's. Checked on built sites, in a
phone- and a desktop-sized browser, and in the build cache's keys (a notice's contact is an input
of its own pages only)."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import ROOT, SAMPLE_PORTAL, serve_directory

JINPU, SAMPLE = "jinpu-2019", "shixian-xuncha-2024"
# each contact's phone as its tel: link (render.tel_href), unique to it
TEL = {JINPU: "tel:041188171399", SAMPLE: "tel:00007654321"}
OPERATOR_TEL = "tel:00007650000"  # examples/sample-portal/site.yml
PORTAL_PAGES = ["index.html", "notices/index.html", "search/index.html", "updates/index.html", "data/index.html",
                "contact/index.html", "about/index.html", "accessibility/index.html", "404.html"]


def footer(html: str) -> str:
    """The page's footer (the theme's partials/disclosure-footer.html), nothing above it."""
    assert html.count("<footer") == 1, "one footer a page"
    return html.split("<footer", 1)[1].split("</footer>", 1)[0]


def tels(html: str) -> set[str]:
    return set(re.findall(r'href="(tel:[^"]*)"', footer(html))) - {"tel:12388"}


def resolve(site: Path, page: str, href: str) -> Path:
    """The file a footer link of the page (its path in the site) leads to (404.html links root-absolutely)."""
    base = site if href.startswith("/") else (site / page).parent
    return Path(os.path.normpath(base / href.lstrip("/") / "index.html"))


def notice_pages(site: Path, notice_id: str) -> list[Path]:
    return sorted(p for p in (site / notice_id).rglob("*.html"))


# ---- the session's site: two notices, no site.yml --------------------------------------------------

def test_every_page_of_a_notice_gives_its_own_notices_contact_and_no_other(built_site):
    kinds = set()
    for notice_id, own in TEL.items():
        pages = notice_pages(built_site, notice_id)
        assert len(pages) > 5
        for path in pages:
            html = path.read_text("utf-8")
            kinds.add(re.search(r'data-page="([^"]+)"', html)[1])
            part = footer(html)
            assert f'data-footer-contact="notice" data-footer-notice="{notice_id}"' in part, path
            assert tels(html) == {own}, path  # its own phone, no other unit's (nor an operator's)
    assert {"notice", "item", "category", "group", "print", "full-text"} <= kinds


def test_portal_pages_without_site_settings_link_to_the_contact_page_and_name_no_unit(built_site):
    for name in PORTAL_PAGES:
        html = (built_site / name).read_text("utf-8")
        part = footer(html)
        assert 'data-footer-contact="directory"' in part, name
        assert tels(html) == set() and "dsc-footer__issuer" not in part, name
        links = re.findall(r'<a href="([^"]*)">联系方式</a>', part.split("</section>", 1)[0])
        assert len(links) == 1 and resolve(built_site, name, links[0]) == built_site / "contact" / "index.html", name
        assert "中共" not in part and "金普" not in part, name  # no unit named
        assert "data-site-info" not in part  # no filing without site.yml (tests/test_site_settings.py)


def test_the_accessibility_statement_is_published_and_linked_from_every_footer(built_site):
    statement = (built_site / "accessibility" / "index.html").read_text("utf-8")
    assert "无障碍声明" in statement and "关怀模式" in statement and "键盘" in statement and "读屏" in statement
    for path in [built_site / "index.html", *notice_pages(built_site, JINPU)[:20]]:
        links = re.findall(r'<a href="([^"]*)">无障碍声明</a>', footer(path.read_text("utf-8")))
        assert len(links) == 1, path
        assert resolve(built_site, str(path.relative_to(built_site)), links[0]) == \
            built_site / "accessibility" / "index.html", path


# ---- a portal with site.yml, a withdrawn notice and a notice without contacts -----------------------

def copy_notice(data: Path, notice_id: str, **change) -> None:
    """A copy of the fictional sample notice under another id, with `change` applied to notice.yml."""
    folder = data / "notices" / notice_id
    shutil.copytree(SAMPLE_PORTAL / "notices" / SAMPLE, folder)
    path = folder / "notice.yml"
    notice = yaml.safe_load(path.read_text("utf-8"))
    notice.update(id=notice_id, **change)
    path.write_text(yaml.safe_dump(notice, allow_unicode=True, sort_keys=False), "utf-8")


def operator_portal(data: Path) -> Path:
    """The sample notice and site.yml, another unit's notice, a withdrawn one, one without contacts."""
    shutil.copytree(SAMPLE_PORTAL, data)
    copy_notice(data, "other-2024", issuer="中共示例县交通局党组", contact={"phone": "0000-1111111"})
    copy_notice(data, "gone-2024", issuer="中共示例县林业局党组", contact={"phone": "0000-2222222"},
                withdrawn={"date": "2024-08-01", "reason": "与另一份通报重复,撤下。"})
    copy_notice(data, "silent-2024", issuer="中共示例县农业局党组", contact={})
    return data


OWN = {SAMPLE: "tel:00007654321", "other-2024": "tel:00001111111", "gone-2024": "tel:00002222222"}


@pytest.fixture(scope="module")
def operator_site(tmp_path_factory, build_site) -> Path:
    root = tmp_path_factory.mktemp("operator")
    result = build_site(root / "site", data_dir=operator_portal(root / "data"))
    assert result.returncode == 0, result.stderr[-3000:]
    return root / "site"


def test_portal_pages_give_the_operators_contact(operator_site):
    for name in PORTAL_PAGES:
        html = (operator_site / name).read_text("utf-8")
        part = footer(html)
        assert 'data-footer-contact="operator"' in part and "中共示例县委巡察工作领导小组办公室" in part, name
        assert tels(html) == {OPERATOR_TEL}, name
    contact = (operator_site / "contact" / "index.html").read_text("utf-8")
    assert "data-contact-operator" in contact.split("<footer", 1)[0]  # /contact/ opens with the operator's


def test_notice_pages_withdrawn_ones_too_give_their_own_contact_with_site_yml(operator_site):
    for notice_id, own in OWN.items():
        pages = notice_pages(operator_site, notice_id)
        assert pages
        if notice_id == "gone-2024":
            assert all('data-page="withdrawn"' in p.read_text("utf-8") for p in pages)
        for path in pages:
            html = path.read_text("utf-8")
            assert f'data-footer-notice="{notice_id}"' in footer(html), path
            assert tels(html) == {own}, path


def test_a_notice_without_contacts_says_so_and_gives_the_operators(operator_site):
    for path in notice_pages(operator_site, "silent-2024"):
        html = path.read_text("utf-8")
        part = footer(html)
        assert "中共示例县农业局党组" in part and "本通报未列明联系方式" in part, path
        assert tels(html) == {OPERATOR_TEL}, path  # the operator's, never another unit's


# ---- in a browser -----------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1280, 375])
def test_the_footer_contact_is_visible_at_desktop_and_phone_width(browser, site_url, width):
    tab = browser.new_page(viewport={"width": width, "height": 800}, locale="zh-CN")
    try:
        for path, expected in ((f"{JINPU}/items/5-2/", "0411—88171399"), (f"{SAMPLE}/", "0000－7654321")):
            tab.goto(site_url + path)
            phone = tab.locator("[data-footer-contact] a[data-contact=phone]")
            assert phone.count() == 1 and phone.inner_text() == expected
            phone.scroll_into_view_if_needed()
            assert phone.is_visible()
            box = phone.bounding_box()
            assert box and 0 <= box["x"] and box["x"] + box["width"] <= width
            assert tab.locator("[data-footer-contact] [data-contact=report]").is_visible()
        tab.goto(site_url)
        link = tab.locator("[data-footer-contact] a", has_text="联系方式")
        link.scroll_into_view_if_needed()
        assert link.is_visible()
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        tab.close()


# ---- the build cache: a notice's contact is an input of its own pages only ---------------------------

def test_a_notices_contact_changes_its_own_pages_keys_only(tmp_path):
    from disclosure.buildcache import notice_keys
    from disclosure.site import BuildContext, site_nav, template_context
    from disclosure.validate import load_dataset

    def keys(data: Path) -> dict[str, str]:
        dataset = load_dataset(data)
        context = BuildContext(dt.date(2026, 11, 26), "测试站")
        return notice_keys(dataset, context, template_context(dataset, context), site_nav(dataset), "code")

    data = tmp_path / "data"
    shutil.copytree(SAMPLE_PORTAL, data)
    copy_notice(data, "other-2024", issuer="中共示例县交通局党组", contact={"phone": "0000-1111111"})
    before = keys(data)
    copy_notice(data, "new-2024", issuer="中共示例县林业局党组", contact={"phone": "0000-2222222"})
    added = keys(data)
    assert added[SAMPLE] == before[SAMPLE] and added["other-2024"] == before["other-2024"]  # a new unit: nothing else
    path = data / "notices" / "other-2024" / "notice.yml"
    path.write_text(path.read_text("utf-8").replace("0000-1111111", "0000-3333333"), "utf-8")
    changed = keys(data)
    assert changed["other-2024"] != added["other-2024"]  # its own pages show it
    assert changed[SAMPLE] == added[SAMPLE] and changed["new-2024"] == added["new-2024"]
    site = data / "site.yml"
    site.write_text(site.read_text("utf-8").replace("0000－7650000", "0000－7659999"), "utf-8")
    assert all(keys(data)[i] != changed[i] for i in changed)  # site.yml: every footer shows it
