"""Generated pages as plain data (GeneratedPage) and the Jinja2 rendering of their bodies. Autoescape
is on for every template, so data text (which may contain <script>, {{ }} or Markdown syntax) always
reaches the page as literal text. MkDocs is not needed to produce or test any page."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..model import Item, date_text, month_text
from ..status import ICONS as STATUS_ICONS, LABELS as STATUS_LABELS, ORDER as STATUS_ORDER, is_done
from .. import urls
from .evidence import evidence_href
from .overdue import overdue_elapsed, overdue_note



@dataclass(frozen=True)
class GeneratedPage:
    url: str
    title: str  # plain text; the MkDocs adapter escapes it
    body: str | Callable[[], str]  # the HTML, or how to render it when it is needed (item pages)
    article: dict = field(default_factory=dict)  # data-* attributes of the main <article>
    scripts: tuple[str, ...] = ()  # site-relative script paths loaded (deferred) by this page only

    @property
    def html(self) -> str:
        """The body HTML. A lazy body is rendered on each access and not kept: a portal's 40,000
        item pages then never sit in memory at once (the MkDocs adapter renders each as it writes it)."""
        return self.body() if callable(self.body) else self.body

    @property
    def src_uri(self) -> str:
        return urls.src_uri(self.url)


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("disclosure.site", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(month=month_text, date=date_text, tel=tel_href, short=shorten, label=label_text,
                       finding_beyond_heading=finding_beyond_heading)
    env.globals.update(STATUS_LABELS=STATUS_LABELS, STATUS_ICONS=STATUS_ICONS, STATUS_ORDER=STATUS_ORDER,
                       deadline_text=deadline_text, overdue_note=overdue_note,
                       overdue_elapsed=overdue_elapsed, urls=urls,
                       evidence_href=evidence_href)
    return env


def render(template: str, page_url: str, as_of: dt.date, **context) -> str:
    """Render a page body; `link(target)` in templates makes site-relative URLs page-relative."""
    return environment().get_template(template).render(
        page_url=page_url, as_of=as_of, as_of_text=date_text(as_of.isoformat()),
        link=lambda target: urls.relative(target, page_url), **context)


@dataclass
class Bodies:
    """Portal page bodies by what they are rendered from: a preview rebuild (site.build_site(last=))
    renders again only the pages whose template or context differs from the last build's (of ~130
    paged directory, contact and update pages, an edit to one item changes one or two). The key
    is the template object itself (Jinja gives a new one when its file changed) and the context,
    compared by value: unchanged notices are the same objects, so comparing them costs nothing."""
    last: dict[str, tuple[tuple, str]] = field(default_factory=dict)  # url -> (key, body)
    now: dict[str, tuple[tuple, str]] = field(default_factory=dict)

    def render(self, template: str, page_url: str, as_of: dt.date, **context) -> str:
        key = (environment().get_template(template), as_of, sorted(context.items()))
        kept = self.last.get(page_url)
        body = kept[1] if kept is not None and kept[0] == key else render(template, page_url, as_of, **context)
        self.now[page_url] = (key, body)
        return body


def deadline_text(item: Item) -> str:
    if item.deadline:
        return month_text(item.deadline)
    return item.no_deadline or ("—" if is_done(item.status) else "原通报未列明整改时限")


def tel_href(phone: str) -> str:
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def chunks(values: list, size: int) -> list[list]:
    """A list cut into pages of `size` (one empty page for an empty list): every paged list."""
    return [values[i:i + size] for i in range(0, len(values), size)] or [[]]


def label_text(label: str) -> str:
    """An item's number as a column shows it: '问题1:' -> '问题1', '1.' -> '1' ('(1)', '一是' unchanged)."""
    return label.rstrip(":：、.．") or label


def finding_beyond_heading(item: Item) -> str:
    """What the finding says beyond the item's title ('' when it only repeats it): a table row
    shows the title once, then the rest of the finding."""
    finding, heading = item.finding.strip(), item.heading.strip().rstrip("。.")
    if not finding or finding.rstrip("。.") == heading or finding in item.heading:
        return ""
    if heading and finding.startswith(heading):
        return finding[len(heading):].lstrip("。.,，;； ")
    return finding


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def escaped(text: str) -> Markup:
    """For strings MkDocs/Material print without escaping (page and nav titles)."""
    return escape(text)
