"""The genre's vocabulary, in one place: how 整改情况通报 name a status, label a line, state a
deadline and count their own progress. The importer reads notices with it, `disclosure update`
reads staff's words with it, the validator and the site show its status names.

Rules that keep the importer honest ("nothing invented"):
- a status comes only from a status phrase: a labelled status line (整改状态:完成), or a bare
  status clause closing the item (…,目前已整改到位。); 已完成 inside a measure is not a status;
- a deadline comes only from a deadline phrase of that item: a labelled line (整改时限:2025年6月)
  or a date followed by 前/底前 (2019年12月前完成). A date inside the measures (于2024年11月清查
  追回…) is never a deadline; 长期坚持 means there is none;
- 整改情况: opens the measures; it is a status only when nothing but a short status phrase
  follows it (整改情况:已完成), never when measures follow (整改情况:一是……).
"""
from __future__ import annotations

import re

from .status import DONE, IN_PROGRESS, LABELS, MOSTLY_DONE, NOT_STARTED, ONGOING, PARTLY_DONE, UNREPORTED

# The words of the genre for each status. Checked in this order, so 阶段性完成 and 基本完成 are
# not read as 完成, and 正在整改……前完成 is not read as done.
STATUS_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (PARTLY_DONE, ("阶段性完成", "部分完成", "阶段性整改")),
    (MOSTLY_DONE, ("基本完成", "基本整改到位", "基本到位", "基本整改完成")),
    (ONGOING, ("持续推进", "持续整改", "长期坚持", "常态化推进", "长期推进", "持续开展", "长期整改")),
    (IN_PROGRESS, ("正在整改", "整改中", "正在推进", "推进中", "未完成", "整改进行中", "正在落实", "正在办理",
                     "尚未完成", "未整改到位")),
    (NOT_STARTED, ("尚未启动", "未启动", "未开始")),
    (DONE, ("已完成", "已整改", "整改完成", "整改完毕", "已办结", "已落实", "已整改到位", "整改到位", "完成整改",
              "已销号", "完成")),
    (UNREPORTED, ("未说明", "原文未说明")),
]

# Labels that open a status line, before or after the measures.
STATUS_LINE_LABELS = ("整改进展情况", "整改完成情况", "整改进展", "整改状态", "完成情况", "进展情况", "整改结果",
                      "目前进展", "办理情况", "完成状态", "整改进度")
# Labels that open the measures (never a status, even when followed by 已……).
MEASURE_LABELS = ("整改落实情况", "整改情况", "整改措施", "主要措施", "具体措施", "落实情况", "采取措施")
DEADLINE_LABELS = ("整改时限", "完成时限", "整改期限", "办结时限", "时限要求", "完成时间", "整改时间")
RESPONSIBLE_LABELS = ("整改责任单位", "责任单位", "牵头单位", "责任部门", "责任领导", "配合单位")
NO_DEADLINE_WORDS = ("长期坚持", "长期推进", "持续推进", "常态化", "长期整改")

# Column headers of a table of items (序号 / 问题 / 整改措施 / 整改时限 / 整改状态) and what each holds.
TABLE_COLUMNS = {
    "序号": "number", "编号": "number", "问题": "finding", "反馈问题": "finding", "存在问题": "finding",
    "问题描述": "finding", "巡察反馈问题": "finding", "整改措施": "measure", "整改情况": "measure",
    "整改时限": "deadline", "完成时限": "deadline", "整改期限": "deadline", "整改状态": "status",
    "完成情况": "status", "整改进展": "status", "整改进展情况": "status", "整改结果": "status",
    "责任单位": "responsible", "责任领导": "responsible_person", "备注": "note",
}

