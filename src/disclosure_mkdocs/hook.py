"""DisclosureHook: the state of one MkDocs process (a build, or a preview's successive rebuilds) and
a method per MkDocs event, each handing off to the library: disclosure (the data and the site),
files (what MkDocs is given), preview (what a preview keeps and how it watches), errorpages (what a
preview shows while the data has errors), reuse (a publish's reuse of the last build). No site
logic lives here."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from urllib.parse import unquote

from markupsafe import escape
from mkdocs.exceptions import PluginError

from disclosure import urls
from disclosure.checked import CheckedFiles
from disclosure.errors import DataErrors
from disclosure.gitinfo import read_history
from disclosure.site import BuildContext, Site, build_site
from disclosure.site.background import BackgroundFailed, BackgroundWriter
from disclosure.site.portal import nav_pages
from disclosure.validate import consistency_warnings, load_dataset

from . import shim
from .config import HookConfig
from .files import generated_file, given_pages, linked_from, page_file, static_only, unused_theme_scripts
from .preview import Preview
from .reuse import Reuse

log = logging.getLogger("mkdocs.hooks.disclosure")


class QuietDirtyWarning(logging.Filter):
    """`make serve` runs `mkdocs serve --dirty` on purpose (this hook tracks what changed, so the
    navigation and links are exact); MkDocs' warning that a dirty build is inaccurate does not apply."""

    def filter(self, record):
        return "'dirty' build" not in record.getMessage()


