"""A publish with a build cache (`mkdocs build --dirty`, DISCLOSURE_BUILD_CACHE): which generated
pages and open data files are linked from the last build instead of given to MkDocs, by
disclosure.buildcache's dependency rules (notice_keys, page_keys, the one set of them); linking
them once MkDocs is done, and recording this build for the next. The preview uses only the notice
keys (it leaves out whole notices, preview.Preview)."""
from __future__ import annotations

import logging
from pathlib import Path

from disclosure.buildcache import BuildCache, fingerprint, link_reused, notice_keys, page_keys
from disclosure.site import BuildContext, site_nav, template_context

from .config import HookConfig

log = logging.getLogger("mkdocs.hooks.disclosure")


class Reuse:
    """One build's reuse: made afresh by every on_config."""

    def __init__(self, config: HookConfig | None = None, serving: bool = False, dirty: bool = False):
        self.config, self.serving, self.dirty = config, serving, dirty
        self.code = ""  # buildcache.fingerprint, when keys are computed
        self.cache: BuildCache | None = None  # a publish with a build cache
        self.keys: dict[str, str | None] = {}  # src_uri (or open data path) -> its key (page_keys)
        self.reused: dict[str, tuple[str, str]] = {}  # src_uri -> (the last build's file, its path in the site)
        self.dests: dict[str, str] = {}  # src_uri -> the page's file in the site folder

    def notice_keys(self, dataset, context: BuildContext) -> dict[str, str] | None:
        """buildcache.notice_keys for a build that reuses work (the preview, a publish with a cache)."""
        settings = self.config.settings
        if not self.serving and settings.build_cache is None:
            return None
        self.code = fingerprint(self.config.project, settings, self.config.directory_urls)
        return notice_keys(dataset, context, template_context(dataset, context), site_nav(dataset), self.code)

    def plan(self, site, notices: dict[str, str] | None, pages: dict) -> None:
        """A publish with a cache: unchanged pages are linked from it (only a dirty build leaves
        unmodified pages unwritten; a clean one renders all and reuses none)."""
        if notices is None or self.serving:  # the preview leaves out whole notices by their key (on_files)
            return
        self.keys = page_keys(site, self.code, notices)
        self.cache = BuildCache(self.config.settings.build_cache)
        self.reused = self.cache.reusable(self.keys, self.code) if self.dirty else {}
        reused = self.reused_pages(pages)
        log.info(f"增量生成:{reused} 个页面内容未变、直接沿用,其余 {len(pages) - reused} 个重新生成。")

    def reused_pages(self, pages: dict) -> int:
        return sum(1 for src_uri in self.reused if src_uri in pages)  # reused holds open data files too

    def takes(self, src_uri: str, linked: bool) -> bool:
        """Whether a page is linked from the last build once MkDocs is done (not given to MkDocs).
        linked: a hand-written page links to it, so MkDocs must have it: never reused."""
        if linked:
            self.reused.pop(src_uri, None)
        if src_uri not in self.reused:
            return False
        self.dests[src_uri] = self.reused[src_uri][1]
        return True

    def written(self, src_uri: str, dest_uri: str) -> None:
        """MkDocs writes this page (or file) to dest_uri: recorded for the next build."""
        self.dests[src_uri] = dest_uri

    def previous_files(self, pages: dict) -> dict[str, str]:
        """A notice's open data whose inputs are unchanged: path -> the last build's copy."""
        return {path: cached for path, (cached, _rel) in self.reused.items() if path not in pages}

    def generated(self, path: str) -> None:
        if path in self.keys:  # a notice's open data: recorded for the next build
            self.written(path, path)

    def previous_index(self) -> Path | None:
        return self.cache.previous_index(self.code) if self.cache is not None else None

    def link(self, site_dir: Path) -> None:
        if self.cache is not None:
            link_reused(self.reused, site_dir)

    def record(self, site_dir: Path, pages: dict) -> None:
        if self.cache is None:
            return
        try:
            self.cache.record(self.code, self.keys, self.dests, site_dir, self.reused_pages(pages), len(pages))
        except OSError as exc:  # the cache only saves work: without it the next build renders all (info, not
            # warning: --strict would turn a warning into a failed publish)
            log.info(f"构建缓存无法写入({exc.strerror or exc}),下次发布将完整生成;本次网站不受影响。")
