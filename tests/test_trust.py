"""Publishing you can trust, end to end: a real OpenSSH server on 127.0.0.1, a real bare repository
set up by `disclosure server-setup --identity ssh`, staff keys registered with `disclosure staff add`
(forced commands in authorized_keys), and pushes with `git push` over SSH as three accounts:

    admin    named at server-setup --admin: may push code
    jinpu    owns jinpu-2019 (data/owners.yml)
    shixian  owns shixian-* (data/owners.yml)

The tests share one server and run in file order; each leaves the clones in sync with it.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import processes_inside
from test_publish import (REPO, copy_project, disclosure, env, html_containing, release_dirs, sh, snapshot)

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
# In CI (.ci/run installs openssh-server) a missing sshd is a failure, never a silent skip.
pytestmark = pytest.mark.skipif(not os.path.exists(SSHD) and not os.environ.get("CI"),
                                reason="openssh-server not installed (.ci/run installs it)")

UNIX_USER = __import__("pwd").getpwuid(os.getuid()).pw_name
ITEM = "data/notices/jinpu-2019/items/5-2.yml"
OWNERS = "admins: [admin]\naccounts:\n  jinpu: [jinpu-2019]\n  shixian: [shixian-*]\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_sshd(config: Path, port: int) -> subprocess.Popen:
    """A real sshd on 127.0.0.1:port with `config`, in the foreground, once it accepts connections."""
    if os.getuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return sshd
        time.sleep(0.05)
    raise AssertionError(f"sshd did not start: {sshd.stderr.read1().decode()}")


class SSHServer:
    def __init__(self, root: Path):
        self.root = root
        self.bare = root / "site.git"
        self.web = root / "www"
        self.keys = root / "authorized_keys"
        self.port = free_port()
        self.clones: dict[str, Path] = {}

    def start(self):
        host_key = self.root / "host_key"
        sh(self.root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key))
        config = self.root / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {host_key}", f"PidFile {self.root}/sshd.pid",
            f"AuthorizedKeysFile {self.keys}", "StrictModes no", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "UsePAM no", "PermitRootLogin prohibit-password",
            # No AcceptEnv: sshd passes the client none of its variables (Debian's default passes LANG, LC_*).
            "SetEnv DISCLOSURE_AS_OF=2024-07-01 LANG=C.UTF-8", "LogLevel ERROR", ""]))
        self.sshd = run_sshd(config, self.port)

    def stop(self):
        self.sshd.terminate()
        self.sshd.wait(timeout=10)

    def key(self, name: str) -> Path:
        path = self.root / f"key-{name}"
        if not path.exists():
            sh(self.root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@laptop", "-f", str(path))
        return path

    def ssh_env(self, name: str, **extra) -> dict:
        out = env()
        out["GIT_SSH_COMMAND"] = (f"ssh -i {self.key(name)} -p {self.port} -o IdentitiesOnly=yes -o BatchMode=yes "
                                  "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR")
        out.update(extra)
        return out

    @property
    def url(self) -> str:
        return f"ssh://{UNIX_USER}@127.0.0.1:{self.port}{self.bare}"

    def git(self, name: str, *args: str, check: bool = True, **extra) -> subprocess.CompletedProcess:
        done = subprocess.run(["git", *args], cwd=self.clones.get(name, self.root), env=self.ssh_env(name, **extra),
                              capture_output=True, text=True, timeout=600)
        if check and done.returncode != 0:
            raise AssertionError(f"git {args} as {name} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def clone(self, name: str) -> Path:
        path = self.root / f"clone-{name}"
        self.git(name, "clone", "-q", self.url, str(path))
        self.clones[name] = path
        return path

    def commit(self, name: str, message: str) -> None:
        sh(self.clones[name], "git", "add", "-A")
        sh(self.clones[name], "git", "commit", "-q", "-m", message)

    def push(self, name: str, *flags: str, **extra) -> subprocess.CompletedProcess:
        return self.git(name, "push", *flags, "origin", "HEAD:refs/heads/main", check=False, **extra)

    def sync(self, name: str) -> None:
        self.git(name, "fetch", "-q", "origin")
        sh(self.clones[name], "git", "reset", "-q", "--hard", "origin/main")
        sh(self.clones[name], "git", "clean", "-qfdx")

    def publish_project(self, owners: str | None = None) -> subprocess.CompletedProcess:
        """The admin's first push (the project, with owners.yml if given); then the staff clone it."""
        admin = self.root / "clone-admin"
        sh(self.root, "git", "init", "-q", "--initial-branch=main", str(admin))
        sh(admin, "git", "remote", "add", "origin", self.url)
        self.clones["admin"] = admin
        copy_project(admin)
        if owners is not None:
            (admin / "data" / "owners.yml").write_text(owners, "utf-8")
        self.commit("admin", "项目初始内容")
        first = self.push("admin")
        assert first.returncode == 0, first.stderr
        for name in ("jinpu", "shixian"):
            self.clone(name)
        return first

    def tip(self) -> str:
        return sh(self.bare, "git", "rev-parse", "refs/heads/main").stdout.strip()

    def log(self) -> list[list[str]]:
        return [line.split("\t") for line in (self.web / "publish.log").read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = SSHServer(tmp_path_factory.mktemp("trust"))
    sh(s.root, "git", "init", "-q", "--bare", "--initial-branch=main", str(s.bare))
    setup = disclosure(s.root, "server-setup", str(s.bare), str(s.web), "--identity", "ssh", "--admin", "admin",
                       "--keep", "3", "--site-url", "http://127.0.0.1:8080/")
    assert "管理员:admin" in setup.stdout, setup.stdout
    for name in ("admin", "jinpu", "shixian"):
        added = disclosure(s.root, "staff", "add", name, f"{s.key(name)}.pub", "--repo", str(s.bare),
                           "--authorized-keys", str(s.keys))
        assert f"已登记账号 {name}" in added.stdout
    assert disclosure(s.root, "staff", "list", "--authorized-keys", str(s.keys)).stdout.split() == \
        ["admin", "jinpu", "shixian"]
    s.start()
    try:
        assert "发布成功" in s.publish_project().stderr
        yield s
    finally:
        s.stop()


def test_staff_key_cannot_open_a_shell_or_reach_another_repository(server):
    ssh = server.ssh_env("jinpu")["GIT_SSH_COMMAND"].split()
    shell = subprocess.run([*ssh, f"{UNIX_USER}@127.0.0.1", "id"], capture_output=True, text=True, timeout=60)
    assert shell.returncode != 0 and "只能用于 git push" in shell.stderr
    other = server.root / "other.git"
    sh(server.root, "git", "init", "-q", "--bare", str(other))
    done = server.git("jinpu", "ls-remote", f"ssh://{UNIX_USER}@127.0.0.1:{server.port}{other}", check=False)
    assert done.returncode != 0 and "只能访问网站数据仓库" in done.stderr


def test_without_owners_file_only_the_setup_admin_may_push(server):
    before = snapshot(server.web)
    disclosure(server.clones["jinpu"], "update", "5-2", "--status", "done", "--date", "2024-06-20", "--note", "无权限时")
    server.commit("jinpu", "事项 5-2")
    done = server.push("jinpu")
    assert done.returncode != 0 and "账号 “jinpu” 没有发布权限" in done.stderr, done.stderr
    assert snapshot(server.web) == before
    server.sync("jinpu")
    (server.clones["admin"] / "data" / "owners.yml").write_text(OWNERS, "utf-8")
    server.commit("admin", "发布权限")
    assert server.push("admin").returncode == 0
    server.sync("jinpu")
    server.sync("shixian")


def test_owner_publishes_and_the_log_names_the_authenticated_account(server):
    marker = "金普新区已出台管理办法-经SSH推送"
    disclosure(server.clones["jinpu"], "update", "5-2", "--status", "done", "--date", "2024-06-20", "--note", marker)
    server.commit("jinpu", "事项 5-2:已完成")
    # The client claims to be someone else every way a forge or shell would say so: nothing changes.
    done = server.push("jinpu", GL_USER="admin", GL_USERNAME="纪委监委-王主任", GITEA_PUSHER_NAME="admin",
                       USER="admin", LOGNAME="admin", DISCLOSURE_ACCOUNT="admin")
    assert done.returncode == 0, done.stderr
    assert html_containing(server.web / "current", marker)
    # set up without --gzip-static: the site's open data is published as plain files
    assert (server.web / "current" / "data" / "items.json").is_file()
    assert not (server.web / "current" / "data" / "items.json.gz").exists()
    line = server.log()[-1]
    assert line[1:4] == ["published", server.tip()[:12], "jinpu"]
    assert line[4] == "张三 <zhang@example.org>"  # the commit's author, which differs from the account
    assert "王主任" not in (server.web / "publish.log").read_text("utf-8")
    server.sync("shixian")
    server.sync("admin")


def test_another_departments_push_to_that_notice_is_refused_naming_file_and_owner(server):
    before, tip = snapshot(server.web), server.tip()
    clone = server.clones["shixian"]
    path = clone / "data/notices/jinpu-2019/items/1.yml"
    path.write_text(path.read_text("utf-8").replace("heading:", "heading: 篡改", 1), "utf-8")
    (clone / "data/notices/jinpu-2019/items/2.yml").unlink()
    server.commit("shixian", "改别人的通报")
    done = server.push("shixian")
    assert done.returncode != 0
    assert "data/notices/jinpu-2019/items/1.yml" in done.stderr and "data/notices/jinpu-2019/items/2.yml" in done.stderr
    assert "通报 jinpu-2019 由 jinpu 负责" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(server.web) == before and server.tip() == tip
    assert server.log()[-1][1] == "refused" and server.log()[-1][3] == "shixian"
    server.sync("shixian")


PAYLOAD = "open({marker!r}, 'w').write('ran')\n"
CODE_PUSHES = {
    "hooks/disclosure_site.py": lambda clone, marker: _prepend(clone / "hooks/disclosure_site.py", PAYLOAD.format(marker=marker)),
    "mkdocs.yml": lambda clone, marker: (
        (clone / "mkdocs.yml").write_text((clone / "mkdocs.yml").read_text("utf-8").replace(
            "hooks:\n", "hooks:\n  - data/evil_hook.py\n"), "utf-8"),
        (clone / "data/evil_hook.py").write_text(PAYLOAD.format(marker=marker), "utf-8")),
    "src/disclosure/cli.py": lambda clone, marker: _prepend(clone / "src/disclosure/cli.py", PAYLOAD.format(marker=marker)),
    "src/sitecustomize.py": lambda clone, marker: (clone / "src/sitecustomize.py").write_text(
        PAYLOAD.format(marker=marker), "utf-8"),
}


def _prepend(path: Path, code: str) -> None:
    text = path.read_text("utf-8")
    head, sep, rest = text.partition("from __future__ import annotations\n")
    path.write_text(head + sep + code + rest if sep else code + text, "utf-8")


@pytest.mark.parametrize("code_path", sorted(CODE_PUSHES))
def test_staff_push_of_code_is_refused_naming_the_path_and_its_code_never_runs(server, code_path):
    before, releases_before, tip = snapshot(server.web), release_dirs(server.web), server.tip()
    clone = server.clones["jinpu"]
    marker = server.root / f"RAN-{code_path.replace('/', '_')}"
    CODE_PUSHES[code_path](clone, str(marker))
    disclosure(clone, "update", "6", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-21",
               "--note", "夹带程序修改的进展")  # a valid data change too: the push would otherwise build
    server.commit("jinpu", "进展(夹带程序修改)")
    done = server.push("jinpu")
    assert done.returncode != 0
    assert f"{code_path}: 这是网站程序或配置文件" in done.stderr, done.stderr
    assert "网站没有任何变化" in done.stderr and "Traceback" not in done.stderr
    time.sleep(0.5)
    assert not marker.exists(), "the pushed code ran on the server"
    assert snapshot(server.web) == before and release_dirs(server.web) == releases_before
    assert server.tip() == tip
    assert not any(p.name.startswith(".building") for p in (server.web / "releases").iterdir())
    assert "pre-receive" in (server.bare / "hooks" / "pre-receive").read_text() and \
        "RAN-" not in (server.bare / "hooks" / "pre-receive").read_text()
    server.sync("jinpu")


def test_admin_may_push_code_and_that_code_is_what_is_built(server):
    clone = server.clones["admin"]
    server.sync("admin")
    about = clone / "docs" / "about.md"
    about.write_text(about.read_text("utf-8") + "\n\n管理员审核过的新说明。\n", "utf-8")
    server.commit("admin", "关于本站:补充说明")
    done = server.push("admin")
    assert done.returncode == 0, done.stderr
    assert html_containing(server.web / "current", "管理员审核过的新说明")
    assert server.log()[-1][1:4] == ["published", server.tip()[:12], "admin"]
    server.sync("jinpu")
    # A staff push now builds with that reviewed code: the page keeps the admin's text.
    disclosure(server.clones["jinpu"], "update", "7-1", "--notice", "jinpu-2019", "--status", "done",
               "--date", "2024-06-22", "--note", "管理员改版后的进展")
    server.commit("jinpu", "事项 7")
    assert server.push("jinpu").returncode == 0
    assert html_containing(server.web / "current", "管理员审核过的新说明")
    assert html_containing(server.web / "current", "管理员改版后的进展")
    server.sync("admin")
    server.sync("shixian")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.mark.parametrize("who", ["jinpu", "admin"])
def test_editing_or_deleting_a_published_record_is_refused(server, who):
    clone = server.clones[who]
    server.sync(who)
    before, tip = snapshot(server.web), server.tip()
    _edit(clone / ITEM, "金普新区已出台管理办法-经SSH推送", "悄悄改过的进展")
    server.commit(who, "改写已公开的进展")
    done = server.push(who)
    assert done.returncode != 0 and "已公开的第 1 条进展记录被修改了" in done.stderr, done.stderr
    assert f"{ITEM}:" in done.stderr
    server.sync(who)
    text = (clone / ITEM).read_text("utf-8")
    (clone / ITEM).write_text(text[:text.index("updates:")] + "updates: []\n", "utf-8")
    server.commit(who, "删除已公开的进展")
    done = server.push(who)
    assert done.returncode != 0 and "已公开的第 1 条进展记录被删除了" in done.stderr, done.stderr
    server.sync(who)
    (clone / "data/notices/jinpu-2019/items/3.yml").unlink()
    server.commit(who, "删除事项")
    done = server.push(who)
    assert done.returncode != 0 and "已公开的文件不能删除" in done.stderr and "withdrawn" in done.stderr
    server.sync(who)
    assert snapshot(server.web) == before and server.tip() == tip


def test_a_silent_status_flip_is_refused_and_official_text_needs_an_admin_with_a_reason(server):
    clone = server.clones["jinpu"]
    _edit(clone / "data/notices/jinpu-2019/items/1.yml", "status: in_progress", "status: done")
    server.commit("jinpu", "直接改状态")
    done = server.push("jinpu")
    assert done.returncode != 0 and "字段 status" in done.stderr and "disclosure update" in done.stderr, done.stderr
    server.sync("jinpu")
    admin = server.clones["admin"]
    _edit(admin / "data/notices/jinpu-2019/items/4.yml", "heading: ", "heading: (更正)")
    server.commit("admin", "更正标题,未写理由")
    done = server.push("admin")
    assert done.returncode != 0 and "corrections" in done.stderr
    server.sync("admin")
    _edit(admin / "data/notices/jinpu-2019/items/4.yml", "heading: ", "heading: (更正)")
    with open(admin / "data/notices/jinpu-2019/items/4.yml", "a", encoding="utf-8") as f:
        f.write('corrections:\n  - date: "2024-06-23"\n    reason: 标题录入漏字,按通报原文更正。\n')
    server.commit("admin", "更正标题")
    done = server.push("admin")
    assert done.returncode == 0, done.stderr
    page = (server.web / "current/jinpu-2019/items/4/index.html").read_text("utf-8")
    assert "本页原文于 2024年6月23日 更正：标题录入漏字,按通报原文更正。" in page
    server.sync("jinpu")
    server.sync("shixian")


def test_withdrawal_is_admin_only_and_leaves_a_public_page(server):
    for who in ("jinpu", "admin"):
        with open(server.clones[who] / "data/notices/jinpu-2019/items/8.yml", "a", encoding="utf-8") as f:
            f.write('withdrawn:\n  date: "2024-06-24"\n  reason: 与第 9 项重复,合并公示。\n')
        server.commit(who, "撤下事项 8")
        done = server.push(who)
        if who == "jinpu":
            assert done.returncode != 0 and "撤下事项或通报只能由管理员操作" in done.stderr, done.stderr
            server.sync("jinpu")
        else:
            assert done.returncode == 0, done.stderr
    page = (server.web / "current/jinpu-2019/items/8/index.html").read_text("utf-8")
    assert 'data-page="withdrawn"' in page and "2024年6月24日" in page and "与第 9 项重复,合并公示。" in page
    home = (server.web / "current/index.html").read_text("utf-8")
    assert 'data-item-link="8"' not in home
    server.sync("jinpu")
    server.sync("shixian")


@pytest.mark.parametrize("who", ["jinpu", "admin"])
def test_force_push_to_main_is_refused_for_every_role(server, who):
    server.sync(who)
    before, tip = snapshot(server.web), server.tip()
    clone = server.clones[who]
    sh(clone, "git", "reset", "-q", "--hard", "HEAD~1")
    disclosure(clone, "update", "9", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-25",
               "--note", "改写历史")
    server.commit(who, "改写历史")
    done = server.push(who, "--force")
    assert done.returncode != 0 and "不能改写已发布的历史" in done.stderr, done.stderr
    deleted = server.git(who, "push", "origin", ":main", check=False)
    assert deleted.returncode != 0 and "不能删除 main" in deleted.stderr
    assert server.tip() == tip and snapshot(server.web) == before
    server.sync(who)


def test_a_symlink_under_data_is_refused_by_the_hook(server):
    clone = server.clones["admin"]
    server.sync("admin")
    before = snapshot(server.web)
    os.symlink("/etc/passwd", clone / "data/notices/jinpu-2019/passwd.txt")
    server.commit("admin", "链接")
    done = server.push("admin")
    assert done.returncode != 0 and "data/notices/jinpu-2019/passwd.txt" in done.stderr and "符号链接" in done.stderr
    assert snapshot(server.web) == before
    assert not [p for p in (server.web / "releases").rglob("passwd*")]
    server.sync("admin")


def test_gitattributes_cannot_rewrite_or_hide_checked_data(server):
    """git archive obeys .gitattributes (export-subst rewrites a file, export-ignore drops it):
    staff may not push one, and the repository's info/attributes neutralises any in the tree."""
    clone = server.clones["jinpu"]
    server.sync("jinpu")
    before = snapshot(server.web)
    (clone / "data/notices/jinpu-2019/items/.gitattributes").write_text("5-1.yml export-subst\n", "utf-8")
    server.commit("jinpu", "属性文件")
    done = server.push("jinpu")
    assert done.returncode != 0 and "data/notices/jinpu-2019/items/.gitattributes" in done.stderr, done.stderr
    assert snapshot(server.web) == before
    server.sync("jinpu")
    assert "-export-subst" in (server.bare / "info" / "attributes").read_text()
    admin = server.clones["admin"]
    server.sync("admin")
    (admin / "data/notices/jinpu-2019/.gitattributes").write_text("items/5-2.yml export-ignore\n", "utf-8")
    server.commit("admin", "管理员的属性文件")
    done = server.push("admin")
    assert done.returncode == 0, done.stderr
    assert (server.web / "current/jinpu-2019/items/5-2/index.html").is_file()  # not dropped from the build
    server.sync("jinpu")
    server.sync("shixian")


def test_every_pushed_commit_is_checked_not_only_the_net_change(server):
    clone = server.clones["jinpu"]
    before = snapshot(server.web)
    other = clone / "data/notices/shixian-xuncha-2024/items/1.yml"
    other.write_text(other.read_text("utf-8") + "# 改了别人的\n", "utf-8")
    server.commit("jinpu", "改别人的")
    sh(clone, "git", "revert", "--no-edit", "HEAD")
    done = server.push("jinpu")
    assert done.returncode != 0 and "data/notices/shixian-xuncha-2024/items/1.yml" in done.stderr, done.stderr
    server.sync("jinpu")
    disclosure(clone, "update", "11", "--notice", "jinpu-2019", "--status", "done", "--date", "2024-06-26",
               "--note", "未来日期")
    sh(clone, "git", "add", "-A")
    subprocess.run(["git", "commit", "-q", "-m", "未来"], cwd=clone, check=True,
                   env={**env(), "GIT_COMMITTER_DATE": "2031-05-05T00:00:00+08:00"})
    done = server.push("jinpu")
    assert done.returncode != 0 and "日期晚于今天" in done.stderr, done.stderr
    assert snapshot(server.web) == before
    server.sync("jinpu")


def test_an_oversized_data_file_is_refused(server):
    clone = server.clones["admin"]
    server.sync("admin")
    before = snapshot(server.web)
    with open(clone / "data/notices/jinpu-2019/source.docx", "wb") as f:
        f.truncate(25_000_000)  # compresses to almost nothing: the pack is tiny, the file is not
    server.commit("admin", "大文件")
    done = server.push("admin")
    assert done.returncode != 0 and "文件太大" in done.stderr, done.stderr
    assert snapshot(server.web) == before
    server.sync("admin")


def test_an_accepted_push_whose_post_receive_never_ran_is_published_at_once(server):
    """git ran no post-receive (the client hung up, the server stopped it): main moved, the site
    must not lag it. The push's finisher (Hooks.start_finisher) publishes it as soon as git is
    done, and logs it under the account that pushed."""
    hook = server.bare / "hooks" / "post-receive"
    kept = hook.read_text()
    hook.write_text("#!/bin/sh\nexit 0\n")
    try:
        server.sync("jinpu")
        disclosure(server.clones["jinpu"], "update", "12", "--notice", "jinpu-2019", "--status", "done",
                   "--date", "2024-06-26", "--note", "挂断后的进展")
        server.commit("jinpu", "事项 12")
        assert server.push("jinpu").returncode == 0
        deadline = time.monotonic() + 60
        while not html_containing(server.web / "current", "挂断后的进展") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        hook.write_text(kept)
    assert html_containing(server.web / "current", "挂断后的进展")
    catch_up = [line for line in server.log() if "catch-up" in line[-1]]
    assert catch_up and catch_up[-1][3] == "jinpu" and catch_up[-1][2] == server.tip()[:12]
    assert not [p for p in (server.web / "releases").iterdir() if p.name.startswith((".pending", ".pusher"))]
    server.sync("admin")
    server.sync("shixian")


def test_a_killed_hook_leaves_no_process_and_the_next_push_removes_its_leftovers(server):
    server.sync("jinpu")
    disclosure(server.clones["jinpu"], "update", "10", "--notice", "jinpu-2019", "--status", "done",
               "--date", "2024-06-26", "--note", "推送被中断")
    server.commit("jinpu", "事项 10")
    before = snapshot(server.web)
    push = subprocess.Popen(["git", "push", "origin", "HEAD:refs/heads/main"], cwd=server.clones["jinpu"],
                            env=server.ssh_env("jinpu"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the real mkdocs build is running (with its index child)
        builds = [p for p in processes_inside(server.web) if "mkdocs" in p]
        if len(builds) >= 2 or (builds and time.monotonic() > deadline - 100):
            break
        time.sleep(0.05)
    assert builds, "the build never started"
    hooks = [p.split(":")[0] for p in processes_inside(server.web) if "hook_main" in p and "pre-receive" in p]
    assert hooks
    for pid in hooks:
        os.kill(int(pid), signal.SIGKILL)
    push.wait(timeout=120)
    assert push.returncode != 0
    time.sleep(10)  # "no process of its own alive 10 s later"
    left = processes_inside(server.web)
    assert left == [], "\n".join(left)
    assert snapshot(server.web) == before
    # The next push publishes, and nothing of the killed one remains.
    done = server.push("jinpu")
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 30  # releases past --keep are deleted in the background (Releases.prune)
    while list((server.web / "releases").glob(".pruned-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = [p.name for p in (server.web / "releases").iterdir() if p.name.startswith(".")]
    assert leftovers == [] and not list((server.web / ".work").iterdir())
    server.sync("admin")
    server.sync("shixian")