COLON = r"\s*[:：]"
STATUS_LINE = re.compile(rf"^({'|'.join(STATUS_LINE_LABELS)}){COLON}")
MEASURE_LINE = re.compile(rf"^({'|'.join(MEASURE_LABELS)}){COLON}")
DEADLINE_LINE = re.compile(rf"^({'|'.join(DEADLINE_LABELS)}){COLON}")
RESPONSIBLE_LINE = re.compile(rf"^({'|'.join(RESPONSIBLE_LABELS)}){COLON}\s*(?P<units>.+?)[。；;]?$")
# A clause that closes an item and is nothing but its status: 目前已整改到位 / 该问题正在整改中 /
# 已完成 / 阶段性完成. "全面完成改造" is not one (fullmatch), nor "2025年8月前完成" (a deadline).
_ALL_WORDS = "|".join(sorted({w for _, ws in STATUS_WORDS for w in ws}, key=len, reverse=True))
STATUS_CLAUSE = re.compile(rf"(?:目前|现已|现|截至目前|至此)?[,，]?(?:该问题|此问题|该项问题|此项|上述问题|问题)?"
                           rf"(?:已经|已|均|全部|基本|需|仍需|正)?(?:{_ALL_WORDS})(?:中|了)?")

_DATE = r"(?P<y>\d{4})\s*年\s*(?:(?P<m>\d{1,2})\s*月\s*(?:底|末|份)?|(?P<end>底|末|年底|年末)|(?P<half>上半年|下半年))"
# A date is a deadline when the words around it say so: …前 / 计划…完成 / a labelled line.
DEADLINE_PHRASE = re.compile(rf"{_DATE}\s*(?:以前|之前|前)")
PLANNED_PHRASE = re.compile(rf"(?:计划|预计|力争|确保|争取|拟)\s*(?:于|在|到)?\s*{_DATE}\s*(?:内)?\s*(?:全面|全部|基本)?"
                            r"(?:完成|建成|整改到位|办结|到位)")
DEADLINE_PHRASE_DONE = re.compile(rf"{_DATE}\s*(?:以前|之前|前)\s*(?:全面|全部|基本)?(?:完成|办结|到位)?")
LABELLED_DATE = re.compile(rf"{_DATE}|(?P<iy>\d{{4}})[-./](?P<im>\d{{1,2}})(?!\d)")


def status_of(text: str) -> str | None:
    """The status a phrase states, or None. `text` is a status line without its label, a status
    sentence, or a word staff typed."""
    return next((code for code, words in STATUS_WORDS if any(w in text for w in words)), None)


def closing_status(paragraph: str) -> str:
    """The status clause that closes a paragraph ('' if none): the last clause of its last
    sentence that is a bare status phrase."""
    sentences = [x for x in re.split(r"[。；;！!]", paragraph) if x.strip()]
    if not sentences:
        return ""
    for clause in reversed(re.split(r"[,，]", sentences[-1])):
        clause = clause.strip()
        if not clause or re.search(r"\d", clause):
            continue
        return clause if STATUS_CLAUSE.fullmatch(clause) else ""
    return ""


def status_of_word(word: str) -> str | None:
    """Exactly one word (staff's `--status 已完成`): a code, a site name, or a word of the genre."""
    word = word.strip()
    if word in LABELS:
        return word
    by_label = {label: code for code, label in LABELS.items()}
    if word in by_label:
        return by_label[word]
    return next((code for code, words in STATUS_WORDS if word in words), None)


def is_status_line(text: str) -> bool:
    """A labelled status line. 整改情况: and the other measure labels open the measures; only
    when all that follows is a short status phrase (整改情况:已完成 / 整改情况:正在整改,2024年6月底前
    完成) does a careful reader take it as the status."""
    if STATUS_LINE.match(text):
        return True
    m = MEASURE_LINE.match(text)
    if not m:
        return False
    body = text[m.end():].strip().rstrip("。.")
    # a deadline phrase is a plan, not a status: 整改情况:对结转项目逐一排查,2024年9月底前完成全部拨付
    # is a measure; 整改情况:正在整改,2024年6月底前完成 still states 正在整改
    words = PLANNED_PHRASE.sub("", DEADLINE_PHRASE_DONE.sub("", body))
    return len(body) <= 30 and "。" not in body and "是" not in body[:3] and status_of(words) is not None


def status_line_body(text: str) -> str:
    return MEASURE_LINE.sub("", STATUS_LINE.sub("", text, count=1), count=1)


