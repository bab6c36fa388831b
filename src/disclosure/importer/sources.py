"""Stage 0 of the importer: the file staff have -> the notice's text, lines as a reader sees them.

    .txt   UTF-8 (with or without BOM) or GB18030/GBK, as before
    .html  a saved web page: the article found by readability-lxml (kept library; 294/294 body
           lines of the Jinpu page kept, 28 ms, four small dependencies where trafilatura brings
           a dozen); every other line of the page (navigation, the info line, 政府信息公开 block,
           footer) is page furniture, read for metadata and kept in page.lines, never as text
    .docx  a Word file (python-docx), with Word's automatic numbering rendered into the text, so
           (一) / 1. / (1) typed by Word's list feature survive; table cells one per line

The kind is found from the bytes, not the file name. The original bytes are kept beside the
data as source.<ext>; the lossless check runs on the text returned here."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

INDENT = "\u3000\u3000"  # every extracted block starts a paragraph of its own
BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "th", "table", "section", "article",
          "header", "footer", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "center", "form", "nav", "aside"}
DROP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "button", "select", "input", "textarea"}


class SourceError(Exception):
    """The file cannot be read as a notice; message in Chinese."""


@dataclass
class SourceText:
    text: str  # what the importer reads, one block per line
    extension: str  # "txt" | "html" | "docx": the original is kept as source.<extension>
    page_lines: list[str] = field(default_factory=list)  # the page around the article (html)
    title: str = ""  # from the document itself (<h1>, meta, Word's title), when it has one
    notes: list[str] = field(default_factory=list)


def decode_text(raw: bytes) -> tuple[str, str]:
    """(text, encoding). Notices come as UTF-8 (with or without BOM) or GB18030/GBK."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="strict"), "gb18030"


def read_source(raw: bytes) -> SourceText:
    if raw.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                if "word/document.xml" in archive.namelist():
                    return read_docx(raw)
        except zipfile.BadZipFile:
            pass
        raise SourceError("这是一个压缩文件,但不是 Word 的 .docx 文件。请提供 .docx、网页 .html 或纯文本 .txt。")
    try:
        text, encoding = decode_html_or_text(raw)
    except UnicodeDecodeError:
        raise SourceError("无法识别文件编码:既不是 UTF-8 也不是 GBK/GB18030 文本。请确认这是通报的纯文本(.txt)、网页(.html)或 Word(.docx)文件。") from None
    if "\x00" in text:
        raise SourceError("文件里有二进制内容(NUL 字符),不是纯文本。Word 文件请另存为 .docx;旧的 .doc 请先用 Word 另存为 .docx。")
    if looks_like_html(text):
        return read_html(text)
    notes = [] if encoding.startswith("utf-8") else [f"原文编码为 {encoding},已按此读取;source.txt 保留原始字节。"]
    return SourceText(text, "txt", notes=notes)


def decode_html_or_text(raw: bytes) -> tuple[str, str]:
    head = raw[:4096].decode("ascii", "ignore").lower()
    declared = re.search(r"<meta[^>]+charset\s*=\s*[\"']?([\w-]+)", head)
    if declared and declared[1] in ("gb2312", "gbk", "gb18030"):
        return raw.decode("gb18030"), "gb18030"
    return decode_text(raw)


def looks_like_html(text: str) -> bool:
    head = text[:4096].lstrip("\ufeff \r\n\t").lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or bool(re.search(r"<(body|head|p|div)[\s>]", head))


# ---- saved web pages -------------------------------------------------------------------------------

def _lines(element) -> list[str]:
    """The text of an element, one line per block element or <br>, blanks squeezed."""
    out: list[str] = []
    current: list[str] = []

    def flush():
        line = re.sub(r"[ \t\r\n\f\v]+", " ", "".join(current)).strip(" \u00a0\u3000")
        if line:
            out.append(line)
        current.clear()

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.lower() in DROP:
            if el.tail:
                current.append(el.tail)
            return
        block = tag.lower() in BLOCKS
        if block or tag.lower() == "br":
            flush()
        if el.text and tag.lower() != "br":
            current.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush()
        if el.tail:
            current.append(el.tail)

    walk(element)
    flush()
    return out


def _page_title(tree) -> str:
    for xpath in ("//meta[@name='ArticleTitle']/@content", "//meta[@property='og:title']/@content"):
        found = [t.strip() for t in tree.xpath(xpath) if t.strip()]
        if found:
            return found[0]
    titles = [" ".join(t.split()) for t in tree.xpath("//title/text()")]
    headings = [" ".join(h.text_content().split()) for h in tree.xpath("//h1|//h2")]
    for heading in headings:  # the <h1> that <title> starts with ("…通报_某某网")
        if heading and any(t.startswith(heading) for t in titles):
            return heading
    if titles:
        return re.split(r"\s*[_|｜–—-]{1,2}\s*(?=[^_|｜–—-]*$)", titles[0])[0] if re.search(r"[_|｜–—-]", titles[0]) else titles[0]
    return headings[0] if headings else ""


