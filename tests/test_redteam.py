"""The red team's findings (issue 26), each replayed end to end as an attacker with a staff key would:
a real OpenSSH server on 127.0.0.1, a real bare repository set up by `disclosure server-setup
--identity ssh`, three accounts (admin; jinpu owns jinpu-2019; shixian owns shixian-*).

Each test fails on the code before the fix. They share one server and run in file order; each
leaves the clones in sync with it.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from test_publish import disclosure, env, html_containing, sh, snapshot
from test_trust import OWNERS, SSHD, SSHServer

pytestmark = pytest.mark.skipif(not os.path.exists(SSHD) and not os.environ.get("CI"),
                                reason="openssh-server not installed (.ci/run installs it)")

JINPU_ITEM = "data/notices/jinpu-2019/items/2.yml"
SHIXIAN = "data/notices/shixian-xuncha-2024"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = SSHServer(tmp_path_factory.mktemp("redteam"))
    sh(s.root, "git", "init", "-q", "--bare", "--initial-branch=main", str(s.bare))
    disclosure(s.root, "server-setup", str(s.bare), str(s.web), "--identity", "ssh", "--admin", "admin",
               "--keep", "3", "--site-url", "http://127.0.0.1:8080/")
    for name in ("admin", "jinpu", "shixian"):
        disclosure(s.root, "staff", "add", name, f"{s.key(name)}.pub", "--repo", str(s.bare),
                   "--authorized-keys", str(s.keys))
    s.start()
    try:
        s.publish_project(owners=OWNERS)
        yield s
    finally:
        s.stop()


def bare_git(server, *args: str, **extra) -> str:
    return sh(server.bare, "git", *args, **extra).stdout.strip()


def clone_git(server, name: str, *args: str) -> str:
    return sh(server.clones[name], "git", *args).stdout.strip()


def into_bare(server, name: str, commit: str) -> None:
    """Put a commit's objects into the server repository without any hook (as a replace ref
    pushed before this check existed had put them there)."""
    clone_git(server, name, "branch", "-f", "smuggled", commit)
    bare_git(server, "fetch", "-q", str(server.clones[name]), "refs/heads/smuggled:refs/smuggled")
    bare_git(server, "update-ref", "-d", "refs/smuggled")
    clone_git(server, name, "branch", "-D", "smuggled")


def payload_commit(server, name: str, marker: Path) -> tuple[str, str]:
    """(M, R): main's tip, and a commit whose tree is M's plus code writing `marker`, parent M^."""
    clone = server.clones[name]
    tip = clone_git(server, name, "rev-parse", "HEAD")
    hook = clone / "hooks" / "disclosure_site.py"
    kept = hook.read_text("utf-8")
    hook.write_text(f"open({str(marker)!r}, 'w').write('ran')\n" + kept, "utf-8")
    clone_git(server, name, "add", "-A")
    tree = clone_git(server, name, "write-tree")
    parent = sh(clone, "git", "rev-parse", "--verify", "--quiet", f"{tip}^", check=False).stdout.split()
    payload = clone_git(server, name, "commit-tree", tree, *[a for p in parent for a in ("-p", p)], "-m", "看起来是原来的提交")
    hook.write_text(kept, "utf-8")
    clone_git(server, name, "add", "-A")
    return tip, payload


def publish_progress(server, name: str, item: str, note: str, notice: str = "jinpu-2019", day: str = "2024-06-20"):
    server.sync(name)
    disclosure(server.clones[name], "update", item, "--notice", notice, "--status", "done", "--date", day, "--note", note)
    server.commit(name, f"事项 {item}")
    return server.push(name)


def test_a_replace_ref_cannot_be_pushed_by_anyone_nor_other_refs_by_staff(server):
    before, tip = snapshot(server.web), server.tip()
    marker = server.root / "RAN-replace-push"
    for who in ("jinpu", "admin"):
        server.sync(who)
        _, payload = payload_commit(server, who, marker)
        done = server.git(who, "push", "origin", f"{payload}:refs/replace/{tip}", check=False)
        assert done.returncode != 0 and "不能推送替换引用" in done.stderr, done.stderr
    for ref in ("refs/heads/draft", "refs/tags/v1", "refs/notes/commits"):
        done = server.git("jinpu", "push", "origin", f"HEAD:{ref}", check=False)
        assert done.returncode != 0 and "工作人员账号只能推送 main 分支" in done.stderr, (ref, done.stderr)
    assert bare_git(server, "for-each-ref", "--format=%(refname)") == "refs/heads/main"
    admin = server.git("admin", "push", "origin", "HEAD:refs/heads/draft", check=False)
    assert admin.returncode == 0, admin.stderr  # an admin's other branches are stored, build nothing
    bare_git(server, "update-ref", "-d", "refs/heads/draft")
    assert snapshot(server.web) == before and server.tip() == tip and not marker.exists()
    log = server.log()
    assert [line[1] for line in log[-5:]] == ["refused"] * 5 and "refs/replace/" in log[-5][-1]


def test_a_replace_ref_already_in_the_repository_never_runs_its_code_nor_reaches_main(server):
    """The red team's critical finding: R replaces main's tip M; a staff push N (R's tree plus a
    data edit, parent M) passed every check read through the replacement, and the build ran R's code
    as the server's user. Now every git command reads the objects really there."""
    marker = server.root / "RAN-replace-ref"
    server.sync("jinpu")
    tip, payload = payload_commit(server, "jinpu", marker)
    into_bare(server, "jinpu", payload)
    bare_git(server, "update-ref", f"refs/replace/{tip}", payload)  # bypassing the hook: the old state
    clone = server.clones["jinpu"]
    sh(clone, "git", "reset", "-q", "--hard", payload)  # R's tree, with the payload ...
    disclosure(clone, "update", "3", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-20",
               "--note", "夹带替换引用的进展")
    sh(clone, "git", "add", "-A")
    evil = clone_git(server, "jinpu", "commit-tree", clone_git(server, "jinpu", "write-tree"), "-p", tip, "-m", "进展")
    done = server.git("jinpu", "push", "origin", f"{evil}:refs/heads/main", check=False)
    assert done.returncode != 0 and "hooks/disclosure_site.py: 这是网站程序或配置文件" in done.stderr, done.stderr
    time.sleep(0.5)
    assert not marker.exists(), "the staff account's code ran on the server"
    assert server.tip() == tip
    # Another account's valid push is not refused as "changing hooks/" (the denial of service) ...
    done = publish_progress(server, "shixian", "1", "替换引用存在时的进展", notice="shixian-xuncha-2024")
    assert done.returncode == 0, done.stderr
    # ... and an admin's publish builds the real objects: no payload, and main never carries it.
    about = server.clones["admin"] / "docs" / "about.md"
    server.sync("admin")
    about.write_text(about.read_text("utf-8") + "\n管理员在替换引用存在时发布。\n", "utf-8")
    server.commit("admin", "关于本站")
    assert server.push("admin").returncode == 0
    assert not marker.exists()
    real_main = sh(server.bare, "git", "--no-replace-objects", "ls-tree", "-r", "main", "hooks/").stdout
    assert bare_git(server, "rev-parse", f"{payload}:hooks/disclosure_site.py") not in real_main
    verified = disclosure(server.root, "verify-release", str(server.bare), str(server.web), check=False)
    assert verified.returncode == 0 and "逐字节一致" in verified.stdout, verified.stderr
    assert not marker.exists()
    # server-setup, run again on this repository, removes the replace ref and says so
    setup = disclosure(server.root, "server-setup", str(server.bare), str(server.web), "--identity", "ssh",
                       "--admin", "admin", "--keep", "3", "--site-url", "http://127.0.0.1:8080/")
    assert f"已删除替换引用 refs/replace/{tip}" in setup.stdout, setup.stdout
    assert bare_git(server, "for-each-ref", "refs/replace/") == ""
    assert bare_git(server, "config", "core.useReplaceRefs") == "false"
    assert not marker.exists()
    for name in ("jinpu", "shixian", "admin"):
        server.sync(name)