class DisclosureHook:
    def __init__(self):
        self.serving = False  # `mkdocs serve`
        self.dirty = False  # --dirty: MkDocs leaves files it is told are unmodified unwritten
        self.config: HookConfig | None = None
        self.site: Site | None = None  # built in on_config, used by the later events of the same build
        self.pages: dict = {}  # src_uri -> GeneratedPage, of the pages MkDocs is given
        self.reuse = Reuse()
        # `mkdocs serve --dirty` keeps this object between rebuilds: what each generated file was last
        # time lets MkDocs skip the unchanged ones (an edit to one item re-renders a few pages, not all)
        self.preview = Preview()
        self.background: BackgroundWriter | None = None  # the search index, written while pages render
        # the preview's last load found these: this rebuild writes the error page, not the site
        self.data_errors: DataErrors | None = None

    def on_startup(self, command, dirty):
        self.serving, self.dirty = command == "serve", dirty
        if dirty:
            quiet = QuietDirtyWarning()
            logging.getLogger("mkdocs.commands.build").addFilter(quiet)
            logging.getLogger("mkdocs.commands.serve").addFilter(quiet)
        if self.serving and dirty:
            log.info("预览:修改 data/ 里的文件并保存后,浏览器中的页面会自动刷新;只重新生成内容有变化的页面。")

    def on_config(self, config):
        self.config = HookConfig.read(config, os.environ)
        settings = self.config.settings
        if not settings.site_url and not self.serving:
            log.info("提醒:没有配置网站网址(site_url),二维码和订阅源中只有页面路径。预览可以不配置;"
                     "正式发布时必须配置(见 README 的“部署”)。")
        try:
            # a publish with a build cache: files unchanged since the last build are not parsed again
            checked = CheckedFiles(settings.build_cache) if settings.build_cache and not self.serving else None
            # the preview: folders untouched since the last rebuild are not read again
            dataset = load_dataset(settings.data_dir, checked, self.preview.folders if self.serving else None)
        except DataErrors as exc:
            if not self.serving:  # a publish (or CI) stops: nothing half right goes out
                raise PluginError("数据校验未通过，网站没有生成：\n" + exc.report()) from None
            return self._show_data_errors(config, exc)
        self.data_errors = None
        # the notice's own figures differ from its items (shown on the site); a preview rebuild repeats
        # only those of the notices it read again (at 1,000 notices the console had 3,000 lines a save)
        last = {n.id: n for n in self.site.dataset.notices} if self.serving and self.site is not None else {}
        for warning in consistency_warnings(dataset, [n for n in dataset.notices if last.get(n.id) is not n]):
            log.info(str(warning))
        history = read_history(settings.data_dir)
        self.reuse = Reuse(self.config, self.serving, self.dirty)
        context = BuildContext(settings.as_of, config.site_name, settings.site_url, history)
        notices = self.reuse.notice_keys(dataset, context)
        # the preview reuses what each notice whose key is unchanged put on the site last time
        self.site = build_site(dataset, context, keys=notices, last=self.site if self.serving else None)
        # the pages by name (MkDocs' events name them): a preview names only those it gives MkDocs (on_files)
        self.pages = {} if self.serving else {page.src_uri: page for page in self.site.pages}
        config.extra["disclosure"] = self.site.template_context
        self.preview.context_key = hash(repr((self.site.template_context, self.site.nav)))  # shared by every page
        self.reuse.plan(self.site, notices, self.pages)
        if self.reuse.cache is not None and self.dirty:
            # a publish (into a fresh folder MkDocs will not clean): the index, the longest single job,
            # starts now on the other core rather than after the open data and the files are made
            self._start_search_index(config.site_dir)
        # MkDocs' sitemap lists every page it is given, and reused pages are not given to it; ours
        # (disclosure.site.sitemap) lists them all, one file per notice.
        config.theme.static_templates.discard("sitemap.xml")
        if self.serving:
            self.preview.list_theme_once(config.theme)
        return config

    def _show_data_errors(self, config, exc: DataErrors):
        """The preview does not stop at a data error (MkDocs would log it in the terminal only and
        the browser would keep the old page): this rebuild writes no page, and every page of the
        preview becomes the error page (on_post_build), until a rebuild loads the data again."""
        log.error("数据有错误,网站暂未更新(浏览器中的每个页面都会列出这些问题;改正后保存文件,页面会自动刷新):\n"
                  + exc.report())
        self.data_errors, self.pages = exc, {}
        self._stop_background()
        self.preview.data_errors()
        self.preview.list_theme_once(config.theme)
        config.theme.static_templates.clear()  # 404.html and the sitemap need the site: not made
        return config

    def on_serve(self, server, config, builder):
        # the data folder is watched even when the first build found errors: fixing them rebuilds
        data_dir = self.config.settings.data_dir if self.config is not None else None
        self.preview.watch(server, data_dir, list(config.watch), config.docs_dir)
        return server

    def on_files(self, files, config):
        if self.data_errors is not None:  # the preview's error page: MkDocs renders no page
            return static_only(files, config.docs_dir)
        site, preview, reuse = self.site, self.preview, self.reuse
        if self.serving and preview.error_pages.showing:  # the hand-written pages hold the error page
            for file in files.documentation_pages(inclusion=lambda _: True):
                shim.always_write(file)
        config.nav = site.nav
        in_nav = set(nav_pages(site.nav))
        handwritten = [unquote(f.url) for f in files.documentation_pages()]  # File.url is percent-encoded
        # a generated page a hand-written one links to (`[..](x/index.md)`) must be a File for MkDocs to
        # resolve that link: never left out
        linked = linked_from(files)
        kept = preview.kept_notices(site, config.site_dir) if self.serving else set()
        given = given_pages(site, kept, linked)
        if self.serving:
            self.pages.update({page.src_uri: page for page in given})
        for url in set(handwritten):  # a hand-written page (e.g. docs/search.md) replaces the generated one
            page = self.pages.get(urls.src_uri(url))
            if page is not None and page.url == url:
                self.pages.pop(page.src_uri)
        portal = {page.src_uri for page in site.portal_pages if page.src_uri not in in_nav} if self.serving else set()
        for page in given:
            if page.src_uri not in self.pages:
                continue
            if page.src_uri in portal and preview.written_as_before(page, config.site_dir):
                continue  # preview: a portal page (e.g. 通报目录 page 7) whose file would not change
            if reuse.takes(page.src_uri, page.src_uri in linked):
                continue  # publish: linked from the last build once MkDocs is done
            file = page_file(config, page.src_uri, page.src_uri in in_nav)
            reuse.written(page.src_uri, file.dest_uri)
            files.append(file)
        # a notice's open data whose inputs are unchanged is read from the last build: a publish links
        # it afterwards; a preview leaves a kept notice's files where they are
        previous = reuse.previous_files(self.pages)
        left = {path for i in kept for path in site.notice_files(i)}
        # the preview writes the site-wide files (items.json, items.csv, feed.xml: every notice's data
        # joined, no page depends on them) in the background with the search index
        generated = {**site.generated_files(previous, self.config.settings.gzip_static, site_wide=not self.serving),
                     **site.sitemap_files(handwritten)}
        for path, content in generated.items():
            reuse.generated(path)
            if path in previous or path in left:
                continue
            files.append(preview.tracked(generated_file(config, path, content), content))
        for file in unused_theme_scripts(files, config.docs_dir):
            files.remove(file)
        if self.serving:  # the index and the site-wide files are functions of the notices' parts
            self._start_search_index(config.site_dir, hash(tuple((i, parts.key) for i, parts in site.parts.items())),
                                     site_wide=True)
        elif self.background is None:  # the index is a function of the records, as items.json is
            self._start_search_index(config.site_dir,
                                     hash(generated.get(urls.ITEMS_JSON) or generated.get(urls.ITEMS_JSON + ".gz")))
        return files

    def _start_search_index(self, site_dir: str, key=None, site_wide: bool = False):
        """key: what the index is a function of (the records) in a preview, where an unchanged index
        is not rebuilt; None: always built. site_wide: the site-wide files too (Site.site_wide_files)."""
        if key is not None and self.dirty and self.preview.index_unchanged(key, site_dir):
            return
        self._stop_background()  # `serve`: an edit arrived before the last index was finished
        self.preview.index_started(key)
        previous = self.reuse.previous_index()
        site, gzip_static = self.site, self.config.settings.gzip_static
        self.background = BackgroundWriter(lambda: {**(site.site_wide_files(gzip_static) if site_wide else {}),
                                                    **site.search_files(previous)}, Path(site_dir)).start()

    def _stop_background(self):
        if self.background:
            self.background.cancel()
            self.background = None

    def on_env(self, env, config, files):
        if self.serving:
            env.bytecode_cache = self.preview.compiled_templates
        return env

    def on_page_markdown(self, markdown, page, config, files):
        generated = self.pages.get(page.file.src_uri)
        if generated is None:
            return markdown
        page.meta["title"] = str(escape(generated.title))  # Material prints titles unescaped
        page.meta["hide"] = ["toc"]
        page.meta["article"] = generated.article
        page.meta["scripts"] = list(generated.scripts)
        return ""  # the body is prebuilt HTML: Markdown never sees data text

    def on_page_content(self, html, page, config, files):
        if page.file.src_uri not in self.pages:
            return html
        # MkDocs reads every page before it writes any: holding every body here would hold a whole
        # portal in memory. The body is rendered just before its page is written.
        return ""

    def on_page_context(self, context, page, config, nav):
        generated = self.pages.get(page.file.src_uri)
        if generated is not None:
            page.content = generated.html
        return context

    def on_post_page(self, output, page, config):
        if page.file.src_uri in self.pages:
            page.content = ""  # written: let it go
        return output

    def on_post_build(self, config):
        if self.data_errors is not None:  # the preview: every page shows the errors
            self.preview.error_pages.show(config.site_dir, self.data_errors.errors)
            return
        if self.serving:  # every page is written: the next rebuild may leave these out
            self.preview.error_pages.cleared(config.site_dir)
            self.preview.served_now(self.site)
            if self.background:  # the preview serves pages now; the index lands moments later
                threading.Thread(target=report_background, args=(self.background,), daemon=True).start()
                return  # kept: the next rebuild cancels it if it is still running
        self.reuse.link(Path(config.site_dir))  # while the index may still be being written
        try:
            if self.background:
                self.background.wait()
        except BackgroundFailed as exc:
            self.preview.forget()
            raise PluginError(f"搜索索引生成失败,网站没有完整生成:\n{exc}") from None
        finally:
            self.background = None
        self.reuse.record(Path(config.site_dir), self.pages)

    def on_build_error(self, error):
        self._stop_background()
        self.preview.forget()  # after a failed build nothing on disk can be trusted to be current

    def on_shutdown(self):
        """The preview stops (Ctrl+C) while the index may still be being written: stopped, not failed."""
        self._stop_background()


def report_background(writer: BackgroundWriter):
    try:
        writer.wait()
    except BackgroundFailed as exc:
        log.error(f"搜索索引生成失败:\n{exc}")
