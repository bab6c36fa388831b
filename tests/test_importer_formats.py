"""The Jinpu notice as staff receive it: a saved government web page (header, navigation,
breadcrumb, info line, footer, scripts around the article) and the Word file it was typeset
from (Word's automatic numbering for (一), 1. and (1)). Both are made here from source.txt; both
must import to the same 44 items, statuses and deadlines, keep every body line, and keep the
page furniture out of the items."""
from __future__ import annotations

import html
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from disclosure.cli import main
from disclosure.importer import import_notice
from disclosure.importer.sources import read_source
from disclosure.importer.text import split
from helpers import JINPU, body_lines, lost_lines

yaml = YAML(typ="safe")
SOURCE = (JINPU / "source.txt").read_text("utf-8")
TITLE = "中共大连金普新区工作委员会关于省委巡视整改情况的通报"
PAGE_ONLY = ("当前位置", "发布时间", "责编", "【打印】")  # the txt's page lines: in the web page's chrome
FURNITURE = ["首页 | 走进金普 | 政务公开 | 政务服务 | 互动交流", "请输入关键词", "相关链接", "金普新区召开巡视整改推进会",
             "版权所有", "辽ICP备12345678号-1", "网站标识码", "浏览量", "字体", "无障碍"]


def jinpu_paragraphs() -> list[str]:
    """The notice's paragraphs as its web page has them: one <p> each (a copy from the page
    breaks them into the lines of source.txt)."""
    paragraphs, _ = split(SOURCE)
    return [p.text for p in paragraphs if p.text != TITLE and not p.text.startswith(PAGE_ONLY)]


def jinpu_html() -> bytes:
    body = "\n".join(f'<p style="text-indent:2em">{html.escape(p)}</p>' for p in jinpu_paragraphs())
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{TITLE}_大连金普新区政府网</title>
<meta name="ArticleTitle" content="{TITLE}"><meta name="PubDate" content="2019-08-21 09:30">
<script>var _hmt=_hmt||[];(function(){{var hm=document.createElement("script");hm.src="https://hm.example/hm.js";}})();</script>
<style>.nav li{{float:left}}</style></head>
<body>
<div class="top"><div class="tools">无障碍 关怀版 繁體 登录</div><div class="logo">大连金普新区政府网</div></div>
<div class="nav">首页 | 走进金普 | 政务公开 | 政务服务 | 互动交流</div>
<div class="search"><form><input name="q" placeholder="请输入关键词"><button>搜索</button></form></div>
<div class="crumb">当前位置: <a href="/">首页</a> &gt; <a href="/gk/">公开</a> &gt; <a>公示公告</a></div>
<div class="article">
  <h1 class="title">{TITLE}</h1>
  <div class="info">发布时间:2019-08-21 来源:督察处 浏览量:1234 字体:[大 中 小]</div>
  <div class="content" id="zoom">{body}</div>
  <div class="editor">责编:督察处</div><div class="tools">【打印】 【关闭】</div>
</div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/a">金普新区召开巡视整改推进会</a></li>
<li><a href="/b">关于开展作风建设专项行动的通知</a></li></ul></div>
<div class="footer"><p>主办:大连金普新区管委会办公室 承办:大连金普新区信息中心</p>
<p>版权所有 © 大连金普新区 辽ICP备12345678号-1 网站标识码:2102130001</p></div>
<script src="/js/jquery.min.js"></script><script>$(function(){{console.log("统计")}})</script>
</body></html>"""
    return page.encode("utf-8")


LABEL = re.compile(r"^(?P<label>[(（](?P<cn>[一二三四五六七八九十]+)[)）]|(?P<dot>\d{1,2})\.|[(（](?P<paren>\d{1,2})[)）])(?P<rest>.*)$")
LEVELS = {"cn": ("chineseCounting", "(%1)"), "dot": ("decimal", "%1."), "paren": ("decimal", "(%1)")}


def element(tag: str, **values: str):
    """A WordprocessingML element with w:-prefixed attributes: element("w:lvl", ilvl="0")."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    el = OxmlElement(tag)
    for key, value in values.items():
        el.set(qn(f"w:{key}"), value)
    return el


def list_level(ilvl: int, fmt: str, text: str):
    """One level of a Word list: its number format and the text around the number (e.g. "(%1)")."""
    lvl = element("w:lvl", ilvl=str(ilvl))
    for tag, value in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text)):
        lvl.append(element(tag, val=value))
    return lvl