def test_a_replace_ref_on_another_departments_file_changes_nothing_published(server):
    page = server.web / "current" / "jinpu-2019" / "items" / "2" / "index.html"
    real = (server.clones["jinpu"] / JINPU_ITEM).read_text("utf-8")
    tampered = re.sub(r"(?m)^heading: .*$", "heading: 篡改后的标题", real, count=1)
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=server.bare, input=tampered.encode(),
                          capture_output=True, check=True).stdout.decode().strip()
    real_blob = bare_git(server, "rev-parse", f"main:{JINPU_ITEM}")
    bare_git(server, "update-ref", f"refs/replace/{real_blob}", blob)
    try:
        assert publish_progress(server, "jinpu", "4", "金普自己的进展").returncode == 0
        assert "篡改后的标题" not in page.read_text("utf-8")
    finally:
        bare_git(server, "update-ref", "-d", f"refs/replace/{real_blob}")
    server.sync("admin")
    about = server.clones["admin"] / "docs" / "about.md"
    about.write_text(about.read_text("utf-8") + "\n替换引用删除后的发布。\n", "utf-8")
    server.commit("admin", "关于本站")
    assert server.push("admin").returncode == 0
    assert "篡改后的标题" not in page.read_text("utf-8") and not html_containing(server.web / "current", "篡改后的标题")
    assert not any("篡改后的标题" in p.read_text("utf-8", "replace")
                   for p in (server.web / ".cache").rglob("*.yml"))
    for name in ("jinpu", "shixian"):
        server.sync(name)


