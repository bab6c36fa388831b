"""The "as of" date every computed fact (overdue, figures) refers to: the build date, unless
DISCLOSURE_AS_OF=YYYY-MM-DD fixes it (tests, reproducible builds, back-dated previews)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

ENV_NAME = "DISCLOSURE_AS_OF"


class AsOfError(ValueError):
    """The override is not a real date; the message is Chinese and says what to write."""


def parse_as_of(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AsOfError(f"环境变量 {ENV_NAME} 的值 “{text}” 不是有效日期。"
                        f"请写成 YYYY-MM-DD，例如 {ENV_NAME}=2026-11-26；不设置时按构建当天计算。") from None


def as_of_from_env(env: Mapping[str, str], today: dt.date | None = None) -> dt.date:
    text = env.get(ENV_NAME, "").strip()
    if not text:
        return today or dt.date.today()
    return parse_as_of(text)
