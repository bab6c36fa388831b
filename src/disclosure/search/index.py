"""Build the static search index: plain files that search.js reads with fetch().

Format (version 2), all paths under search/:

  meta.json            loaded first, always. Item count, shard count, docs chunk size, page size, the
                       traditional->simplified character map, facet vocabularies and one compact
                       column per facet (value index per item ordinal), `head_end` per item, and the
                       cards' columns: `notices` (notice id and issue date per notice, a notice index per
                       item) and `deadline` (month per item). With the unit and status facets they give
                       every result card its unit, date, status, deadline and overdue flag for free.
  shards/<h>.json      {"grams": postings, "cards": {ordinal: card}}. Postings are keyed by gram (1 or
                       2 code points of normalised text); a gram lives in shard h = fnv1a(gram) mod
                       shard_count. Encoding, flat int arrays:
                         bigram : [ordinal delta, first position, position deltas..., ...] where the
                                  item's last position delta d is written as ~d (= -d-1, negative)
                         unigram: [ordinal delta * 2 + (1 if the char occurs in heading/finding), ...]
                       Positions make the index exact on its own: a word of length L matches item i at
                       p iff bigram k of the word occurs in i at p+k for every k. No text needs to be
                       fetched to know the true result set or count.
                       `cards` carries the card (CARD_FIELDS: id, label, heading, url, finding) of every
                       item on the first page (page_size items in result order: heading/finding hits
                       first, then notice order) of each of the shard's grams found in at least
                       CARD_MIN_POSTING items, except the items whose card is in cards.json. So the
                       shard that answers a one- or two-character word also shows its first page.
  cards.json           the cards of ordinals 0 .. common_cards-1: the items on most grams' first pages
                       (results are in notice order, so a common word's first page is early items) and
                       the page shown before anything is typed. Fetched once, right after meta.json,
                       while the first query's shards load.
  docs/<c>.json        display data (label, heading, finding, measures, status...) for ordinals
                       c*chunk .. c*chunk+chunk-1, fetched only for a shown result whose card is in no
                       file already loaded (a rare word, several words, a filtered or later page) or
                       whose snippet comes from the measures (no query word in the finding, and not
                       every word in the label or heading): that card shows first, its snippet after.
  bundle.json          small sites only (docs <= BUNDLE_MAX_GZIP_BYTES gzip): every doc in one file
                       ({"docs": [...]}) and no shards at all. The browser normalises the same fields
                       with the mirrored normalize() and scans them: exact by definition, two requests
                       in total, and fully offline afterwards. A positional index would be ~5x the
                       size of the text it indexes, so below this size scanning is the cheaper design.
  search.js            the browser engine (copied from this package).

Incremental (`previous`: the folder of the last build's index, same code): when the records are as
many as before and only a few changed, and no changed item's card changed, only the shards holding a
gram of a changed item's text are decoded, patched and re-encoded (their postings and, from those, their
cards); every other file is the previous one. A card is notice text (heading, finding...), so the
commonest edits (status, progress, deadline: meta.json columns) never change one. The result is byte for byte
what a full build gives (tested); anything that does not fit (another count, another shard count,
many changes, an unreadable file) falls back to the full build.

Searchable text of an item = normalised fields joined by SEP (a character normalisation removes, so no
query can ever match across two fields): heading, finding | label, responsible, measures, status_text.
head_end[i] is where the heading+finding part ends: a hit starting before it ranks first.
"""
from __future__ import annotations

import gzip
import json
import zlib
from collections import defaultdict
from importlib import resources
from pathlib import Path

from .. import urls
from ..status import LABELS as STATUS_LABELS
from .normalize import normalize
from .tradmap import traditional_to_simplified_map

FORMAT_VERSION = 2
SEP = "\n"  # normalisation drops "\n", so it never appears in a query word
FNV_OFFSET, FNV_PRIME = 0x811C9DC5, 0x01000193

SHARD_TARGET_RAW_BYTES = 24_000     # average raw JSON bytes per shard (gzip ~ 40%)
DOCS_PER_CHUNK = 1                  # result cards per docs file: a shown card costs one small fetch (bench: 1 vs 2 vs 4)
BUNDLE_MAX_GZIP_BYTES = 150_000     # docs below this gzip size: one bundle.json, scanned in the browser
PAGE_SIZE = 20                      # result cards a page shows (search.js reads it from meta.json)
COMMON_CARDS = 1024                 # cards of the first items, in cards.json, never copied into shards (see the doc)
CARD_MIN_POSTING = 7                # a rarer gram's shard carries no cards: its word has <= 6 results, one round of docs
CARD_FIELDS = ("id", "label", "heading", "url", "finding")

