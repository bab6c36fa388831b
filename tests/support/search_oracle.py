"""Reference query evaluation in Python: the substring oracle, and a reader of the built index files.

`oracle_ids` is the definition of a correct answer (brute force over the fields, nothing shared with
the index but normalize). `IndexReader` evaluates the sharded index the way search.js does, so the
format can be proven exact in unit tests without a browser."""
from __future__ import annotations

import json

from opencc import OpenCC

from disclosure.search.index import SEP, decode_postings, fnv1a, head_fields, other_fields
from disclosure.search.normalize import normalize, query_words, word_variants

_t2s = OpenCC("t2s")


def item_key(record: dict) -> tuple[str, str]:
    return (record.get("notice") or "", record["id"])


def oracle_ids(records: list[dict], query: str) -> set[tuple[str, str]]:
    """Items whose fields contain every query word (as typed, or converted by OpenCC t2s)."""
    words = query_words(query)
    variants = [{w, normalize(_t2s.convert(w))} for w in words]
    found = set()
    for record in records:
        fields = [normalize(f) for f in head_fields(record) + other_fields(record)]
        if all(any(v in f for v in vs for f in fields) for vs in variants):
            found.add(item_key(record))
    return found


class IndexReader:
    """Evaluate a query against build_index() output (sharded or bundle)."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.meta = json.loads(files["search/meta.json"])
        pairs = self.meta["trad"]
        self.trad = {pairs[i]: pairs[i + 1] for i in range(0, len(pairs), 2)}
        self.bundle = json.loads(files["search/bundle.json"])["docs"] if self.meta.get("bundle") else None
        self._shards: dict[str, dict] = {}

    def shard_path(self, gram: str) -> str:
        return f"search/shards/{fnv1a(gram) % self.meta['shard_count']}.json"

    def _shard_file(self, path: str) -> dict:
        if path not in self._shards:
            self._shards[path] = json.loads(self.files[path])
        return self._shards[path]

    def _shard(self, gram: str) -> dict:
        return self._shard_file(self.shard_path(gram))["grams"]

    def cards_in(self, paths) -> dict[int, list]:
        """The cards a browser holds once it has loaded these shards, and cards.json (sharded index)."""
        cards = {int(o): c for o, c in json.loads(self.files["search/" + self.meta["cards"]]).items()}
        for path in paths:
            cards.update((int(o), c) for o, c in self._shard_file(path)["cards"].items())
        return cards

    def looked_up(self, query: str) -> set[str]:
        """The shard files search.js fetches for a query: for each word and spelling, its unigram, or
        the bigrams at offsets 0, 2, 4 ... and the last."""
        paths = set()
        for word in query_words(query):
            for variant in word_variants(word, self.trad):
                if len(variant) == 1:
                    paths.add(self.shard_path(variant))
                    continue
                offsets = list(range(0, len(variant) - 1, 2))
                if offsets[-1] != len(variant) - 2:
                    offsets.append(len(variant) - 2)
                paths.update(self.shard_path(variant[k:k + 2]) for k in offsets)
        return paths

    def _unigram(self, ch: str) -> dict[int, bool]:
        return decode_postings(ch, self._shard(ch).get(ch, []))

    def _bigram(self, gram: str) -> dict[int, list[int]]:
        return decode_postings(gram, self._shard(gram).get(gram, []))

    def _lookup(self, word: str) -> dict[int, bool]:
        if self.bundle is not None:
            found = {}
            for ordinal, doc in enumerate(self.bundle):
                head = SEP.join(normalize(f) for f in head_fields(doc))
                text = head + SEP + SEP.join(normalize(f) for f in other_fields(doc))
                at = text.find(word)
                if at >= 0:
                    found[ordinal] = at < len(head)
            return found
        if len(word) == 1:
            return self._unigram(word)
        parts = [(k, self._bigram(word[k:k + 2])) for k in range(len(word) - 1)]
        found = {}
        for ordinal, positions in parts[0][1].items():
            others = [(k, p.get(ordinal)) for k, p in parts[1:]]
            if any(p is None for _, p in others):
                continue
            starts = [s for s in positions if all(s + k in set(p) for k, p in others)]
            if starts:
                found[ordinal] = starts[0] < self.meta["head_end"][ordinal]
        return found

    def search(self, query: str) -> list[tuple[int, int]]:
        """[(ordinal, score)] best first; score = number of words hitting heading/finding."""
        words = query_words(query)
        if not words:
            return [(o, 0) for o in range(self.meta["count"])]
        per_word = []
        for word in words:
            hits: dict[int, bool] = {}
            for variant in word_variants(word, self.trad):
                for ordinal, in_head in self._lookup(variant).items():
                    hits[ordinal] = hits.get(ordinal, False) or in_head
            per_word.append(hits)
        common = set.intersection(*(set(h) for h in per_word))
        scored = [(o, sum(h[o] for h in per_word)) for o in common]
        return sorted(scored, key=lambda s: (-s[1], s[0]))