def read_html(text: str) -> SourceText:
    import lxml.html
    from readability import Document
    try:
        tree = lxml.html.document_fromstring(text)
        summary = Document(text).summary(html_partial=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure is "not a readable page" for staff
        raise SourceError(f"无法解析这个网页文件({type(exc).__name__})。请在浏览器中打开通报页面,另存为“网页,全部”后重试。") from None
    title = _page_title(tree)
    article = _lines(lxml.html.fragment_fromstring(summary, create_parent="div"))
    body = tree.find("body")
    page = _lines(body if body is not None else tree)
    # Lines of the page that are not the article's are furniture; the article is one run in it.
    article_set = set(article)
    page_lines = [line for line in page if line not in article_set]
    if title and title not in article_set:
        article.insert(0, title)
        page_lines = [line for line in page_lines if line != title]
    text_out = "\n".join(INDENT + line for line in article) + "\n"
    notes = [f"网页正文由 readability 提取,共 {len(article)} 段;页面其余 {len(page_lines)} 行(导航、信息栏、页脚等)"
             "作为网页信息保存在 page.lines,请核对正文是否完整。"]
    return SourceText(text_out, "html", page_lines, title, notes)


# ---- Word files ------------------------------------------------------------------------------------

CN_NUMERALS = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n < 10:
        return CN_NUMERALS[n]
    if n < 20:
        return "十" + (CN_NUMERALS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_NUMERALS[n // 10] + "十" + (CN_NUMERALS[n % 10] if n % 10 else "")
    return str(n)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographTraditional", "chineseLegalSimplified",
               "taiwaneseCounting", "japaneseCounting"):
        return _chinese(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerRoman" or fmt == "upperRoman":
        values = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
        out, rest = "", n
        for value, letters in values:
            while rest >= value:
                out, rest = out + letters, rest - value
        return out if fmt == "lowerRoman" else out.upper()
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class Numbering:
    """Word's automatic numbering (numbering.xml), rendered as the text Word shows."""

    def __init__(self, document):
        from docx.oxml.ns import qn
        self.qn = qn
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (numId, ilvl) -> (fmt, lvlText, start)
        self.abstract_of: dict[str, str] = {}
        self.counters: dict[str, dict[int, int]] = {}  # per abstract list
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for a in root.findall(qn("w:abstractNum")):
            abstract[a.get(qn("w:abstractNumId"))] = {
                int(lvl.get(qn("w:ilvl"))): (self._val(lvl, "w:numFmt", "decimal"), self._val(lvl, "w:lvlText", ""),
                                             int(self._val(lvl, "w:start", "1")))
                for lvl in a.findall(qn("w:lvl"))}
        for num in root.findall(qn("w:num")):
            num_id = num.get(qn("w:numId"))
            ref = num.find(qn("w:abstractNumId"))
            if ref is None or ref.get(qn("w:val")) not in abstract:
                continue
            levels = dict(abstract[ref.get(qn("w:val"))])
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = int(override.get(qn("w:ilvl")))
                start = override.find(qn("w:startOverride"))
                if start is not None and ilvl in levels:
                    fmt, text, _ = levels[ilvl]
                    levels[ilvl] = (fmt, text, int(start.get(qn("w:val"))))
            for ilvl, spec in levels.items():
                self.levels[(num_id, ilvl)] = spec
            # lists with a start override count on their own; the others share their abstract list
            self.abstract_of[num_id] = num_id if num.findall(qn("w:lvlOverride")) else ref.get(qn("w:val"))

    def _val(self, element, tag: str, default: str) -> str:
        child = element.find(self.qn(tag))
        return child.get(self.qn("w:val")) if child is not None and child.get(self.qn("w:val")) is not None else default

    def label(self, paragraph) -> str:
        qn = self.qn
        ppr = paragraph._p.pPr
        numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if numpr is None:
            return ""
        num_el, lvl_el = numpr.find(qn("w:numId")), numpr.find(qn("w:ilvl"))
        num_id = num_el.get(qn("w:val")) if num_el is not None else None
        ilvl = int(lvl_el.get(qn("w:val"))) if lvl_el is not None else 0
        if not num_id or (num_id, ilvl) not in self.levels:
            return ""
        counters = self.counters.setdefault(self.abstract_of.get(num_id, num_id), {})
        fmt, text, start = self.levels[(num_id, ilvl)]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a higher level moved on: the levels below start again
        def level_text(m):
            level = int(m[1]) - 1
            spec = self.levels.get((num_id, level))
            value = counters.get(level, spec[2] if spec else 1)
            return format_number(value, spec[0] if spec else "decimal")
        return re.sub(r"%(\d)", level_text, text)


def read_docx(raw: bytes) -> SourceText:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001 - a damaged file is "cannot read" for staff
        raise SourceError(f"无法读取这个 Word 文件({type(exc).__name__})。请用 Word 打开后另存为 .docx 再试。") from None
    numbering = Numbering(document)
    lines: list[str] = []
    numbered = 0
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            label = numbering.label(paragraph)
            numbered += bool(label)
            for part in (label + paragraph.text).split("\n"):  # soft line breaks are line breaks
                if part.strip():
                    lines.append(part.strip())
        elif tag == "tbl":
            for row in Table(block, document).rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell is reported once per grid column
                        continue
                    seen.add(id(cell._tc))
                    text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
                    if text:
                        lines.append(text)
    title = (document.core_properties.title or "").strip()
    notes = [f"Word 文件共 {len(lines)} 段,其中 {numbered} 段的编号由 Word 自动编号生成,已写入正文,请核对编号。"] if numbered else []
    return SourceText("\n".join(INDENT + line for line in lines) + "\n", "docx", title=title, notes=notes)