NO_YEAR = "none"  # URL value for items without a deadline (?year=none)
YEAR_LABEL_NONE = "无明确时限"
NO_ROUND = "none"  # URL value for items whose notice states no round (?round=none)
ROUND_LABEL_NONE = "未写明轮次"
OVERDUE_LABELS = {"1": "已超期", "0": "未超期"}


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over code points (mirrored in search.js: gramShard)."""
    h = FNV_OFFSET
    for ch in text:
        h ^= ord(ch)
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def head_fields(record: dict) -> list[str]:
    return [record.get("heading") or "", record.get("finding") or ""]


def other_fields(record: dict) -> list[str]:
    # status_text last: a status change (the commonest edit) then moves no other field's positions,
    # so an incremental index re-encodes only the shards of the status line's grams
    return [record.get("label") or "", *(record.get("responsible") or []), *(record.get("measures") or []),
            record.get("status_text") or ""]


def searchable_text(record: dict) -> tuple[str, int]:
    """(normalised text, head_end). The oracle in tests uses exactly this text."""
    head = SEP.join(normalize(f) for f in head_fields(record))
    rest = SEP.join(normalize(f) for f in other_fields(record))
    return head + SEP + rest, len(head)


def _item_postings(text: str, head_end: int):
    """Yield (gram, positions) for one item: bigram positions, unigram 'in head' flags."""
    bigrams: dict[str, list[int]] = defaultdict(list)
    unigram_in_head: dict[str, bool] = {}
    for pos, ch in enumerate(text):
        if ch == SEP:
            continue
        unigram_in_head[ch] = unigram_in_head.get(ch, False) or pos < head_end
        nxt = text[pos + 1] if pos + 1 < len(text) else SEP
        if nxt != SEP:
            bigrams[ch + nxt].append(pos)
    return bigrams, unigram_in_head


class FirstPage:
    """One gram's hit count and the ordinals of its first page: the first `size` items in result
    order (items where the gram starts in heading/finding first, then the others; each in notice
    order), as search.js ranks a one-word query made of that gram."""

    __slots__ = ("count", "head", "rest")

    def __init__(self):
        self.count, self.head, self.rest = 0, [], []

    def add(self, ordinal: int, in_head: bool, size: int) -> None:  # ordinals ascending
        self.count += 1
        hits = self.head if in_head else self.rest
        if len(hits) < size:
            hits.append(ordinal)

    def ordinals(self, size: int) -> list[int]:
        return (self.head + self.rest)[:size]


def build_postings(texts: list[tuple[str, int]], pages: dict[str, FirstPage] | None = None,
                   page_size: int = PAGE_SIZE) -> dict[str, list[int]]:
    """gram -> encoded flat int array (see module doc). pages, if given, gets every gram's FirstPage."""
    encoded: dict[str, list[int]] = defaultdict(list)
    last_ordinal: dict[str, int] = {}
    for ordinal, (text, head_end) in enumerate(texts):
        bigrams, unigram_in_head = _item_postings(text, head_end)
        for gram, positions in bigrams.items():
            deltas = [positions[0]] + [b - a for a, b in zip(positions, positions[1:])]
            deltas[-1] = ~deltas[-1]  # negative marks this item's last position: no count needed
            out = encoded[gram]
            out.append(ordinal - last_ordinal.get(gram, 0))
            out.extend(deltas)
            last_ordinal[gram] = ordinal
            if pages is not None:
                page = pages.get(gram) or pages.setdefault(gram, FirstPage())
                page.add(ordinal, positions[0] < head_end, page_size)
        for ch, in_head in unigram_in_head.items():
            encoded[ch].append((ordinal - last_ordinal.get(ch, 0)) * 2 + int(in_head))
            last_ordinal[ch] = ordinal
            if pages is not None:
                page = pages.get(ch) or pages.setdefault(ch, FirstPage())
                page.add(ordinal, in_head, page_size)
    return encoded


def first_page(gram: str, entries: dict[int, object], head_end: list[int], page_size: int) -> FirstPage:
    """A gram's FirstPage from its decoded postings (decode_postings)."""
    page = FirstPage()
    for ordinal in sorted(entries):
        entry = entries[ordinal]
        page.add(ordinal, bool(entry) if len(gram) == 1 else entry[0] < head_end[ordinal], page_size)
    return page


def _dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _gram_size(data: list[int]) -> int:
    return len(data) * 3 + 10  # ~3 bytes per encoded int + key: a cheap estimate of its raw size


def _postings_size(postings: dict[str, list[int]]) -> int:
    return sum(_gram_size(v) for v in postings.values())


