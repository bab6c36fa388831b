"""Characters that print nothing, and how two names are compared: one rule for the validator, the
push checks (access.py, pushcheck.py) and the importer.

A unit's or issuer's name decides whose figures a page sums and which account may use it. Unicode
format characters (zero-width space U+200B, word joiner U+2060, byte-order mark U+FEFF, the
bidirectional controls U+202A-U+202E, U+2066-U+2069) and control characters print nothing: with
them two names look the same on the page and compare different, and a bidirectional control turns
the page's text around it backwards. So data may not hold them in names, titles and headings, and
nowhere may it hold a bidirectional control; the importer removes them from what it reads (and
says so); and names are compared by `name_key`, which also folds full-width letters and digits
(NFKC) and spaces, so "金普新区" and "金普 新区" are one name to the push checks.
"""
from __future__ import annotations

import re
import unicodedata

# Bidirectional marks, embeddings, overrides and isolates: they reorder the text around them.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# In which data fields every invisible character is refused (a name, a title, a heading, a label):
# the last key of the field's path. Elsewhere (verbatim long text) only bidirectional controls are.
NAME_KEYS = frozenset({"title", "issuer", "unit", "region", "round", "by", "kind", "stage", "heading", "label"})
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")


def is_invisible(ch: str) -> bool:
    """A format (Cf) or control (Cc) character other than newline and tab."""
    return ch not in "\n\t" and unicodedata.category(ch) in ("Cf", "Cc")


def invisible_in(text: str, key: str) -> list[str]:
    """The characters a data field named `key` may not hold (sorted, each once)."""
    if key in NAME_KEYS:
        # isprintable() is False for every Cf and Cc character: most names need no closer look
        return [] if text.isprintable() else sorted({c for c in text if is_invisible(c)})
    return sorted(set(_BIDI.findall(text)))


def describe(chars: list[str]) -> str:
    """'U+200B(ZERO WIDTH SPACE)、U+202E(RIGHT-TO-LEFT OVERRIDE)' for an error message."""
    return "、".join(f"U+{ord(c):04X}({unicodedata.name(c, '控制字符')})" for c in chars)


def without_invisible(text: str) -> tuple[str, int]:
    """text without invisible characters (newlines and tabs kept), and how many were removed."""
    kept = "".join(c for c in text if not is_invisible(c))
    return kept, len(text) - len(kept)


def name_key(name: str) -> str:
    """What two names are compared by: NFKC (full-width letters and digits folded), without
    invisible characters and without any whitespace."""
    folded = unicodedata.normalize("NFKC", name)
    return "".join(c for c in folded if not is_invisible(c) and not c.isspace())
