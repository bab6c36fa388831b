"""Write files from a forked child while MkDocs renders pages.

The search index is the largest computation of a build (17 s at 10,000 items) and nothing on a
page depends on it, so it need not delay the pages: a child process computes it on the second
core and writes it straight into the output folder; the build waits for it only at the end.
A failure in the child fails the build (never a site without its search index)."""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Callable

Files = dict[str, bytes | str]  # str: written as UTF-8


class BackgroundFailed(Exception):
    pass


def write_files(files: Files, dest: Path) -> None:
    """Each file through a temporary name and a rename: a server never sees half a file. A file
    the same as the last build's (search.index.Unchanged) is a hard link to that one: releases are
    never written to, and an incremental publish rewrites only what changed."""
    made: set[Path] = set()
    for rel, data in files.items():
        target = dest / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            os.link(data.path, tmp)  # only if it is still the file the bytes were read from
            if os.path.getsize(tmp) != len(data):
                raise OSError
        except (AttributeError, OSError):
            tmp.unlink(missing_ok=True)
            tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, target)


def die_with_parent() -> None:
    """PR_SET_PDEATHSIG (Linux): the kernel kills this process when its parent dies, even by
    SIGKILL, so a killed build cannot leave a child writing into a release folder."""
    if sys.platform.startswith("linux"):
        import ctypes
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


class BackgroundWriter:
    def __init__(self, make_files: Callable[[], Files], dest: Path):
        self.make_files = make_files
        self.dest = Path(dest)
        self.error_file = self.dest.parent / f".{self.dest.name}.background-error"
        self.process: multiprocessing.Process | None = None
        self.cancelled = False

    def start(self) -> "BackgroundWriter":
        self.error_file.unlink(missing_ok=True)
        self.parent = os.getpid()
        # fork: the child inherits the loaded data instead of pickling 10,000 records
        self.process = multiprocessing.get_context("fork").Process(target=self._run, daemon=True)
        self.process.start()
        return self

    def _run(self) -> None:
        die_with_parent()
        if os.getppid() != self.parent:  # the parent died before the line above took effect
            os._exit(1)
        try:
            write_files(self.make_files(), self.dest)
        except BaseException:  # report to the parent, which owns the user-facing message
            self.error_file.write_text(traceback.format_exc(), "utf-8")
            os._exit(1)
        os._exit(0)

    def wait(self) -> None:
        process = self.process
        if process is None:
            return
        process.join()
        code = process.exitcode
        if code != 0 and not self.cancelled:
            detail = self.error_file.read_text("utf-8") if self.error_file.exists() else f"exit code {code}"
            self.error_file.unlink(missing_ok=True)
            raise BackgroundFailed(detail)

    def cancel(self) -> None:
        """Stop the child (a newer build supersedes it); its waiter then returns quietly."""
        self.cancelled = True
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join()
