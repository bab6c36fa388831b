"""What every page of one build shares, passed as one object: the as-of date every computed fact
refers to, the site's name, its public address ('' when unknown: QR codes and feeds then carry
site-relative paths) and what git says about the build (gitinfo.History; empty outside git)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..gitinfo import History


@dataclass(frozen=True)
class BuildContext:
    as_of: dt.date
    site_name: str = ""
    site_url: str = ""
    history: History = field(default_factory=History)
