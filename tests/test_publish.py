"""Publishing by git push to a self-hosted bare repository, end to end with the real site build.

One server (bare repo + WEB_ROOT) is set up per module and shared by the tests below, which run in
file order and each leave the staff clone back in sync with the server. Every push builds the
real project (mkdocs), so pushes are kept few.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from disclosure import environment
from disclosure.publish.build import Builds
from disclosure.publish.releases import PRUNED
from disclosure.publish.server import Server as PublishServer  # Server below is a test server: repo + web root

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2024-07-01"
SITE_URL = "http://127.0.0.1:8080/disclosure/"  # the address the test servers publish under
UNIX_USER = __import__("pwd").getpwuid(os.getuid()).pw_name  # a push on the server itself: an admin
ITEM = "data/notices/jinpu-2019/items/5-2.yml"


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    out.update(GIT_AUTHOR_NAME="张三", GIT_AUTHOR_EMAIL="zhang@example.org", GIT_COMMITTER_NAME="张三",
               GIT_COMMITTER_EMAIL="zhang@example.org", DISCLOSURE_AS_OF=AS_OF, LANG="C.UTF-8")
    return out


def sh(cwd: Path, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"{cmd} failed:\n{done.stdout}\n{done.stderr}")
    return done


def disclosure(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return sh(cwd, sys.executable, "-m", "disclosure.cli", *args, check=check)


def copy_project(dest: Path) -> None:
    """The project as it stands in the working tree (tracked files plus new, not-ignored ones), with
    the fictional sample notice added under data/ so the test server publishes two notices."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file() and not source.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    for folder in (REPO / "examples" / "sample-portal" / "notices").iterdir():
        shutil.copytree(folder, dest / "data" / "notices" / folder.name)


