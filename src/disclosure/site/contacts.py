"""The contact block shown in every page's footer: each issuer's phone and postal address once, for
the newest FOOTER_MAX issuers. The footer is on every page, so it must not grow with a portal's
hundreds of issuers: beyond that, it links to /contact/, which lists them all."""
from __future__ import annotations

from ..model import Dataset
from .render import tel_href


FOOTER_MAX = 3


def footer_contacts(dataset: Dataset, limit: int | None = FOOTER_MAX) -> list[dict]:
    seen, out = set(), []
    for notice in dataset.notices:  # newest first
        if limit is not None and len(out) == limit:
            break
        key = (notice.issuer, notice.contact.get("phone"), notice.contact.get("address"))
        if key not in seen:
            seen.add(key)
            tel = tel_href(notice.contact["phone"]) if notice.contact.get("phone") else ""
            out.append({"issuer": notice.issuer, **notice.contact, "tel": tel})
    return out
