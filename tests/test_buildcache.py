"""The build cache's dependency rules and its bookkeeping (disclosure.buildcache), without MkDocs.
End to end (pushes, byte-for-byte equality with full builds): tests/test_incremental.py."""
from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import yaml

from helpers import write_test_data
from disclosure.buildcache import BuildCache, page_keys
from disclosure.series import linked_groups
from disclosure.site import BuildContext, build_site, urls
from disclosure.validate import load_dataset

AS_OF = dt.date(2024, 7, 1)
SAMPLE = "shixian-xuncha-2024"


def keys(data: Path, as_of: dt.date = AS_OF) -> dict[str, str | None]:
    site = build_site(load_dataset(data), BuildContext(as_of, "测试站"))
    return page_keys(site, "code-1")


def changed(a: dict, b: dict) -> set[str]:
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k) or a.get(k) is None}


def test_a_change_in_one_notice_changes_only_that_notices_pages_and_the_portal_pages_it_shows_on(tmp_path):
    data = write_test_data(tmp_path / "data")
    before = keys(data)
    # home (it shows the build commit) and the nav's pages (MkDocs needs their files) are always rendered
    assert {k for k, v in before.items() if v is None} == {"index.md", "notices/index.md", "search/index.md",
                                                           "updates/index.md", "data/index.md", "contact/index.md"}
    item = data / "notices" / SAMPLE / "items" / "1.yml"
    item.write_text(item.read_text("utf-8").replace("status: partly_done", "status: done"), "utf-8")
    after = keys(data)
    mine = {k for k in after if k.startswith(SAMPLE + "/")}
    moved = changed(before, after) - mine
    # the notice's own pages, home, and the portal pages whose bodies show the item's status
    assert "index.md" in moved and "notices/index.md" in moved
    assert {k for k in mine if before.get(k) != after.get(k)} == mine
    assert not any(k.startswith("jinpu-2019/") for k in moved)
    assert "notices/years/2024/index.md" in moved  # the year's list shows the notice's figures
    assert "units/index.md" not in moved  # bodies unchanged: reused
    assert keys(data, AS_OF + dt.timedelta(days=1)).keys() == after.keys()
    assert all(a != b for a, b in zip(after.values(), keys(data, AS_OF + dt.timedelta(days=1)).values())
               if a is not None)  # another as-of date: every page is rendered again


def test_a_portal_pages_key_follows_its_body_and_the_site_wide_inputs(tmp_path):
    data = write_test_data(tmp_path / "data")
    site = build_site(load_dataset(data), BuildContext(AS_OF, "测试站"))
    units = next(p for p in site.portal_pages if p.url == urls.units_url())
    first = page_keys(site, "code-1")[units.src_uri]
    assert page_keys(site, "code-2")[units.src_uri] != first  # other code
    site.portal_pages[site.portal_pages.index(units)] = dataclasses.replace(units, body=units.html + "<p>改动</p>")
    assert page_keys(site, "code-1")[units.src_uri] != first  # another body


def test_notices_linked_by_follows_or_continues_share_their_pages_inputs(tmp_path):
    data = write_test_data(tmp_path / "data")
    follow_up = data / "notices" / "follow-up"
    shutil.copytree(data / "notices" / SAMPLE, follow_up)
    notice = yaml.safe_load((follow_up / "notice.yml").read_text("utf-8"))
    notice.update(id="follow-up", follows=SAMPLE, issued="2024-08-30", published="2024-08-30")
    (follow_up / "notice.yml").write_text(yaml.safe_dump(notice, allow_unicode=True), "utf-8")
    dataset = load_dataset(data)
    groups = linked_groups(dataset.notices + dataset.withdrawn_notices)
    assert groups["follow-up"] == groups[SAMPLE] == sorted(["follow-up", SAMPLE])
    assert groups["jinpu-2019"] == ["jinpu-2019"]
    before = keys(data)
    item = follow_up / "items" / "2.yml"
    item.write_text(item.read_text("utf-8") + "\n", "utf-8")  # any byte of a linked notice
    touched = changed(before, keys(data))
    assert any(k.startswith(SAMPLE + "/") for k in touched) and not any(k.startswith("jinpu-2019/") for k in touched)