def snapshot(web_root: Path) -> tuple[str, dict[str, str]]:
    """Where `current` points and a hash of every file it serves."""
    current = web_root / "current"
    files = {str(p.relative_to(current)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(current.rglob("*")) if p.is_file()}
    return os.readlink(current), files


def release_dirs(web_root: Path) -> list[str]:
    """Everything in releases/ but releases past --keep being deleted in the background (Releases.prune)."""
    return sorted(p.name for p in (web_root / "releases").iterdir() if not p.name.startswith(PRUNED))


def html_containing(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*.html") if text in p.read_text("utf-8", errors="replace")]


class Server:
    def __init__(self, root: Path):
        self.root = root
        self.bare = root / "site.git"
        self.web = root / "www"
        self.clone = root / "staff"

    def push(self, clone: Path | None = None, ref: str = "main") -> subprocess.CompletedProcess:
        return sh(clone or self.clone, "git", "push", "origin", f"HEAD:refs/heads/{ref}", check=False)

    def commit_all(self, message: str, clone: Path | None = None) -> None:
        sh(clone or self.clone, "git", "add", "-A")
        sh(clone or self.clone, "git", "commit", "-q", "-m", message)

    def reset_clone(self) -> None:
        sh(self.clone, "git", "fetch", "-q", "origin")
        sh(self.clone, "git", "reset", "-q", "--hard", "origin/main")
        sh(self.clone, "git", "clean", "-qfd")

    def tip(self) -> str:
        return sh(self.bare, "git", "rev-parse", "refs/heads/main").stdout.strip()

    def log_lines(self) -> list[str]:
        return (self.web / "publish.log").read_text("utf-8").splitlines()


def set_up_server(root: Path) -> tuple[Server, subprocess.CompletedProcess]:
    """A bare repository with the project committed, the hooks installed (keep 3, this Unix user an
    admin). Returns the server and server-setup's output; nothing is pushed yet."""
    s = Server(root)
    sh(s.root, "git", "init", "-q", "--bare", "--initial-branch=main", str(s.bare))
    sh(s.root, "git", "clone", "-q", str(s.bare), str(s.clone))
    copy_project(s.clone)
    s.commit_all("项目初始内容")
    setup = disclosure(s.root, "server-setup", str(s.bare), str(s.web), "--keep", "3", "--admin", UNIX_USER,
                       "--site-url", SITE_URL, "--gzip-static")
    return s, setup


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    s, setup = set_up_server(tmp_path_factory.mktemp("publish"))
    assert "已安装发布钩子" in setup.stdout
    hook = (s.bare / "hooks" / "pre-receive").read_text()
    assert f"{s.web}/program/current/venv/bin/python" in hook  # the server's own installed program
    started = time.monotonic()
    first = s.push()
    s.first_publish_seconds = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    assert "发布成功" in first.stderr
    return s


def test_first_push_publishes_a_complete_site(server):
    current = server.web / "current"
    assert current.is_symlink() and (current / "index.html").is_file()
    assert os.readlink(current).startswith("releases/") and os.readlink(current).endswith(server.tip()[:12])
    assert html_containing(current, "金普新区")
    assert server.first_publish_seconds < 120
    result, commit = server.log_lines()[-1].split("\t")[1:3]
    assert (result, commit) == ("published", server.tip()[:12])


def test_valid_push_publishes_the_change(server):
    before = os.readlink(server.web / "current")
    marker = "测试进展记录-已印发管理办法"
    disclosure(server.clone, "update", "5-2", "--status", "已完成", "--date", "2024-06-20", "--note", marker)
    server.commit_all("事项 5-2:已完成")
    done = server.push()
    assert done.returncode == 0, done.stderr
    assert "发布成功" in done.stderr
    after = os.readlink(server.web / "current")
    assert after != before and after.endswith(server.tip()[:12])
    assert html_containing(server.web / "current", marker)
    assert not html_containing(server.web / "releases" / Path(before).name, marker)  # old release intact
    assert not list((server.web / "releases").glob(".pending-*"))
    line = server.log_lines()[-1].split("\t")
    assert line[1] == "published" and line[2] == server.tip()[:12] and "张三" in line[4]
    # the site's items.json / items.csv are kept compressed only (deploy/nginx.conf sends them)
    data = server.web / "current" / "data"
    assert not (data / "items.json").exists() and not (data / "items.csv").exists()
    records = json.loads(gzip.decompress((data / "items.json.gz").read_bytes()))
    assert [r["status"] for r in records if r["id"] == "5-2" and r["notice"] == "jinpu-2019"] == ["done"]
    rows = gzip.decompress((data / "items.csv.gz").read_bytes()).decode("utf-8-sig").splitlines()
    assert len(rows) > len(records) and rows[0].startswith("通报编号(notice),事项编号(id)")


def test_releases_share_unchanged_files_and_stay_complete(server):
    """The release before the last push and the current one: unchanged files are one inode, changed
    ones are not; each release is a full site of its own; together they take little more than one."""
    names = release_dirs(server.web)
    assert len(names) >= 2
    old, new = server.web / "releases" / names[-2], server.web / "releases" / names[-1]
    changed = new / "jinpu-2019" / "items" / "5-2" / "index.html"
    assert changed.stat().st_ino != (old / changed.relative_to(new)).stat().st_ino
    assert not os.access(changed, os.W_OK) or os.geteuid() == 0  # read-only (root may write anyway)
    assert changed.stat().st_mode & 0o222 == 0
    same = new / "assets" / "disclosure.css"
    assert same.stat().st_ino == (old / "assets" / "disclosure.css").stat().st_ino
    files = {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    assert files == {p.relative_to(old) for p in old.rglob("*") if p.is_file()}  # complete, both
    seen, total = set(), 0
    for release in (old, new):
        for p in release.rglob("*"):
            if p.is_file() and p.stat().st_ino not in seen:
                seen.add(p.stat().st_ino)
                total += p.stat().st_size
    one = sum(p.stat().st_size for p in new.rglob("*") if p.is_file())
    # One item changed: its page, its notice's pages, the portal's lists, feeds, open data and the
    # search index differ (about 20 files); every other file is shared. On this 50-item site the
    # open data and index files are a third of the bytes, so two releases take < 1.4 x one.
    assert len(seen) - len(files) <= 25, (len(seen), len(files))  # what the change touched, not the site's size
    assert total <= 1.4 * one, (total, one)


def test_verify_release_rebuilds_the_current_release_byte_for_byte_and_finds_tampering(server):
    done = disclosure(server.root, "verify-release", str(server.bare), str(server.web), check=False)
    assert done.returncode == 0, done.stderr
    assert "逐字节一致" in done.stdout
    page = server.web / "current" / "contact" / "index.html"
    original = page.read_bytes()
    page.unlink()  # a new inode: tampering with one release must not touch the others
    page.write_bytes(original.replace("联系方式".encode(), "联系方試".encode(), 1))
    try:
        tampered = disclosure(server.root, "verify-release", str(server.bare), str(server.web), check=False)
        assert tampered.returncode == 1 and "内容不同:contact/index.html" in tampered.stderr
        assert "Traceback" not in tampered.stderr
    finally:
        page.unlink()
        page.write_bytes(original)


def test_invalid_yaml_is_refused_with_file_and_line_and_nothing_changes(server):
    before, releases_before = snapshot(server.web), release_dirs(server.web)
    tip_before = server.tip()
    path = server.clone / "data/notices/jinpu-2019/items/1.yml"
    path.write_text(path.read_text("utf-8").replace('deadline: "2019-12"', "deadline: 2019-13"), "utf-8")
    server.commit_all("写错了时限")
    done = server.push()
    assert done.returncode != 0
    assert "推送被拒绝" in done.stderr and "网站没有任何变化" in done.stderr
    assert re.search(r"data/notices/jinpu-2019/items/1\.yml:\d+:\d+: 字段 deadline", done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(server.web) == before
    assert release_dirs(server.web) == releases_before
    assert server.tip() == tip_before
    assert server.log_lines()[-1].split("\t")[1] == "refused"
    server.reset_clone()


def test_build_failure_is_refused_and_nothing_changes(server):
    before, releases_before = snapshot(server.web), release_dirs(server.web)
    (server.clone / "docs" / "notes-page.md").write_text("# 说明\n\n见[另一页](no-such-page.md)。\n", "utf-8")
    server.commit_all("新页面链接写错")
    done = server.push()
    assert done.returncode != 0
    assert "网站生成失败" in done.stderr and "no-such-page.md" in done.stderr, done.stderr
    assert snapshot(server.web) == before
    assert release_dirs(server.web) == releases_before
    assert "build-failed" in server.log_lines()[-1]
    server.reset_clone()


def test_other_branches_build_nothing(server):
    before, log_before = snapshot(server.web), server.log_lines()
    (server.clone / "data/notices/jinpu-2019/items/1.yml").write_text("broken: [", "utf-8")
    server.commit_all("草稿,尚未检查")
    done = server.push(ref="draft")
    assert done.returncode == 0, done.stderr
    assert snapshot(server.web) == before and server.log_lines() == log_before
    server.reset_clone()


def test_deleting_main_is_refused(server):
    done = sh(server.clone, "git", "push", "origin", ":main", check=False)
    assert done.returncode != 0 and "不能删除 main" in done.stderr
    assert server.tip()


def test_concurrent_pushes_end_with_one_complete_release_of_main(server):
    clones = []
    for name, item in (("bob", "3"), ("carol", "4")):
        clone = server.root / name
        sh(server.root, "git", "clone", "-q", str(server.bare), str(clone))
        disclosure(clone, "update", item, "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-21",
                   "--note", f"{name}的进展")
        server.commit_all(f"{name} 更新事项 {item}", clone)
        clones.append(clone)
    pushes = [subprocess.Popen(["git", "push", "origin", "HEAD:refs/heads/main"], cwd=c, env=env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in clones]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in pushes]
    winners = [i for i, (rc, _) in enumerate(results) if rc == 0]
    assert len(winners) == 1, results  # both started from the same commit: exactly one can land
    loser_err = results[1 - winners[0]][1]
    assert "git pull" in loser_err or "failed to update ref" in loser_err or "cannot lock ref" in loser_err, loser_err
    current = server.web / "current"
    assert os.readlink(current).endswith(server.tip()[:12])
    assert (current / "index.html").is_file()
    winner = ("bob", "carol")[winners[0]]
    assert html_containing(current, f"{winner}的进展")
    assert not html_containing(current, f"{('bob', 'carol')[1 - winners[0]]}的进展")


def test_rollback_restores_the_previous_release_and_logs_it(server):
    published = release_dirs(server.web)
    published = [n for n in published if not n.startswith(".")]
    assert len(published) == 3  # --keep 3: older releases were pruned
    current = Path(os.readlink(server.web / "current")).name
    assert current == published[-1]
    done = disclosure(server.root, "rollback", str(server.web))
    assert "已回滚" in done.stdout
    assert Path(os.readlink(server.web / "current")).name == published[-2]
    assert (server.web / "current" / "index.html").is_file()
    assert server.log_lines()[-1].split("\t")[1] == "rolled-back"
    disclosure(server.root, "rollback", str(server.web))
    assert Path(os.readlink(server.web / "current")).name == published[-3]
    refused = disclosure(server.root, "rollback", str(server.web), check=False)
    assert refused.returncode == 1 and "没有更早的版本" in refused.stderr
    assert Path(os.readlink(server.web / "current")).name == published[-3]


def test_push_after_rollback_publishes_main_again(server):
    server.reset_clone()  # bob or carol moved main meanwhile
    disclosure(server.clone, "update", "6", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-22",
               "--note", "回滚后的新进展")
    server.commit_all("回滚后修正")
    done = server.push()
    assert done.returncode == 0, done.stderr
    assert os.readlink(server.web / "current").endswith(server.tip()[:12])
    assert html_containing(server.web / "current", "回滚后的新进展")
    assert len([n for n in release_dirs(server.web) if not n.startswith(".")]) == 3
    # the releases past --keep 3 left releases/ at once; their files are deleted in the background
    deadline = time.monotonic() + 30
    while list((server.web / "releases").glob(f"{PRUNED}*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not list((server.web / "releases").glob(f"{PRUNED}*"))


# ---- administrator mistakes: Chinese message, exit 1, nothing touched -------------------------

def test_server_setup_refuses_a_non_bare_repository(tmp_path):
    sh(tmp_path, "git", "init", "-q", "work")
    done = disclosure(tmp_path, "server-setup", str(tmp_path / "work"), str(tmp_path / "www"), check=False)
    assert done.returncode == 1 and "不是裸仓库" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "www").exists()


def test_server_setup_keeps_an_existing_foreign_hook(tmp_path):
    sh(tmp_path, "git", "init", "-q", "--bare", "b.git")
    foreign = tmp_path / "b.git" / "hooks" / "pre-receive"
    foreign.write_text("#!/bin/sh\necho mine\n")
    done = disclosure(tmp_path, "server-setup", str(tmp_path / "b.git"), str(tmp_path / "www"))
    assert "还没有 main 分支" in done.stdout
    assert (tmp_path / "b.git" / "hooks" / "pre-receive.before-disclosure").read_text() == "#!/bin/sh\necho mine\n"
    assert "disclosure server-setup" in foreign.read_text()


def test_rollback_of_a_folder_that_is_not_a_web_root(tmp_path):
    done = disclosure(tmp_path, "rollback", str(tmp_path), check=False)
    assert done.returncode == 1 and "未回滚" in done.stderr and "Traceback" not in done.stderr


# ---- the hook's git environment, as the site's gitinfo calls see it ------------------------------

GITINFO_BUILD = """
import json, os, sys
from disclosure import gitinfo
os.makedirs(sys.argv[1])
dates = {k: v.isoformat() for k, v in gitinfo.last_commit_dates("data").items()}
open(os.path.join(sys.argv[1], "index.html"), "w").write(json.dumps([gitinfo.build_commit(), dates]))
"""


def test_a_publish_without_a_site_address_is_refused_in_chinese(tmp_path):
    """A production build must know its address (QR codes, feeds, printed sheets): without one the
    push is refused, says how to set it, and nothing is published."""
    bare, web, clone = tmp_path / "s.git", tmp_path / "www", tmp_path / "clone"
    sh(tmp_path, "git", "init", "-q", "--bare", "--initial-branch=main", str(bare))
    sh(tmp_path, "git", "clone", "-q", str(bare), str(clone))
    copy_project(clone)
    sh(clone, "git", "add", "-A")
    sh(clone, "git", "commit", "-q", "-m", "init")
    disclosure(tmp_path, "server-setup", str(bare), str(web), "--admin", UNIX_USER)
    done = sh(clone, "git", "push", "origin", "HEAD:refs/heads/main", check=False)
    assert done.returncode != 0
    assert "正式发布的网站必须配置自己的网址" in done.stderr and "--site-url" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (web / "current").exists() and release_dirs(web) == []


def small_server(tmp_path: Path, script: str, *options: str):
    """A bare repository (data + src only) whose build is `script`; returns (clone, web root)."""
    (tmp_path / "build.py").write_text(script, "utf-8")
    bare, web, clone = tmp_path / "s.git", tmp_path / "www", tmp_path / "clone"
    sh(tmp_path, "git", "init", "-q", "--bare", "--initial-branch=main", str(bare))
    sh(tmp_path, "git", "clone", "-q", str(bare), str(clone))
    shutil.copytree(REPO / "data", clone / "data")
    shutil.copytree(REPO / "src", clone / "src", ignore=shutil.ignore_patterns("__pycache__"))
    sh(clone, "git", "add", "-A")
    sh(clone, "git", "commit", "-q", "-m", "init")
    disclosure(tmp_path, "server-setup", str(bare), str(web), "--admin", UNIX_USER, *options,
               "--build-command", f"{{python}} {tmp_path / 'build.py'} {{out}}")
    return clone, web


def test_gitinfo_inside_the_hook_sees_the_pushed_commit_and_the_servers_dates(tmp_path):
    """pre-receive builds a commit main does not point at yet; gitinfo must report that commit."""
    import json
    clone, web = small_server(tmp_path, GITINFO_BUILD)
    assert sh(clone, "git", "push", "-q", "origin", "HEAD:main").returncode == 0
    disclosure(clone, "update", "3", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-21", "--note", "完成")
    sh(clone, "git", "add", "-A")
    dated = {**env(), "GIT_COMMITTER_DATE": "2025-03-04T10:00:00+08:00"}
    subprocess.run(["git", "commit", "-q", "-m", "事项 3"], cwd=clone, env=dated, check=True)
    assert sh(clone, "git", "push", "-q", "origin", "HEAD:main").returncode == 0
    commit, dates = json.loads((web / "current" / "index.html").read_text("utf-8"))
    head = sh(clone, "git", "rev-parse", "HEAD").stdout.strip()
    assert commit and head.startswith(commit)
    # the server's publish day (the build's as-of date), never the date the pusher gave the commit
    assert dates["data/notices/jinpu-2019/items/3.yml"] == AS_OF
    assert "2025-03-04" not in dates.values()
    assert len(dates) == len(list((clone / "data").rglob("*.*")))


def test_a_disk_full_publish_log_means_no_switch_and_no_traceback(server):
    server.reset_clone()
    before = snapshot(server.web)
    log = server.web / "publish.log"
    kept = log.read_bytes()
    log.unlink()
    log.symlink_to("/dev/full")  # every write fails with ENOSPC, as on a full disk
    try:
        disclosure(server.clone, "update", "9", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-23",
                   "--note", "磁盘已满时的进展")
        server.commit_all("磁盘已满")
        done = server.push()
        assert "网站没有更新" in done.stderr and "磁盘可能已满" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        assert snapshot(server.web) == before  # not switched: there is no public change without its log line
        assert not [p for p in release_dirs(server.web) if "磁盘" in p]
    finally:
        log.unlink()
        log.write_bytes(kept)


# ---- faults: a build that hangs, forks, or eats memory leaves nothing behind ---------------------

HANGING_BUILD = """
import os, sys, time
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
if os.fork() == 0:          # like the search-index child: keeps writing into the release
    while True:
        open(os.path.join(out, "late.html"), "w").write("late")
        time.sleep(0.2)
time.sleep(600)
"""
GREEDY_BUILD = """
import sys
block = bytearray(3 * 1024 ** 3)
"""


def test_a_timed_out_build_is_killed_with_everything_it_forked(tmp_path):
    from helpers import processes_inside
    clone, web = small_server(tmp_path, HANGING_BUILD, "--build-timeout", "3")
    done = sh(clone, "git", "push", "origin", "HEAD:main", check=False)
    assert done.returncode != 0 and "网站生成超过 3 秒仍未完成" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    time.sleep(10)
    assert processes_inside(web) == []
    assert not (web / "current").exists()
    assert [p.name for p in (web / "releases").iterdir()] == []  # the forked writer did not recreate it
    assert list((web / ".work").iterdir()) == []
    assert (web / "publish.log").read_text("utf-8").split("\t")[1] == "refused"


def test_a_build_past_its_memory_bound_is_refused_with_a_clear_message(tmp_path):
    clone, web = small_server(tmp_path, GREEDY_BUILD, "--max-memory-mb", "1024")
    done = sh(clone, "git", "push", "origin", "HEAD:main", check=False)
    assert done.returncode != 0 and "内存超过上限(1024 MB)" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert not (web / "current").exists() and list((web / "releases").iterdir()) == []


def test_the_publish_sets_the_settings_the_site_reads(tmp_path):
    """The publish names the build's environment without importing the site (both through
    environment.py): the build's environment sets the very names the site's settings read."""
    from disclosure.site import settings
    git_dir = Path(sh(REPO, "git", "rev-parse", "--absolute-git-dir").stdout.strip())
    server = PublishServer(web_root=tmp_path, git_dir=git_dir, site_url=SITE_URL, gzip_static=True)
    build_env = Builds(server).build_env(tmp_path, "HEAD", incremental=True)
    for name in ("AS_OF", "PRODUCTION", "SITE_URL", "BUILD_CACHE", "GZIP_STATIC"):
        assert getattr(environment, name) == getattr(settings, f"{name}_ENV"), name
        assert getattr(settings, f"{name}_ENV") in build_env, name
