"""The site's public address. QR codes and feeds leave the site, so they need a full URL; pages never
do (they link page-relatively). Taken from MkDocs' `site_url` when the hook passes it, else from
DISCLOSURE_SITE_URL, else there is none and those outputs carry site-relative paths."""
from __future__ import annotations

from collections.abc import Mapping

ENV = "DISCLOSURE_SITE_URL"


def site_url_from_env(env: Mapping[str, str]) -> str:
    value = env.get(ENV, "").strip()
    return value.rstrip("/") + "/" if value else ""