def _month(m: re.Match) -> str | None:
    if m.groupdict().get("iy"):
        year, month = m["iy"], m["im"]
    else:
        year = m["y"]
        month = m["m"] or ("12" if m["end"] or m["half"] == "下半年" else "6" if m["half"] else None)
    if month is None or not 1 <= int(month) <= 12:
        return None
    return f"{int(year):04d}-{int(month):02d}"


def deadline_in(text: str, labelled: bool = False) -> tuple[str | None, str]:
    """('YYYY-MM', the phrase it came from) or (None, ''). `labelled`: the line is a 整改时限:
    line, where a plain date is the deadline; elsewhere only a deadline phrase counts."""
    patterns = [LABELLED_DATE] if labelled else [DEADLINE_PHRASE, PLANNED_PHRASE]
    for pattern in patterns:
        for m in pattern.finditer(text):
            month = _month(m)
            if month:
                return month, m[0]
            return None, m[0]  # a deadline phrase with an impossible date: reported, not guessed
    return None, ""


def no_deadline_words(text: str) -> str:
    return next((w for w in NO_DEADLINE_WORDS if w in text), "")


# ---- dates a page or a notice states about itself ----------------------------------------------
# The document's own date (issued), as 政府信息公开 blocks and info lines label it; 发布 is the page's.
ISSUED_LABELS = "成文日期|成文时间|发文日期|发文时间|印发日期|印发时间|生成日期"


# ---- the notice's own figures ("反馈问题31个,已完成整改26个、正在整改5个,整改完成率83.9%") --------------
_N = r"(?P<n>\d+)\s*(?:个|项|条|件)"
# A count of problems followed by its status (5个问题已完成整改) is a part, not the total.
_NOT_TOTAL = r"(?!\s*(?:已|均已|正在|基本|阶段性|持续|长期|未|尚未|需))"
# A count of measures or tasks (细化为整改措施42条 / 列出任务清单27项 / 42条整改措施) counts no problems.
_NOT_PROBLEMS = r"(?:措施|任务|举措|制度|责任)"
_GAP = rf"(?:(?!{_NOT_PROBLEMS})[^,，。;；]){{0,10}}?"
_NOT_TASKS = rf"(?!\s*(?:项|条)?(?:整改)?{_NOT_PROBLEMS})"
FIGURE_TOTAL = [
    re.compile(rf"{_N}(?:具体)?问题(?:清单)?{_NOT_TOTAL}"),
    re.compile(rf"问题\s*(?P<n>\d+)\s*(?:个|项|条|件){_NOT_TOTAL}"),
    re.compile(rf"(?:反馈|指出|交办|梳理|细化为?){_GAP}{_N}{_NOT_TASKS}{_NOT_TOTAL}"),
    # 建立整改台账,列出问题清单32项 (a 任务清单 lists tasks, not problems)
    re.compile(rf"(?:问题清单|问题台账|整改台账)(?:(?!{_NOT_PROBLEMS})[^,，。;；\d]){{0,8}}?{_N}{_NOT_TASKS}{_NOT_TOTAL}"),
]
# A total alone is a figure only when the sentence says it counts the problems found.
COUNTING = re.compile(r"共|发现|反馈|形成|细化|梳理|交办|列出|建立|移交|指出")
ALL_DONE = re.compile(r"(?:已全部|均已|全部)(?:完成整改|整改完成|整改到位|完成)")
def _parts(before: str, after: str) -> list[re.Pattern]:
    """'已完成整改26个' (words before the number) and '19项问题已完成' (words after it)."""
    return [re.compile(rf"(?:{before})[^,，、；;。\d（(]{{0,14}}?{_N}"), re.compile(rf"{_N}(?:问题)?已?(?:{after})")]


