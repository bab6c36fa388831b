"""Broken and hostile input, systematically: every file in tests/bad_data/ (one defect each; the
README there is the table of cases and expectations) is refused by `disclosure validate` and, for a
representative subset, by the real `mkdocs build` — exit ≠ 0, a Chinese message naming file and line,
no traceback, nothing written to the site folder. Files that only look wrong are read as typed."""
from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import run_mkdocs_build
from disclosure.cli import main
from disclosure.yamlio import load_file

from helpers import ROOT

BAD = ROOT / "tests" / "bad_data"
VALID = BAD / "valid"
NOTICE_DIR = "data/notices/demo"  # how messages name the notice folder of a copied data set
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Case:
    name: str
    placed: str  # path inside notices/demo/
    line: int | None  # None: a whole-file problem, the message names the file only
    words: tuple[str, ...]
    content: bytes | None = None  # generated cases; otherwise the file tests/bad_data/<name>

    def data(self) -> bytes:
        return self.content if self.content is not None else (BAD / self.name).read_bytes()


def readme_rows(section: str) -> list[list[str]]:
    """The table rows under '## <section>' in tests/bad_data/README.md, cells stripped of backticks."""
    text = (BAD / "README.md").read_text("utf-8").split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return [[cell.strip().strip("`") for cell in row.strip("|").split(" | ")] for row in rows]


def refused_cases() -> list[Case]:
    return [Case(name, placed, None if line == "—" else int(line), tuple(words.split(" · ")))
            for name, placed, line, words, _why in readme_rows("Refused")]


REFUSED = refused_cases()
HUGE = Case("huge", "items/1.yml", None, ("文件过大",),
            (VALID / "notices/demo/items/1.yml").read_bytes() + ("  - |-\n    " + "整改" * 360_000 + "\n").encode())


def data_with(case: Case, tmp_path: Path) -> Path:
    """A copy of the valid data set with the case file put in its place."""
    data = tmp_path / "data"
    shutil.copytree(VALID, data)
    target = data / "notices" / "demo" / case.placed
    target.write_bytes(case.data())
    return data


def assert_refused(code: int, output: str, case: Case):
    file = f"{NOTICE_DIR}/{case.placed}"
    assert code != 0, output
    assert "Traceback" not in output and not re.search(r"\b\w+(Error|Exception):", output), output
    where = f"{file}:{case.line}:" if case.line else f"{file}: "
    assert where in output, f"expected {where!r} in:\n{output}"
    naming = [line for line in output.splitlines() if file in line]
    assert naming and all(CJK.search(line) for line in naming), output  # the message itself is Chinese
    for word in case.words:
        assert word in output, (word, output)


# -- the corpus is what the README says -----------------------------------------------------------
def test_every_corpus_file_has_a_row_and_every_row_a_file():
    files = {p.name for p in BAD.iterdir() if p.is_file() and p.name != "README.md"}
    assert files == {case.name for case in REFUSED}
    assert len(REFUSED) >= 70


def test_the_valid_base_is_valid(capsys):
    """Without this, a refusal could come from the base instead of the one defect."""
    assert main(["validate", str(VALID)]) == 0, capsys.readouterr().err


# -- disclosure validate: every case -------------------------------------------------------------
@pytest.mark.parametrize("case", REFUSED + [HUGE], ids=lambda c: c.name)
def test_validate_refuses(case, tmp_path, capsys):
    data = data_with(case, tmp_path)
    code = main(["validate", str(data)])
    out = capsys.readouterr()
    assert_refused(code, out.out + out.err, case)
    assert "数据有效" not in out.out


def test_the_huge_case_is_over_the_limit():
    from disclosure.yamlio import MAX_FILE_BYTES
    assert len(HUGE.data()) > max(MAX_FILE_BYTES, 2_000_000)


