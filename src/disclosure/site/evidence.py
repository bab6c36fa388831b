"""Evidence entries of a progress record as links, where that is safe."""
from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from .. import urls

# Evidence entries of an update are free text typed by staff: a web address, or the site path of a
# file under docs/ (with an extension, e.g. evidence/2024/验收.pdf). Only those two become links;
# anything else (javascript:, data:, //other-host, paths climbing out of the site, plain words) is
# shown as text, so a typo or a hostile entry cannot run code or send readers elsewhere unannounced.

_WEB = re.compile(r"^https?://", re.I)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FILE_NAME = re.compile(r"[^/]\.[A-Za-z0-9]{1,8}$")  # files under docs/ have an extension: a.pdf, 照片.jpg
_NOT_IN_A_PATH = set('<>"\'`{}|^')  # markup, not a file name: show it as typed


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def evidence_href(entry: str, page_url: str) -> str | None:
    """The href for an evidence entry on the page at page_url, or None to show it as text."""
    entry = entry.strip()
    if _has_control(entry) or "\\" in entry:
        return None  # browsers drop tabs/newlines and read \ as /: "java\tscript:" must not pass
    if _WEB.match(entry):
        return entry if urlsplit(entry).hostname else None
    if _SCHEME.match(entry) or entry.startswith("//") or _NOT_IN_A_PATH & set(entry):
        return None
    # A browser decodes %2e%2e and %2f before resolving a path, so judge the decoded form;
    # an entry that still holds % after decoding (double encoding) is not a plain file name.
    decoded = unquote(entry)
    if "%" in decoded or "\\" in decoded or decoded.startswith("//") or _SCHEME.match(decoded) or _has_control(decoded):
        return None
    path = posixpath.normpath(decoded.lstrip("/"))
    if path.startswith("../") or path == ".." or path.startswith("/") or not _FILE_NAME.search(path):
        return None  # outside the site, or words like "见会议纪要" rather than a file
    return urls.relative(path, page_url)
