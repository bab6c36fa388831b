"""The MkDocs hook named in mkdocs.yml (`hooks:`): it forwards each MkDocs event to one
disclosure_mkdocs.hook.DisclosureHook, which holds the state of this MkDocs process (a build, or a
preview's rebuilds) and hands each event to the library. Nothing else lives here.

    src/disclosure/          the data and the site, as plain Python; never imports MkDocs
    src/disclosure_mkdocs/   everything that knows MkDocs: hook (the events), config (what is read
                             from mkdocs.yml and the environment), files (what MkDocs is given),
                             preview (`make serve`), reuse (a publish's build cache), shim (the only
                             code past MkDocs' public API)
    overrides/, mkdocs.yml   the theme's templates and the configuration

Moving to a MkDocs fork (ProperDocs 1.6.7) touches only hooks/, src/disclosure_mkdocs/, overrides/
and mkdocs.yml."""
from __future__ import annotations

from disclosure_mkdocs.hook import DisclosureHook

_hook = DisclosureHook()  # `mkdocs serve` loads this file once: the object lives across rebuilds


def on_startup(command, dirty):
    return _hook.on_startup(command, dirty)


def on_config(config):
    return _hook.on_config(config)


def on_serve(server, config, builder):
    return _hook.on_serve(server, config, builder)


def on_files(files, config):
    return _hook.on_files(files, config)


def on_env(env, config, files):
    return _hook.on_env(env, config, files)


def on_page_markdown(markdown, page, config, files):
    return _hook.on_page_markdown(markdown, page, config, files)


def on_page_content(html, page, config, files):
    return _hook.on_page_content(html, page, config, files)


def on_page_context(context, page, config, nav):
    return _hook.on_page_context(context, page, config, nav)


def on_post_page(output, page, config):
    return _hook.on_post_page(output, page, config)


def on_post_build(config):
    return _hook.on_post_build(config)


def on_build_error(error):
    return _hook.on_build_error(error)


def on_shutdown():
    return _hook.on_shutdown()