def _follow_up(clone: Path, new_id: str, target: str, item_target: str) -> None:
    """A new notice of shixian's, copied from its own, that follows `target` and whose item 1
    continues `target`/`item_target`."""
    import shutil
    folder = clone / "data" / "notices" / new_id
    shutil.copytree(clone / SHIXIAN, folder)
    notice = folder / "notice.yml"
    text = notice.read_text("utf-8").replace('id: "shixian-xuncha-2024"', f'id: "{new_id}"')
    text = text.replace('issued: "2024-07-18"', 'issued: "2024-09-18"').replace('published: "2024-07-20"', 'published: "2024-09-20"')
    notice.write_text(text + f"follows: {target}\n", "utf-8")
    item = folder / "items" / "1.yml"
    item.write_text(item.read_text("utf-8") + f"continues: {target}/{item_target}\n", "utf-8")


def test_a_follow_up_may_continue_only_the_pushers_own_notices(server):
    before, tip = snapshot(server.web), server.tip()
    home = (server.web / "current" / "index.html").read_text("utf-8")
    server.sync("shixian")
    clone = server.clones["shixian"]
    _follow_up(clone, "shixian-genjin-2024", "jinpu-2019", "1")
    server.commit("shixian", "接续金普的通报")
    done = server.push("shixian")
    assert done.returncode != 0, done.stderr
    assert "data/notices/shixian-genjin-2024/notice.yml" in done.stderr and "follows" in done.stderr
    assert "data/notices/shixian-genjin-2024/items/1.yml" in done.stderr and "continues" in done.stderr
    assert "指向通报 jinpu-2019,它由 jinpu 负责" in done.stderr, done.stderr
    assert snapshot(server.web) == before and server.tip() == tip
    assert (server.web / "current" / "index.html").read_text("utf-8") == home
    server.sync("shixian")
    _follow_up(clone, "shixian-xuncha-2024-jz", "shixian-xuncha-2024", "1")
    server.commit("shixian", "接续自己的通报")
    done = server.push("shixian")
    assert done.returncode == 0, done.stderr
    assert (server.web / "current" / "shixian-xuncha-2024-jz" / "index.html").is_file()
    for name in ("jinpu", "admin"):
        server.sync(name)


def test_records_only_admins_may_write_and_dates_after_the_publish_day_are_refused(server):
    before, tip = snapshot(server.web), server.tip()
    item = server.clones["jinpu"] / "data/notices/jinpu-2019/items/6.yml"
    server.sync("jinpu")
    with open(item, "a", encoding="utf-8") as f:
        f.write('corrections:\n  - date: "2024-06-23"\n    reason: 工作人员自称更正。\n')
    server.commit("jinpu", "工作人员写更正")
    done = server.push("jinpu")
    assert done.returncode != 0 and "更正原文只能由管理员操作" in done.stderr, done.stderr
    for who in ("jinpu", "admin"):  # `disclosure update` refuses it: written into the YAML by hand
        server.sync(who)
        item = server.clones[who] / "data/notices/jinpu-2019/items/7-2.yml"
        disclosure(server.clones[who], "update", "7-2", "--notice", "jinpu-2019", "--status", "done",
                   "--date", "2024-06-29", "--note", "写成未来日期的进展")
        item.write_text(item.read_text("utf-8").replace('"2024-06-29"', '"2099-12-31"'), "utf-8")
        server.commit(who, "未来日期")
        done = server.push(who)
        assert done.returncode != 0 and "日期 2099-12-31 晚于发布当天" in done.stderr, done.stderr
        assert "data/notices/jinpu-2019/items/7-2.yml" in done.stderr
    assert snapshot(server.web) == before and server.tip() == tip
    for name in ("jinpu", "admin"):
        server.sync(name)


def test_an_oversized_yaml_file_is_refused_before_it_is_parsed(server):
    before = snapshot(server.web)
    server.sync("jinpu")
    item = server.clones["jinpu"] / "data/notices/jinpu-2019/items/8.yml"
    item.write_text(item.read_text("utf-8") + "# " + "很长" * 1_200_000 + "\n", "utf-8")
    server.commit("jinpu", "巨大的文件")
    done = server.push("jinpu")
    assert done.returncode != 0 and "文件太大" in done.stderr and "data/notices/jinpu-2019/items/8.yml" in done.stderr
    assert "正在检查并生成网站" not in done.stderr  # refused before anything was parsed or built
    assert snapshot(server.web) == before
    server.sync("jinpu")


