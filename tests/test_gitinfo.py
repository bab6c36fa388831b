"""gitinfo: build commit and per-file last-change dates, including the publishing hook's setup
(a pushed commit that is not HEAD, read from a bare repository through GIT_DIR/GIT_WORK_TREE)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from disclosure import gitinfo


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+08:00"
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def commit_file(repo: Path, rel: str, text: str, date: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    git(repo, "add", rel)
    git(repo, "commit", "-q", "-m", f"edit {rel}", date=date)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.delenv(gitinfo.COMMIT_ENV, raising=False)
    for var in ("GIT_DIR", "GIT_WORK_TREE"):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "site"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit_file(root, "data/notices/a/items/1.yml", "id: '1'\n", "2024-01-05")
    commit_file(root, "data/notices/a/items/2.yml", "id: '2'\n", "2024-02-10")
    commit_file(root, "data/notices/a/items/1.yml", "id: '1'\nx: 1\n", "2024-03-15")
    commit_file(root, "data/notices/a/items/整改.yml", "id: 'z'\n", "2024-04-01")
    commit_file(root, "README.md", "outside data\n", "2024-05-01")
    return root


def test_last_commit_dates_maps_each_file_to_its_latest_commit(repo, monkeypatch):
    monkeypatch.chdir(repo)
    dates = gitinfo.last_commit_dates(Path("data"))
    assert dates == {
        "data/notices/a/items/1.yml": dt.date(2024, 3, 15),
        "data/notices/a/items/2.yml": dt.date(2024, 2, 10),
        "data/notices/a/items/整改.yml": dt.date(2024, 4, 1),
    }


def test_keys_match_the_validators_item_file_form(repo):
    # Called with an absolute path, keys still start with the folder's own name, like Item.file.
    dates = gitinfo.last_commit_dates(repo / "data")
    assert "data/notices/a/items/2.yml" in dates


def test_one_git_call_for_the_whole_data_folder(repo, monkeypatch):
    calls = []
    real_run = subprocess.run

    def counting_run(cmd, *a, **kw):
        calls.append(cmd)
        return real_run(cmd, *a, **kw)

    monkeypatch.setattr(gitinfo.subprocess, "run", counting_run)
    for i in range(30):
        (repo / f"data/notices/a/items/extra-{i}.yml").write_text("id: x\n")
    git(repo, "add", "data")
    git(repo, "commit", "-q", "-m", "many", date="2024-06-01")
    calls.clear()
    dates = gitinfo.last_commit_dates(repo / "data")
    assert len(dates) == 33
    assert len(calls) == 1


def test_uncommitted_files_are_absent_and_nothing_breaks_without_git(repo, tmp_path):
    (repo / "data/notices/a/items/new.yml").write_text("id: new\n")
    assert "data/notices/a/items/new.yml" not in gitinfo.last_commit_dates(repo / "data")
    plain = tmp_path / "plain" / "data"
    plain.mkdir(parents=True)
    (plain / "x.yml").write_text("a: 1\n")
    assert gitinfo.last_commit_dates(plain) == {}
    assert gitinfo.build_commit(plain) is None
    assert gitinfo.last_commit_dates(tmp_path / "missing") == {}


def test_git_not_installed_gives_none(repo, monkeypatch):
    monkeypatch.setenv("PATH", str(repo / "no-such-bin"))
    assert gitinfo.build_commit(repo) is None
    assert gitinfo.last_commit_dates(repo / "data") == {}


def test_build_commit_is_the_short_head_hash(repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    short = gitinfo.build_commit(repo)
    assert short and head.startswith(short) and 7 <= len(short) < 40


def test_pinned_commit_in_a_bare_repository_as_the_hook_sees_it(repo, tmp_path, monkeypatch):
    """pre-receive: the branch still points at the old commit; the pushed one is pinned by env."""
    first = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    head = git(repo, "rev-parse", "HEAD").strip()
    bare = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    git(bare, "update-ref", "refs/heads/main", first)  # server's main lags behind the pushed commit
    export = tmp_path / "export"
    export.mkdir()
    archive = subprocess.run(["git", "archive", head], cwd=bare, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(export)], input=archive, check=True)

    monkeypatch.setenv("GIT_DIR", str(bare))
    monkeypatch.setenv("GIT_WORK_TREE", str(export))
    monkeypatch.setenv(gitinfo.COMMIT_ENV, head)
    assert head.startswith(gitinfo.build_commit(export))
    dates = gitinfo.last_commit_dates(export / "data")
    assert dates["data/notices/a/items/1.yml"] == dt.date(2024, 3, 15)
    assert dates["data/notices/a/items/整改.yml"] == dt.date(2024, 4, 1)

    monkeypatch.delenv(gitinfo.COMMIT_ENV)  # without the pin, HEAD (the lagging main) is used
    assert gitinfo.last_commit_dates(export / "data") == {"data/notices/a/items/1.yml": dt.date(2024, 1, 5)}


def test_pinned_commit_without_git_falls_back_to_the_pin(tmp_path, monkeypatch):
    monkeypatch.setenv(gitinfo.COMMIT_ENV, "0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    assert gitinfo.build_commit(tmp_path) == "0123456"
