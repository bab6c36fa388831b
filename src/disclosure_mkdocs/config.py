"""What the hook reads from MkDocs' config (mkdocs.yml as MkDocs validated it) and the environment,
once per build, typed: the rest of the package never reads MkDocs' config for these."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from mkdocs.exceptions import PluginError

from disclosure.site import Settings
from disclosure.site.settings import AsOfError


@dataclass(frozen=True)
class HookConfig:
    settings: Settings  # as-of date, data folder, site address, build cache (disclosure.site.settings)
    project: Path  # the folder holding mkdocs.yml
    site_name: str
    site_dir: str
    docs_dir: str
    directory_urls: bool  # use_directory_urls: where a page's file is

    @classmethod
    def read(cls, config, environ: Mapping[str, str]) -> HookConfig:
        """Settings from the environment (DISCLOSURE_AS_OF, DISCLOSURE_DATA, DISCLOSURE_SITE_URL) and
        mkdocs.yml's site_url, the same way `bench/` reads them. A bad date or a missing address
        stops the build with MkDocs' PluginError (one line, no traceback)."""
        project = Path(config.config_file_path).parent
        try:
            settings = Settings.from_env(environ, project, site_url=config.site_url)
        except AsOfError as exc:
            raise PluginError(str(exc)) from None
        if settings.missing_address():
            raise PluginError(settings.missing_address())
        return cls(settings, project, config.site_name, config.site_dir, config.docs_dir, config.use_directory_urls)
