"""Incremental publishing equals a full build (issue 15), end to end: a real bare repository, the
installed hooks, the real site build. After each push of a sequence (status change, update record,
deadline moved, a new follow-up notice, that notice withdrawn, a template change by an admin) the
published release is compared byte for byte with a build of its commit from scratch
(`disclosure verify-release`), and the push must have reused pages where the change was local and
none where it was not (the template change)."""
from __future__ import annotations

import re
import shutil
import time

import pytest
import yaml

from disclosure.publish.build import Builds
from disclosure.publish.server import Server as PublishServer  # Server is test_publish's: repo + web root
from test_publish import Server, disclosure, html_containing, set_up_server

SAMPLE = "shixian-xuncha-2024"
FOLLOW_UP = "shixian-xuncha-2024-hui"
REUSED = re.compile(r"增量生成:(\d+) 个页面内容未变、直接沿用,重新生成 (\d+) 个")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    s, _ = set_up_server(tmp_path_factory.mktemp("incremental"))
    first = s.push()
    assert first.returncode == 0 and "发布成功" in first.stderr, first.stderr
    assert not REUSED.search(first.stderr)  # an empty cache: everything rendered
    return s


def publish(server: Server, message: str) -> tuple[int, int, float]:
    """Commit and push; the push must publish. Returns (pages reused, pages rendered, seconds)."""
    server.commit_all(message)
    started = time.monotonic()
    done = server.push()
    seconds = time.monotonic() - started
    assert done.returncode == 0 and "发布成功" in done.stderr, done.stderr
    found = REUSED.search(done.stderr)
    return (int(found[1]), int(found[2]), seconds) if found else (0, -1, seconds)


def assert_equals_full_build(server: Server) -> None:
    done = disclosure(server.root, "verify-release", str(server.bare), str(server.web), check=False)
    assert done.returncode == 0 and "逐字节一致" in done.stdout, done.stdout + done.stderr


def edit_yaml(path, change) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def test_status_change_reuses_the_other_notices_pages_and_equals_a_full_build(server):
    disclosure(server.clone, "update", "5-2", "--status", "已完成", "--date", "2024-06-20", "--note", "已印发管理办法")
    reused, rendered, _ = publish(server, "事项 5-2:已完成")
    assert reused > 0 and rendered > 0
    assert_equals_full_build(server)


def test_update_record_on_the_sample_notice(server):
    disclosure(server.clone, "update", "1", "--notice", SAMPLE, "--status", "正在整改", "--date", "2024-06-25",
               "--note", "第3个村管网改造完成过半")
    reused, _, _ = publish(server, "示例县第1项:进展")
    assert reused > 0
    assert_equals_full_build(server)


def test_deadline_moved(server):
    disclosure(server.clone, "update", "5-2", "--status", "正在整改", "--date", "2024-06-28",
               "--deadline", "2031-06", "--reason", "工程延期")
    reused, _, _ = publish(server, "事项 5-2:时限调整")
    assert reused > 0
    assert_equals_full_build(server)


def test_a_new_follow_up_notice_changes_the_earlier_notices_pages_too(server):
    # the follow-up's statements appear on the earlier notice's item pages: those must be rendered again
    source = server.clone / "data" / "notices" / SAMPLE
    target = server.clone / "data" / "notices" / FOLLOW_UP
    shutil.copytree(source, target)

    def notice(data):
        data.update(id=FOLLOW_UP, follows=SAMPLE, issued="2024-08-30", published="2024-08-30",
                    issued_text="2024年8月30日", title="中共示例县委第二巡察组关于巡察县水务局党组反馈意见整改情况的再次通报")
    edit_yaml(target / "notice.yml", notice)
    for item in sorted((target / "items").glob("*.yml")):
        edit_yaml(item, lambda d: d.update(continues=f"{SAMPLE}/{d['id']}", updates=[]))
    reused, _, _ = publish(server, "示例县:再次通报")
    assert reused > 0
    assert_equals_full_build(server)
    earlier = server.web / "current" / SAMPLE / "items" / "1" / "index.html"
    assert FOLLOW_UP in earlier.read_text("utf-8")  # the earlier notice's page links the follow-up


def test_the_follow_up_withdrawn(server):
    path = server.clone / "data" / "notices" / FOLLOW_UP / "notice.yml"
    edit_yaml(path, lambda d: d.update(withdrawn={"date": "2024-06-30", "reason": "与原通报重复,撤下。"}))
    reused, _, _ = publish(server, "撤下再次通报")
    assert reused > 0
    assert_equals_full_build(server)


def test_a_template_change_by_an_admin_is_a_full_build(server):
    template = server.clone / "src" / "disclosure" / "site" / "templates" / "item.html"
    template.write_text(template.read_text("utf-8") + "\n<p class=\"template-change-test\">模板已修改</p>\n", "utf-8")
    reused, rendered, _ = publish(server, "管理员:修改事项页模板")
    assert reused == 0  # the code changed: nothing from the cache is reused
    assert_equals_full_build(server)
    assert html_containing(server.web / "current" / "jinpu-2019" / "items", "模板已修改")


