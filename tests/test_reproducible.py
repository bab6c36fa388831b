"""Reproducible builds: the same commit built twice with the same DISCLOSURE_AS_OF gives
byte-identical sites, whatever the output folder, Python's hash seed and the build time
(SOURCE_DATE_EPOCH) — so anyone can rebuild a published release and check it was not altered."""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import AS_OF, run_mkdocs_build

EPOCH = "1732579200"  # 2024-11-26 00:00 UTC
OTHER_EPOCH = "1735689600"  # 2025-01-01 00:00 UTC
OTHER_AS_OF = "2025-06-30"


def fingerprint(site: Path) -> dict[str, str]:
    """sha256 of every file, keyed by its path relative to the site."""
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(path for path in a.keys() | b.keys() if a.get(path) != b.get(path))


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """Three builds that must agree (different folders, depths, hash seeds, build times) and one
    with another as-of date."""
    root = tmp_path_factory.mktemp("repro")
    plans = {
        "first": (root / "a" / "site", {"SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "1"}),
        "second": (root / "b" / "deeper" / "out", {"SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "2"}),
        "other_epoch": (root / "c" / "site", {"SOURCE_DATE_EPOCH": OTHER_EPOCH, "PYTHONHASHSEED": "3"}),
        "other_as_of": (root / "d" / "site", {"SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "1"}),
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(run_mkdocs_build, out, as_of=OTHER_AS_OF if name == "other_as_of" else AS_OF,
                                     extra_env=env)
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


def test_the_build_time_is_in_no_file_and_the_comparison_sees_the_as_of_date(sites):
    """No file carries the build time (MkDocs' sitemap.xml.gz did, in its gzip header; the site's
    own sitemap has none), so a build at another SOURCE_DATE_EPOCH is identical. Another as-of date
    changes every page (it is printed on each), which also shows the comparison can see a difference.
    Reproducing a release takes its commit and its as-of date (see docs/promises.md)."""
    first = fingerprint(sites["first"])
    assert not differing(first, fingerprint(sites["other_epoch"]))
    assert not any(path.endswith(".gz") for path in first)
    pages = [path for path in first if path.endswith(".html")]
    changed = differing(first, fingerprint(sites["other_as_of"]))
    assert set(pages) - {"404.html"} <= set(changed), sorted(set(pages) - set(changed))[:10]


def test_no_build_folder_path_leaks_into_the_site(sites):
    for folder in (sites["first"], sites["second"]):
        needle = str(folder.parent).encode()
        leaks = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]
        assert not leaks, leaks
