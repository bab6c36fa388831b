"""What changed, for people and for feed readers: every dated update of every item (and each notice's
publication), newest first, as the /updates/ page's list and as Atom feeds for the site and for each
notice. One list (feed.changes) feeds both, so the page and the feeds cannot disagree."""
from __future__ import annotations

from ..feed import Change, atom, changes
from ..model import Dataset, Notice
from . import urls


def site_changes(notices: list[Notice]) -> list[Change]:
    return changes(notices, lambda notice, item: urls.item_url(item), urls.notice_url)


def feed_files(dataset: Dataset, site_name: str, site_url: str) -> dict[str, bytes]:
    files = {urls.FEED: atom(site_changes(dataset.notices), feed_id="site", title=f"{site_name} · 最近更新",
                             site_url=site_url, self_path=urls.FEED)}
    for notice in dataset.notices:
        path = urls.notice_feed(notice)
        files[path] = atom(site_changes([notice]), feed_id=notice.id, title=notice.title,
                           site_url=site_url, self_path=path)
    return files
