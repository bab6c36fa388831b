"""Shared fixtures for site tests: build the site once per session, serve it on 127.0.0.1, and drive
it with Playwright + the system Chromium. Reusable by every site/search/browser test:

    test_data       data/ (real notices) plus the fictional examples/sample-portal notice (session)
    built_site      Path of a site built with DISCLOSURE_AS_OF=2026-11-26 from test_data (session)
    build_site      factory: build_site(out_dir, data_dir=None, as_of=...) -> CompletedProcess
    site_url        "http://127.0.0.1:<port>/" serving built_site (session)
    browser         a headless Chromium (per module); skipped without /usr/bin/chromium
    page            a fresh page; page.seen_requests lists every URL the page requested
    scratch_data    a writable copy of test_data (per test); module_scratch_data: one per module
    live_site       the site `make build` makes: data/ alone (session)
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, SAMPLE_PORTAL, serve_directory, write_test_data

ROOT = Path(__file__).resolve().parent.parent
# Property tests explore new random cases on developer machines; in CI (CI=true) they replay a
# fixed sequence, so a submission's verdict does not depend on the luck of one run.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")

AS_OF = "2026-11-26"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


def run_mkdocs_build(out_dir: Path, data_dir: Path | None = None, as_of: str | None = AS_OF,
                     extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of this repo into out_dir, as a subprocess (a fresh hook state,
    exactly what `make build` does). Returns the finished process; check .returncode yourself."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISCLOSURE_AS_OF", "DISCLOSURE_DATA")}
    if as_of is not None:
        env["DISCLOSURE_AS_OF"] = as_of
    if data_dir is not None:
        env["DISCLOSURE_DATA"] = str(data_dir)
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(out_dir)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session", autouse=True)
def shared_program_environments(tmp_path_factory):
    """Every publishing server the tests set up installs its program (publish/program.py); they
    share one Python environment (DISCLOSURE_PROGRAM_ENVS), made once a session, instead of 170 MB
    and ~15 s each. tests/test_admin_guide.py unsets it: it installs as an administrator would."""
    from disclosure import environment
    os.environ[environment.PROGRAM_ENVS] = str(tmp_path_factory.mktemp("program-envs"))
    yield
    os.environ.pop(environment.PROGRAM_ENVS, None)


@pytest.fixture(scope="session")
def build_site():
    return run_mkdocs_build


@pytest.fixture(scope="session")
def test_data(tmp_path_factory) -> Path:
    """Two notices: the real one and the fictional sample (data/ holds real notices only)."""
    return write_test_data(tmp_path_factory.mktemp("test-data") / "data")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, test_data) -> Path:
    out = tmp_path_factory.mktemp("built") / "site"
    result = run_mkdocs_build(out, data_dir=test_data)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def live_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("live") / "site"
    result = run_mkdocs_build(out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def site_url(built_site):
    with serve_directory(built_site) as url:
        yield url


PORTAL40_NOTICES = 40
PORTAL40_ITEMS = 10


def write_portal40(dest: Path) -> Path:
    """The generated 40-notice portal the citizen's browser tests walk (issue 28): synthetic notices
    (tests/support/synthetic.py, never data/) of many units, 10 items each, each notice with its own
    contact phone (0000-76500NN) so a page showing another unit's is caught, the fictional site
    settings of examples/sample-portal, the real Jinpu notice and the fictional sample notice."""
    from support.synthetic import write_synthetic_portal
    import yaml
    write_synthetic_portal(ROOT / "data", dest, PORTAL40_NOTICES, PORTAL40_ITEMS)
    for n, notice_yml in enumerate(sorted((dest / "notices").glob("*/notice.yml"))):
        notice = yaml.safe_load(notice_yml.read_text("utf-8"))
        notice["contact"] = {"phone": f"0000-765{n:05d}", "address": f"示例路{n + 1}号({notice['issuer']}收)"}
        notice_yml.write_text(yaml.safe_dump(notice, allow_unicode=True, sort_keys=False), "utf-8")
    shutil.copy2(SAMPLE_PORTAL / "site.yml", dest / "site.yml")
    for folder in [ROOT / "data" / "notices" / "jinpu-2019", *(SAMPLE_PORTAL / "notices").iterdir()]:
        shutil.copytree(folder, dest / "notices" / folder.name)
    return dest


@pytest.fixture(scope="session")
def portal40_site(tmp_path_factory) -> Path:
    """write_portal40, built by MkDocs like `make build`."""
    data = write_portal40(tmp_path_factory.mktemp("portal40") / "data")
    out = data.parent / "site"
    result = run_mkdocs_build(out, data_dir=data)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def portal40_url(portal40_site):
    with serve_directory(portal40_site) as url:
        yield url


# Module scope, not session: only one sync Playwright may run per thread, and other test modules
# (e.g. the search engine's) start their own; ours must be closed before they begin.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    tab = context.new_page()
    tab.seen_requests = []
    tab.on("request", lambda request: tab.seen_requests.append(request.url))
    yield tab
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ (gitignored) for screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def scratch_data(tmp_path, test_data) -> Path:
    """A writable copy of test_data for tests that break it."""
    target = tmp_path / "data"
    shutil.copytree(test_data, target)
    return target


@pytest.fixture(scope="module")
def module_scratch_data(tmp_path_factory, test_data) -> Path:
    """scratch_data shared by one test module, so the module can edit it and build the site once."""
    target = tmp_path_factory.mktemp("scratch") / "data"
    shutil.copytree(test_data, target)
    return target


# ---- the test pyramid: `make test-fast` runs what needs none of the slow parts ---------------------
# A test is end-to-end ("slow") when it builds a whole site with MkDocs, drives a browser, or runs a
# publishing server (bare repository + hooks, sshd, nginx): by the fixtures it asks for, or by its
# module when the module's own fixtures do such work. `make test` runs everything (what CI runs);
# `make test-fast` runs `-m "not slow"`.
SLOW_FIXTURES = {"portal40_site", "portal40_url", "built_site", "live_site", "build_site", "site_url", "browser", "page", "server", "builds"}
SLOW_MODULES = {"test_citizen_portal", "test_publish", "test_trust", "test_redteam", "test_incremental", "test_serve", "test_reproducible",
                "test_buildcache", "test_ci_files", "test_hygiene", "test_links", "test_sitemap", "test_site_build",
                "test_site_history", "test_hostile_text", "test_search_site", "test_importer_cli",
                "test_accessibility", "test_citizen", "test_browser_site", "test_csp_browser", "test_search_browser"}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: end to end (a MkDocs build, a browser, a publishing server)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.module.__name__ in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
