"""Traditional -> simplified character map for the corpus, computed at build time with OpenCC.

The browser has no OpenCC. Instead of shipping a converter, the index ships only the pairs that can
matter: for every character that occurs in the (simplified) corpus, every traditional form OpenCC
lists for it (s2t character table) whose t2s conversion gives that character back. A query character
outside the map cannot turn into a corpus character, so mapping it would never change a result.
Character-level only (no phrase tables): a search word is matched per character anyway.
"""
from __future__ import annotations

from functools import cache
from importlib import resources

from opencc import OpenCC


@cache
def _simplified_to_traditional_candidates() -> dict[str, list[str]]:
    text = resources.files("opencc").joinpath("dictionary/STCharacters.txt").read_text("utf-8")
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        simplified, _, variants = line.partition("\t")
        if simplified and variants:
            table[simplified] = variants.split()
    return table


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def traditional_to_simplified_map(corpus_chars: set[str]) -> dict[str, str]:
    candidates = _simplified_to_traditional_candidates()
    convert = _t2s().convert
    mapping: dict[str, str] = {}
    for simplified in sorted(corpus_chars):
        for traditional in candidates.get(simplified, []):
            if traditional != simplified and convert(traditional) == simplified:
                mapping[traditional] = simplified
    return mapping