def test_a_damaged_cache_costs_only_time(server):
    manifest = server.web / ".cache" / "manifest.json"
    manifest.write_text("{not json", "utf-8")
    disclosure(server.clone, "update", "1", "--notice", SAMPLE, "--status", "已完成", "--date", "2024-07-01",
               "--note", "管网改造全部完成")
    reused, _, _ = publish(server, "示例县第1项:已完成")
    assert reused == 0
    assert_equals_full_build(server)
    shutil.rmtree(server.web / ".cache")
    disclosure(server.clone, "update", "5-2", "--status", "已完成", "--date", "2024-07-01", "--note", "完成")
    reused, _, _ = publish(server, "事项 5-2:完成")
    assert reused == 0
    assert_equals_full_build(server)


def test_a_cache_that_cannot_be_written_costs_only_time(server):
    shutil.rmtree(server.web / ".cache", ignore_errors=True)
    (server.web / ".cache").write_text("not a folder", "utf-8")  # every write into it fails
    try:
        disclosure(server.clone, "update", "1", "--notice", SAMPLE, "--status", "已完成", "--date", "2024-07-01",
                   "--note", "复查合格")
        reused, _, _ = publish(server, "示例县第1项:复查")
        assert reused == 0
        assert_equals_full_build(server)
    finally:
        (server.web / ".cache").unlink(missing_ok=True)


def _tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _folders(root) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


def test_the_kept_source_tree_equals_a_fresh_export_after_adds_edits_and_deletes(tmp_path):
    """A publish builds from a tree kept between publishes, updated with only the changed data files;
    after files are added, edited and deleted (a folder emptied) and the code changes, it is the tree
    a fresh export of the commit gives, folder for folder (an emptied notice folder would be read as a
    notice without notice.yml)."""
    import subprocess

    work, bare = tmp_path / "work", tmp_path / "site.git"
    subprocess.run(["git", "init", "-q", "--initial-branch=main", str(work)], check=True)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin"}

    def commit(files: dict[str, str | None]) -> str:
        for rel, text in files.items():
            path = work / rel
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, "utf-8")
        subprocess.run(["git", "add", "-A"], cwd=work, check=True)
        subprocess.run(["git", "commit", "-q", "-m", "x"], cwd=work, check=True, env=env)
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, check=True, capture_output=True,
                              text=True).stdout.strip()

    first = commit({"mkdocs.yml": "a\n", "src/code.py": "1\n", "data/notices/a/notice.yml": "id: a\n",
                    "data/notices/a/items/1.yml": "id: '1'\n", "data/notices/b/notice.yml": "id: b\n"})
    second = commit({"data/notices/a/items/1.yml": "id: '1'\nstatus: done\n", "data/notices/a/items/2.yml": "2\n",
                     "data/notices/b/notice.yml": None, "data/notices/c 空格/notice.yml": "c\n"})
    third = commit({"src/code.py": "2\n", "src/new.py": "3\n", "data/notices/a/items/2.yml": None})
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    builds = Builds(PublishServer(web_root=tmp_path / "www", git_dir=bare))
    for data, code in [(first, first), (second, first), (second, second), (third, second), (third, third)]:
        kept = builds.kept_source(data, code)
        fresh = tmp_path / f"fresh-{data[:7]}-{code[:7]}"
        fresh.mkdir()
        builds.export_for_build(data, code, fresh)
        assert _tree(kept) == _tree(fresh), (data, code)
        assert _folders(kept) == _folders(fresh), (data, code)
    assert "data/notices/b" not in _folders(kept)
    # names git would read as patterns, and a .gitattributes (git archive then drops or rewrites files)
    fourth = commit({"data/notices/a/items/[1].yml": "x\n", "data/notices/a/items/*.yml": "y\n"})
    fifth = commit({".gitattributes": "data/notices/a/items/1.yml export-ignore\n"})
    subprocess.run(["git", "push", "-q", str(bare), "HEAD:main"], cwd=work, check=True)
    for data, code in [(fourth, third), (fifth, fifth)]:
        kept = builds.kept_source(data, code)
        fresh = tmp_path / f"fresh-{data[:7]}-{code[:7]}"
        fresh.mkdir()
        builds.export_for_build(data, code, fresh)
        assert _tree(kept) == _tree(fresh), (data, code)
    assert "data/notices/a/items/1.yml" not in _tree(kept)
    third = fifth
    (builds.server.cache / "source.json").write_text("{damaged", "utf-8")  # not trusted: exported afresh
    (kept / "data" / "stray.yml").write_text("x", "utf-8")
    assert _tree(builds.kept_source(third, third)) == _tree(fresh)
