"""The build's settings, read in one place: the hook, `bench/` and tests all call Settings.from_env.

    as_of     the date every computed fact (overdue, figures) refers to: the build date, unless
              DISCLOSURE_AS_OF=YYYY-MM-DD fixes it (tests, reproducible builds, back-dated previews)
    data_dir  the data folder: DISCLOSURE_DATA (relative to the project), default data/
    site_url  the public address. QR codes and feeds leave the site, so they need a full URL; pages
              never do (they link page-relatively). MkDocs' `site_url` wins, else DISCLOSURE_SITE_URL,
              else '' (unknown: those outputs carry site-relative paths).
    build_cache  DISCLOSURE_BUILD_CACHE: the folder of the build cache (disclosure.buildcache), set by the publish
              hooks; unset: every page is rendered"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import environment, layout

AS_OF_ENV = environment.AS_OF
DATA_ENV = environment.DATA
SITE_URL_ENV = environment.SITE_URL
PRODUCTION_ENV = environment.PRODUCTION
BUILD_CACHE_ENV = environment.BUILD_CACHE
GZIP_STATIC_ENV = environment.GZIP_STATIC
DEFAULT_DATA = layout.DATA


class AsOfError(ValueError):
    """The override is not a real date; the message is Chinese and says what to write."""


def parse_as_of(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AsOfError(f"环境变量 {AS_OF_ENV} 的值 “{text}” 不是有效日期。"
                        f"请写成 YYYY-MM-DD，例如 {AS_OF_ENV}=2026-11-26；不设置时按构建当天计算。") from None


def as_of_from_env(env: Mapping[str, str], today: dt.date | None = None) -> dt.date:
    text = env.get(AS_OF_ENV, "").strip()
    if not text:
        return today or dt.date.today()
    return parse_as_of(text)


def normal_site_url(value: str | None) -> str:
    value = (value or "").strip()
    return value.rstrip("/") + "/" if value else ""


@dataclass(frozen=True)
class Settings:
    as_of: dt.date
    data_dir: Path
    site_url: str = ""  # '' when unknown; else ends with /
    production: bool = False  # building the public site: it must know its address
    build_cache: Path | None = None  # where the last build's reusable pages are (disclosure.buildcache)
    # the web server sends X.gz for X (deploy/nginx.conf: gzip_static, gunzip): the site's largest
    # files, items.json and items.csv, are then kept compressed only (open_data.GZIP_ONLY)
    gzip_static: bool = False

    def missing_address(self) -> str:
        """The Chinese refusal of a production build without an address ('' when all is well)."""
        if not self.production or self.site_url:
            return ""
        return ("正式发布的网站必须配置自己的网址:页面上的二维码、订阅源和打印公示单都要写完整地址,否则市民扫码打不开。"
                f"请在 mkdocs.yml 中写 site_url: https://您的网址/,或设置环境变量 {SITE_URL_ENV}=https://您的网址/;"
                "自建服务器请重新运行 disclosure server-setup 并加上 --site-url https://您的网址/。网站没有生成,线上网站保持不变。")

    @classmethod
    def from_env(cls, env: Mapping[str, str], project: Path, site_url: str | None = None,
                 today: dt.date | None = None) -> "Settings":
        """project: the folder holding mkdocs.yml; site_url: MkDocs' own setting, if any."""
        data = project / (env.get(DATA_ENV, "").strip() or DEFAULT_DATA)
        production = env.get(PRODUCTION_ENV, "").strip() not in ("", "0")
        cache = env.get(BUILD_CACHE_ENV, "").strip()
        gzip_static = env.get(GZIP_STATIC_ENV, "").strip() not in ("", "0")
        return cls(as_of_from_env(env, today), data, normal_site_url(site_url or env.get(SITE_URL_ENV)), production,
                   Path(cache) if cache else None, gzip_static)