def _validate(data: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(data)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_folder_named_like_an_item(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(VALID, data)
    (data / "notices/demo/items/9.yml").mkdir()
    code, out = _validate(data, capsys)
    assert code == 1 and f"{NOTICE_DIR}/items/9.yml: " in out and "无法读取" in out and "Traceback" not in out


def test_a_notice_folder_with_an_unsafe_name(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(VALID, data)
    shutil.copytree(data / "notices/demo", data / "notices/demo 2")
    code, out = _validate(data, capsys)
    assert code == 1 and "data/notices/demo 2: " in out and "文件夹名" in out


def test_no_notices_folder_and_an_empty_one(tmp_path, capsys):
    code, out = _validate(tmp_path / "data", capsys)
    assert code == 1 and "找不到 notices" in out
    (tmp_path / "data" / "notices").mkdir(parents=True)
    code, out = _validate(tmp_path / "data", capsys)
    assert code == 1 and "没有任何通报数据" in out


def test_the_alias_bomb_is_refused_without_expanding_it(tmp_path, capsys):
    """Ten levels of ten aliases would be 10^10 strings; refusing must not expand them. Checked by
    memory, not by a clock (no timed assertions in the suite): expanding would need gigabytes."""
    import tracemalloc
    case = next(c for c in REFUSED if c.name == "item-alias-bomb.yml")
    tracemalloc.start()
    try:
        assert main(["validate", str(data_with(case, tmp_path))]) == 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024
    capsys.readouterr()


# -- looks wrong, is right ------------------------------------------------------------------------
ACCEPTED = readme_rows("Accepted (look wrong, are right)")


@pytest.mark.parametrize("name, placed, reads_as", ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_accepted_files_are_read_as_typed(name, placed, reads_as, tmp_path, capsys):
    data = data_with(Case(name, placed, None, ()), tmp_path)
    code, out = _validate(data, capsys)
    assert code == 0, out
    for fast in (True, False):
        loaded = load_file(data / "notices" / "demo" / placed, fast=fast).data
        for pair in reads_as.split(" · "):
            key, expected = pair.split("=", 1)
            value = loaded["updates"][0]["date"] if key == "updates.date" else loaded[key]
            assert value == expected, (name, key, value, fast)


# -- the real build: a representative subset, nothing written --------------------------------------
BUILD_CASES = ["item-gbk.yml", "item-alias-bomb.yml", "item-deep-nesting-flow.yml", "item-status-no.yml",
               "item-unknown-group.yml", "huge"]
MARKER = "previous-release.txt"


def _build(case: Case | None, root: Path):
    """Build the valid data set (case None) or it with the case put in, into root/site with a marker."""
    root.mkdir(parents=True)
    data = data_with(case, root) if case else shutil.copytree(VALID, root / "data")
    out = root / "site"
    out.mkdir()
    (out / MARKER).write_text("the site as it was before this build", "utf-8")
    return run_mkdocs_build(out, data_dir=data)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """All builds at once (each is a separate mkdocs process): {case name or 'valid': (process, out dir)}."""
    cases = {c.name: c for c in REFUSED + [HUGE]}
    root = tmp_path_factory.mktemp("bad-builds")
    jobs = {name: (cases.get(name), root / name.replace(".", "-")) for name in BUILD_CASES + ["valid"]}
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = {name: pool.submit(_build, case, folder) for name, (case, folder) in jobs.items()}
        return {name: (future.result(), jobs[name][1] / "site") for name, future in done.items()}


def test_the_valid_base_builds(builds):
    """The control: the same build succeeds without the defect."""
    result, out = builds["valid"]
    assert result.returncode == 0, result.stderr[-2000:]
    assert (out / "index.html").is_file() and (out / "demo" / "items" / "1" / "index.html").is_file()


@pytest.mark.parametrize("name", BUILD_CASES)
def test_build_refuses_and_writes_nothing(name, builds):
    case = next(c for c in REFUSED + [HUGE] if c.name == name)
    result, out = builds[name]
    output = result.stdout + result.stderr
    assert_refused(result.returncode, output, case)
    assert "数据校验未通过" in output
    assert sorted(p.name for p in out.iterdir()) == [MARKER], "the failed build wrote into the site folder"
    assert (out / MARKER).read_text("utf-8") == "the site as it was before this build"