def _shard_count(size: int) -> int:
    """The estimated raw size of all postings, split into shards of ~SHARD_TARGET_RAW_BYTES, rounded
    up to a power of two."""
    count = 1
    while size / count > SHARD_TARGET_RAW_BYTES:
        count *= 2
    return count


def decode_postings(gram: str, data: list[int]) -> dict[int, object]:
    """One gram's encoded postings -> {ordinal: positions (bigram) or in-head flag (unigram)}.
    The build patches postings with it; query.IndexReader (the tests' reader) reads them with it."""
    out: dict[int, object] = {}
    ordinal = i = 0
    if len(gram) == 1:
        for v in data:
            ordinal += v >> 1
            out[ordinal] = bool(v & 1)
        return out
    while i < len(data):
        ordinal += data[i]
        i += 1
        positions, position = [], 0
        while True:
            v = data[i]
            i += 1
            position += ~v if v < 0 else v
            positions.append(position)
            if v < 0:
                break
        out[ordinal] = positions
    return out


def _encode(gram: str, entries: dict[int, object]) -> list[int]:
    """The inverse of decode_postings, exactly as build_postings writes it."""
    out: list[int] = []
    last = 0
    for ordinal in sorted(entries):
        entry = entries[ordinal]
        if len(gram) == 1:
            out.append((ordinal - last) * 2 + int(entry))
        else:
            deltas = [entry[0]] + [b - a for a, b in zip(entry, entry[1:])]
            deltas[-1] = ~deltas[-1]
            out.append(ordinal - last)
            out.extend(deltas)
        last = ordinal
    return out


def _item_entries(text: str, head_end: int) -> dict[str, object]:
    bigrams, unigram_in_head = _item_postings(text, head_end)
    return {**bigrams, **unigram_in_head}


class Unchanged(bytes):
    """A file's bytes that are those of the previous index's file at `path`: the writer links that
    file instead of writing a copy (site.background.write_files). Equal to the bytes as bytes."""

    path: Path

    def __new__(cls, data: bytes, path: Path) -> "Unchanged":
        made = super().__new__(cls, data)
        made.path = path
        return made


MAX_INCREMENTAL_SHARE = 0.05  # more changed items than this: the full build is as quick


class CardRules:
    """Which cards go where (see the module doc); the same numbers in meta.json."""

    def __init__(self, page_size: int, common: int, min_posting: int):
        self.page_size, self.common, self.min_posting = page_size, common, min_posting

    def meta(self) -> dict:
        return {"page_size": self.page_size, "common_cards": self.common, "card_min_posting": self.min_posting}

    def carried(self, page: FirstPage) -> list[int]:
        """The ordinals whose cards a shard carries for this gram."""
        if page.count < self.min_posting:
            return []
        return [o for o in page.ordinals(self.page_size) if o >= self.common]


def card(doc: dict) -> list:
    """What a result card shows of an item beside meta.json's columns (CARD_FIELDS, in that order)."""
    return [doc.get(k) for k in CARD_FIELDS]


def _shard_file(grams: dict[str, list[int]], ordinals: set[int], cards: list[list]) -> bytes:
    return _dumps({"grams": grams, "cards": {str(o): cards[o] for o in sorted(ordinals)}})


