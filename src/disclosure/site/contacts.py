"""The contact block shown in every page's footer: each issuer's phone and postal address once."""
from __future__ import annotations

from ..model import Dataset
from .render import tel_href


def footer_contacts(dataset: Dataset) -> list[dict]:
    seen, out = set(), []
    for notice in dataset.notices:
        key = (notice.issuer, notice.contact.get("phone"), notice.contact.get("address"))
        if key not in seen:
            seen.add(key)
            tel = tel_href(notice.contact["phone"]) if notice.contact.get("phone") else ""
            out.append({"issuer": notice.issuer, **notice.contact, "tel": tel})
    return out
