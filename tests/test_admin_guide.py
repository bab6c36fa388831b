"""The administrator's guide (docs/admin-guide.md), followed end to end: every code block the guide
marks `<!-- test: NAME -->` is run here as it is written, with the guide's paths replaced by
temporary ones and `sudo` / `sudo -u git -H` dropped (the test runs as one Unix user, which plays
the `git` account), against 127.0.0.1: a real bare repository, a real OpenSSH server (with the
guide's sshd settings), staff keys registered with the guide's commands, and nginx serving the
site with deploy/nginx.conf as the guide installs it. A block the guide renames or drops fails here.

What the guide's `make install` makes is replaced by a checkout copy whose .venv sees the packages
of this test environment (the same pinned versions) and its own src/, with a hard-linked copy of the
wheelhouse `make install`'s checkout prepared: the program server-setup installs from it is
installed for real (python -m venv + pip --no-index). The copy is deleted after server-setup, and
the server keeps publishing; `server-upgrade` from a second copy switches the program (a push shows
the new version's message), a broken third copy is refused and never runs, the program and the site
roll back, and the repository is restored from the guide's backup.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from disclosure import environment
from disclosure.publish.hooks import server_from_hook
from disclosure.publish.setup import install_scripts
from test_ci_files import fetch, free_port
from test_publish import REPO, copy_project, disclosure, env, sh
from test_trust import SSHD, UNIX_USER, SSHServer, run_sshd

pytestmark = pytest.mark.slow

GUIDE = REPO / "docs" / "admin-guide.md"
BLOCK = re.compile(r"<!-- test: ([\w-]+) -->\n```(\w+)\n(.*?)\n```", re.S)
NEW_VERSION = "发布成功(新版程序)"  # what the second checkout's hooks say instead of "发布成功"
SUCCESS = "发布成功:网站已更新为提交"
SYSTEM_PATHS = ("/srv/", "/etc/", "/usr/", "/home/", "systemctl", "apt-get", "sudo")


def guide_blocks() -> dict[str, str]:
    found = {name: text for name, _, text in BLOCK.findall(GUIDE.read_text("utf-8"))}
    assert found, "docs/admin-guide.md marks no block for the test"
    return found


class GuideServer(SSHServer):
    """The test's server: paths for everything the guide names, and sshd with the guide's settings."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.home = root / "home"  # the `git` account's home: ~/.ssh/authorized_keys
        self.keys = self.home / ".ssh" / "authorized_keys"
        self.checkout = root / "disclosure-src"
        self.program = self.web / "program"
        self.nginx_port = free_port()
        self.blocks = guide_blocks()
        (root / "bin").mkdir()
        (root / "keys").mkdir()
        (root / "nginx").mkdir()  # /etc/nginx/conf.d, as the nginx package makes it

    def substitute(self, text: str) -> str:
        today = dt.date.today().isoformat()
        text = re.sub(r"/tmp/(\w+)\.pub\b", lambda m: f"{self.root}/keys/{m[1]}.pub", text)  # keys first
        for guide, here in [("sudo -u git -H ", ""), ("sudo ", ""),
                            ("ssh://git@xuncha.example.gov.cn", f"ssh://{UNIX_USER}@127.0.0.1:{self.port}"),
                            ("/srv/git/disclosure.git", str(self.bare)),
                            ("/srv/git/disclosure-src", str(self.checkout)),
                            ("/srv/www/disclosure", str(self.web)),
                            ("/srv/backup", str(self.root / "backup")),
                            ("/usr/local/bin/disclosure", str(self.root / "bin" / "disclosure")),
                            ("/etc/nginx/conf.d/disclosure.conf", str(self.root / "nginx" / "disclosure.conf")),
                            ("disclosure-2026-12-01.bundle", f"disclosure-{today}.bundle"),
                            ("Match User git", f"Match User {UNIX_USER}")]:
            text = text.replace(guide, here)
        left = [word for word in SYSTEM_PATHS if word in text]
        assert not left, f"a guide block would touch the system here ({left}):\n{text}"
        return text

    def run(self, name: str, cwd: Path | None = None, check: bool = True, key: str = "admin") -> subprocess.CompletedProcess:
        """The guide's block `name`, in bash -e, as the `git` account would run it on the server."""
        script = self.substitute(self.blocks[name])
        environ = {**self.ssh_env(key), "HOME": str(self.home),
                   "PATH": f"{self.root / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        environ.pop(environment.PROGRAM_ENVS, None)  # as an administrator installs: its own environment
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd or self.root, env=environ,
                              capture_output=True, text=True, timeout=600)
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        if check and done.returncode != 0:
            raise AssertionError(f"guide block {name} failed:\n{script}\n{done.stdout}\n{done.stderr}")
        return done

    def key(self, name: str) -> Path:
        path = self.root / "keys" / name
        if not path.exists():
            sh(self.root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@laptop", "-f", str(path))
        return path

    def start(self):
        """sshd as test_trust's, plus the guide's settings for the `git` account (at the end, as it says)."""
        host_key = self.root / "host_key"
        sh(self.root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key))
        config = self.root / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {host_key}", f"PidFile {self.root}/sshd.pid",
            f"AuthorizedKeysFile {self.keys}", "StrictModes no", "UsePAM no", "PermitRootLogin prohibit-password",
            "SetEnv DISCLOSURE_AS_OF=2024-07-01 LANG=C.UTF-8", "LogLevel ERROR",
            self.substitute(self.blocks["sshd"]), ""]))
        test = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
        assert test.returncode == 0, test.stderr  # the guide's `sshd -t`
        self.sshd = run_sshd(config, self.port)

    def start_nginx(self):
        """nginx with the config the guide's block made (its root set to this WEB_ROOT, as the guide
        says to when it differs, and a port of 127.0.0.1)."""
        conf = (self.root / "nginx" / "disclosure.conf").read_text("utf-8")
        assert "server_name xuncha.example.gov.cn;" in conf  # the guide's sed
        conf = conf.replace("/srv/www/disclosure/current", str(self.web / "current"))
        conf = conf.replace("listen 80;", f"listen 127.0.0.1:{self.nginx_port};").replace("listen [::]:80;", "")
        (self.root / "nginx" / "site.conf").write_text(conf, "utf-8")
        mime = next((p for p in ("/etc/nginx/mime.types", "/usr/local/nginx/conf/mime.types") if Path(p).exists()), None)
        temp = " ".join(f"{kind}_temp_path {self.root}/nginx/{kind};" for kind in
                        ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        main = self.root / "nginx" / "nginx.conf"
        main.write_text(f"daemon off; user root; pid {self.root}/nginx/nginx.pid; error_log {self.root}/nginx/error.log;\n"
                        f"events {{}}\nhttp {{ {f'include {mime};' if mime else ''} access_log off; {temp}\n"
                        f"include {self.root}/nginx/site.conf; }}\n", "utf-8")
        check = subprocess.run(["nginx", "-t", "-c", str(main)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr  # the guide's `nginx -t`
        self.nginx = subprocess.Popen(["nginx", "-c", str(main)], stderr=subprocess.PIPE)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.page(""), timeout=2)
                return
            except OSError:
                time.sleep(0.1)

    def page(self, path: str) -> str:
        return f"http://127.0.0.1:{self.nginx_port}/{path}"

    def served(self, path: str) -> str:
        status, _, body = fetch(self.page(path))
        assert status == 200, (path, status)
        return body.decode("utf-8")

    def stop(self):
        for proc in (getattr(self, "nginx", None), getattr(self, "sshd", None)):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)

    def staff_push(self, name: str, item: str, note: str, day: str) -> subprocess.CompletedProcess:
        self.sync(name)
        disclosure(self.clones[name], "update", item, "--notice", "jinpu-2019", "--status", "done", "--date", day,
                   "--note", note)
        self.commit(name, f"事项 {item}")
        return self.push(name)

    def current_program(self) -> str:
        return os.readlink(self.program / "current")


def make_checkout(dest: Path, edit=None) -> None:
    """What `git clone` + `make install` leave, quickly: the project's files as they stand, and a .venv
    (made from the base interpreter) that sees this test environment's packages and the copy's own
    src/, with the wheelhouse of this environment hard-linked (filled first if it is not complete)."""
    from disclosure.publish.program import Checkout, base_python
    Checkout.running().pins(lambda line: None)  # this environment's wheelhouse has every pinned wheel
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file() and not source.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    if edit:
        edit(dest)
    venv = dest / ".venv"
    subprocess.run([base_python(), "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    (site / "checkout.pth").write_text(f"{dest / 'src'}\n{sysconfig.get_paths()['purelib']}\n", "utf-8")
    command = venv / "bin" / "disclosure"
    command.write_text(f"#!{venv}/bin/python\nimport sys\nfrom disclosure.cli import main\nsys.exit(main())\n", "utf-8")
    command.chmod(0o755)
    wheels = Path(sys.prefix) / "wheelhouse"
    (venv / "wheelhouse").mkdir()
    for wheel in wheels.iterdir():
        os.link(wheel, venv / "wheelhouse" / wheel.name)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


def texts_under(folder: Path) -> str:
    """Every small text file a server's program and hooks consist of (not the packages' own code)."""
    out = []
    for path in [*folder.glob("program/*/bin/disclosure"), *folder.glob("program/*/INSTALLED"),
                 *folder.glob("program/envs/*/pyvenv.cfg"), *folder.glob("program/envs/*/requirements.lock")]:
        out.append(path.read_text("utf-8"))
    return "\n".join(out)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = GuideServer(tmp_path_factory.mktemp("guide"))
    try:
        make_checkout(s.checkout)
        started = time.monotonic()
        setup = s.run("server-setup")
        s.setup_seconds = time.monotonic() - started
        assert "已安装发布程序" in setup.stdout and "已安装发布钩子" in setup.stdout, setup.stdout
        s.run("command")
        s.run("nginx")  # the config comes from the checkout: before it is deleted
        s.run("remove-checkout")
        assert not s.checkout.exists()
        s.start()
        for name in ("admin", "jinpu", "shixian"):
            s.key(name)
        s.run("staff-add")
        admin = s.root / "clone-admin"  # the administrator's own project folder, with owners.yml
        sh(s.root, "git", "init", "-q", "--initial-branch=main", str(admin))
        copy_project(admin)
        (admin / "data" / "owners.yml").write_text(s.blocks["owners"] + "\n", "utf-8")
        sh(admin, "git", "add", "-A")
        sh(admin, "git", "commit", "-q", "-m", "项目初始内容")
        first = s.run("first-push", cwd=admin)
        assert "发布成功" in first.stderr, first.stderr
        sh(admin, "git", "remote", "add", "origin", s.url)
        s.clones["admin"] = admin
        for name in ("jinpu", "shixian"):
            s.clone(name)
        s.start_nginx()
        yield s
    finally:
        s.stop()


def test_setup_installs_its_own_program_and_the_deleted_checkout_is_not_needed(server):
    program = server.program
    copy = server.current_program()
    assert (program / copy / "INSTALLED").is_file() and (program / copy / "src" / "disclosure" / "cli.py").is_file()
    env = os.readlink(program / copy / "venv")
    assert env.startswith("../envs/py3") and (program / "envs" / env.rsplit("/", 1)[-1] / ".complete").is_file()
    python = os.path.realpath(program / "current" / "venv" / "bin" / "python")
    # the hooks, the staff keys' forced command and the program name nothing of the checkout it came from
    hooks = "\n".join((server.bare / name).read_text("utf-8") for name in
                      ("hooks/pre-receive", "hooks/post-receive", "disclosure-ssh"))
    assert f"{program}/current/venv/bin/python" in hooks and f"--program {program}/current" in hooks
    for text in (hooks, texts_under(server.web), python):
        assert str(server.checkout) not in text and str(REPO) not in text
    assert not python.startswith((str(REPO), str(server.root)))  # the base interpreter, not a venv's
    # the guide's `disclosure` command is the installed program's
    listed = subprocess.run([str(server.root / "bin" / "disclosure"), "staff", "list", "--authorized-keys",
                             str(server.keys)], capture_output=True, text=True)
    assert listed.stdout.split() == ["admin", "jinpu", "shixian"], listed.stderr
    # the first publish (admin's push over SSH) ran after the checkout was gone, within bounds
    assert server.log()[-1][1:4] == ["published", server.tip()[:12], "admin"]
    assert server.setup_seconds < 120, server.setup_seconds


def test_staff_publish_after_the_checkout_is_gone_and_nginx_serves_it(server):
    other = server.clones["jinpu"] / "data" / "notices" / "shixian-xuncha-2024" / "notice.yml"
    server.sync("jinpu")
    replace_in(other, "\ntitle: ", "\ntitle: 改了别的部门的通报")
    server.commit("jinpu", "改错了")
    refused = server.push("jinpu")
    assert refused.returncode != 0 and "无权" in refused.stderr, refused.stderr
    done = server.staff_push("jinpu", "5-2", "按管理员指南发布的进展", "2024-06-20")
    assert done.returncode == 0 and SUCCESS in done.stderr, done.stderr
    assert server.log()[-1][1:4] == ["published", server.tip()[:12], "jinpu"]
    assert "按管理员指南发布的进展" in server.served("jinpu-2019/items/5-2/")
    _, headers, _ = fetch(server.page(""))
    assert "default-src 'self'" in headers["Content-Security-Policy"]  # deploy/nginx.conf, as the guide installs it
    assert fetch(server.page("admin-guide/"))[0] == 404  # the guide stays in the repository (mkdocs.yml exclude_docs)
    assert fetch(server.page("program/current/INSTALLED"))[0] == 404  # nor is the program under WEB_ROOT served


def test_a_removed_account_can_no_longer_connect(server):
    server.run("staff-remove")
    done = server.git("shixian", "fetch", "origin", check=False)
    assert done.returncode != 0
    assert "shixian" not in (server.keys.read_text("utf-8"))


def test_server_upgrade_switches_the_program_and_a_broken_one_never_runs(server):
    first = server.current_program()
    # hooks as server-setup wrote them before the installed program: this environment's Python and src/
    old_style = dataclasses.replace(server_from_hook(server.bare, server.web), program="", python=sys.executable)
    install_scripts(old_style)
    assert "--program" not in (server.bare / "hooks" / "pre-receive").read_text("utf-8")
    make_checkout(server.checkout, edit=lambda dest: replace_in(
        dest / "src" / "disclosure" / "publish" / "hooks.py", "发布成功:", "发布成功(新版程序):"))
    upgrade = server.run("upgrade")
    assert "已启用" in upgrade.stdout and "--rollback" in upgrade.stdout, upgrade.stdout
    assert "钩子已改为使用安装的程序" in upgrade.stdout
    for name in ("hooks/pre-receive", "hooks/post-receive", "disclosure-ssh"):
        assert f"{server.program}/current/src" in (server.bare / name).read_text("utf-8"), name
    assert "沿用已有的 Python 环境" in upgrade.stdout  # same pins: the environment is shared
    second = server.current_program()
    assert second != first and os.readlink(server.program / "previous") == first
    server.run("remove-checkout")
    done = server.staff_push("jinpu", "3", "升级之后的进展", "2024-06-21")
    assert done.returncode == 0 and NEW_VERSION in done.stderr, done.stderr

    hooks = {name: (server.bare / name).read_bytes() for name in ("hooks/pre-receive", "hooks/post-receive")}
    make_checkout(server.checkout, edit=lambda dest: replace_in(
        dest / "src" / "disclosure_mkdocs" / "hook.py", "from __future__ import annotations\n",
        'from __future__ import annotations\nraise ImportError("测试:坏的版本")\n'))
    broken = server.run("upgrade", check=False)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "未升级" in broken.stderr and "无法运行" in broken.stderr and "原来的程序" in broken.stderr, broken.stderr
    assert server.current_program() == second and os.readlink(server.program / "previous") == first
    assert not list(server.program.glob(".installing-*"))
    assert sorted(p.name for p in server.program.iterdir() if not p.name.startswith(".")) == \
        sorted([first, second, "current", "previous", "envs"])
    assert {name: (server.bare / name).read_bytes() for name in hooks} == hooks
    server.run("remove-checkout")


def test_the_program_rolls_back_to_the_previous_version(server):
    first = os.readlink(server.program / "previous")
    done = server.run("program-rollback")
    assert "已退回" in done.stdout and server.current_program() == first, done.stdout
    pushed = server.staff_push("jinpu", "4", "回退程序之后的进展", "2024-06-22")
    assert pushed.returncode == 0 and SUCCESS in pushed.stderr and NEW_VERSION not in pushed.stderr, pushed.stderr


def test_the_site_rolls_back_and_nginx_serves_the_release_before(server):
    assert "回退程序之后的进展" in server.served("jinpu-2019/items/4/")
    before = os.readlink(server.web / "current")
    server.run("site-rollback")
    assert os.readlink(server.web / "current") != before
    assert "回退程序之后的进展" not in server.served("jinpu-2019/items/4/")
    assert server.log()[-1][1] == "rolled-back"


def test_backup_and_restore_of_the_repository(server):
    server.run("backup")
    today = dt.date.today().isoformat()
    bundle = server.root / "backup" / f"disclosure-{today}.bundle"
    assert bundle.is_file() and (server.root / "backup" / f"publish-{today}.log").is_file()
    tip = server.tip()
    shutil.move(server.bare, server.root / "site.git.lost")  # the repository is lost
    restored = server.run("restore")
    assert "已发布 main 当前内容" in restored.stdout, restored.stdout
    assert server.tip() == tip and os.readlink(server.web / "current").endswith(tip[:12])
    assert (server.bare / "disclosure-ssh").is_file()
    done = server.staff_push("jinpu", "6", "恢复仓库之后的进展", "2024-06-23")
    assert done.returncode == 0 and SUCCESS in done.stderr, done.stderr
    assert "恢复仓库之后的进展" in server.served("jinpu-2019/items/6/")


def test_reading_publish_log_as_the_guide_shows(server):
    done = server.run("log")
    lines = done.stdout.splitlines()
    assert any("\tpublished\t" in line for line in lines)
    assert any("\trefused\t" in line and "not-allowed" in line for line in lines)
    assert any(line.split("\t")[3] == "jinpu" for line in lines)
    assert all(len(line.split("\t")) == 6 for line in lines)