def _patched_shards(previous: Path, texts: list[tuple[str, int]], chunk_files: list[bytes],
                    docs_per_chunk: int, cards: list[list],
                    rules: CardRules) -> tuple[dict[str, bytes], int, int, set[int]] | None:
    """(shard files, shard count, postings size, changed items) patched from the previous index, or
    None when the previous index cannot be patched into exactly what a full build would give."""
    try:
        meta = json.loads((previous / "meta.json").read_bytes())
        count, size = meta["shard_count"], meta["postings_size"]
        if meta["count"] != len(texts) or meta["docs_per_chunk"] != docs_per_chunk or docs_per_chunk != 1 \
                or not count or meta.get("version") != FORMAT_VERSION \
                or any(meta.get(k) != v for k, v in rules.meta().items()):
            return None
        changed: dict[int, dict] = {}
        for ordinal, data in enumerate(chunk_files):
            old = (previous / "docs" / f"{ordinal}.json").read_bytes()
            if old != data:
                changed[ordinal] = json.loads(old)[0]
                if len(changed) > MAX_INCREMENTAL_SHARE * len(texts) + 1 or card(changed[ordinal]) != cards[ordinal]:
                    return None  # many changes, or a card (copied into any number of shards) changed
        # per gram: the changed items' old and new entries
        touched: dict[str, dict[int, object | None]] = defaultdict(dict)
        for ordinal, old_doc in changed.items():
            before = _item_entries(*searchable_text(old_doc))
            after = _item_entries(*texts[ordinal])
            for gram in before.keys() | after.keys():
                if before.get(gram) != after.get(gram):
                    touched[gram][ordinal] = after.get(gram)
        by_shard: dict[int, list[str]] = defaultdict(list)
        for gram in touched:
            by_shard[fnv1a(gram) % count].append(gram)
        head_end = [h for _, h in texts]  # a changed item's heading and finding are its card's: unchanged
        files: dict[str, bytes] = {}
        for h in range(count):
            path = previous / "shards" / f"{h}.json"
            if h not in by_shard:
                files[f"{urls.SEARCH}shards/{h}.json"] = Unchanged(path.read_bytes(), path)
                continue
            shard = json.loads(path.read_bytes())["grams"]
            for gram in by_shard[h]:
                old = shard.get(gram, [])
                entries = decode_postings(gram, old)
                for ordinal, entry in touched[gram].items():
                    if entry is None:
                        entries.pop(ordinal, None)
                    else:
                        entries[ordinal] = entry
                size -= _gram_size(old) if gram in shard else 0
                if entries:
                    shard[gram] = _encode(gram, entries)
                    size += _gram_size(shard[gram])
                else:
                    shard.pop(gram, None)
            carried = {o for gram, data in shard.items()
                       for o in rules.carried(first_page(gram, decode_postings(gram, data), head_end, rules.page_size))}
            files[f"{urls.SEARCH}shards/{h}.json"] = _shard_file(shard, carried, cards)
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None  # a missing or damaged file: build from scratch
    if _shard_count(size) != count:
        return None  # the grams would be spread over another number of shards
    return files, count, size, set(changed)


def _shards(postings: dict[str, list[int]], count: int) -> list[dict]:
    shards: list[dict] = [{} for _ in range(count)]
    for gram, data in postings.items():
        shards[fnv1a(gram) % count][gram] = data
    return shards


def _columns(records: list[dict]) -> dict:
    """meta.json's card columns: each item's notice (with its issue date) and deadline month."""
    notices = [r.get("notice") or "" for r in records]
    order = list(dict.fromkeys(notices))
    issued = {}
    for r in records:
        issued.setdefault(r.get("notice") or "", r.get("issued") or "")
    index = {n: i for i, n in enumerate(order)}
    deadline = [r.get("deadline") or "" for r in records]
    months = sorted(set(deadline))
    month_index = {m: i for i, m in enumerate(months)}
    return {"notices": {"values": order, "issued": [issued[n] for n in order], "column": [index[n] for n in notices]},
            "deadline": {"values": months, "column": [month_index[m] for m in deadline]}}


def _doc(record: dict) -> dict:
    keys = ("id", "notice", "url", "label", "heading", "finding", "measures", "status",
            "status_text", "deadline", "overdue", "responsible")
    return {k: record.get(k) for k in keys}


