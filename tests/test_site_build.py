"""The built site (mkdocs build --strict, DISCLOSURE_AS_OF=2026-11-26): pages, figures, contract,
contact block, no outside resources, escaping, failure messages, constant item-page size."""
from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from support.synthetic import HOSTILE, write_synthetic_data
from helpers import SAMPLE_PORTAL
from disclosure.validate import load_dataset

ROOT = Path(__file__).resolve().parent.parent
PHONE = "0411—88171399"
ADDRESS = "大连经济技术开发区金马路199号省委巡视整改落实领导小组办公室(收)"


@pytest.fixture(scope="module")
def jinpu():
    return load_dataset(ROOT / "data").notice("jinpu-2019")


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def text_of(path: Path) -> str:
    return html.unescape(path.read_text("utf-8"))


def figure(page_html: str, name: str) -> int:
    return int(re.search(rf'data-figure="{name}">(\d+)<', page_html)[1])


# -- pages and figures ------------------------------------------------------------------------------
def test_one_page_per_item(built_site):
    assert len(list((built_site / "jinpu-2019" / "items").glob("*/index.html"))) == 44


def figures_of(page_html: str) -> list[int]:
    return [figure(page_html, k) for k in ("total", "done", "not_done", "overdue")]


def notice_block(home: str, notice_id: str) -> str:
    """One notice's section of the home page."""
    return home.split(f'<section class="dsc-notice" data-notice="{notice_id}"')[1].split('<section class="dsc-notice"')[0]


def test_home_figures(built_site):
    home = (built_site / "index.html").read_text("utf-8")
    site = [int(re.search(rf'data-site-figure="{k}"[^>]*>(\d+)<', home)[1]) for k in ("total", "done", "in_progress", "overdue")]
    assert site == [50, 23, 27, 23]  # both notices together
    entries = dict(re.findall(r'data-entry="([^"]+)".*?data-entry-figure="total">(\d+)<', home, re.S))
    assert entries == {"jinpu-2019": "44", "shixian-xuncha-2024": "6"}
    assert "data-item-link=" not in home and "截至 2026年11月26日" in home


def test_each_notice_overview_has_its_own_figures(built_site):
    assert figures_of((built_site / "jinpu-2019" / "index.html").read_text("utf-8")) == [44, 20, 24, 23]
    assert figures_of((built_site / "shixian-xuncha-2024" / "index.html").read_text("utf-8")) == [6, 3, 3, 0]
    assert len(list((built_site / "shixian-xuncha-2024" / "items").glob("*/index.html"))) == 6


def test_notice_page_counts_per_category(built_site, jinpu):
    home = notice_block((built_site / "jinpu-2019" / "index.html").read_text("utf-8"), "jinpu-2019")
    rows = re.findall(r'<tr data-category="([^"]+)">.*?data-count="total">(\d+)<.*?data-count="done">(\d+)<'
                      r'.*?data-count="not_done">(\d+)<.*?data-count="overdue">(\d+)<', home, re.S)
    assert len(rows) == len(jinpu.categories) == 4
    assert sum(int(r[1]) for r in rows) == 44 and sum(int(r[2]) for r in rows) == 20
    assert sum(int(r[4]) for r in rows) == 23


def test_items_json_agrees_with_the_pages(built_site):
    records = json.loads((built_site / "data" / "items.json").read_text("utf-8"))
    assert len(records) == 50 and {r["notice"] for r in records} == {"jinpu-2019", "shixian-xuncha-2024"}
    assert len({(r["notice"], r["id"]) for r in records}) == 50  # ids are unique per notice
    assert len({r["url"] for r in records}) == 50
    assert sum(r["status"] == "done" for r in records) == 23
    assert sum(r["overdue"] for r in records) == 23
    for record in records:
        page = (built_site / record["url"] / "index.html").read_text("utf-8")
        article = re.search(r"<article [^>]*>", page)[0]
        assert f'data-item-id="{record["id"]}"' in article
        assert f'data-status="{record["status"]}"' in article
        assert f'data-overdue="{"true" if record["overdue"] else "false"}"' in article


def test_item_pages_quote_finding_and_every_measure(built_site, jinpu):
    for item in jinpu.items:
        page = text_of(built_site / "jinpu-2019" / "items" / item.id / "index.html")
        assert item.finding_paragraph in page
        assert item.status_text in page
        for measure in item.measures:
            assert measure in page
        if item.overdue(__import__("datetime").date(2026, 11, 26)):
            assert "已过整改时限，未见完成报告（已超过" in page


def test_overdue_wording_on_an_item(built_site):
    page = text_of(built_site / "jinpu-2019" / "items" / "1" / "index.html")
    assert "已过整改时限，未见完成报告（已超过 6 年 10 个月）" in page
    assert "2019年12月" in page
    assert "已过整改时限" not in text_of(built_site / "jinpu-2019" / "items" / "5-2" / "index.html").split("<footer")[0] \
        .split('data-state')[1].split("</section>")[0]