def test_adopt_then_reuse_and_a_damaged_file_is_not_reused(tmp_path):
    site = tmp_path / "building"
    for rel, text in {"a/index.html": "A", "b/index.html": "BB", "search/meta.json": "{}",
                      "search/shards/0.json": "{}"}.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    cache = BuildCache(tmp_path / "cache")
    cache.record("code-1", {"a.md": "k1", "b.md": "k2", "index.md": None},
                 {"a.md": "a/index.html", "b.md": "b/index.html", "index.md": "index.html"}, site, reused=0,
                 page_count=3)
    assert cache.last_build() == {"reused": 0, "rendered": 3}
    assert cache.reusable({"a.md": "k1"}, "code-1") == {}  # recorded, not yet published
    release = tmp_path / "releases" / "r1"
    release.parent.mkdir()
    site.rename(release)
    assert not cache.adopt(release)  # the record names the folder it was built in
    cache.moved(site, release)
    assert cache.adopt(release)
    assert cache.reusable({"a.md": "k1", "b.md": "changed", "index.md": None}, "code-1") == \
        {"a.md": (str(release / "a" / "index.html"), "a/index.html")}
    assert cache.reusable({"a.md": "k1"}, "code-2") == {}  # other code: nothing
    assert cache.previous_index("code-1") == release / "search"
    assert cache.previous_index("code-2") is None
    (release / "a" / "index.html").write_text("damaged, longer")
    (release / "search" / "shards" / "0.json").write_text("{broken")
    assert cache.reusable({"a.md": "k1"}, "code-1") == {}
    assert cache.previous_index("code-1") is None
    (release / "b" / "index.html").unlink()  # pruned
    assert cache.reusable({"b.md": "k2"}, "code-1") == {}
    (cache.folder / "manifest.json").write_text("{not json")
    assert cache.reusable({"a.md": "k1"}, "code-1") == {} and cache.previous_index("code-1") is None


def test_an_incremental_build_of_a_sharded_portal_equals_a_full_build(tmp_path):
    """Through the MkDocs hook, on a portal large enough for a sharded search index (400 items): a
    status change rebuilt with the cache (pages reused, index patched) equals a build from scratch."""
    import os
    import subprocess
    import sys

    from conftest import ROOT
    from disclosure.publish.setup import tree_differences
    from support.synthetic import write_synthetic_portal

    data = write_synthetic_portal(ROOT / "data", tmp_path / "data", 10, items_per_notice=40)
    cache = BuildCache(tmp_path / "cache")

    def build(out: Path, cached: bool) -> None:
        env = {**os.environ, "DISCLOSURE_AS_OF": "2026-11-26", "DISCLOSURE_DATA": str(data)}
        env.pop("DISCLOSURE_BUILD_CACHE", None)
        if cached:
            env["DISCLOSURE_BUILD_CACHE"] = str(cache.folder)
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", *(["--dirty"] if cached else []),
                               "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr

    build(tmp_path / "one", cached=True)
    assert (tmp_path / "one" / "search" / "shards").is_dir()  # sharded, so the index is patched below
    assert cache.adopt(tmp_path / "one")
    item = sorted((data / "notices" / "unit-0003" / "items").glob("*.yml"))[0]
    text = item.read_text("utf-8")
    status = next(line for line in text.splitlines() if line.startswith("status_text:"))
    item.write_text(text.replace(status, "status_text: 整改状态:已完成(复查合格)"), "utf-8")
    build(tmp_path / "two", cached=True)
    counts = cache.last_build()
    assert counts["reused"] > 500 and counts["rendered"] < 150, counts
    build(tmp_path / "full", cached=False)
    assert tree_differences(tmp_path / "full", tmp_path / "two") == []
    # an unchanged notice's pages and open data are the last build's files; the changed one's are new
    def same_file(rel: str) -> bool:
        return (tmp_path / "one" / rel).stat().st_ino == (tmp_path / "two" / rel).stat().st_ino
    item_page = f"unit-0003/items/{item.stem}/index.html"
    assert [same_file(f"unit-0004/{name}") for name in ("items.json", "items.csv", "index.html")] == [True] * 3
    assert not any(same_file(rel) for rel in ("unit-0003/items.json", "unit-0003/items.csv", item_page))
    assert not same_file("data/items.json")
    assert "复查合格" in (tmp_path / "two" / "data" / "items.json").read_text("utf-8")
    assert (tmp_path / "two" / "sitemap.xml").read_bytes() == (tmp_path / "full" / "sitemap.xml").read_bytes()
    meta_one = (tmp_path / "one" / "search" / "meta.json").read_bytes()
    assert meta_one != (tmp_path / "two" / "search" / "meta.json").read_bytes()  # the change reached search


