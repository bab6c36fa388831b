"""The site's own details, from site.yml in the data folder (validate._load_site_settings checks it
against schema/site.schema.json; Dataset.site holds it): what every page's footer shows besides the
contact of the notice a page belongs to.

    operator, contact   主办单位 and its phone, address, e-mail: the contact of the portal's own
                        pages (home, 通报目录, search, ...), and of a notice's pages when the notice
                        gives none
    site_code           网站标识码
    icp_record          ICP备案号 (text: the site links to no other host)
    police_record       公安备案号 (text)
    report              the 纪检监察举报 line: phone (default 12388) and an optional note

site.yml is optional: without it the portal's own pages point to /contact/ (every issuer's
contacts) and no filing is shown; the 12388 line is always shown. The data folder carries it, so
a portal's data folder carries its operator's details (only admins may change it: it is outside
notices/)."""
from __future__ import annotations

from .render import tel_href

REPORT_PHONE = "12388"  # 纪检监察举报电话 (中央纪委国家监委), the same everywhere in China
CONTACT_FIELDS = ("phone", "address", "email")


def footer_settings(data: dict | None) -> dict:
    """site.yml (validated plain data, or None) as the footer shows it: plain strings only ('' when
    not set), so the template context compares and hashes by value (the build cache keys every
    page by it: a change to site.yml re-renders every page, as it must)."""
    data = data or {}
    contact = {key: str(data.get("contact", {}).get(key, "")) for key in CONTACT_FIELDS}
    contact["tel"] = tel_href(contact["phone"]) if contact["phone"] else ""
    report = data.get("report", {})
    phone = str(report.get("phone", REPORT_PHONE))
    return {"operator": str(data.get("operator", "")),
            "contact": contact,
            "has_contact": any(contact[key] for key in CONTACT_FIELDS),
            "site_code": str(data.get("site_code", "")),
            "icp_record": str(data.get("icp_record", "")),
            "police_record": str(data.get("police_record", "")),
            "report": {"phone": phone, "tel": tel_href(phone), "note": str(report.get("note", ""))}}
