"""Who may change what in a push: roles from data/owners.yml, trust zones from the path.

Two trust zones. `data/` is data: staff edit it, and nothing in it ever runs. Everything else
(src/, hooks/, overrides/, mkdocs.yml, docs/, Makefile, ...) is code: only an admin may change it,
and the build of a staff push runs the code already on the published branch, never the push's.

Roles:
    admin    named in owners.yml `admins` or at `server-setup --admin`: may change anything
    account  named in owners.yml `accounts`: may change data/notices/<id>/ for the ids (or globs)
             listed for it; nothing else (not owners.yml, not another department's notice)

Links stay inside what an account owns: a staff notice may `follows:` / `continues:` only notices
the same account may change (a follow-up's statements become the earlier notice's current status
and figures), and a new staff notice may not state an issuer or inspected unit that another
account's notices state, unless owners.yml `names` grants it (the directory groups by them).

The owners file that decides a push is the one on the published branch *before* the push, so an
account cannot grant itself rights in the same push (and changing owners.yml is admin-only anyway).
Without owners.yml only the server-setup admins may push.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from .errors import DataError
from .layout import DATA_ROOT, IN_NOTICE as NOTICE_PATH, NOTICE_FOLDER_FILE, OWNERS_PATH
from .names import name_key
from .yamlio import Loaded

NOTICE_FILE = NOTICE_FOLDER_FILE
MAX_DATA_FILE = 20_000_000  # bytes; a notice's Word file is ~1 MB, its YAML files far less


def unsafe_path(path: str) -> str:
    """Why a path may not be pushed by anyone ('' if it may): '..' or '.git' components, control
    characters, bytes that are not UTF-8 (git hands them over as surrogates)."""
    parts = path.split("/")
    if any(p in ("", ".", "..") or p.lower() == ".git" for p in parts):
        return "路径中含有 “..”、“.git” 或空的部分"
    if any(ord(c) < 32 or ord(c) == 127 or 0xDC80 <= ord(c) <= 0xDCFF for c in path):
        return "路径中含有控制字符或不是 UTF-8 的字节"
    return ""


@dataclass(frozen=True)
class Owners:
    admins: frozenset[str] = frozenset()
    accounts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # issuers / units an admin granted

    @classmethod
    def parse(cls, raw: dict | None, setup_admins: tuple[str, ...] | list[str] = ()) -> "Owners":
        """raw: owners.yml as validated plain data (None when there is no such file). The admins
        named at server-setup always stay admins, so a mistake in owners.yml cannot lock them out."""
        raw = raw or {}
        return cls(frozenset(raw.get("admins", [])) | frozenset(setup_admins),
                   {name: tuple(globs) for name, globs in raw.get("accounts", {}).items()},
                   {name: tuple(values) for name, values in raw.get("names", {}).items()})

    def as_data(self) -> dict:
        """Plain data that `parse` reads back as this same Owners (the hook hands the owners it
        decided a push by to pushcheck.py as JSON: that process then reads no owners.yml)."""
        return {"admins": sorted(self.admins), "accounts": {k: list(v) for k, v in self.accounts.items()},
                "names": {k: list(v) for k, v in self.names.items()}}

    def is_admin(self, account: str) -> bool:
        return account in self.admins

    def may_change_notice(self, account: str, notice_id: str) -> bool:
        return self.is_admin(account) or any(fnmatch.fnmatchcase(notice_id, glob)
                                             for glob in self.accounts.get(account, ()))

    def owners_of(self, notice_id: str) -> list[str]:
        return sorted(name for name, globs in self.accounts.items()
                      if any(fnmatch.fnmatchcase(notice_id, glob) for glob in globs))

    def known(self, account: str) -> bool:
        return self.is_admin(account) or account in self.accounts


def path_refusals(account: str, owners: Owners, changed: list[str]) -> list[DataError]:
    """One Chinese line per changed path this account may not change (empty: all allowed)."""
    if owners.is_admin(account):
        return []
    if not owners.known(account):
        return [DataError(OWNERS_PATH, 0, 0, "", f"账号 “{account}” 没有发布权限(不是管理员,owners.yml 中也没有这个账号)。"
                          "请联系管理员在 data/owners.yml 的 accounts 中为您的账号登记负责的通报。")]
    out = []
    for path in changed:
        notice = NOTICE_PATH.match(path)
        if not path.startswith(DATA_ROOT):
            out.append(DataError(path, 0, 0, "", "这是网站程序或配置文件,不是数据。工作人员只能修改 data/ 里的数据文件;"
                                 "程序、模板、mkdocs.yml、docs/ 只能由管理员修改。请撤销对这个文件的修改后再推送"
                                 f"(disclosure publish --discard {path})。"))
        elif path == OWNERS_PATH:
            out.append(DataError(path, 0, 0, "", "发布权限文件只能由管理员修改。请撤销对它的修改,需要调整权限请联系管理员。"))
        elif notice is None:
            out.append(DataError(path, 0, 0, "", "data/notices/ 以外的数据文件只能由管理员修改。"))
        elif not owners.may_change_notice(account, notice.group(1)):
            whose = "、".join(owners.owners_of(notice.group(1))) or "管理员"
            out.append(DataError(path, 0, 0, "", f"通报 {notice.group(1)} 由 {whose} 负责,账号 “{account}” 无权修改。"
                                 f"您负责的通报:{'、'.join(owners.accounts.get(account, ())) or '无'}。"))
        elif not NOTICE_FILE.match(path):
            out.append(DataError(path, 0, 0, "", "通报文件夹里只能有 notice.yml、source.txt(或 .html/.docx)和 items/事项编号.yml。"
                                 "请删除这个文件后再推送;需要放其他文件请联系管理员。"))
    return out


LINK_FIELDS = ("follows", "continues")  # notice.yml: follows: <notice>; an item: continues: <notice>/<item>


def link_refusals(account: str, owners: Owners, files: list[tuple[str, Loaded]]) -> list[DataError]:
    """A staff account's pushed notice or item may follow / continue only notices the same account
    may change: a follow-up's statement becomes the earlier problem's status, deadline and figures."""
    if owners.is_admin(account):
        return []
    out = []
    for path, loaded in files:
        for key in LINK_FIELDS:
            value = loaded.data.get(key)
            target = value.split("/", 1)[0] if isinstance(value, str) else ""
            if not target or owners.may_change_notice(account, target):
                continue
            line, col = loaded.where((key,))
            whose = "、".join(owners.owners_of(target)) or "管理员"
            out.append(DataError(path, line, col, key,
                                 f"指向通报 {target},它由 {whose} 负责。账号 “{account}” 的通报只能接续自己负责的通报"
                                 "(接续会改变那份通报的状态、期限和统计数字)。请删除这一行;确属同一轮巡察的后续通报,请联系管理员。"))
    return out


def name_refusals(account: str, owners: Owners, notices: list[tuple[str, Loaded]],
                  others: dict[str, str]) -> list[DataError]:
    """A new notice of a staff account may not state an issuer or inspected unit that another
    account's notice states (`others`: names.name_key(name) -> that notice), unless owners.yml
    `names` grants it. Names are compared by name_key: spaces, full-width forms and invisible
    characters do not make another name."""
    if owners.is_admin(account):
        return []
    granted = {name_key(name) for name in owners.names.get(account, ())}
    out = []
    for path, loaded in notices:
        inspection = loaded.data.get("inspection")
        for where, value in ((("issuer",), loaded.data.get("issuer")),
                             (("inspection", "unit"), inspection.get("unit") if isinstance(inspection, dict) else None)):
            key = name_key(value) if isinstance(value, str) else ""
            if key not in others or key in granted:
                continue
            other = others[key]
            whose = "、".join(owners.owners_of(other)) or "管理员"
            line, col = loaded.where(where)
            out.append(DataError(path, line, col, ".".join(where),
                                 f"“{value.strip()}” 是通报 {other}(由 {whose} 负责)的发文或被巡察单位。账号 “{account}” "
                                 "的新通报不能使用别的账号的单位名称(网站按单位汇总数字)。如确属本账号负责的单位,"
                                 f"请管理员在 data/owners.yml 的 names: {account}: 中登记这个名称。"))
    return out
