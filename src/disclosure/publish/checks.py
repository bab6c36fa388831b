"""What a push may change, checked in the hook from git's listings alone, before anything is built:
which refs, no rewritten history, no future commit dates, file names, the paths the account owns,
no links under data/, file sizes. What the pushed data *says* (history, links, dates) is parsed in
the bounded build (pushcheck.py), never in the hook that holds the publish lock."""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass

from ..access import MAX_DATA_FILE, Owners, path_refusals, unsafe_path
from ..errors import DataError
from ..layout import DATA_ROOT, OWNERS_PATH
from ..validate import owners_from_bytes
from .server import ZERO, Pusher, Refused, Server

MAX_YAML_FILE = 2_000_000  # bytes; a notice.yml of 44 items is 22 KB: larger YAML is refused before parsing
PUSH_DATA_MAX = 100_000_000  # bytes of changed data files in one push (a portal's whole data is larger)


@dataclass(frozen=True)
class PushChecks:
    """The checks of pushes to one server (its branch, its setup admins, its repository)."""

    server: Server

    def owners(self, commit: str) -> Owners:
        """owners.yml of the published branch (the push being checked cannot change who decides)."""
        if commit == ZERO:
            return Owners.parse(None, self.server.admins)
        raw = self.server.read_blobs([f"{commit}:{OWNERS_PATH}"])[f"{commit}:{OWNERS_PATH}"]
        return Owners.parse(owners_from_bytes(raw, OWNERS_PATH) if raw is not None else None, self.server.admins)

    def ref_refusal(self, ref: str, admin: bool) -> str:
        """Why this account may not update `ref` ("" if it may). Only the published branch builds the
        site; anything else a push stores stays in the repository for ever (deletion is refused), so
        staff push main only. A replace ref makes git read one object as another: nobody pushes one."""
        branch = self.server.branch
        if ref == self.server.ref:
            return ""
        if ref.startswith("refs/replace/"):
            return (f"不能推送替换引用 {ref}:它会让服务器把一个提交(或文件)当作另一个来读,任何账号都不能推送。"
                    "请用 disclosure publish 发布(它只推送 main 分支)。")
        if not admin:
            return (f"工作人员账号只能推送 {branch} 分支,不能推送 {ref}(其他分支、标签、notes 会永久留在服务器上,"
                    f"却不会发布)。请用 disclosure publish 发布(它只推送 {branch} 分支)。")
        return ""

    def check(self, old: str, new: str, pusher: Pusher) -> Owners:
        """Refuse (before any build) what this account may not push. Raises Refused. Sets pusher.admin.
        Returns the owners the push was decided by (the build's pushcheck applies the same ones)."""
        if old != ZERO and not self.server.is_ancestor(old, new):
            raise Refused("rewrite", f"不能改写已发布的历史(强制推送 --force 或 amend 过的提交)。{self.server.branch} "
                          "只能在原有提交之后追加新提交。\n"
                          "怎么办:运行 disclosure publish,它先取回同事的修改,把您的修改接在后面再发布;不要强制推送。")
        owners = self.owners(old)
        pusher.admin = owners.is_admin(pusher.account)
        paths = self.touched_paths(old, new)
        unsafe = [DataError(p, 0, 0, "", f"{why},不能推送。请改文件名。") for p in paths if (why := unsafe_path(p))]
        if unsafe:
            raise Refused("invalid", "文件名不合规:\n" + "\n".join(str(p) for p in unsafe))
        future = self.future_commits(old, new)
        if future:
            raise Refused("future-date", f"提交 {future[0][:12]} 的日期晚于今天(电脑时间设置有误?)。"
                          "请校正电脑的日期和时间后,再运行一次 disclosure publish。")
        problems = path_refusals(pusher.account, owners, paths)
        if problems:
            raise Refused("not-allowed", f"账号 “{pusher.account}” 无权推送以下修改(网站没有运行其中的任何内容):\n"
                          + "\n".join(str(p) for p in problems))
        links = self.link_refusals(new)
        if links:
            raise Refused("invalid", "数据检查未通过:\n" + "\n".join(str(p) for p in links))
        net = self.changed_paths(old, new)
        sizes = self.blob_sizes(new, [p for p in net if p.startswith(DATA_ROOT)])
        big = [DataError(p, 0, 0, "", f"文件太大({size / 1_000_000:.1f} MB),上限 {limit // 1_000_000} MB。"
                         + ("数据文件(.yml)应当只有几十 KB:请检查是否误贴了大量内容。" if p.endswith(".yml") else ""))
               for p, size in sizes.items() if size > (limit := MAX_YAML_FILE if p.endswith(".yml") else MAX_DATA_FILE)]
        if sum(sizes.values()) > PUSH_DATA_MAX:
            big.append(DataError(DATA_ROOT, 0, 0, "", f"这次推送改动的数据文件共 {sum(sizes.values()) // 1_000_000} MB,"
                                 f"超过一次推送的上限 {PUSH_DATA_MAX // 1_000_000} MB。请分几次推送,或联系管理员。"))
        if big:
            raise Refused("invalid", "数据检查未通过:\n" + "\n".join(str(p) for p in big))
        # What the pushed data *says* (history, links, dates) is parsed in the bounded build (pushcheck).
        return owners

    # ---- git's listings of a push ------------------------------------------------------------------

    def changed_paths(self, old: str, new: str) -> list[str]:
        """Net change old..new (what the history rules compare)."""
        if old == ZERO:
            listing = self.server.git("ls-tree", "-r", "-z", "--name-only", new)
        else:
            listing = self.server.git("diff", "--no-renames", "-z", "--name-only", old, new)
        return [p for p in listing.split("\0") if p]

    def pushed_commits(self, old: str, new: str) -> list[str]:
        return self.server.git("rev-list", new, *([] if old == ZERO else [f"^{old}"])).split()

    def touched_paths(self, old: str, new: str) -> list[str]:
        """Every path any pushed commit touches, not only the net change: a commit that edits another
        department's file and a later one that reverts it still touched that file."""
        paths = set(self.changed_paths(old, new))
        for commit in self.pushed_commits(old, new):
            listing = self.server.git("diff-tree", "-r", "-m", "--root", "--no-commit-id", "--no-renames",
                                      "--name-only", "-z", commit)
            paths.update(p for p in listing.split("\0") if p)
        return sorted(paths)

    def future_commits(self, old: str, new: str) -> list[str]:
        """Commits dated more than a day ahead: their date would show as 数据更新于 on the pages."""
        limit = time.time() + 24 * 3600
        out = []
        for line in self.server.git("log", "--format=%H %ct", new, *([] if old == ZERO else [f"^{old}"])).splitlines():
            commit, stamp = line.split()
            if int(stamp) > limit:
                out.append(commit)
        return out

    def blob_sizes(self, commit: str, paths: list[str]) -> dict[str, int]:
        if not paths:
            return {}
        done = subprocess.run(["git", f"--git-dir={self.server.git_dir}", "cat-file", "--batch-check=%(objectsize)"],
                              input="".join(f"{commit}:{p}\n" for p in paths).encode("utf-8", "surrogateescape"),
                              capture_output=True, check=True)
        sizes = {}
        for path, line in zip(paths, done.stdout.decode().splitlines()):
            if line.strip().isdigit():
                sizes[path] = int(line)
        return sizes

    def link_refusals(self, commit: str) -> list[DataError]:
        """Symlinks and submodules under data/: git stores them, the validator would never see them
        in a checkout built with tarfile's data filter, and a link could publish a server file."""
        listing = self.server.git("ls-tree", "-r", "-z", commit, "--", DATA_ROOT.rstrip("/"))
        out = []
        for entry in filter(None, listing.split("\0")):
            meta, _, path = entry.partition("\t")
            if meta.split()[0] in ("120000", "160000"):
                out.append(DataError(path, 0, 0, "", "是符号链接(或子模块),不是普通文件。数据文件夹里只能放普通文件:"
                                     "请删除这个链接(git rm),把需要的内容作为普通文件提交。"))
        return out
