"""The one text normalisation used by search, on both sides: Python at build time, search.js in the browser.

search.js carries a line-by-line mirror of this file (function `normalize` there); tests run both on
the same tricky strings in Chromium and require identical output. Keep every rule a per-code-point
map, so that the JS and the Python see the same code points and a position in normalised text maps
back to exactly one character of the original (the browser needs that to highlight hits).

Rules, in order, per code point:
1. whitespace is dropped (the explicit set WHITESPACE, not str.isspace / JS \\s, which differ);
2. full-width ASCII forms U+FF01..U+FF5E fold to U+0021..U+007E (（）：，Ａ１ -> ():,A1);
3. ASCII A-Z fold to a-z (only ASCII: Unicode case mapping differs between Python and JS versions).
Nothing else changes: 。、“” stay, because the notices print them and citizens type them as printed.
"""
from __future__ import annotations

import re

# U+3000 IDEOGRAPHIC SPACE is in here, so a full-width space separates query words like a space.
WHITESPACE = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_WHITESPACE_RUN = re.compile("[" + re.escape(WHITESPACE) + "]+")

FULLWIDTH_FIRST, FULLWIDTH_LAST, FULLWIDTH_OFFSET = 0xFF01, 0xFF5E, 0xFEE0


def fold_char(ch: str) -> str:
    """Fold one code point (width, then ASCII case). Returns '' for whitespace."""
    if ch in WHITESPACE:
        return ""
    code = ord(ch)
    if FULLWIDTH_FIRST <= code <= FULLWIDTH_LAST:
        code -= FULLWIDTH_OFFSET
    if 0x41 <= code <= 0x5A:  # A-Z
        code += 0x20
    return chr(code)


# fold_char as one str.translate table (every code point it changes): the same result, at C speed
# (the index normalises every item's text on every build).
_TABLE = {ord(ch): None for ch in WHITESPACE}
_TABLE.update({code: fold_char(chr(code)) for code in [*range(FULLWIDTH_FIRST, FULLWIDTH_LAST + 1), *range(0x41, 0x5B)]})


def normalize(text: str) -> str:
    return text.translate(_TABLE)


def query_words(query: str) -> list[str]:
    """Split a query at whitespace into normalised words (AND). Empty words are dropped."""
    return [w for w in (normalize(part) for part in _WHITESPACE_RUN.split(query)) if w]


def apply_char_map(word: str, char_map: dict[str, str]) -> str:
    """Map each code point through char_map (traditional -> simplified); others stay."""
    return "".join(char_map.get(ch, ch) for ch in word)


def word_variants(word: str, char_map: dict[str, str]) -> list[str]:
    """A normalised word matches when the text contains it as typed OR its simplified form.

    Both, because some characters are both a traditional form and a simplified word of their own
    (乾 in 乾隆 vs 乾 -> 干): converting alone would lose the as-typed match."""
    simplified = apply_char_map(word, char_map)
    return [word] if simplified == word else [word, simplified]
