"""`disclosure publish -m "说明"`: the one command staff run after editing data/.

It shows what changed (by notice, in Chinese), validates the data, commits the data/ changes,
catches up with the server by rebasing onto the branch the clone tracks (never a merge commit),
pushes, and prints the server's answer. Whatever goes wrong, the person is told in Chinese what
happened and what to do, and their edits stay in the working copy: a conflict or a refused push
undoes the command's commit without touching a file. git runs with LC_ALL=C and its output is
captured, so no English git line reaches the screen; an unexpected git failure is shown in Chinese
with git's own words under a "技术信息" heading for the technical staff.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataErrors
from .layout import NOTICES
from .usererror import UserError
from .validate import consistency_warnings, load_dataset

DATA = "data"
TECH = "技术信息(请转给技术人员)"
PUSH_ATTEMPTS = 3  # a colleague publishing between our fetch and push: catch up again, at most this often
# what git itself says on the server side (progress), never the hook's words
GIT_PROGRESS = re.compile(r"^(Counting|Compressing|Resolving|Total|Enumerating|Writing|Delta|Unpacking|"
                          r"Receiving|Processing|To |error: failed to push)")


class GitFailed(Exception):
    def __init__(self, args: tuple[str, ...], output: str):
        super().__init__(output)
        self.args_ = args
        self.output = output


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(LC_ALL="C", LANG="C", LANGUAGE="C", GIT_PAGER="cat", GIT_EDITOR="true", GIT_MERGE_AUTOEDIT="no")
    return env


@dataclass
class Git:
    root: Path

    def run(self, *args: str, check: bool = True, data: bytes | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run(["git", *args], cwd=self.root, env=git_env(), input=data, capture_output=True)
        done.out = done.stdout.decode("utf-8", errors="replace")
        done.err = done.stderr.decode("utf-8", errors="replace")
        if check and done.returncode != 0:
            raise GitFailed(args, (done.out + done.err).strip())
        return done

    def text(self, *args: str) -> str:
        return self.run(*args).out.strip()

    def ok(self, *args: str) -> bool:
        return self.run(*args, check=False).returncode == 0


def failure(what: str, exc: GitFailed) -> UserError:
    """An unexpected git failure: Chinese first, git's words only under the technical heading."""
    return UserError(f"{what}\n\n{TECH}:\n  git {' '.join(exc.args_)}\n"
                     + "\n".join("  " + line for line in exc.output.splitlines()))


# ---- what changed ---------------------------------------------------------------------------------

@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # paths outside data/: staff do not change code
    unmerged: list[str] = field(default_factory=list)

    def data_paths(self) -> list[str]:
        return sorted(self.added + self.changed + self.removed)

    def notices(self) -> set[str]:
        return {p.split("/")[2] for p in self.data_paths() if p.startswith(f"{DATA}/{NOTICES}/") and p.count("/") >= 3}

    def describe(self) -> str:
        groups: dict[str, list[str]] = {}
        for word, paths in (("新增", self.added), ("修改", self.changed), ("删除", self.removed)):
            for path in paths:
                parts = path.split("/")
                key = (f"通报 {parts[2]}" if len(parts) > 3 and parts[1] == NOTICES else "其他数据文件")
                groups.setdefault(key, []).append(f"    {word} {path}")
        lines = []
        for key in sorted(groups):
            lines.append(f"  {key}:")
            lines.extend(sorted(groups[key], key=lambda line: line.split(" ", 5)[-1]))
        return "\n".join(lines)


def read_changes(git: Git) -> Changes:
    """From `git status --porcelain -z`: every change in the working copy and the index."""
    raw = git.run("status", "--porcelain", "-z", "--untracked-files=all").out
    entries = raw.split("\0")
    out, i = Changes(), 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        xy, path = entry[:2], entry[3:]
        paths = [path]
        if "R" in xy or "C" in xy:  # renamed/copied: the original path follows
            paths.append(entries[i])
            i += 1
        if "U" in xy or xy in ("AA", "DD"):
            out.unmerged.append(path)
            continue
        for p in paths:
            if not (p == DATA or p.startswith(DATA + "/")):
                out.outside.append(p)
        if xy == "??" or "A" in xy:
            out.added.append(path)
        elif "D" in xy:
            out.removed.append(path)
        elif "R" in xy:
            out.added.append(path)
            out.removed.append(paths[1])
        else:
            out.changed.append(path)
    return out


# ---- the command ----------------------------------------------------------------------------------