def test_category_and_group_pages(built_site, jinpu):
    for category in jinpu.categories:
        page = (built_site / "jinpu-2019" / "categories" / category.id / "index.html").read_text("utf-8")
        assert figure(page, "total") == len(jinpu.items_under(category))
        for group in category.children:
            assert (built_site / "jinpu-2019" / "categories" / category.id / group.id / "index.html").exists()


def test_full_text_page_has_the_whole_notice(built_site, jinpu):
    page = text_of(built_site / "jinpu-2019" / "full-text" / "index.html")
    for section in jinpu.sections:
        for paragraph in section.paragraphs:
            assert paragraph in page
    for item in jinpu.items:
        for measure in item.measures:
            assert measure in page


def test_every_page_has_the_contact_block_and_search_form(built_site):
    """Whose contact the block gives (its notice's, else a link to 联系方式): tests/test_contacts.py."""
    for path in html_pages(built_site):
        page = text_of(path)
        assert "data-footer-contact=" in page and "意见建议反映渠道" in page, path
        if path.relative_to(built_site).parts[0] == "jinpu-2019":
            assert PHONE in page and ADDRESS in page, path
        form = re.search(r'<form [^>]*role="search"[^>]*action="([^"]*)"[^>]*method="get"', page)
        page_url = "http://site/" + str(path.relative_to(built_site)).removesuffix("index.html")
        assert form and urljoin(page_url, form[1]) == "http://site/search/", path
        assert '<input id="site-search-q"' in page and 'name="q"' in page
        assert '<label class="dsc-search__label" for="site-search-q">' in page
        assert '<html lang="zh-CN"' in page


def test_search_page_is_an_empty_app_container_with_a_fallback(built_site):
    page = (built_site / "search" / "index.html").read_text("utf-8")
    assert "<div data-search-app></div>" in page
    assert re.search(r"<noscript>.*href=\"\.\./shixian-xuncha-2024/#items-shixian-xuncha-2024\"", page, re.S)  # newest notice's table


def test_the_nav_is_a_fixed_set_of_sections(built_site):
    for page in ("index.html", "jinpu-2019/index.html", "contact/index.html"):
        html = (built_site / page).read_text("utf-8")
        nav = html.split('data-md-type="navigation"')[1].split("</nav>")[0]
        assert "items/" not in nav and "jinpu-2019" not in nav and "notices/" in nav, page
        titles = re.findall(r'<span class="md-ellipsis">\s*([^<\s][^<]*?)\s*</span>', nav)
        assert [t for t in titles if t != "巡视整改情况公示"] == ["首页", "通报目录", "搜索", "最近更新", "开放数据", "联系方式", "关于本站"], page


def test_headings_do_not_skip_levels(built_site):
    for path in html_pages(built_site):
        levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", path.read_text("utf-8"))]
        assert levels.count(1) == 1, path
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)


def test_print_stylesheet_hides_chrome_and_shows_address(built_site):
    css = (built_site / "assets" / "disclosure.css").read_text("utf-8")
    printing = css.split("@media print")[1]
    assert ".dsc-header" in printing and ".md-sidebar" in printing and "display: none" in printing
    assert ".dsc-print-only" in printing
    page = text_of(built_site / "jinpu-2019" / "items" / "1" / "index.html")
    assert re.search(r"data-print-info>本页地址：<span data-page-url>/jinpu-2019/items/1/</span>\s*· 状态计算日期：2026年11月26日", page)


# -- nothing from another host ----------------------------------------------------------------------
RESOURCE_ATTRS = {"src", "href", "srcset", "action", "data", "poster", "xlink:href", "formaction", "background"}
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]*)""", re.I)


class ResourceScanner(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            candidates = value.split(",") if name == "srcset" else [value]
            if name in RESOURCE_ATTRS and any(EXTERNAL.match(c) for c in candidates):
                self.external.append(f"<{tag} {name}={value}>")
            if name == "style":
                self.external += [u for u in CSS_URL.findall(value) if EXTERNAL.match(u)]
            if tag == "meta" and name == "content" and "url=" in value.lower():
                self.external.append(value)
        self._in = tag if tag in ("style", "script") else None

    def handle_data(self, data):
        if self._in == "style":
            self.external += [u for u in CSS_URL.findall(data) if EXTERNAL.match(u)]
        elif self._in == "script":
            self.external += re.findall(r"https?://[^\s'\"]+", data)


def external_in_css(text: str) -> list[str]:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return [u for u in CSS_URL.findall(text) if EXTERNAL.match(u)]


def external_in_js(text: str) -> list[str]:
    return re.findall(r"https?://[^\s'\"]+", text) + re.findall(r"""['"`]//[^/\s'"`]+""", text)


