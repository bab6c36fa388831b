"""Push-to-live benchmark (issue 15): how long after `git push` a one-item status change is live,
with the build cache (incremental) and without it (full), on a generated portal, through the real
server hooks (bare repository + `disclosure server-setup`), and the disk five kept releases take.

    .venv/bin/python bench/push.py [--notices 88 1000] [--runs 5] [--full-runs N] [--files 1]

Per size: the project (its tracked files) with a synthetic portal of N notices x 40 items as data/
(tests/support/synthetic.py, in a temporary folder), published once (in pushes under the server's
limit on data per push, as an administrator would); then `--runs` pushes of one
item's status change each (incremental: the cache holds the previous build), then `--full-runs`
pushes (default: as many) after deleting the cache (full). Times are wall clock from `git push` to its return,
which is when the new release is live (post-receive has switched `current`). Disk: distinct inodes
over the kept releases against one release. Writes bench/results/push.json.
"""
from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))  # tests/support: generated portals, the search oracle

from support.synthetic import write_synthetic_portal  # noqa: E402
from disclosure.publish.checks import PUSH_DATA_MAX  # noqa: E402

ITEMS = 40
AS_OF = "2026-11-26"
RESULTS = REPO / "bench" / "results"


def run(cwd: Path, *cmd: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.org", GIT_COMMITTER_NAME="bench",
               GIT_COMMITTER_EMAIL="bench@example.org", DISCLOSURE_AS_OF=AS_OF, LANG="C.UTF-8")
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{done.stdout}\n{done.stderr}")
    return done


def disclosure(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run(cwd, sys.executable, "-m", "disclosure.cli", *args)


def project_copy(dest: Path, notices: int) -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        if rel.startswith("data/"):
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dest / rel)
    write_synthetic_portal(REPO / "data", dest / "data", notices, items_per_notice=ITEMS)


def publish_in_batches(clone: Path) -> int:
    """Publish the whole portal as an administrator would: the server takes at most PUSH_DATA_MAX
    bytes of changed data in one push (publish/checks.py; 1,000 notices are ~200 MB), so the notices
    go in batches under it, each committed, pushed and published in turn (the first with the code).
    Returns the number of pushes."""
    folders = sorted(p for p in (clone / "data" / "notices").iterdir() if p.is_dir())
    batches: list[list[Path]] = [[]]
    room = PUSH_DATA_MAX * 8 // 10
    used = 0
    for folder in folders:
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        if batches[-1] and used + size > room:
            batches.append([])
            used = 0
        batches[-1].append(folder)
        used += size
    run(clone, "git", "add", "-A", "--", ".", ":(exclude)data/notices")
    for i, batch in enumerate(batches, 1):
        run(clone, "git", "add", "--", *(str(f.relative_to(clone)) for f in batch))
        run(clone, "git", "commit", "-q", "-m", f"portal {i}/{len(batches)}")
        run(clone, "git", "push", "-q", "origin", "HEAD:refs/heads/main")
    return len(batches)


def timed_push(clone: Path, message: str) -> float:
    run(clone, "git", "add", "-A")
    run(clone, "git", "commit", "-q", "-m", message)
    started = time.monotonic()
    done = run(clone, "git", "push", "-q", "origin", "HEAD:refs/heads/main")
    seconds = time.monotonic() - started
    if "发布成功" not in done.stderr:
        raise SystemExit("push did not publish:\n" + done.stderr)
    return seconds


def disk(web: Path) -> dict:
    releases = sorted(p for p in (web / "releases").iterdir() if not p.name.startswith("."))
    seen, total = set(), 0
    for release in releases:
        for p in release.rglob("*"):
            st = p.lstat()
            if p.is_file() and not p.is_symlink() and st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    one = sum(p.stat().st_size for p in releases[-1].rglob("*") if p.is_file() and not p.is_symlink())
    return {"releases": len(releases), "one_mb": round(one / 1e6, 1), "all_mb": round(total / 1e6, 1),
            "ratio": round(total / one, 3)}


def bench(notices: int, runs: int, full_runs: int, files: int = 1) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"bench-push-{notices}-"))
    try:
        bare, web, clone = root / "site.git", root / "www", root / "staff"
        run(root, "git", "init", "-q", "--bare", "--initial-branch=main", str(bare))
        run(root, "git", "clone", "-q", str(bare), str(clone))
        project_copy(clone, notices)
        disclosure(root, "server-setup", str(bare), str(web), "--keep", "5", "--admin",
                   pwd.getpwuid(os.getuid()).pw_name, "--site-url", "http://127.0.0.1/", "--gzip-static")
        started = time.monotonic()
        batches = publish_in_batches(clone)
        first = time.monotonic() - started

        def change(k: int, kind: str) -> float:
            status = "已完成" if k % 2 == 0 else "正在整改"
            for f in range(files):  # one item in each of `files` notices
                notice = f"unit-{(k * files + f) % notices:04d}"
                item = sorted(p.stem for p in (clone / "data" / "notices" / notice / "items").glob("*.yml"))[k % 7]
                disclosure(clone, "update", item, "--notice", notice, "--status", status,
                           "--date", "2026-11-20", "--note", f"基准测试进展 {kind} {k}")
            return timed_push(clone, f"{kind} {k}")

        incremental = [change(k, "incremental") for k in range(runs)]
        five = disk(web)
        full = []
        for k in range(full_runs):
            shutil.rmtree(web / ".cache", ignore_errors=True)  # no cache: every page rendered
            full.append(change(runs + k, "full"))
        row = {"notices": notices, "items": notices * ITEMS, "changed_files": files, "first_push_s": round(first, 1), "first_pushes": batches,
               "incremental_s": [round(x, 1) for x in incremental], "full_s": [round(x, 1) for x in full],
               "incremental_median_s": round(statistics.median(incremental), 1),
               "full_median_s": round(statistics.median(full), 1),
               "ratio": round(statistics.median(incremental) / statistics.median(full), 3), "disk": five}
        print(json.dumps(row, ensure_ascii=False), flush=True)
        return row
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notices", type=int, nargs="+", default=[88, 1000])  # 3,520 and 40,000 items
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full-runs", type=int, default=None, help="full publishes (default: --runs)")
    parser.add_argument("--files", type=int, default=1, help="item files changed per push, each in another notice")
    args = parser.parse_args()
    rows = [bench(n, args.runs, args.runs if args.full_runs is None else args.full_runs, args.files)
            for n in args.notices]
    RESULTS.mkdir(exist_ok=True)
    try:  # keep the rows of other sizes from earlier runs
        earlier = json.loads((RESULTS / "push.json").read_text("utf-8"))["rows"]
    except (OSError, ValueError, KeyError):
        earlier = []
    measured = {(r["notices"], r["changed_files"]) for r in rows}
    rows = sorted([r for r in earlier if (r["notices"], r.get("changed_files", 1)) not in measured] + rows,
                  key=lambda r: (r["notices"], r.get("changed_files", 1)))
    (RESULTS / "push.json").write_text(json.dumps({"as_of": AS_OF, "items_per_notice": ITEMS, "rows": rows},
                                                  ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