@dataclass
class Publisher:
    git: Git
    say: callable = print

    # -- where: the clone, its branch, the server's branch
    @classmethod
    def here(cls, start: Path, say=print) -> "Publisher":
        probe = Git(start)
        try:
            root = Path(probe.text("rev-parse", "--show-toplevel"))
        except (GitFailed, OSError):
            raise UserError("这里不是网站项目的文件夹(找不到 git 仓库)。请先进入项目文件夹(如 cd disclosure)再运行。")
        return cls(Git(root), say)

    def tracking(self) -> tuple[str, str, str]:
        """(local branch, remote, the server's branch) — the branch the clone tracks, default origin/main."""
        local = self.git.run("symbolic-ref", "-q", "--short", "HEAD", check=False).out.strip()
        if not local:
            raise UserError("当前不在任何分支上(可能之前手工运行过 git 命令)。请联系技术人员恢复到 main 分支。")
        remote = self.git.run("config", f"branch.{local}.remote", check=False).out.strip() or "origin"
        merge = self.git.run("config", f"branch.{local}.merge", check=False).out.strip()
        branch = merge.removeprefix("refs/heads/") if merge else "main"
        if not self.git.run("remote", check=False).out.split():
            raise UserError("这个项目文件夹没有登记服务器地址,无法发布。请向技术人员要仓库地址,按指南“准备工作”重新下载项目。")
        return local, remote, branch

    def git_path(self, name: str) -> Path:
        path = Path(self.git.text("rev-parse", "--git-path", name))
        return path if path.is_absolute() else self.git.root / path

    def unfinished_git_operation(self) -> bool:
        return any(self.git_path(name).exists()
                   for name in ("rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD"))

    def index_file(self) -> Path:
        return self.git_path("index")

    def discard(self, files: list[str]) -> None:
        """Give up this clone's changes to `files`: each is kept under the git folder
        first, then put back as committed; the next catch-up brings the colleague's version."""
        stamp = self.git.text("rev-parse", "--short", "HEAD") + "-" + str(os.getpid())
        keep = self.git_path("disclosure-discarded") / stamp
        for name in files:
            path = (Path.cwd() / name).resolve()
            try:
                rel = path.relative_to(self.git.root.resolve()).as_posix()
            except ValueError:
                raise UserError(f"{name} 不在项目文件夹里。") from None
            if path.is_file():
                (keep / rel).parent.mkdir(parents=True, exist_ok=True)
                (keep / rel).write_bytes(path.read_bytes())
            if self.git.ok("cat-file", "-e", f"HEAD:{rel}"):
                self.git.run("checkout", "-q", "HEAD", "--", rel)
                self.git.run("reset", "-q", "--", rel, check=False)
            elif path.is_file():
                self.git.run("rm", "-q", "--cached", "--ignore-unmatch", "--", rel, check=False)
                path.unlink()
            self.say(f"已放弃您对 {rel} 的修改(您的版本另存在 {keep / rel})。")

    # -- the steps
    def publish(self, message: str | None) -> int:
        git = self.git
        local, remote, branch = self.tracking()
        upstream = f"{remote}/{branch}"
        if self.unfinished_git_operation():
            raise UserError("项目文件夹里有一次没有完成的 git 合并或变基(可能之前手工运行过 git 命令)。"
                            "为免弄乱您的修改,本命令没有做任何事。请联系技术人员处理(见指南附录)。")
        changes = read_changes(git)
        if changes.unmerged:
            raise UserError("以下文件处于“冲突未解决”状态,本命令没有做任何事:\n"
                            + "\n".join(f"  {p}" for p in changes.unmerged) + "\n请联系技术人员处理(见指南附录)。")
        if changes.outside:
            raise UserError("未发布:以下文件不在 data/ 文件夹里。工作人员只修改 data/ 里的数据,"
                            "网站程序和配置由管理员修改:\n" + "\n".join(f"  {p}" for p in sorted(set(changes.outside)))
                            + "\n请撤销对这些文件的修改(不知道怎么做时请联系技术人员,或见指南附录),"
                              "再运行 disclosure publish。")
        has_upstream = git.ok("rev-parse", "--verify", "-q", f"refs/remotes/{upstream}")
        unpushed = int(git.text("rev-list", "--count", f"{upstream}..HEAD")) if has_upstream else 1
        if not changes.data_paths() and not unpushed:
            self.say("没有需要发布的修改:data/ 里的文件与上次发布时相同。")
            return self.catch_up_only(remote, branch, upstream)
        if changes.data_paths():
            self.say("您修改了以下文件:")
            self.say(changes.describe())
        else:
            self.say(f"没有新的修改;有 {unpushed} 次已保存但还没有发布的提交,现在发布。")

        self.check_data(changes)

        saved_index = self.index_file().read_bytes() if self.index_file().exists() else None
        before = git.text("rev-parse", "HEAD")
        committed = False
        if changes.data_paths():
            try:
                git.run("add", "-A", "--", DATA)
                git.run("commit", "-q", "--no-verify", "-m", message or default_message(changes))
            except GitFailed as exc:
                self.restore(before, saved_index)
                if "Please tell me who you are" in exc.output or "empty ident" in exc.output:
                    raise UserError("未发布:还没有设置您的姓名和邮箱(发布记录里要写明是谁提交的)。"
                                    "请按指南“准备工作”第 2 步设置后,再运行 disclosure publish。") from None
                raise failure("未发布:保存修改(提交)时出错,您的修改仍在文件里,没有丢失。", exc) from None
            committed = True
            self.say("数据检查通过,修改已保存为一次提交。")

        rebased = False  # our commit sits on a colleague's commit now (not on `before`'s parent)
        undo = (lambda: self.undo_commit(rebased, before, saved_index)) if committed else (lambda: None)
        for attempt in range(PUSH_ATTEMPTS):
            self.fetch(remote, branch, undo)
            rebased = self.rebase(upstream, undo) or rebased
            result = git.run("push", "--porcelain", remote, f"HEAD:refs/heads/{branch}", check=False)
            server = server_lines(result.err)
            if server:
                self.say("服务器的答复:")
                self.say("\n".join("  " + line if line else "" for line in server))
            if result.returncode == 0:
                self.say("发布完成。刷新网站即可看到修改。" if any("发布成功" in l for l in server)
                         else "已推送到服务器。")
                return 0
            if stale(result.out + result.err) and attempt + 1 < PUSH_ATTEMPTS:
                self.say("同事刚刚也发布了修改,正在重新取回并再试一次……")
                continue
            undo()
            if "pre-receive hook declined" in result.out + result.err or server:
                raise UserError("未发布:服务器拒绝了这次发布(原因见上面“服务器的答复”),网站没有任何变化。\n"
                                "您的修改仍在电脑上的文件里,没有丢失。请按服务器的提示改好后,再运行 disclosure publish。")
            if stale(result.out + result.err):
                raise UserError("未发布:同事们正在接连发布,几次重试都没有赶上。您的修改仍在文件里,请稍等一分钟再运行 "
                                "disclosure publish。")
            raise failure("未发布:推送到服务器时出错,网站没有变化。您的修改仍在文件里,没有丢失。"
                          "请检查网络后再运行 disclosure publish;仍不行时请把下面的信息发给技术人员。",
                          GitFailed(("push", remote, f"HEAD:refs/heads/{branch}"), (result.out + result.err).strip()))
        return 1  # not reached

    def check_data(self, changes: Changes) -> None:
        data = Path(os.path.relpath(self.git.root / DATA))
        try:
            dataset = load_dataset(data)
        except DataErrors as exc:
            raise UserError("未发布:数据检查没有通过,没有提交任何内容。\n" + exc.report()
                            + "\n改好后再运行 disclosure publish。") from None
        mine = changes.notices()
        for warning in consistency_warnings(dataset, [n for n in dataset.notices if n.id in mine]):
            self.say(str(warning))

    def fetch(self, remote: str, branch: str, undo) -> None:
        try:
            self.git.run("fetch", "-q", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
        except GitFailed as exc:
            undo()
            raise failure("未发布:连接不上服务器,无法取回同事的最新修改。网站没有变化,您的修改仍在文件里。"
                          "请检查网络(或 VPN)后再运行 disclosure publish。", exc) from None

    def rebase(self, upstream: str, undo) -> bool:
        """Put this clone's commits on top of the server's branch. On a conflict: everything back as
        it was before the command, and the files named in Chinese."""
        git = self.git
        if not git.ok("rev-parse", "--verify", "-q", f"refs/remotes/{upstream}"):
            return False  # the server has no such branch yet: the first publish creates it
        if git.ok("merge-base", "--is-ancestor", f"refs/remotes/{upstream}", "HEAD"):
            return False
        done = git.run("-c", "rebase.autoStash=false", "-c", "rebase.updateRefs=false", "rebase", "-q",
                       "--no-autosquash", f"refs/remotes/{upstream}", check=False)
        if done.returncode == 0:
            self.say("已取回同事的最新修改,您的修改排在其后。")
            return True
        conflicts = [p for p in git.run("diff", "--name-only", "-z", "--diff-filter=U", check=False).out.split("\0") if p]
        git.run("rebase", "--abort", check=False)
        undo()
        if not conflicts:
            raise failure("未发布:取回同事的最新修改时出错。您的修改仍在文件里,没有丢失。", GitFailed(
                ("rebase", upstream), (done.out + done.err).strip()))
        raise UserError(conflict_text(conflicts))

    def restore(self, before: str, saved_index: bytes | None) -> None:
        """Undo this command's commit without touching a file: HEAD back, the index as it was."""
        self.git.run("reset", "-q", "--soft", before)
        if saved_index is not None:
            self.index_file().write_bytes(saved_index)
        else:
            self.git.run("reset", "-q", check=False)

    def undo_commit(self, rebased: bool, before: str, saved_index: bytes | None) -> None:
        """Un-commit this command's commit, files untouched: exactly as before the command when it
        was not rebased yet."""
        if rebased:  # on top of the colleagues' commits now: keep them, un-commit ours (files untouched)
            self.git.run("reset", "-q", "HEAD~1")
        else:
            self.restore(before, saved_index)

    def catch_up_only(self, remote: str, branch: str, upstream: str) -> int:
        """Nothing to publish: bring in the colleagues' latest changes (a fast-forward only)."""
        git = self.git
        fetched = git.run("fetch", "-q", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}", check=False)
        if fetched.returncode != 0:
            self.say("(暂时连接不上服务器,没有取回同事的最新修改。)")
            return 0
        if not git.ok("rev-parse", "--verify", "-q", f"refs/remotes/{upstream}"):
            return 0
        behind = int(git.text("rev-list", "--count", f"HEAD..refs/remotes/{upstream}"))
        if not behind:
            self.say("您电脑上的内容已是服务器上的最新版本。")
            return 0
        try:
            git.run("merge", "-q", "--ff-only", f"refs/remotes/{upstream}")
        except GitFailed as exc:
            raise failure("没能取回同事的最新修改(您电脑上的文件没有改动)。", exc) from None
        self.say(f"已取回同事的 {behind} 次修改,您电脑上的内容现在是服务器上的最新版本。")
        return 0


def default_message(changes: Changes) -> str:
    names = [Path(p).stem for p in changes.data_paths()]
    notices = sorted(changes.notices())
    where = f"通报 {'、'.join(notices)}" if notices else "数据"
    return f"更新{where}:{'、'.join(names[:5])}{' 等' if len(names) > 5 else ''}"


def server_lines(stderr: str) -> list[str]:
    """The hook's words: git's `remote: ` lines without the prefix, without git's own progress."""
    out = []
    for line in stderr.splitlines():
        if not line.startswith("remote:"):
            continue
        text = line[len("remote:"):].removeprefix(" ").rstrip()
        text = text.replace("\x1b[K", "")
        if GIT_PROGRESS.match(text):
            continue
        out.append(text)
    while out and not out[-1]:
        out.pop()
    return out


def stale(output: str) -> bool:
    """The push lost a race: a colleague's commit landed after our fetch."""
    return any(word in output for word in ("fetch first", "non-fast-forward", "failed to update ref",
                                            "cannot lock ref", "刚才有人先发布了新内容"))


def conflict_text(files: list[str]) -> str:
    listed = "\n".join(f"  {p}" for p in files)
    return (f"未发布:同事刚刚也修改了同一个文件,两处修改无法自动合在一起:\n{listed}\n\n"
            "您电脑上的文件保持运行命令前的样子,您的修改没有丢失,也没有提交;网站没有变化。\n\n"
            "怎么办:\n"
            "  1. 先联系修改这个文件的同事,确认这份通报这次由谁来更新,避免重复记录。\n"
            "  2. 放弃您对这个文件的修改、换成同事的版本(您的版本会另存一份,屏幕上会显示存在哪里):\n"
            f"       disclosure publish --discard {' '.join(files)}\n"
            "  3. 还需要记录您的内容时,在同事的版本上重新加上(如用 disclosure update 追加进展记录),\n"
            "     再运行 disclosure publish -m \"说明\"。")


def cmd_publish(args) -> int:
    publisher = Publisher.here(Path.cwd())
    if args.discard:
        publisher.discard(args.discard)
    return publisher.publish(args.message)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "publish", help="发布修改:检查数据、保存、取回同事的修改、推送到服务器(改完数据后运行这一条即可)",
        description="把 data/ 里的修改发布到网站。例:disclosure publish -m \"事项 5-2:已完成\"。"
                    "没有修改时,只取回同事的最新修改。")
    p.add_argument("-m", "--message", metavar="说明", help="这次修改的说明,会记入发布记录(不写时自动生成)")
    p.add_argument("--discard", nargs="+", metavar="文件",
                   help="先放弃您对这些文件的修改(另存一份后恢复原样),再发布;同事改了同一个文件、或误改了不归您负责的文件时用")
    p.set_defaults(func=cmd_publish)
