"""One item's page: the finding, measures and status verbatim, the deadline and how long overdue,
its updates with their evidence, its QR code, and when its data last changed.

Overdue, honestly: an item not done whose current deadline month has ended before the as-of date.
How long ago is counted in whole months from the first day after the deadline month, so
"已超过 N 个月" never overstates."""
from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable
from functools import partial
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from ..gitinfo import History
from ..model import OVERDUE_TEXT, Item, Notice, month_end
from ..qr import qr_svg
from ..series import Problem
from . import urls
from .render import GeneratedPage, render


def item_pages(notice: Notice, as_of: dt.date, site_url: str = "", history: History | None = None,
               problem_of: Callable[[Item], Problem] | None = None) -> list[GeneratedPage]:
    """Bodies are rendered when asked for (a build writes each page once, and only pages whose
    inputs changed are asked for: buildcache.page_keys)."""
    items = notice.items
    history = history or History()
    pages = []
    for i, item in enumerate(items):
        previous, next_ = (items[i - 1] if i else None), (items[i + 1] if i + 1 < len(items) else None)
        changed = item_changed(item, notice, history)
        problem = problem_of(item) if problem_of else None
        pages.append(item_page(notice, item, previous, next_, as_of, site_url, changed, lazy=True, position=i,
                               problem=problem))
    return pages


def item_page(notice: Notice, item: Item, previous: Item | None, next_: Item | None, as_of: dt.date,
              site_url: str = "", changed: str = "", lazy: bool = False, position: int | None = None,
              problem: Problem | None = None) -> GeneratedPage:
    """position: the item's index in notice.items (which print page holds its sheet). problem: the
    problem it is part of (series.Problem); its current status and deadline are the page's."""
    from .notice import print_page_of
    changed = changed or item_changed(item, notice, History())
    print_page = print_page_of(notice, item if position is None else position)
    several = problem is not None and len(problem.statements) > 1
    state = problem if several else item  # what the page calls 当前状态: the newest word on the problem
    body = partial(_item_html, notice, item, previous, next_, as_of, site_url, changed, print_page,
                   problem if several else None, state)
    article = {"page": "item", "notice": notice.id, "item-id": item.id, "status": state.status,
               "overdue": "true" if state.overdue(as_of) else "false"}
    return GeneratedPage(urls.item_url(item), f"{item.label} {item.heading}", body if lazy else body(), article=article)


def _item_html(notice: Notice, item: Item, previous: Item | None, next_: Item | None, as_of: dt.date,
               site_url: str, changed: str, print_page: int, problem: Problem | None, state) -> str:
    from .notice import node_url  # the notice's pages link to items and back
    url = urls.item_url(item)
    path = notice.node(item)
    node_links = [node_url(notice, node, path[:i]) for i, node in enumerate(path)]
    return render("item.html", url, as_of, notice=notice, item=item, path=path, node_links=node_links,
                  previous=previous, next=next_, qr=item_qr(item, site_url), site_url=site_url,
                  print_url=urls.print_url(notice, print_page), changed=changed, problem=problem, state=state,
                  feedback=feedback_links(notice, item, site_url))


def feedback_links(notice: Notice, item: Item, site_url: str = "") -> list[dict]:
    """Every way the notice gives to comment on this item, as links a phone can follow: call, write
    an e-mail already addressed and titled "[通报编号-事项编号] 标题" with a short template, or open the
    notice's web form with the item's number. Empty when the notice gives none (the page then points
    to the site's contact page: never an empty box)."""
    contact, ref = notice.contact, f"{notice.id}-{item.id}"
    out = []
    if contact.get("phone"):
        from .render import tel_href
        out.append({"kind": "phone", "label": f"打电话:{contact['phone']}", "href": tel_href(contact["phone"])})
    if contact.get("email"):
        subject = f"[{ref}] {item.heading}"
        body = (f"关于《{notice.title}》第 {item.label} 项({item.heading}):\n\n"
                f"我了解的情况:\n\n我的联系方式(可不填):\n\n"
                f"事项页面:{urls.absolute(urls.item_url(item), site_url)}\n")
        out.append({"kind": "email", "label": f"发电子邮件:{contact['email']}",
                    "href": f"mailto:{quote(contact['email'], safe='@')}?subject={quote(subject)}&body={quote(body)}"})
    if contact.get("web_form") and urlsplit(contact["web_form"]).scheme in ("http", "https"):
        form = contact["web_form"]
        out.append({"kind": "web", "label": "在网上反映(已填好事项编号)",
                    "href": f"{form}{'&' if '?' in form else '?'}item={quote(ref)}"})
    if contact.get("address"):
        out.append({"kind": "address", "label": f"写信:{contact['address']}", "href": ""})
    return out


def item_qr(item: Item, site_url: str) -> str:
    """Inline SVG of the item page's address: the bridge from a printed notice board to the live page."""
    return qr_svg(urls.absolute(urls.item_url(item), site_url), f"第 {item.label} 项页面的二维码")


def item_changed(item: Item, notice: Notice, history: History) -> str:
    """ISO date the item's data last changed: the git history of its own file; outside git (a copied
    folder, a shallow CI clone) the latest date written in the data, so the page still says something true."""
    day = history.changed(PurePosixPath(item.file).as_posix())
    if day:
        return day.isoformat()
    return max([u.date for u in item.updates] + [c.date for c in item.corrections] or [notice.published or notice.issued])


# ---- overdue ----------------------------------------------------------------------------------

def elapsed_text(since: dt.date, as_of: dt.date) -> str:
    """Whole years/months from the first overdue day `since` to `as_of`: '6 年 10 个月'. Under a
    month, days counted inclusively: on `since` itself the item is 1 day overdue."""
    months = (as_of.year - since.year) * 12 + as_of.month - since.month - (as_of.day < since.day)
    if months <= 0:
        return f"{(as_of - since).days + 1} 天"
    years, months = divmod(months, 12)
    parts = ([f"{years} 年"] if years else []) + ([f"{months} 个月"] if months else [])
    return " ".join(parts)


def overdue_since(item: Item) -> dt.date:
    return month_end(item.deadline) + dt.timedelta(days=1)


def overdue_note(item: Item, as_of: dt.date) -> str:
    """'已过整改时限，未见完成报告(已超过 6 年 10 个月)' or '' when not overdue."""
    if not item.overdue(as_of):
        return ""
    return f"{OVERDUE_TEXT}（已超过 {elapsed_text(overdue_since(item), as_of)}）"


def overdue_elapsed(item: Item, as_of: dt.date) -> str:
    return f"已超过 {elapsed_text(overdue_since(item), as_of)}" if item.overdue(as_of) else ""


# ---- evidence links ---------------------------------------------------------------------------
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