def test_a_hand_edited_cache_is_verified_and_never_published(server):
    assert publish_progress(server, "jinpu", "15", "缓存被改之前的进展").returncode == 0  # the cache is this release's
    cache = server.web / ".cache"
    kept = cache / "source" / JINPU_ITEM
    assert kept.is_file()
    kept.chmod(0o644)
    kept.write_text(re.sub(r"(?m)^heading: .*$", "heading: 缓存里改过的标题", kept.read_text("utf-8"), count=1), "utf-8")
    packs = list((cache / "checked").rglob("jinpu-2019.json"))
    assert packs
    text = packs[0].read_text("utf-8")
    assert '"heading": "' in text
    packs[0].write_text(text.replace("\"heading\": \"", "\"heading\": \"缓存记录改过的"), "utf-8")
    assert publish_progress(server, "jinpu", "9", "缓存被改后的进展").returncode == 0
    assert not html_containing(server.web / "current", "缓存里改过的标题")
    assert not html_containing(server.web / "current", "缓存记录改过的")
    results = [line[1] for line in server.log()[-3:]]
    assert results == ["cache-mismatch", "cache-mismatch", "published"], server.log()[-3:]
    assert ".cache/source" in server.log()[-3][-1] and ".cache/checked" in server.log()[-2][-1]
    assert html_containing(server.web / "current", "缓存被改后的进展")
    for name in ("shixian", "admin"):
        server.sync(name)


def test_data_updated_dates_are_the_servers_publish_day_not_the_commits(server):
    server.sync("jinpu")
    clone = server.clones["jinpu"]
    disclosure(clone, "update", "10", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-20",
               "--note", "提交日期被改成过去")
    sh(clone, "git", "add", "-A")
    subprocess.run(["git", "commit", "-q", "-m", "旧日期"], cwd=clone, check=True,
                   env={**env(), "GIT_COMMITTER_DATE": "2001-01-01T00:00:00+08:00",
                        "GIT_AUTHOR_DATE": "2001-01-01T00:00:00+08:00"})
    assert server.push("jinpu").returncode == 0
    page = (server.web / "current" / "jinpu-2019" / "items" / "10" / "index.html").read_text("utf-8")
    changed = re.search(r'data-data-changed="(\d{4}-\d{2}-\d{2})"', page)
    as_of = re.search(r'data-as-of="(\d{4}-\d{2}-\d{2})"', page)
    assert changed and as_of and changed[1] == as_of[1] != "2001-01-01"  # the publish day (as-of: pinned)
    server.sync("shixian")
    server.sync("admin")


def test_tabs_and_newlines_in_an_author_name_stay_inside_one_log_field(server):
    server.sync("jinpu")
    clone = server.clones["jinpu"]
    disclosure(clone, "update", "11", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-20",
               "--note", "作者名带制表符")
    sh(clone, "git", "add", "-A")
    subprocess.run(["git", "commit", "-q", "-m", "制表符"], cwd=clone, check=True,
                   env={**env(), "GIT_AUTHOR_NAME": "张\t三\tpublished\tfake"})
    assert server.push("jinpu").returncode == 0
    assert all(len(line) == 6 for line in server.log()), server.log()[-1]
    assert "张\\t三" in server.log()[-1][4]
    server.sync("shixian")
    server.sync("admin")


def test_a_client_that_hangs_up_after_the_check_leaves_main_and_the_site_in_step(server):
    """git runs no post-receive when the client has gone: the push's own finisher publishes (or
    discards) its build at once, instead of an hour later or at the next push."""
    server.sync("jinpu")
    disclosure(server.clones["jinpu"], "update", "12", "--notice", "jinpu-2019", "--status", "done",
               "--date", "2024-06-26", "--note", "挂断后的进展")
    server.commit("jinpu", "事项 12")
    push = subprocess.Popen(["git", "push", "--progress", "origin", "HEAD:refs/heads/main"], cwd=server.clones["jinpu"],
                            env=server.ssh_env("jinpu"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = b""
    while b"\xe6\xa3\x80\xe6\x9f\xa5\xe9\x80\x9a\xe8\xbf\x87" not in seen:  # "检查通过"
        chunk = push.stderr.read1(4096)
        assert chunk, seen.decode("utf-8", "replace")
        seen += chunk
    push.kill()  # the client hangs up
    push.wait(timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        current = os.readlink(server.web / "current")
        leftovers = [p.name for p in (server.web / "releases").iterdir() if p.name.startswith((".pending", ".pusher"))]
        if current.endswith(server.tip()[:12]) and not leftovers:
            break
        time.sleep(0.2)
    assert current.endswith(server.tip()[:12]), (current, server.tip())
    assert not leftovers, leftovers
    server.sync("jinpu")
    server.sync("shixian")
    server.sync("admin")
