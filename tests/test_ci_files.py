"""Deployment files: CI pipelines call only real make targets in the right order, pre-commit runs
the validator, and deploy/nginx.conf's Content-Security-Policy allows exactly what the built site
needs (checked against a real build; served through a real nginx when one is installed)."""
from __future__ import annotations

import base64
import gzip
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from disclosure.site.open_data import GZIP_ONLY, gzip_bytes

REPO = Path(__file__).resolve().parents[1]
MAKE_CALL = re.compile(r"\bmake\s+([A-Za-z0-9_.-]+)")


def load_yaml(rel: str):
    return YAML(typ="safe").load((REPO / rel).read_text("utf-8"))  # YAML 1.2: `on:` stays a string key


def make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text("utf-8")
    return {m.group(1) for m in re.finditer(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, re.M)}


def make_calls(commands: list[str]) -> list[str]:
    return [target for command in commands for target in MAKE_CALL.findall(command)]


# ---- GitHub Actions -----------------------------------------------------------------------------

def github_steps(event: str) -> list[dict]:
    """Steps of the build job that run for this event (evaluating our simple `if:` conditions)."""
    steps = load_yaml(".github/workflows/publish.yml")["jobs"]["build"]["steps"]
    def runs(step):
        condition = step.get("if", "")
        return not ("!= 'pull_request'" in condition and event == "pull_request")
    return [s for s in steps if runs(s)]


def test_github_workflow_runs_on_push_and_pull_request():
    workflow = load_yaml(".github/workflows/publish.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "pull_request" in workflow["on"]


def test_github_main_validates_tests_builds_then_deploys():
    steps = github_steps("push")
    runs = [s.get("run", "") for s in steps]
    assert make_calls(runs) == ["install", "validate", "test", "build"]
    chromium = next(i for i, r in enumerate(runs) if "apt-get install" in r and "chromium" in r)
    assert chromium < next(i for i, r in enumerate(runs) if "make test" in r)
    assert any(s.get("uses", "").startswith("actions/upload-pages-artifact") and s["with"]["path"] == "site"
               for s in steps)
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # gitinfo needs history
    build = next(s for s in steps if "make build" in s.get("run", ""))
    # the public site must know its address: production flag and the Pages address (issue 16)
    assert "'1'" in build["env"]["DISCLOSURE_PRODUCTION"] and "steps.pages.outputs.base_url" in build["env"]["DISCLOSURE_SITE_URL"]
    assert any(s.get("uses", "").startswith("actions/configure-pages") for s in steps)
    deploy = load_yaml(".github/workflows/publish.yml")["jobs"]["deploy"]
    assert deploy["needs"] == "build" and "pull_request" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])


def test_github_pull_request_only_validates_and_builds():
    steps = github_steps("pull_request")
    assert make_calls([s.get("run", "") for s in steps]) == ["install", "validate", "build"]
    assert not any("pages" in s.get("uses", "") for s in steps)


# ---- GitLab CI ----------------------------------------------------------------------------------