def test_scanner_catches_external_resources():
    scanner = ResourceScanner()
    scanner.feed('<link rel="stylesheet" href="https://fonts.googleapis.com/css"><script src="//cdn.x/y.js"></script>'
                 '<img srcset="a.png 1x, https://x/b.png 2x"><style>@import "http://x/a.css";</style>')
    assert len(scanner.external) == 4
    assert external_in_css("a{background:url('https://x/y.png')} b{background:url(data:image/svg+xml;x)}") == ["https://x/y.png"]
    assert external_in_js('fetch("https://api.github.com/x"); import("//cdn/x.js")')


def test_no_file_loads_anything_from_another_host(built_site):
    problems = {}
    for path in built_site.rglob("*"):
        if path.suffix == ".html":
            scanner = ResourceScanner()
            scanner.feed(path.read_text("utf-8"))
            found = scanner.external
        elif path.suffix == ".css":
            found = external_in_css(path.read_text("utf-8"))
        elif path.suffix in (".js", ".mjs"):
            found = external_in_js(path.read_text("utf-8"))
        else:
            continue
        if found:
            problems[str(path.relative_to(built_site))] = found[:3]
    assert not problems


def test_no_web_fonts_and_no_material_bundle(built_site):
    assert not list(built_site.rglob("bundle.*.js"))
    assert not list(built_site.rglob("*.woff*"))
    home = (built_site / "index.html").read_text("utf-8")
    assert "fonts.googleapis" not in home and "fonts.gstatic" not in home


# -- failures end in Chinese messages, not tracebacks -----------------------------------------------
def test_invalid_data_aborts_the_build_with_the_validator_message(build_site, scratch_data, tmp_path):
    item = scratch_data / "notices" / "jinpu-2019" / "items" / "9.yml"
    item.write_text(item.read_text("utf-8").replace("status: done", "status: finished"), "utf-8")
    result = build_site(tmp_path / "out", data_dir=scratch_data)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "items/9.yml:8:9: 字段 status: “finished” 不是允许的值" in output
    assert "共发现 1 处问题" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out" / "index.html").exists()


def test_invalid_as_of_aborts_the_build_in_chinese(build_site, tmp_path):
    result = build_site(tmp_path / "out", as_of="2026-02-30")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "DISCLOSURE_AS_OF 的值 “2026-02-30” 不是有效日期" in output
    assert "Traceback" not in output


# -- scale: an item page does not grow with the number of items ---------------------------------------
@pytest.fixture(scope="module")
def big_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    data = write_synthetic_data(ROOT / "data", root / "data", 1000, hostile=True)
    for other in (SAMPLE_PORTAL / "notices").iterdir():  # same other notices: same nav and footer as built_site
        shutil.copytree(other, data / "notices" / other.name)
    from conftest import run_mkdocs_build
    result = run_mkdocs_build(root / "site", data_dir=data)
    assert result.returncode == 0, result.stderr
    return root / "site"


def test_item_page_size_is_independent_of_item_count(built_site, big_site):
    assert len(list((big_site / "jinpu-2019" / "items").glob("*/index.html"))) == 1000
    for item_id in ("1", "5-2", "13-1", "30"):
        small = (built_site / "jinpu-2019" / "items" / item_id / "index.html").stat().st_size
        big = (big_site / "jinpu-2019" / "items" / item_id / "index.html").stat().st_size
        assert abs(big - small) <= 0.02 * small, (item_id, small, big)


def test_hostile_data_is_shown_literally(big_site):
    raw = (big_site / "jinpu-2019" / "items" / "s1000" / "index.html").read_text("utf-8")
    assert "<script>alert" not in raw and "<img src=x" not in raw and "<b>不应加粗" not in raw
    assert "<strong>粗体" not in raw and "<em>强调" not in raw
    assert "&lt;script&gt;alert(" in raw.split("<title>")[1].split("</title>")[0]
    page = html.unescape(raw)
    for text in [HOSTILE["heading"], HOSTILE["finding"], *HOSTILE["measures"]]:
        assert text in page
    home = (big_site / "index.html").read_text("utf-8")
    assert "<script>alert" not in home


def test_per_page_scripts_are_rendered_page_relative(tmp_path, build_site):
    """The plug-in point for the search engine: page meta `scripts` becomes a deferred script tag."""
    import shutil
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(".venv", ".git", "site", "test-artifacts", "bench"))
    (project / "docs" / "search.md").write_text(
        "---\nscripts: [search/engine.js]\n---\n# 搜索\n\n<div data-search-app></div>\n", "utf-8")
    (project / "docs" / "search").mkdir()
    (project / "docs" / "search" / "engine.js").write_text("/* engine */\n", "utf-8")
    import subprocess, sys, os
    env = {**os.environ, "DISCLOSURE_AS_OF": "2026-11-26"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(project / "mkdocs.yml"),
                             "-d", str(tmp_path / "out")], cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "search" / "index.html").read_text("utf-8")
    assert '<script src="engine.js" defer></script>' in page
    assert page.count("data-search-app") == 1  # the hand-written page replaced the generated one
