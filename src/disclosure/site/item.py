"""One item's page: the finding, measures and status verbatim, the deadline and how long overdue
(overdue.py), its timeline (series.timeline: its updates with their evidence (evidence.py) and, for
a problem that later notices report on again, each later notice's status line and measures as
progress), its QR code, and when its data last changed."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from ..gitinfo import History
from ..model import Item, Notice
from ..qr import qr_svg
from ..series import Problem, timeline
from .. import urls
from .context import BuildContext
from .render import GeneratedPage, label_text, render, tel_href


def item_pages(notice: Notice, context: BuildContext,
               problem_of: Callable[[Item], Problem] | None = None) -> list[GeneratedPage]:
    """Bodies are rendered when asked for (a build writes each page once, and only pages whose
    inputs changed are asked for: buildcache.page_keys)."""
    items = notice.items
    pages = []
    for i, item in enumerate(items):
        previous, next_ = (items[i - 1] if i else None), (items[i + 1] if i + 1 < len(items) else None)
        changed = item_changed(item, notice, context.history)
        problem = problem_of(item) if problem_of else None
        pages.append(item_page(notice, item, context, previous=previous, next_=next_, changed=changed, lazy=True,
                               position=i, problem=problem))
    return pages


def item_page(notice: Notice, item: Item, context: BuildContext, *, previous: Item | None = None,
              next_: Item | None = None, changed: str = "", lazy: bool = False, position: int | None = None,
              problem: Problem | None = None) -> GeneratedPage:
    """position: the item's index in notice.items (which print page holds its sheet). problem: the
    problem it is part of (series.Problem); its current status and deadline are the page's."""
    changed = changed or item_changed(item, notice, History())
    print_page = urls.print_page_of(notice, item if position is None else position)
    several = problem is not None and len(problem.statements) > 1
    state = problem if several else item  # what the page calls 当前状态: the newest word on the problem
    body = partial(_item_html, notice, item, context, previous, next_, changed, print_page,
                   problem if several else None, state)
    article = {"page": "item", "notice": notice.id, "item-id": item.id, "status": state.status,
               "overdue": "true" if state.overdue(context.as_of) else "false"}
    return GeneratedPage(urls.item_url(item), f"{item.label} {item.heading}", body if lazy else body(), article=article)


def _item_html(notice: Notice, item: Item, context: BuildContext, previous: Item | None, next_: Item | None,
               changed: str, print_page: int, problem: Problem | None, state) -> str:
    as_of, site_url = context.as_of, context.site_url
    url = urls.item_url(item)
    path = notice.node(item)
    node_links = [urls.node_url(notice, node, path[:i]) for i, node in enumerate(path)]
    return render("item.html", url, as_of, notice=notice, item=item, path=path, node_links=node_links,
                  previous=previous, next=next_, qr=item_qr(item, site_url), site_url=site_url,
                  print_url=urls.print_url(notice, print_page), changed=changed, problem=problem, state=state,
                  timeline=timeline(notice, item, problem), feedback=feedback_links(notice, item, site_url))


def feedback_links(notice: Notice, item: Item, site_url: str = "") -> list[dict]:
    """Every way the notice gives to comment on this item, as links a phone can follow: call, write
    an e-mail already addressed and titled "[通报编号-事项编号] 标题" with a short template, or open the
    notice's web form with the item's number. Empty when the notice gives none (the page then points
    to the site's contact page: never an empty box)."""
    contact, ref = notice.contact, f"{notice.id}-{item.id}"
    out = []
    if contact.get("phone"):
        out.append({"kind": "phone", "label": f"打电话:{contact['phone']}", "href": tel_href(contact["phone"])})
    if contact.get("email"):
        subject = f"[{ref}] {item.heading}"
        body = (f"关于《{notice.title}》第 {label_text(item.label)} 项({item.heading}):\n\n"
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
    return qr_svg(urls.absolute(urls.item_url(item), site_url), f"第 {label_text(item.label)} 项页面的二维码")


def item_changed(item: Item, notice: Notice, history: History) -> str:
    """ISO date the item's data last changed: the git history of its own file; outside git (a copied
    folder, a shallow CI clone) the latest date written in the data, so the page still says something true."""
    day = history.changed(PurePosixPath(item.file).as_posix())
    if day:
        return day.isoformat()
    return max([u.date for u in item.updates] + [c.date for c in item.corrections] or [notice.published or notice.issued])
