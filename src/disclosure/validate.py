"""Validate a data folder: JSON Schema first, then the rules a schema cannot express.

Every problem becomes a DataError naming file, line, column and field in Chinese; all of them
are collected, so staff fix everything in one round instead of one error per push.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
from functools import cache
from importlib import resources
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from .checked import NOT_CHECKED, CheckedFiles
from .urls import site_addresses, unit_slug
from .layout import ITEMS, NOTICE_YML, NOTICES, OWNERS, SAFE_ID, SITE, notice_path
from .errors import DataError, DataErrors, Warning_, visible
from .dataset import Dataset
from .model import Item, Notice, natural_key
from . import names
from .status import DONE, IN_PROGRESS, LABELS as STATUS_LABELS, MOSTLY_DONE, NOT_STARTED, ONGOING, PARTLY_DONE, is_done
from .genre import status_of_word
from .series import link_problems
from .yamlio import Loaded, decode, field_name, load_bytes, load_file, read_bytes

MARKDOWN = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")  # MkDocs makes <stem>/ of these


def docs_folders(data_dir: Path) -> set[Path]:
    """The hand-written pages: mkdocs.yml's docs_dir (default docs/) beside the data folder and in
    the working directory, whichever exist."""
    found = set()
    for root in {data_dir.resolve().parent, Path.cwd().resolve()}:
        config = root / "mkdocs.yml"
        named = re.search(r"^docs_dir:[ \t]*['\"]?([^'\"#\s]+)", config.read_text("utf-8", "replace"),
                          re.M) if config.is_file() else None
        found.add(root / (named.group(1) if named else "docs"))
    return {folder for folder in found if folder.is_dir()}


def reserved_ids(data_dir: Path) -> frozenset[str]:
    """Names (lowercase) no notice folder may take: the site's own addresses and its hand-written
    pages (docs/about.md is /about/). Compared ignoring case: a Windows preview folds it."""
    pages = {(p.stem if p.suffix.lower() in MARKDOWN else p.name).lower()
             for docs in docs_folders(data_dir) for p in docs.iterdir() if not p.name.startswith(".")}
    return site_addresses() | pages


@cache
def schema(name: str) -> dict:
    return json.loads(resources.files("disclosure").joinpath(f"schema/{name}.schema.json").read_text("utf-8"))


SCHEMA_NAMES = ("item", "notice", "owners")


@cache
def _validator(name: str) -> Draft202012Validator:
    # notice.schema.json refers to item.schema.json for corrections/withdrawn (one definition)
    registry = Registry().with_resources(
        (f"{other}.schema.json", Resource.from_contents(schema(other))) for other in SCHEMA_NAMES)
    return Draft202012Validator(schema(name), registry=registry)


TYPE_WORDS = {"string": "文字", "array": "列表(每项以“- ”开头)", "object": "一组字段", "integer": "整数",
              "boolean": "是/否", "number": "数字", "null": "空"}
PATTERN_HINTS = {
    "deadline": "应写成带引号的年月,如 \"2019-12\"",
    "date": "应写成带引号的日期,如 \"2024-07-17\"",
    "issued": "应写成带引号的日期,如 \"2019-08-12\"",
    "published": "应写成带引号的日期,如 \"2019-08-21\"",
    "id": "只能用字母、数字和 - _ . ,且不能以符号开头(不能含 / 或 ..)",
    "source": "只能是与 notice.yml 同一文件夹里的文件名",
    "admins": "账号名只能用字母、数字、汉字和 . _ @ -",
    "accounts": "通报编号或通配符只能用字母、数字、- _ . 和 * ?",
    # site.yml (site.schema.json)
    "site_code": "网站标识码是 10 位字母或数字,如 \"2102130001\",请照政府网站标识码登记结果填写",
    "icp_record": "应照备案结果填写,如 辽ICP备12345678号 或 辽ICP备12345678号-1",
    "police_record": "应照备案结果填写,如 辽公网安备 21021302000123号",
}


def _found(value) -> str:
    if isinstance(value, str):
        return f"“{visible(value)}”"
    if isinstance(value, bool):
        return "是/否(true/false)"
    if isinstance(value, (dict, list)):
        return TYPE_WORDS["object" if isinstance(value, dict) else "array"]
    return repr(value)


def _schema_message(err, name: str) -> tuple[tuple, str]:
    """Translate one jsonschema error into (path, Chinese message)."""
    path = tuple(err.absolute_path)
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    v = err.validator
    if v == "required":
        missing = err.message.split("'")[1]
        return path, f"缺少必填字段 “{missing}”。请补上这一项。"
    if v == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = [k for k in err.instance if k not in err.schema.get("properties", {})]
        return path + (extra[0],), f"未知字段 “{extra[0]}”(是不是拼写错了?)。允许的字段:{'、'.join(allowed)}。"
    if v == "type":
        want = TYPE_WORDS.get(err.validator_value, err.validator_value)
        tip = "如果是编号、日期或数字,请加英文双引号,如 \"2019-12\"。" if err.validator_value == "string" else ""
        return path, f"应为{want},这里写的是 {_found(err.instance)}。{tip}"
    if v == "enum":
        if key == "status":
            choices = "、".join(f"{k}({w})" for k, w in STATUS_LABELS.items())
            if meant := _status_meant(err.instance):  # 已完成 / 整改到位 / Done: say the exact word to write
                return path, (f"状态写成了{_found(err.instance)},这不是允许的值,请写 {meant}({STATUS_LABELS[meant]})。"
                              f"状态只能写这些代码之一:{choices}。")
        else:
            choices = "、".join(map(str, err.validator_value))
        return path, f"{_found(err.instance)} 不是允许的值。可选:{choices}。"
    if v == "pattern":
        if "propertyNames" in err.absolute_schema_path:  # owners.yml: a key of accounts is an account name
            key = "admins"
        hint = PATTERN_HINTS.get(key) or PATTERN_HINTS.get(path[0] if path else "", f"格式应符合 {err.validator_value}")
        return path, f"{_found(err.instance)} 格式不对:{hint}。"
    if v == "minLength":
        return path, "不能为空。请填写内容,或删除这一行。"
    if v == "minimum":
        return path, f"不能小于 {err.validator_value}。"
    return path, f"不符合格式要求({err.message})。"


def _status_meant(value) -> str | None:
    """The status code a wrongly written status means: a site name (已完成), a word of the genre
    (整改到位, as `disclosure update --status` takes it) or a code in other letters (Done, in-progress).
    The YAML keeps codes only (one vocabulary: status.py); the message names the code to write."""
    if not isinstance(value, str):
        return None
    code = status_of_word(value)
    if code is None:
        spelled = re.sub(r"[\s-]+", "_", value.strip().lower())
        code = spelled if spelled in STATUS_LABELS else None
    return code


def schema_errors(loaded: Loaded, name: str) -> list[DataError]:
    out = []
    for err in _validator(name).iter_errors(loaded.data):
        path, msg = _schema_message(err, name)
        line, col = loaded.where(path)
        out.append(DataError(loaded.file, line, col, field_name(path), msg))
    return out


def _real_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _real_month(text: str) -> bool:
    return 1 <= int(text[5:7]) <= 12 and int(text[:4]) >= 1900


class Checker:
    """Semantic rules over loaded files. Collects errors instead of stopping at the first."""

    def __init__(self, checked: CheckedFiles | None = None):
        self.checked = checked  # files checked by earlier builds (buildcache.CheckedFiles)
        self.errors: list[DataError] = []
        self.links: dict[tuple[str, str | None], Loaded] = {}  # files holding follows / continues

    def err(self, loaded: Loaded, path: tuple, msg: str):
        line, col = loaded.where(path)
        self.errors.append(DataError(loaded.file, line, col, field_name(path), msg))

    def notice(self, loaded: Loaded, folder: Path):
        d = loaded.data
        if d["id"] != folder.name:
            self.err(loaded, ("id",), f"通报编号 “{d['id']}” 与文件夹名 “{folder.name}” 不一致。请让两者相同。")
        for key in ("issued", "published"):
            if key in d and not _real_date(d[key]):
                self.err(loaded, (key,), f"“{d[key]}” 不是真实存在的日期。请核对年月日。")
        self.record_dates(loaded)
        self.invisible_characters(loaded)
        if not (folder / d["source"]).is_file():
            self.err(loaded, ("source",), f"找不到原文文件 “{d['source']}”。请把通报原文放在 notice.yml 旁边。")
        seen: dict[tuple, bool] = {}
        for c_i, cat in enumerate(d["categories"]):
            self._unique(loaded, seen, ("categories", c_i, "id"), ("c", cat["id"]))
            for g_i, grp in enumerate(cat.get("groups", [])):
                self._unique(loaded, seen, ("categories", c_i, "groups", g_i, "id"), ("g", cat["id"], grp["id"]))

    def record_dates(self, loaded: Loaded):
        """corrections[].date and withdrawn.date are real days (the schema checks only the shape)."""
        d = loaded.data
        places = [(("corrections", i, "date"), c["date"]) for i, c in enumerate(d.get("corrections", []))]
        if "withdrawn" in d:
            places.append((("withdrawn", "date"), d["withdrawn"]["date"]))
        for path, value in places:
            if not _real_date(value):
                self.err(loaded, path, f"“{value}” 不是真实存在的日期。请核对年月日。")

    def invisible_characters(self, loaded: Loaded):
        """names.invisible_in: no character that prints nothing in a name, title or heading, and no
        bidirectional control anywhere (they make two names look alike, or turn page text around)."""
        def walk(value, path):
            if isinstance(value, dict):
                for key, inner in value.items():
                    walk(inner, path + (key,))
            elif isinstance(value, list):
                for i, inner in enumerate(value):
                    walk(inner, path + (i,))
            elif isinstance(value, str):
                key = next((p for p in reversed(path) if isinstance(p, str)), "")
                bad = names.invisible_in(value, key)
                if bad:
                    at = next(i for i, c in enumerate(value) if c in bad)
                    before = names.without_invisible(value[max(0, at - 8):at])[0]
                    after = names.without_invisible(value[at + 1:at + 9])[0]
                    self.err(loaded, path, f"“{before}⟨这里⟩{after}” 处有看不见的字符:{names.describe(bad)}(常见于从网页"
                             "或 Word 复制的文字)。有了它,名称在网页上看起来和别的名称一样、却被当成另一个名称,或者周围的"
                             "文字会倒着显示。请把标出位置前后的几个字删掉,再重新输入。")
        walk(loaded.data, ())

    def _unique(self, loaded, seen, path, key):
        if key in seen:
            self.err(loaded, path, f"编号 “{key[-1]}” 在同一层级里重复。请改成不同的编号。")
        seen[key] = True

    def item(self, loaded: Loaded, file: Path, notice: Notice):
        d = loaded.data
        if file.stem != d["id"]:
            self.err(loaded, ("id",), f"事项编号 “{d['id']}” 与文件名 “{file.name}” 不一致。文件应命名为 {d['id']}.yml。")
        done = is_done(d["status"])
        if not done and "deadline" not in d and "no_deadline" not in d:
            self.err(loaded, ("status",), f"状态为 {d['status']}({STATUS_LABELS[d['status']]}),但没有整改时限。"
                     "请填写 deadline: \"YYYY-MM\";原文确实没有时限时,填写 no_deadline: 原通报未列明整改时限。")
        if "deadline" in d and not _real_month(d["deadline"]):
            self.err(loaded, ("deadline",), f"“{d['deadline']}” 不是真实的年月(月份应为 01–12)。")
        self._hierarchy(loaded, notice)
        self.record_dates(loaded)
        self.invisible_characters(loaded)
        previous = ""
        for i, update in enumerate(d.get("updates", [])):
            if not _real_date(update["date"]):
                self.err(loaded, ("updates", i, "date"), f"“{update['date']}” 不是真实存在的日期。请核对年月日。")
            elif update["date"] < previous:
                self.err(loaded, ("updates", i, "date"),
                         f"进展记录应按日期先后排列:{update['date']} 排在了 {previous} 之后。请把这一条移到正确位置。")
            else:
                previous = update["date"]
            if "deadline" in update and not _real_month(update["deadline"]):
                self.err(loaded, ("updates", i, "deadline"), f"“{update['deadline']}” 不是真实的年月。")
            if "deadline" in update and "reason" not in update:
                self.err(loaded, ("updates", i), "调整了整改时限(deadline),必须同时写明理由(reason)。")

    def _hierarchy(self, loaded: Loaded, notice: Notice):
        d, level, trail = loaded.data, notice.categories, []
        for key, word in (("category", "类别"), ("group", "问题组"), ("issue", "具体问题")):
            if key not in d:
                continue
            found = next((n for n in level if n.id == d[key]), None)
            if found is None:
                where = "、".join(n.id for n in level) or "无"
                self.err(loaded, (key,), f"{word}编号 “{d[key]}” 在 notice.yml 中不存在(此处可用:{where})。")
                return
            trail.append(found)
            level = found.children


class LoadedFolders:
    """A long-lived process's (the preview's) notices as last loaded, by their folder's signature
    (every file's name, size, modification time and inode): a folder whose files are untouched is
    not read again, and its Notice object is reused (nothing changes a Notice after loading).
    Only folders that loaded without errors are kept; cross-notice checks run on every load.

    Once a watcher tells it of every change (`watch`, then `changed` from the watcher's thread), a
    load checks the signatures only of the folders it was told of: at 40,000 items, the 42,000
    stats of every load were a fifth of a preview rebuild. The first load after `watch` still
    checks every folder (a change may have come before the watcher started)."""

    def __init__(self):
        self._folders: dict[str, tuple[tuple, Notice, dict]] = {}
        self._lock = threading.Lock()
        self._watched = False
        self._told: set[str] | None = None  # folder names changed since the last load; None: any

    def watch(self) -> None:
        with self._lock:
            self._watched, self._told = True, None

    def changed(self, name: str | None) -> None:
        """The watcher saw a change in notices/<name>; None: elsewhere, or it cannot tell."""
        with self._lock:
            if self._told is None:
                return
            if name:
                self._told.add(name)
            else:
                self._told = None

    def untold(self) -> set[str]:
        """At the start of a load: the kept folders (paths) no change was told of since the last load."""
        with self._lock:
            told, self._told = self._told, (set() if self._watched else None)
        if told is None:
            return set()
        return {path for path in self._folders if os.path.basename(path) not in told}

    def get(self, folder: Path, signature: tuple | None) -> tuple[Notice, dict] | None:
        """signature None: the folder is known unchanged (untold)."""
        kept = self._folders.get(str(folder))
        return (kept[1], kept[2]) if kept is not None and (signature is None or kept[0] == signature) else None

    def put(self, folder: Path, signature: tuple, notice: Notice, links: dict) -> None:
        self._folders[str(folder)] = (signature, notice, links)

    def keep_only(self, folders: set[str]) -> None:
        for gone in set(self._folders) - folders:
            del self._folders[gone]


def folder_signature(folder: Path) -> tuple:
    """Every file under folder: (path, size, modification time in ns, inode, mode), sorted."""
    out, stack = [], [str(folder)]
    while stack:
        top = stack.pop()
        with os.scandir(top) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    st = entry.stat(follow_symlinks=False)
                    out.append((entry.path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode))
    return tuple(sorted(out))


def load_dataset(data_dir: Path, checked: CheckedFiles | None = None,
                 folders: LoadedFolders | None = None) -> Dataset:
    """Load and validate every notice under data_dir/notices. Raises DataErrors listing all problems.
    checked: the build cache's store of files checked before (unchanged files are not parsed again).
    folders: the preview's notices from its last load (unchanged folders are not read again)."""
    data_dir = Path(data_dir)
    root = data_dir / NOTICES
    if not root.is_dir():
        raise DataErrors([DataError(str(root), 0, 0, "", "找不到 notices 文件夹。数据应放在 data/notices/<通报编号>/ 下。")])
    checker, notices = Checker(checked), []
    untold = folders.untold() if folders is not None else set()
    unsafe = unsafe_entries(data_dir, untold)
    if unsafe:  # refuse before reading anything: a link could make us read /etc/passwd
        raise DataErrors(unsafe)
    seen, reserved = set(), reserved_ids(data_dir)
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name.lower() in reserved:  # its pages would take the address of the site's own
            checker.errors.append(DataError(_display(folder, data_dir), 0, 0, "",
                                            f"“{folder.name}” 是网站自身栏目或页面的地址,不能用作通报编号(文件夹名)。"
                                            "请换一个编号,例如加上单位和年份:xx-xuncha-2024。"))
            continue
        signature = folder_signature(folder) if folders is not None and str(folder) not in untold else None
        kept = folders.get(folder, signature) if folders is not None else None
        if kept is not None:
            notice, links = kept
            checker.links.update(links)
        else:
            errors, links_before = len(checker.errors), set(checker.links)
            notice = _load_notice(folder, data_dir, checker)
            if folders is not None and notice and len(checker.errors) == errors:
                folders.put(folder, signature, notice,
                            {k: v for k, v in checker.links.items() if k not in links_before})
        seen.add(str(folder))
        if notice:
            notices.append(notice)
    if folders is not None:
        folders.keep_only(seen)
    owners = _load_owners(data_dir, checker)
    site = _load_site_settings(data_dir, checker)
    checker.errors += unit_address_clashes(notices, data_dir)
    for problem in link_problems(notices):  # a series' links: only once every notice is read
        checker.err(checker.links[(problem.notice_id, problem.item_id)],
                    ("continues",) if problem.item_id else ("follows",), problem.message)
    if checker.errors:
        raise DataErrors(checker.errors)
    if checked is not None:
        checked.save()
    if not notices:
        raise DataErrors([DataError(str(root), 0, 0, "", "没有任何通报数据。请先用 disclosure import 导入通报。")])
    notices.sort(key=lambda n: (n.issued, n.id), reverse=True)  # newest notice first
    return Dataset([n for n in notices if not n.withdrawn], owners=owners,
                   withdrawn_notices=[n for n in notices if n.withdrawn], site=site)




def unit_address_clashes(notices: list[Notice], data_dir: Path) -> list[DataError]:
    """Two different unit names whose pages would have one address (urls.unit_slug is a hash of
    the name, 40 bits): the later name's notices are refused, so a page is never replaced by
    another unit's. By chance this needs about a million units; on purpose, a crafted name."""
    first: dict[str, Notice] = {}
    out = []
    for notice in sorted(notices, key=lambda n: (n.issued, n.id)):
        slug = unit_slug(notice.unit)
        earlier = first.setdefault(slug, notice)
        if earlier.unit != notice.unit:
            where = ("inspection", "unit") if notice.inspection.get("unit") else ("issuer",)
            path = data_dir / NOTICES / notice.id / NOTICE_YML
            loaded = load_file(path, _display(path, data_dir))  # read again (a clash is rare) for the line
            out.append(DataError(loaded.file, *loaded.where(where), field_name(where),
                                 f"单位名称 “{notice.unit}” 在网站上的地址({slug})与通报 {earlier.id} 的单位 "
                                 f"“{earlier.unit}” 相同,两个单位的页面会互相覆盖。请核对单位名称(写法与原文一致);"
                                 "名称确实无误时请联系管理员。"))
    return out


def owners_from_bytes(raw: bytes, display: str) -> dict | None:
    """owners.yml as the publishing hook reads it from a commit: plain data, or None if broken
    (a broken file never reached the published branch: validation refuses it)."""
    loaded, errors = _parse_and_check(raw, display, "owners")
    return None if errors or loaded is None else loaded.data


def _load_owners(data_dir: Path, checker: Checker) -> dict | None:
    """data/owners.yml (who may change what), schema-checked like every data file; None if absent."""
    path = data_dir / OWNERS
    if not path.exists():
        return None
    loaded = _load(path, data_dir, "owners", checker)
    return loaded.data if loaded is not None else None


def _load_site_settings(data_dir: Path, checker: Checker) -> dict | None:
    """site.yml beside notices/ (the site's operator, its filings, the 12388 line: site.schema.json),
    schema-checked like every data file; None if absent (site/settings_file.py says what is shown then)."""
    path = data_dir / SITE
    if not path.exists():
        return None
    loaded = _load(path, data_dir, "site", checker)
    return loaded.data if loaded is not None else None


def unsafe_entries(data_dir: Path, unchanged: set[str] = frozenset()) -> list[DataError]:
    """Symlinks and special files (FIFOs, devices, sockets) anywhere under data_dir. A symlink to
    /etc/passwd or /proc/self/environ would otherwise be read, or copied into the published site.
    unchanged: folders (paths) known unchanged since they were last found safe (LoadedFolders)."""
    out = []
    stack = [str(data_dir)]
    while stack:  # plain strings: a Path per entry was most of this walk's time at 40,000 items
        folder = stack.pop()
        if folder in unchanged:
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_symlink():
                    out.append(DataError(_display(Path(entry.path), data_dir), 1, 0, "",
                                         f"是符号链接(指向 {os.readlink(entry.path)}),不是普通文件。数据文件夹里只能放普通文件:"
                                         "请删除这个链接,把需要的内容作为普通文件复制进来。"))
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif not entry.is_file(follow_symlinks=False):
                    out.append(DataError(_display(Path(entry.path), data_dir), 1, 0, "",
                                         "不是普通文件(是设备、管道或套接字)。数据文件夹里只能放普通文件:请删除它。"))
    return out


def _display(path: Path, data_dir: Path) -> str:
    try:
        return str(Path(data_dir.name) / path.relative_to(data_dir))
    except ValueError:
        return str(path)


# A long-lived process (`mkdocs serve`) reloads the data on every edit: files whose bytes did not
# change are not parsed and checked again. Keyed by content, so an edit can never be missed.
_parsed: dict[tuple, tuple[Loaded | None, list[DataError]]] = {}
_PARSED_MAX = 100_000


def _load(path: Path, data_dir: Path, name: str, checker: Checker) -> Loaded | None:
    display = _display(path, data_dir)
    try:
        raw = read_bytes(path, display)
    except DataErrors as exc:
        checker.errors.extend(exc.errors)
        return None
    key = (name, display, hashlib.blake2b(raw, digest_size=16).digest())
    if checker.checked is not None:  # a build with a cache: one load per process
        loaded, errors = _checked_before(raw, display, name, key[2], checker.checked)
    else:
        if key not in _parsed:
            if len(_parsed) > _PARSED_MAX:
                _parsed.clear()
            _parsed[key] = _parse_and_check(raw, display, name)
        loaded, errors = _parsed[key]
    checker.errors.extend(errors)
    return loaded


def _checked_before(raw: bytes, display: str, name: str, digest: bytes,
                    checked: CheckedFiles) -> tuple[Loaded | None, list[DataError]]:
    """A file with these bytes that passed in an earlier build is taken as it was parsed then."""
    group = display.split("/")[2] if display.count("/") >= 2 else "_" + name  # its notice folder
    data = checked.get(group, name.encode() + digest)
    if data is not NOT_CHECKED:
        return Loaded(display, data, None, decode(raw, display)), []
    loaded, errors = _parse_and_check(raw, display, name)
    if loaded is not None:
        checked.put(group, name.encode() + digest, loaded.data)
    return loaded, errors


def _parse_and_check(raw: bytes, display: str, name: str) -> tuple[Loaded | None, list[DataError]]:
    try:
        loaded = load_bytes(raw, display)
    except DataErrors as exc:
        return None, list(exc.errors)
    if not isinstance(loaded.data, dict):
        return None, [DataError(loaded.file, 1, 1, "", "文件内容应是一组“字段: 值”。文件是空的或格式不对。")]
    errors = schema_errors(loaded, name)
    return (None if errors else loaded), errors


def _load_notice(folder: Path, data_dir: Path, checker: Checker) -> Notice | None:
    if not SAFE_ID.match(folder.name):
        checker.errors.append(DataError(_display(folder, data_dir), 0, 0, "", "文件夹名只能用字母、数字和 - 。"))
        return None
    loaded = _load(folder / NOTICE_YML, data_dir, "notice", checker)
    if loaded is None:
        return None
    checker.notice(loaded, folder)
    notice = Notice.parse(loaded.data, folder)
    ids: dict[str, str] = {}
    item_files = sorted((folder / ITEMS).glob("*.yml"), key=lambda p: natural_key(p.stem))
    stray = sorted(p for p in (folder / ITEMS).glob("*") if p.suffix != ".yml") if (folder / ITEMS).is_dir() else []
    for path in stray:
        checker.errors.append(DataError(_display(path, data_dir), 0, 0, "", "items 文件夹里只能放 .yml 事项文件。请移走或改扩展名。"))
    for path in item_files:
        item_loaded = _load(path, data_dir, "item", checker)
        if item_loaded is None:
            continue
        checker.item(item_loaded, path, notice)
        item_id = item_loaded.data["id"]
        if item_id in ids:
            checker.err(item_loaded, ("id",), f"事项编号 “{item_id}” 与 {ids[item_id]} 重复。同一通报内编号必须唯一。")
        ids[item_id] = item_loaded.file
        item = Item.parse(item_loaded.data, notice.id, item_loaded.file)
        (notice.withdrawn_items if item.withdrawn else notice.items).append(item)
        if item.continues:
            checker.links[(notice.id, item.id)] = item_loaded
    if notice.follows:
        checker.links[(notice.id, None)] = loaded
    return notice


FIGURE_WORDS = {"total": "事项总数", **{k: STATUS_LABELS[k] for k in (DONE, PARTLY_DONE, MOSTLY_DONE, ONGOING)},
                IN_PROGRESS: "未完成(正在整改等)"}


def _counts(notice: Notice) -> dict[str, list[Item]]:
    """The items behind each figure a notice may state, by the status each had as published."""
    items = notice.items
    by = {key: [i for i in items if i.status_original == key] for key in (DONE, PARTLY_DONE, MOSTLY_DONE, ONGOING)}
    finer = any(key in notice.stated_figures for key in (PARTLY_DONE, MOSTLY_DONE, ONGOING))
    # Jinpu counts everything not done as one figure; issuers that also state 阶段性完成 etc. do not
    rest = [i for i in items if i.status_original in (IN_PROGRESS, NOT_STARTED)] if finer else \
        [i for i in items if not is_done(i.status_original)]
    return {"total": items, **by, IN_PROGRESS: rest}


def consistency_warnings(dataset: Dataset, notices: list[Notice] | None = None) -> list[Warning_]:
    """Figures the notice states about itself vs. what its items say, and a notice without any
    contact (a warning, never an error: the site shows what the data says). notices: only these
    (a preview rebuild: the notices read again), else every published one."""
    out = []
    for notice in dataset.notices if notices is None else notices:
        stated = notice.stated_figures
        counts = _counts(notice)
        for key, word in FIGURE_WORDS.items():
            if key in stated and stated[key] != len(counts[key]):
                ids = [i.id for i in counts[key]] if key != "total" else []
                listed = f"(事项:{'、'.join(ids)})" if ids else ""
                out.append(Warning_(notice_path(notice.id),
                                    f"通报原文称{word} {stated[key]} 项,但事项数据中为 {len(counts[key])} 项{listed}。"
                                    "网站显示按事项数据计算的数字,请核对。"))
        if not any(notice.contact.get(k) for k in ("phone", "address", "email", "web_form")):
            out.append(Warning_(notice_path(notice.id),
                                "没有填写联系方式(contact 的 phone、address、email 或 web_form)。事项页面的意见建议栏将请读者使用"
                                "本站页脚的联系方式;如通报原文有联系方式,请补填。"))
    return out
