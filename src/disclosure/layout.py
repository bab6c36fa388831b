"""Where the data lives, once: the data folder, a notice's folder and the files in it, the id
pattern, owners.yml. The JSON schemas' id patterns are checked against ID by tests/test_layout.py.

    data/                         DATA (a project may point DISCLOSURE_DATA elsewhere)
      owners.yml                  OWNERS: who may change which notice (access.py)
      site.yml                    SITE: the site's operator, filings and 12388 line (optional; site/settings_file.py)
      notices/<notice-id>/        NOTICES; <notice-id> matches NOTICE_ID (a folder name: ID)
        notice.yml                NOTICE_YML
        items/<item-id>.yml       ITEMS; <item-id> matches ID
        source.txt|html|htm|docx  SOURCE_SUFFIXES: the original, byte for byte

Paths as a push names them (repository-relative, '/'-separated) are built here too.
"""
from __future__ import annotations

import re

DATA = "data"
NOTICES = "notices"
ITEMS = "items"
NOTICE_YML = "notice.yml"
OWNERS = "owners.yml"
SITE = "site.yml"  # outside notices/: only admins may change it (access.path_refusals)
SOURCE_SUFFIXES = ("txt", "html", "htm", "docx")
ID = r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}"  # a notice's or an item's id: a folder or file name, never / or ..
NOTICE_ID = r"[a-z0-9][a-z0-9-]{0,63}"  # notice.yml's own id (notice.schema.json): lower case, its pages' address
SAFE_ID = re.compile(rf"^{ID}\Z")  # \Z: `$` would also allow a final newline

# repository-relative, as git and the publishing hooks see them
DATA_ROOT = f"{DATA}/"
OWNERS_PATH = f"{DATA}/{OWNERS}"
NOTICES_ROOT = f"{DATA}/{NOTICES}"
IN_NOTICE = re.compile(rf"^{NOTICES_ROOT}/([^/]+)/")  # any path inside a notice folder: its id
ITEM_PATH = re.compile(rf"^{NOTICES_ROOT}/([^/]+)/{ITEMS}/[^/]+\.yml$")
NOTICE_PATH = re.compile(rf"^{NOTICES_ROOT}/([^/]+)/{re.escape(NOTICE_YML)}$")
# every file a notice folder may hold (a staff push may add nothing else, e.g. no .gitattributes)
NOTICE_FOLDER_FILE = re.compile(rf"^{NOTICES_ROOT}/{ID}/({re.escape(NOTICE_YML)}|source\.({'|'.join(SOURCE_SUFFIXES)})"
                                rf"|{ITEMS}/{ID}\.yml)$")


def notice_path(notice_id: str) -> str:
    return f"{NOTICES_ROOT}/{notice_id}/{NOTICE_YML}"


def item_path(notice_id: str, item_id: str) -> str:
    return f"{NOTICES_ROOT}/{notice_id}/{ITEMS}/{item_id}.yml"