FIGURE_PARTS: list[tuple[str, list[re.Pattern]]] = [
    (PARTLY_DONE, _parts("阶段性完成(?:整改)?", "阶段性完成")),
    (MOSTLY_DONE, _parts("基本完成(?:整改)?(?:并持续整改|并长期坚持)?", "基本完成")),
    (ONGOING, _parts("持续整改|长期坚持|持续推进", "需?(?:持续整改|长期坚持|持续推进)")),
    (IN_PROGRESS, _parts("正在整改|未完成|尚未完成|正在推进|其余|剩余", "正在整改|正在推进|取得阶段性成果|未完成")),
    (DONE, _parts("已完成整改|完成整改|已整改完成|已整改到位|整改完成|已完成|已整改|已办结|已销号",
                    "已完成整改|已整改完成|已整改到位|已完成|已办结|已销号")),
]
FIGURE_RATE = re.compile(r"(?:整改)?完成率(?:为|达到?)?\s*(?P<rate>\d+(?:\.\d+)?\s*[%％])")


def stated_figures(sentence: str, parts_only: bool = False) -> dict:
    """The figures one sentence states about the notice, with the exact words they came from.
    `parts_only`: the counts by status of a sentence that follows the one stating the total."""
    total = None if parts_only else \
        next((m for m in (p.search(sentence) for p in FIGURE_TOTAL) if m), None)  # in order of trust
    if total is None and not parts_only:  # 5个问题已完成整改,1个问题已基本完成整改: counts without a total
        parts = stated_figures(sentence, parts_only=True)
        return parts if len(parts) > 2 else {}
    out: dict = {"total": int(total["n"])} if total else {}
    taken = [(total.start(), total.end())] if total else []
    start = end = total.end() if total else len(sentence)
    begin = total.start() if total else len(sentence)
    for key, patterns in FIGURE_PARTS:
        found = [m for p in patterns for m in p.finditer(sentence, start if total else 0)
                 if not any(a < m.end() and m.start() < b for a, b in taken)]
        if not found:
            continue
        m = min(found, key=lambda m: m.start())
        out[key] = int(m["n"])
        taken.append((m.start(), m.end()))
        begin = min(begin, m.start())
        end = max(end, m.end()) if not total else end
        end = max(end, m.end("n") + len(re.match(r"\s*(?:个|项|条|件)", sentence[m.end("n"):])[0]))
    rate = FIGURE_RATE.search(sentence, start if total else 0)
    if rate:
        out["rate"] = rate["rate"].replace(" ", "")
        end = max(end, rate.end())
    if total and len(out) == 1 and COUNTING.search(sentence[:total.start()] + sentence[total.start():total.end()]):
        done = ALL_DONE.search(sentence, total.end())  # 反馈问题21个,已全部完成整改
        if done:
            out[DONE] = out["total"]
            end = done.end()
        out["text"] = sentence.strip()  # a total alone: the whole sentence that states it
        return {key: out[key] for key in FIGURE_KEYS if key in out}
    if len(out) < (1 if parts_only else 2):
        return {}
    out["text"] = sentence.strip() if parts_only else sentence[begin:end]
    return {key: out[key] for key in FIGURE_KEYS if key in out}


# stated_figures' keys (notice.schema.json): a count per status code, the total, the rate, the words
FIGURE_KEYS = ("total", DONE, PARTLY_DONE, MOSTLY_DONE, ONGOING, IN_PROGRESS, "rate", "text")


# ---- what a notice states about its inspection (portal metadata) -----------------------------
# Each is read only from words that state it; a notice that does not say leaves it out.
# The notice's stage, most specific first: the title says which report this is.
STAGES = ("集中整改进展情况", "集中整改情况", "整改进展情况", "整改落实情况", "整改工作情况", "整改情况")
_NUM = r"[一二三四五六七八九十\d]+"
_ORGAN = r"(?:中央|省委|市委|州委|盟委|县委|区委|旗委|市|县|区)"
# "县委第三巡察组于2024年2月至4月对县农业农村局党组开展了常规巡察": the unit is what follows 对.
UNIT_PHRASE = re.compile(rf"巡[视察]组(?:于[^,，。;；]{{0,30}}?)?对(?P<unit>[^,，。;；、]{{2,40}}?)"
                         r"(?:进行了|开展了|开展|进行)[^,，。;；]{0,16}?巡[视察]")