def _items(dataset) -> list[dict]:
    return [vars(i) for i in dataset.items] + [vars(n) | {"items": None, "withdrawn_items": None}
                                               for n in dataset.notices]


def test_files_checked_by_the_last_build_are_not_parsed_again_and_give_the_same_dataset(tmp_path, monkeypatch):
    """CheckedFiles: the second load parses only the file that changed; the dataset equals a load
    without the cache; a file with errors is never taken from it (checked, and explained, each time);
    a damaged pack is ignored; another checking code does not see the packs."""
    from disclosure import checked, validate
    from disclosure.checked import CheckedFiles
    from disclosure.errors import DataErrors

    data, cache = write_test_data(tmp_path / "data"), tmp_path / "cache"
    first = load_dataset(data, CheckedFiles(cache))
    assert list((cache / "checked").glob("*/*.json"))
    parsed: list[str] = []
    real = validate._parse_and_check
    monkeypatch.setattr(validate, "_parse_and_check", lambda raw, display, name: (parsed.append(display), real(raw, display, name))[1])
    item = data / "notices" / SAMPLE / "items" / "1.yml"
    item.write_text(item.read_text("utf-8").replace("status: partly_done", "status: done"), "utf-8")
    second = load_dataset(data, CheckedFiles(cache))
    assert parsed == [f"data/notices/{SAMPLE}/items/1.yml"]
    assert _items(second) == _items(load_dataset(data))
    assert _items(second) != _items(first)
    item.write_text(item.read_text("utf-8").replace("status: done", "status: finished-ish"), "utf-8")
    for _ in range(2):  # bad bytes: refused with the file and line both times, never cached
        try:
            load_dataset(data, CheckedFiles(cache))
            raise AssertionError("a bad status was accepted")
        except DataErrors as exc:
            assert any(e.file.endswith("items/1.yml") and e.line > 1 and e.field == "status" for e in exc.errors)
    item.write_text(item.read_text("utf-8").replace("status: finished-ish", "status: done"), "utf-8")
    for pack in (cache / "checked").glob("*/*.json"):
        pack.write_text("{not json", "utf-8")
    parsed.clear()
    assert _items(load_dataset(data, CheckedFiles(cache))) == _items(second)
    assert len(parsed) > 40  # all parsed again
    parsed.clear()
    monkeypatch.setattr(checked, "checker_fingerprint", lambda: "other-code")
    assert _items(load_dataset(data, CheckedFiles(cache))) == _items(second)
    assert len(parsed) > 40


def test_a_generated_page_a_handwritten_page_links_to_is_never_left_out():
    """MkDocs resolves `[..](x/index.md)` in a hand-written page only if x/index.md is one of its
    files: such a page is always given to MkDocs, never reused (disclosure_mkdocs.files.linked_from)."""
    from types import SimpleNamespace

    from disclosure_mkdocs.files import linked_from

    pages = [SimpleNamespace(src_uri="about.md", content_string="见[通报](jinpu-2019/index.md#top)与[数据](data/index.md)"),
             SimpleNamespace(src_uri="guide/how.md", content_string="[事项](<../jinpu-2019/items/1/index.md>) [外链](https://x.cn/a.md)")]
    files = SimpleNamespace(documentation_pages=lambda: pages)
    assert linked_from(files) == {"jinpu-2019/index.md", "data/index.md", "jinpu-2019/items/1/index.md"}


def _preview_build(data: Path, folders, last=None, as_of: dt.date = AS_OF):
    from disclosure.buildcache import notice_keys
    from disclosure.site import site_nav, template_context
    from disclosure.gitinfo import History
    dataset = load_dataset(data, folders=folders)
    history = History()
    context = BuildContext(as_of, "测试站", history=history)
    keys = notice_keys(dataset, context, template_context(dataset, context), site_nav(dataset), "code-1")
    return build_site(dataset, context, keys=keys, last=last)


def _everything(site) -> dict:
    out = {p.src_uri: (p.title, p.html) for p in site.pages}
    out.update({path: content for path, content in site.files.items()})
    out.update({path: content for path, content in site.sitemap_files([]).items()})
    return out


