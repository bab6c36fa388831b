"""Reproducible builds: the same commit built twice with the same SOURCE_DATE_EPOCH and
DISCLOSURE_AS_OF gives byte-identical sites, whatever the output folder and Python's hash seed —
so anyone can rebuild a published release and check it was not altered."""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import AS_OF, run_mkdocs_build

EPOCH = "1732579200"  # 2024-11-26 00:00 UTC
OTHER_EPOCH = "1735689600"  # 2025-01-01 00:00 UTC


def fingerprint(site: Path) -> dict[str, str]:
    """sha256 of every file, keyed by its path relative to the site."""
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(path for path in a.keys() | b.keys() if a.get(path) != b.get(path))


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """Two builds that must agree (different folders, depths and hash seeds) and one with another epoch."""
    root = tmp_path_factory.mktemp("repro")
    plans = {
        "first": (root / "a" / "site", {"SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "1"}),
        "second": (root / "b" / "deeper" / "out", {"SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "2"}),
        "other_epoch": (root / "c" / "site", {"SOURCE_DATE_EPOCH": OTHER_EPOCH, "PYTHONHASHSEED": "3"}),
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(run_mkdocs_build, out, as_of=AS_OF, extra_env=env)
                   for name, (out, env) in plans.items()}
        for name, future in futures.items():
            result = future.result()
            assert result.returncode == 0, (name, result.stderr[-2000:])
    return {name: out for name, (out, _) in plans.items()}


def test_two_builds_of_the_same_commit_are_byte_identical(sites):
    first, second = fingerprint(sites["first"]), fingerprint(sites["second"])
    assert len(first) > 80
    diff = differing(first, second)
    assert not diff, f"{len(diff)} files differ between two builds of the same commit: {diff[:20]}"


def test_the_comparison_sees_the_build_date(sites):
    """Only MkDocs' sitemap.xml.gz carries the build time (its gzip header, from SOURCE_DATE_EPOCH;
    sitemap.xml has no dates while site_url is unset): a build with another epoch differs there and
    nowhere else. This also shows the comparison above can see a difference. Without
    SOURCE_DATE_EPOCH the build time is the wall clock, so reproducing a release takes both
    SOURCE_DATE_EPOCH and DISCLOSURE_AS_OF (see docs/promises.md)."""
    diff = differing(fingerprint(sites["first"]), fingerprint(sites["other_epoch"]))
    assert diff == ["sitemap.xml.gz"], diff
    header = (sites["first"] / "sitemap.xml.gz").read_bytes()[4:8]
    assert int.from_bytes(header, "little") == int(EPOCH)  # gzip mtime


def test_no_build_folder_path_leaks_into_the_site(sites):
    for folder in (sites["first"], sites["second"]):
        needle = str(folder.parent).encode()
        leaks = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]
        assert not leaks, leaks
