"""The MkDocs side of the site: everything that knows MkDocs (and its file watcher) lives in this
package; `disclosure` never imports it, and never imports MkDocs. hooks/disclosure_site.py, the hook
mkdocs.yml names, only forwards each event to hook.DisclosureHook.

    hook     DisclosureHook: the state of one MkDocs process and a method per event, each handing
             off to the pieces below and to disclosure (load, build_site, buildcache)
    config   HookConfig: what is read from mkdocs.yml and the environment, typed
    files    what MkDocs is given: generated pages and files (File.generated), links into them
    preview  `mkdocs serve --dirty`: what is kept between rebuilds (unchanged notices, files and
             templates are not made again) and watching by change notification
    errorpages  what the preview shows while the data has errors: a Chinese page listing them in
             place of every page, until a rebuild succeeds
    reuse    a publish with a build cache: pages linked from the last build, the cache recorded
    shim     the only code that reaches past MkDocs' public API (LiveReloadServer's private
             attributes, Theme.get_env, File.is_modified), each function naming the limit it works
             around

Moving to a MkDocs fork (ProperDocs 1.6.7, which keeps MkDocs 1.6's module layout under the name
`properdocs`) touches only hooks/, src/disclosure_mkdocs/, overrides/ and mkdocs.yml."""