def test_gitlab_pages_job_on_main_and_check_on_merge_requests():
    ci = load_yaml(".gitlab-ci.yml")
    pages = ci["pages"]
    assert pages["rules"] == [{"if": '$CI_COMMIT_BRANCH == "main"'}]
    assert make_calls(pages["script"]) == ["install", "validate", "test", "build"]
    chromium = next(i for i, c in enumerate(pages["script"]) if "apt-get install" in c and "chromium" in c)
    assert chromium < pages["script"].index("make test")
    assert pages["artifacts"]["paths"] == ["public"] and "mv site public" in pages["script"][-1]
    build = next(c for c in pages["script"] if "make build" in c)
    assert "DISCLOSURE_PRODUCTION=1" in build and 'DISCLOSURE_SITE_URL="$CI_PAGES_URL"' in build
    check = ci["check"]
    assert check["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert make_calls(check["script"]) == ["install", "validate", "build"]
    assert ci["variables"]["GIT_DEPTH"] == "0"


def test_every_make_call_in_ci_exists_in_the_makefile():
    targets = make_targets()
    assert {"install", "validate", "test", "build"} <= targets
    github = [s.get("run", "") for job in load_yaml(".github/workflows/publish.yml")["jobs"].values()
              for s in job["steps"]]
    gitlab = [c for job in load_yaml(".gitlab-ci.yml").values() if isinstance(job, dict) and "script" in job
              for c in job["script"]]
    called = set(make_calls(github + gitlab))
    assert called and called <= targets, called - targets


# ---- pre-commit ---------------------------------------------------------------------------------

def test_pre_commit_hook_runs_the_validator():
    config = load_yaml(".pre-commit-config.yaml")
    hook = config["repos"][0]["hooks"][0]
    assert config["repos"][0]["repo"] == "local" and hook["pass_filenames"] is False
    assert "disclosure validate" in hook["entry"]
    assert re.search(hook["files"], "data/notices/jinpu-2019/items/1.yml")
    entry = hook["entry"].split()
    if not (REPO / entry[0]).exists():
        pytest.skip("project environment not installed")
    done = subprocess.run(entry, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0 and "数据有效" in done.stdout, done.stderr


# ---- nginx: CSP against the real build ----------------------------------------------------------

def nginx_conf() -> str:
    return (REPO / "deploy" / "nginx.conf").read_text("utf-8")


def csp() -> str:
    return re.search(r'add_header Content-Security-Policy "([^"]+)" always;', nginx_conf()).group(1)


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    env = {**os.environ, "DISCLOSURE_AS_OF": "2024-07-01"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


EXECUTABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}


def test_csp_allows_every_inline_script_of_the_built_site_by_hash(built_site):
    policy = csp()
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    missing = {}
    for page in built_site.rglob("*.html"):
        html = page.read_text("utf-8")
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            kind = re.search(r'type="([^"]*)"', attrs)
            if "src=" in attrs or (kind and kind.group(1) not in EXECUTABLE_TYPES):
                continue
            if sha256(body) not in script_src:
                missing.setdefault(sha256(body), str(page.relative_to(built_site)))
        # Inline handlers (onclick=...) would need 'unsafe-hashes'; the site must not use them.
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), page
        for src in re.findall(r'<script[^>]*\ssrc="([^"]+)"', html):
            assert not re.match(r"(https?:)?//", src), f"{page}: third-party script {src}"
    assert not missing, f"inline scripts not allowed by deploy/nginx.conf (hash: example page): {missing}"


def test_csp_style_and_image_rules_match_the_site(built_site):
    policy = csp()
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    uses_style_attributes = any(' style="' in p.read_text("utf-8") for p in built_site.rglob("*.html"))
    style_src = re.search(r"style-src ([^;]+)", policy).group(1)
    assert ("'unsafe-inline'" in style_src) == uses_style_attributes


# ---- nginx: the config really serves a release through the `current` symlink ---------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, gzip_ok: bool = False):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed")
def test_nginx_serves_current_with_headers_gzip_and_atomic_switch(built_site, tmp_path):
    web = tmp_path / "www"
    for name in ("r1", "r2"):
        shutil.copytree(built_site, web / "releases" / name)
    (web / "releases" / "r2" / "index.html").write_text("<!doctype html><p>second release</p>", "utf-8")
    (web / "releases" / "r1" / ".env").write_text("secret", "utf-8")
    plain = {path: (built_site / path).read_bytes() for path in GZIP_ONLY}
    for path, data in plain.items():  # as a server publish writes them (DISCLOSURE_GZIP_STATIC)
        (web / "releases" / "r1" / path).unlink()
        (web / "releases" / "r1" / f"{path}.gz").write_bytes(gzip_bytes(data))
    os.symlink("releases/r1", web / "current")
    port = free_port()
    site_conf = nginx_conf().replace("/srv/www/disclosure/current", str(web / "current"))
    site_conf = site_conf.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("listen [::]:80;", "")
    (tmp_path / "site.conf").write_text(site_conf, "utf-8")
    mime = next((p for p in ("/etc/nginx/mime.types", "/usr/local/nginx/conf/mime.types") if Path(p).exists()), None)
    temp_paths = " ".join(f"{kind}_temp_path {tmp_path}/{kind};" for kind in
                          ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; user root; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ {f'include {mime};' if mime else ''} access_log off; {temp_paths}\n"
        f"include {tmp_path}/site.conf; }}\n", "utf-8")
    check = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen(["nginx", "-c", str(tmp_path / "nginx.conf")], stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                status, headers, body = fetch(base + "/")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200 and "second release" not in body.decode("utf-8")
        assert headers["Content-Security-Policy"] == csp()
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-cache"
        asset = next(p for p in (built_site / "assets").rglob("*.js"))
        status, headers, body = fetch(f"{base}/{asset.relative_to(built_site).as_posix()}", gzip_ok=True)
        assert status == 200 and headers["Content-Encoding"] == "gzip" and "max-age" in headers["Cache-Control"]
        assert gzip.decompress(body) == asset.read_bytes()
        for path, data in plain.items():  # compressed only on disk: the same file for every client
            status, headers, body = fetch(f"{base}/{path}")
            assert status == 200 and "Content-Encoding" not in headers and body == data, (path, status)
            assert headers["Content-Type"].startswith("application/json" if path.endswith(".json") else "text/csv")
            status, headers, body = fetch(f"{base}/{path}", gzip_ok=True)
            assert status == 200 and headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == data
            assert headers["Content-Security-Policy"] == csp() and headers["Vary"] == "Accept-Encoding"
        status, headers, body = fetch(base + "/no/such/page/")
        assert status == 404 and headers["Content-Security-Policy"] == csp()
        assert fetch(base + "/.env")[0] == 404  # dotfiles are never served
        os.symlink("releases/r2", web / "current.tmp")
        os.replace(web / "current.tmp", web / "current")  # what a publish does: no nginx reload
        assert "second release" in fetch(base + "/")[2].decode("utf-8")
    finally:
        server.terminate()
        server.wait(timeout=10)
