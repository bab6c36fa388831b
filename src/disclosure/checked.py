"""Data files already parsed and schema-checked, kept between builds by the hash of their bytes:
the next build (and the publish's data check) parse and check only the files that changed. Part of
the data layer (validate.py uses it); the page cache of incremental publishing is buildcache.py.

Layout (on the server: WEB_ROOT/.cache/checked, under DISCLOSURE_BUILD_CACHE):
    checked/<code>/<notice>.json  {blake2b of a file's bytes: [sha256 of its parsed data, the data]},
                                  one per notice folder, keyed by the code that checked them
                                  (`checker_fingerprint`: new code, new checks). A record whose data
                                  does not match its hash (a hand-edited pack) makes every pack
                                  untrusted: all files are checked afresh, and the build says so
                                  (CACHE_MISMATCH), which the publish logs.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from importlib import metadata
from pathlib import Path


def files_under(path: Path):
    if path.is_file():
        yield path
    elif path.is_dir():
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if not name.endswith(".pyc"):
                    yield Path(root) / name


def checker_fingerprint() -> str:
    """What decides how a data file is parsed and checked: this package (yamlio, validate, the
    schemas, …), the parsers' versions and Python's."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256(sys.version.encode())
    for path in files_under(package):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in ("PyYAML", "ruamel.yaml", "jsonschema", "jsonschema-specifications", "referencing"):
        try:
            h.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name} absent".encode())
    return h.hexdigest()[:32]


NOT_CHECKED = object()  # CheckedFiles.get: this file (these bytes) was not checked before
CACHE_MISMATCH = "构建缓存校验不符"  # the line the build prints when a checked-file record was altered


def _record_hash(data) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


class CheckedFiles:
    """Data files already parsed and schema-checked by this code, by the hash of their bytes: the
    parsed data of a file that passed is kept, so an unchanged file is not parsed or checked again.
    Only files that passed are kept (a file with errors is always checked, and explained, afresh).
    Plain JSON: nothing in it can run as code. Damaged or missing packs are simply not used.
    `writable`: the build keeps the packs current; the publish's separate data check only reads."""

    def __init__(self, folder: Path, writable: bool = True):
        self.root = Path(folder) / "checked"
        self.folder = self.root / checker_fingerprint()
        self.writable = writable
        self._packs: dict[str, dict] = {}
        self._used: dict[str, dict] = {}
        self._changed: set[str] = set()
        self.untrusted = False  # a record did not match its hash: nothing of the packs is used

    def _pack(self, group: str) -> dict:
        if group not in self._packs:
            try:
                data = json.loads((self.folder / f"{group}.json").read_text("utf-8"))
                self._packs[group] = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._packs[group] = {}
            self._used[group] = {}
        return self._packs[group]

    def get(self, group: str, digest: bytes):
        """The data of the file of this group with these bytes, or NOT_CHECKED."""
        key = digest.hex()
        pack = self._pack(group)
        if key not in pack or self.untrusted:
            return NOT_CHECKED
        record = pack[key]
        if not (isinstance(record, list) and len(record) == 2 and record[0] == _record_hash(record[1])):
            self.untrusted = True  # verified, not trusted: a damaged or edited pack is never used
            self._packs = {g: {} for g in self._packs}
            self._used = {g: {} for g in self._used}
            self._changed |= set(self._packs)
            print(f"{CACHE_MISMATCH}:{self.folder / (group + '.json')} 中的记录与内容不符,全部数据文件重新检查。",
                  file=sys.stderr)
            return NOT_CHECKED
        self._used[group][key] = record
        return record[1]

    def put(self, group: str, digest: bytes, data) -> None:
        self._pack(group)
        try:  # only what JSON gives back unchanged (every data file is plain text, numbers, lists)
            if json.loads(json.dumps(data, ensure_ascii=False)) != data:
                return
        except (TypeError, ValueError):
            return
        self._used[group][digest.hex()] = [_record_hash(data), data]
        self._changed.add(group)

    def save(self) -> None:
        """Write the packs that changed, holding only the files seen this time; drop the rest."""
        if not self.writable:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for group in self._changed | {g for g in self._used if len(self._used[g]) != len(self._packs[g])}:
                temp = self.folder / f".{group}-{os.getpid()}"
                try:
                    temp.write_text(json.dumps(self._used[group], ensure_ascii=False), "utf-8")
                    os.replace(temp, self.folder / f"{group}.json")
                except OSError:
                    temp.unlink(missing_ok=True)  # a full disk leaves no half-written pack behind
                    raise
            for path in self.folder.glob("*.json"):
                if path.stem not in self._used:
                    path.unlink(missing_ok=True)
            for other in self.root.iterdir():  # checked by other code: never valid again
                if other != self.folder and other.is_dir():
                    shutil.rmtree(other, ignore_errors=True)
        except OSError:
            pass  # the cache only saves work


