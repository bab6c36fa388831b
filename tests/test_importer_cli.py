"""Unseen notices through the real command: `disclosure import` on every shape in tests/notices/ (and on
numbering typos) exits 0 without a traceback, says so when it cannot find the structure, and keeps
every line of the input."""
from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import ROOT, lost_lines

VARIANTS = sorted((ROOT / "tests" / "notices").glob("*.txt"))
DISCLOSURE = Path(sys.executable).parent / "disclosure"  # the console script installed in .venv


def run_import(source: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(DISCLOSURE), "import", str(source), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)


def decoded(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")  # the GBK sample


@pytest.fixture(scope="module")
def imports(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """Every variant imported once, in parallel (separate processes)."""
    root = tmp_path_factory.mktemp("imports")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {p.stem: pool.submit(run_import, p, root / p.stem) for p in VARIANTS}
        return {stem: (future.result(), root / stem) for stem, future in futures.items()}


def test_the_command_is_installed_and_all_shapes_are_there():
    assert DISCLOSURE.exists(), DISCLOSURE
    assert len(VARIANTS) >= 15


@pytest.mark.parametrize("stem", [p.stem for p in VARIANTS])
def test_import_succeeds_and_keeps_every_line(stem, imports):
    proc, out = imports[stem]
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "已导入" in proc.stdout
    source = ROOT / "tests" / "notices" / f"{stem}.txt"
    assert lost_lines(decoded(source), out) == []
    assert (out / "source.txt").read_bytes() == source.read_bytes()  # provenance, byte for byte


def test_unrecognised_structure_is_said_on_stderr(imports):
    proc, out = imports["unstructured"]
    assert "未识别出整改事项结构" in proc.stderr
    assert proc.stderr.strip().splitlines()[0].startswith(str(ROOT / "tests" / "notices" / "unstructured.txt"))


def test_every_stderr_line_names_the_file_in_chinese(imports):
    for stem, (proc, _) in imports.items():
        for line in proc.stderr.splitlines():
            assert f"{stem}.txt: " in line and any("\u4e00" <= ch <= "\u9fff" for ch in line), (stem, line)


def test_numbering_typos_do_not_crash_the_importer(tmp_path):
    """'一一、' and '二十二十是' look like numbering but are no numbers (they once raised KeyError)."""
    source = tmp_path / "typos.txt"
    source.write_text("关于巡察整改情况的通报\n一一、总体情况\n一、整改落实情况\n（一一）政治建设方面\n"
                      "1.关于“学习不深入”的问题。\n整改进展情况：已完成。\n二十二十是关于“制度不健全”问题。\n"
                      "整改进展情况：正在整改，2024年12月前完成。\n", "utf-8")
    proc = run_import(source, tmp_path / "out")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert lost_lines(source.read_text("utf-8"), tmp_path / "out") == []
