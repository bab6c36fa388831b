"""The whole loaded data: the published notices (newest first), the withdrawn ones, owners.yml, and
what is computed across notices once per load — each problem across the notices that report on it
(series.Problem) and each notice's series. Above model.py (one notice) and series.py (linking
notices), so neither needs the other's import inside a function."""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Item, Notice
from .series import Problem, problems, series_of


@dataclass
class Dataset:
    notices: list[Notice]  # published notices, newest first
    owners: dict | None = None  # data/owners.yml as validated plain data (publishing reads it)
    withdrawn_notices: list[Notice] = field(default_factory=list)  # a page each says when and why
    site: dict | None = None  # site.yml as validated plain data (site/settings_file.py: the footer's operator, filings)

    @property
    def items(self) -> list[Item]:
        return [item for notice in self.notices for item in notice.items]

    def notice(self, notice_id: str) -> Notice:
        return next(n for n in self.notices if n.id == notice_id)

    @property
    def problems(self) -> list[Problem]:
        """Each problem once, across the notices that report on it (series.Problem): what site-wide
        figures, the directory, search and open data count."""
        return self._series()[0].all

    def problem_of(self, item: Item) -> Problem:
        return self._series()[0].of[id(item)]

    def series(self, notice: Notice) -> list[Notice]:
        """The notices of notice's inspection, oldest first: the first and every later one that follows it."""
        return self._series()[1][notice.id]

    def _series(self):
        """Problems, each item's problem and each notice's series, computed once per dataset (every
        page asks; per-call work here made a 1,000-notice portal quadratic). A dataset is not
        changed after loading. A preview's new load reuses its last load's problems where a linked
        group's notices are the same objects (reuse_problems)."""
        cached = self.__dict__.get("_problems")
        if cached is None:
            earlier = self.__dict__.pop("_earlier", None)  # not kept: loads would chain in memory
            # follows are walked through withdrawn notices too: withdrawing the middle notice of
            # three does not split the inspection in two
            by_id = {n.id: n for n in self.notices + self.withdrawn_notices}
            members: dict[str, list[Notice]] = {}
            for n in self.notices:
                members.setdefault(series_of(n, by_id)[0].id, []).append(n)
            series = {}
            for notices in members.values():
                ordered = sorted(notices, key=lambda n: (n.issued, n.id))  # the first published one leads
                for n in notices:
                    series[n.id] = ordered
            found = problems(self.notices, self.withdrawn_notices, earlier._series()[0] if earlier else None)
            cached = self.__dict__["_problems"] = (found, series)
        return cached

    def reuse_problems(self, earlier: "Dataset") -> None:
        """Before anything asks for problems: take them from earlier (the same portal's previous
        load) for each linked group whose notices are unchanged, the same Notice objects."""
        if "_problems" not in self.__dict__ and earlier is not self:
            self.__dict__["_earlier"] = earlier