def _facets(records: list[dict]) -> dict:
    """Vocabularies and per-item columns. Values sorted (status in the fixed vocabulary order)."""
    def column(values: list[str], order: list[str], labels: dict[str, str]) -> dict:
        index = {v: i for i, v in enumerate(order)}
        return {"values": order, "labels": [labels.get(v, v) for v in order],
                "column": [index[v] for v in values]}

    status = [r.get("status") or "" for r in records]
    status_order = [s for s in STATUS_LABELS if s in set(status)] + sorted(set(status) - set(STATUS_LABELS))
    overdue = ["1" if r.get("overdue") else "0" for r in records]
    category = [(r.get("category") or [""])[0] for r in records]
    year = [(r.get("deadline") or "")[:4] or NO_YEAR for r in records]
    years = sorted(set(year) - {NO_YEAR}) + ([NO_YEAR] if NO_YEAR in year else [])
    # Portal facets: by unit and round, not one value per notice (a portal holds hundreds of notices).
    unit = [r.get("unit") or "" for r in records]
    round_ = [r.get("round") or NO_ROUND for r in records]
    return {
        "status": column(status, status_order, STATUS_LABELS),
        "overdue": column(overdue, [v for v in ("1", "0") if v in overdue], OVERDUE_LABELS),
        # categories keep first-seen order: the notice's own order is the meaningful one
        "category": column(category, list(dict.fromkeys(category)), {}),
        "year": column(year, years, {NO_YEAR: YEAR_LABEL_NONE}),
        "unit": column(unit, list(dict.fromkeys(unit)), {}),
        "round": column(round_, sorted(set(round_) - {NO_ROUND}) + ([NO_ROUND] if NO_ROUND in round_ else []),
                        {NO_ROUND: ROUND_LABEL_NONE}),
    }


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def small_bundle(docs: list[dict], max_gzip_bytes: int) -> bytes | None:
    """bundle.json ({"docs": docs}, the bytes of _dumps) if it gzips to at most max_gzip_bytes
    (gzip_size), else None. Encoded and compressed as a stream that stops once the compressed
    bytes pass the limit (they only grow): a 40,000-item portal's docs are ~100 MB, and compressing
    all of them at each build only to learn they are too big took ~10 s."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip, as gzip.compress
    size, pieces = 0, []
    for i, doc in enumerate(docs):
        piece = (b'{"docs":[' if i == 0 else b",") + _dumps(doc)
        pieces.append(piece)
        size += len(squeeze.compress(piece))
        if size > max_gzip_bytes:
            return None
    pieces.append(b"]}" if docs else b'{"docs":[]}')
    size += len(squeeze.compress(pieces[-1])) + len(squeeze.flush())
    return b"".join(pieces) if size <= max_gzip_bytes else None


def search_js() -> bytes:
    return resources.files("disclosure.search").joinpath("search.js").read_bytes()


def build_index(records: list[dict], *, docs_per_chunk: int = DOCS_PER_CHUNK,
                bundle_max_gzip_bytes: int = BUNDLE_MAX_GZIP_BYTES,
                shard_count: int | None = None, previous: Path | None = None,
                page_size: int = PAGE_SIZE, common_cards: int = COMMON_CARDS,
                card_min_posting: int = CARD_MIN_POSTING) -> dict[str, bytes]:
    """records (items.json objects, in display order) -> {path under the site root: file bytes}.
    previous: the last build's search/ folder, built by this same code (see the module doc).
    An `issued` field (the notice's issue date, YYYY-MM-DD) is shown on every result card when the
    records have one."""
    texts = [searchable_text(r) for r in records]
    docs = [_doc(r) for r in records]
    chunk_files = [_dumps(docs[i:i + docs_per_chunk]) for i in range(0, len(docs), docs_per_chunk)]
    corpus_chars = set("".join(t for t, _ in texts)) - {SEP}
    rules = CardRules(page_size, common_cards, card_min_posting)
    meta = {
        "version": FORMAT_VERSION,
        "count": len(records),
        "docs_per_chunk": docs_per_chunk,
        "trad": "".join(t + s for t, s in sorted(traditional_to_simplified_map(corpus_chars).items())),
        "facets": _facets(records),
        "head_end": [head_end for _, head_end in texts],
        **_columns(records),
        **rules.meta(),
    }
    files: dict[str, bytes] = {f"{urls.SEARCH}search.js": search_js()}
    bundle = small_bundle(docs, bundle_max_gzip_bytes)
    if bundle is not None:
        meta["bundle"] = "bundle.json"
        meta["shard_count"] = 0
        files[f"{urls.SEARCH}bundle.json"] = bundle
    else:
        cards = [card(d) for d in docs]
        patched = _patched_shards(previous, texts, chunk_files, docs_per_chunk, cards, rules) \
            if previous is not None and shard_count is None else None
        changed = None
        if patched:
            shard_files, count, size, changed = patched
            files.update(shard_files)
        else:
            pages: dict[str, FirstPage] = {}
            postings = build_postings(texts, pages, page_size)
            size = _postings_size(postings)
            count = shard_count or _shard_count(size)
            carried: list[set[int]] = [set() for _ in range(count)]
            for gram, page in pages.items():
                carried[fnv1a(gram) % count].update(rules.carried(page))
            del pages
            for h, shard in enumerate(_shards(postings, count)):
                files[f"{urls.SEARCH}shards/{h}.json"] = _shard_file(shard, carried[h], cards)
        common = _dumps({str(o): cards[o] for o in range(min(common_cards, len(cards)))})
        meta["cards"] = "cards.json"
        files[f"{urls.SEARCH}cards.json"] = common
        before = previous / "cards.json" if changed is not None else None
        if before is not None and before.is_file() and before.read_bytes() == common:
            files[f"{urls.SEARCH}cards.json"] = Unchanged(common, before)
        meta["shard_count"] = count
        meta["postings_size"] = size  # lets the next build patch this index (same shard count rule)
        for c, data in enumerate(chunk_files):
            unchanged = changed is not None and c not in changed  # patched: the same bytes as before
            files[f"{urls.SEARCH}docs/{c}.json"] = Unchanged(data, previous / "docs" / f"{c}.json") if unchanged else data
    files[f"{urls.SEARCH}meta.json"] = _dumps(meta)
    return dict(sorted(files.items()))