# "十二届区委第二轮巡察" / "省委第八轮巡视": the round as the notice words it.
ROUND_PHRASE = re.compile(rf"(?P<round>(?:{_NUM}届)?{_ORGAN}?第{_NUM}轮)(?:常规|专项)?巡[视察]")
ROUND_OF_RECTIFICATION = re.compile(rf"(?P<round>(?:{_NUM}届)?{_ORGAN}?第{_NUM}轮)(?:常规|专项)?巡[视察](?:的|反馈(?:意见|问题)?的?)?"
                                    r"(?:整改|集中整改)(?:进展|落实|工作)?情况")
_SELF = re.compile(r"^(?:我|本)")  # 对我局党组: the issuer itself, not a name


def inspection_kind(title: str, text: str) -> str:
    """回头看 and 专项 only when the title says so; else 巡察 or 巡视 by the title, then by the text."""
    base = "巡察" if "巡察" in title or ("巡视" not in title and text.count("巡察") > text.count("巡视")) else "巡视"
    if "回头看" in title:
        return base + "回头看"
    if "专项" + base in title:
        return "专项" + base
    return base


# 对我局 / 对我中心党支部 / 对我单位: the issuer speaking of itself. The unit is then the issuer's
# own organ, read from the issuer's name (中共某市某局党组 → 某市某局), never guessed: the self-word
# must be one of these and the issuer's name must end with it (我局 needs a …局).
SELF_UNIT = re.compile(r"^我(?P<noun>单位|中心|街道|社区|集团|公司|学校|局|委|院|村|镇|乡|校|所|站|馆|厅|办|县|市|区)"
                       r"(?P<organ>党组|党委|党工委|党支部|党总支|支部|总支)?$")
_NOUN_ENDINGS = {"委": ("委", "委员会"), "校": ("校", "学校", "学院"), "办": ("办", "办公室"),
                 "集团": ("集团", "集团有限公司", "集团有限责任公司", "集团股份有限公司")}
# the party organ after the organ's name: 中共某某县公共资源交易中心支部委员会 → 某某县公共资源交易中心
_PARTY_ORGAN = re.compile(r"(?:总支部委员会|支部委员会|工作委员会|机关委员会|委员会|党组|党委|党工委|党总支|党支部|总支|支部)$")


def issuer_unit(self_word: str, issuer: str) -> str:
    """The unit 我局/我中心/我单位 (+党组…) names, from the issuer's name; '' when the issuer does
    not name such a unit (no issuer, or 我局 under an issuer that is no 局)."""
    m = SELF_UNIT.match(self_word)
    name = _PARTY_ORGAN.sub("", re.sub(r"^中共", "", issuer.strip()), count=1)
    if not m or len(name) < 2:
        return ""
    if m["noun"] != "单位" and not name.endswith(_NOUN_ENDINGS.get(m["noun"], (m["noun"],))):
        return ""
    return name + (m["organ"] or "")


def inspected_unit(text: str, issuer: str = "") -> str:
    """The one unit the text names as inspected: named after 对, or 对我局 read as the issuer's own
    unit when the issuer names it ('' for several units, none, or 我局 the issuer does not name)."""
    m = UNIT_PHRASE.search(text)
    if not m or "等" in m["unit"] or "家" in m["unit"]:
        return ""
    if _SELF.match(m["unit"]):
        return issuer_unit(m["unit"], issuer)
    return m["unit"]


def self_reference(text: str) -> str:
    """对我局党组 → '我局党组': the words by which the issuer named itself as inspected ('' if none)."""
    m = UNIT_PHRASE.search(text)
    return m["unit"] if m and _SELF.match(m["unit"]) else ""


def inspection_round(title: str, text: str) -> str:
    """From the title, else from the sentence that says who inspected whom: a round named elsewhere
    (区委启动第四轮巡察工作) is the unit's own work, not this inspection."""
    m = ROUND_PHRASE.search(title)
    if not m:
        opening = next((s for s in re.split(r"[。;；]", text) if UNIT_PHRASE.search(s)), "")
        m = ROUND_PHRASE.search(opening)
    if not m:  # …听取了十二届区委第二轮巡察的整改进展情况报告: the round whose rectification this reports
        m = ROUND_OF_RECTIFICATION.search(text)
    return m["round"] if m else ""


def notice_stage(title: str) -> str:
    return next((s for s in STAGES if s in title), "")