def test_a_preview_rebuild_reuses_unchanged_notices_and_equals_a_build_from_scratch(tmp_path):
    """The preview (validate.LoadedFolders, build_site(last=)) keeps each untouched notice's Notice and
    parts; whatever it reuses, the site is the one a fresh process builds from the same files."""
    from disclosure.validate import LoadedFolders
    data = write_test_data(tmp_path / "data")
    follow_up = data / "notices" / "follow-up"  # a linked pair: editing one redoes both
    shutil.copytree(data / "notices" / SAMPLE, follow_up)
    notice = yaml.safe_load((follow_up / "notice.yml").read_text("utf-8"))
    notice.update(id="follow-up", follows=SAMPLE, issued="2024-08-30", published="2024-08-30")
    (follow_up / "notice.yml").write_text(yaml.safe_dump(notice, allow_unicode=True), "utf-8")
    folders = LoadedFolders()
    first = _preview_build(data, folders)
    item = follow_up / "items" / "1.yml"
    item.write_text(item.read_text("utf-8").replace("status: partly_done", "status: done"), "utf-8")
    second = _preview_build(data, folders, last=first)
    fresh = build_site(load_dataset(data), BuildContext(AS_OF, "测试站"))
    assert second.dataset.notice("jinpu-2019") is first.dataset.notice("jinpu-2019")  # folder not read again
    assert second.dataset.notice("follow-up") is not first.dataset.notice("follow-up")
    assert second.parts["jinpu-2019"] is first.parts["jinpu-2019"]
    assert second.parts[SAMPLE] is not first.parts[SAMPLE]  # linked to the edited notice
    # problems are linked again only in the edited group (series.problems); the rest are the same objects
    mine = lambda site, notice: [p for p in site.dataset.problems if p.root.notice.id == notice]  # noqa: E731
    assert all(a is b for a, b in zip(mine(second, "jinpu-2019"), mine(first, "jinpu-2019"), strict=True))
    assert not any(a is b for a, b in zip(mine(second, SAMPLE), mine(first, SAMPLE), strict=True))
    # a paged portal body is rendered again only if its inputs changed (render.Bodies): a status
    # change moves the directory's figures but not 最近更新 (no update record was added)
    body = lambda site, url: site.bodies.now[url][1]  # noqa: E731
    assert body(second, "updates/") is body(first, "updates/")
    assert body(second, "notices/") is not body(first, "notices/")
    assert _everything(second) == _everything(fresh) != _everything(first)
    assert second.records == fresh.records
    assert page_keys(second, "code-1") == page_keys(fresh, "code-1")
    # a new day: nothing is reused, and still the same as from scratch
    third = _preview_build(data, folders, last=second, as_of=AS_OF + dt.timedelta(days=40))
    assert not any(third.parts[i] is second.parts[i] for i in third.parts)
    assert mine(third, "jinpu-2019")[0] is mine(second, "jinpu-2019")[0]  # a problem does not depend on the date
    assert body(third, "updates/") is not body(second, "updates/")  # every page shows the date
    assert _everything(third) == _everything(build_site(load_dataset(data), BuildContext(AS_OF + dt.timedelta(days=40), "测试站")))


def test_a_watched_preview_reads_again_only_the_folders_it_is_told_of(tmp_path):
    """validate.LoadedFolders with a watcher (the preview's, hook on_serve): the first load after
    `watch` checks every folder; later loads only those `changed` names (None: all of them)."""
    from disclosure.validate import LoadedFolders
    data = write_test_data(tmp_path / "data")
    folders = LoadedFolders()
    first = load_dataset(data, folders=folders)
    item = data / "notices" / SAMPLE / "items" / "1.yml"
    folders.watch()
    item.write_text(item.read_text("utf-8").replace("status: partly_done", "status: done"), "utf-8")
    second = load_dataset(data, folders=folders)  # before the watcher could tell: checked anyway
    assert second.notice(SAMPLE) is not first.notice(SAMPLE)
    item.write_text(item.read_text("utf-8").replace("status: done", "status: partly_done"), "utf-8")
    assert load_dataset(data, folders=folders).notice(SAMPLE) is second.notice(SAMPLE)  # not told: trusted
    folders.changed(SAMPLE)
    third = load_dataset(data, folders=folders)
    assert third.notice(SAMPLE) is not second.notice(SAMPLE)
    assert third.notice("jinpu-2019") is first.notice("jinpu-2019")
    item.write_text(item.read_text("utf-8").replace("status: partly_done", "status: done"), "utf-8")
    folders.changed(None)  # a change it cannot place: every folder is checked
    assert load_dataset(data, folders=folders).notice(SAMPLE) is not third.notice(SAMPLE)