def jinpu_docx() -> bytes:
    """Every (一) / 1. / (1) heading typed by Word's numbering, not as text: one list per level,
    each numbered paragraph an instance of it starting at its printed number (as Word keeps a list
    that restarts under each heading)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from disclosure.importer.structure import cn_number

    document = docx.Document()
    document.core_properties.title = TITLE
    numbering = document.part.numbering_part.element
    abstract_ids = {}
    for index, (kind, (fmt, text)) in enumerate(LEVELS.items(), start=90):
        abstract = element("w:abstractNum", abstractNumId=str(index))
        abstract.append(list_level(0, fmt, text))
        numbering.insert(0, abstract)
        abstract_ids[kind] = str(index)
    next_num = [100]

    def numbered(paragraph, level: str, start: int):
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(next_num[0]))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), abstract_ids[level])
        num.append(ref)
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), "0")
        start_el = OxmlElement("w:startOverride")
        start_el.set(qn("w:val"), str(start))
        override.append(start_el)
        num.append(override)
        numbering.append(num)
        ppr = paragraph._p.get_or_add_pPr()
        numpr = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", "0"), ("w:numId", str(next_num[0]))):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            numpr.append(child)
        ppr.append(numpr)
        next_num[0] += 1

    document.add_paragraph(TITLE)
    for text in jinpu_paragraphs():
        m = LABEL.match(text)
        if m and len(text) < 120:
            level = next(k for k in ("cn", "dot", "paren") if m[k])
            paragraph = document.add_paragraph(m["rest"])
            numbered(paragraph, level, cn_number(m["cn"]) if level == "cn" else int(m[level]))
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def items_of(folder: Path) -> list[dict]:
    return [yaml.load(p.read_text("utf-8")) for p in (folder / "items").glob("*.yml")]


@pytest.fixture(scope="module")
def txt_items(tmp_path_factory):
    return {i["id"]: i for i in items_of(JINPU)}


@pytest.mark.parametrize("kind", ["html", "docx"])
def test_jinpu_as_web_page_and_word_file_imports_to_the_same_items(kind, tmp_path, txt_items):
    path = tmp_path / f"jinpu.{kind}"
    path.write_bytes(jinpu_html() if kind == "html" else jinpu_docx())
    out = tmp_path / "jinpu-2019"
    assert main(["import", str(path), "--out", str(out)]) == 0
    items = {i["id"]: i for i in items_of(out)}
    assert len(items) == 44 and set(items) == set(txt_items)
    for key in ("status", "deadline", "label", "heading", "finding", "measures", "status_text"):
        assert {k: i.get(key) for k, i in items.items()} == {k: i.get(key) for k, i in txt_items.items()}, key
    assert Counter(i["status"] for i in items.values()) == {"done": 20, "in_progress": 24}
    # every body line of the notice is kept; the original file is kept byte for byte
    body = "\n".join(line for line in SOURCE.splitlines() if not line.strip().startswith(PAGE_ONLY))
    assert lost_lines(body, out) == []
    assert (out / f"source.{kind}").read_bytes() == path.read_bytes()
    notice = yaml.load((out / "notice.yml").read_text("utf-8"))
    assert notice["source"] == f"source.{kind}" and notice["title"] == TITLE
    assert (notice["issuer"], notice["issued"]) == ("中共大连金普新区工作委员会", "2019-08-12")
    assert notice["stated_figures"]["total"] == 44 and "unplaced" not in notice
    item_text = "\n".join(p.read_text("utf-8") for p in (out / "items").glob("*.yml"))
    for furniture in FURNITURE:
        assert furniture not in item_text, furniture


def test_the_web_page_furniture_is_page_metadata_not_text(tmp_path):
    result = import_notice(jinpu_html(), "jinpu-2019")
    notice = result.notice
    assert notice["published"] == "2019-08-21"
    lines = "\n".join(notice["page"]["lines"])
    for furniture in ("首页 | 走进金普 | 政务公开 | 政务服务 | 互动交流", "版权所有", "相关链接", "责编:督察处"):
        assert furniture in lines, furniture
    section_text = "\n".join(p for s in notice["sections"] for p in s["paragraphs"])
    assert "版权所有" not in section_text and "统计" not in section_text and "hm.js" not in lines


def test_word_numbering_is_rendered_and_counts_on(tmp_path):
    """A list that counts by itself: (1) (2) (3), a nested level restarting under each parent."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    document = docx.Document()
    numbering = document.part.numbering_part.element
    abstract = element("w:abstractNum", abstractNumId="77")
    for ilvl, (fmt, text) in enumerate((("chineseCounting", "%1、"), ("decimal", "(%2)"))):
        abstract.append(list_level(ilvl, fmt, text))
    numbering.insert(0, abstract)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), "78")
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), "77")
    num.append(ref)
    numbering.append(num)
    for ilvl, text in ((0, "甲"), (1, "子一"), (1, "子二"), (0, "乙"), (1, "子三")):
        paragraph = document.add_paragraph(text)
        numpr = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", str(ilvl)), ("w:numId", "78")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            numpr.append(child)
        paragraph._p.get_or_add_pPr().append(numpr)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "整改时限", "2024年12月"
    buffer = io.BytesIO()
    document.save(buffer)
    lines = [line.strip("\u3000") for line in read_source(buffer.getvalue()).text.splitlines()]
    assert lines == ["一、甲", "(1)子一", "(2)子二", "二、乙", "(1)子三", "整改时限", "2024年12月"]


def test_kind_is_found_from_the_bytes_not_the_name(tmp_path):
    assert read_source(jinpu_html()).extension == "html"
    assert read_source(jinpu_docx()).extension == "docx"
    assert read_source(SOURCE.encode("utf-8")).extension == "txt"
    wrong = tmp_path / "notice.txt"
    wrong.write_bytes(jinpu_docx())  # a Word file saved with the wrong extension
    out = tmp_path / "jinpu-2019"
    assert main(["import", str(wrong), "--out", str(out)]) == 0
    assert (out / "source.docx").is_file() and len(list((out / "items").glob("*.yml"))) == 44
