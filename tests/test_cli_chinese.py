"""`disclosure` speaks Chinese (issue 29, item 4): every --help and argparse's own errors have no
English word beyond an explicit, small whitelist (command and option names, file names, product
names), and `disclosure validate` prints no Python warning."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ["publish", "validate", "import", "update", "server-setup", "rollback", "verify-release", "staff",
            "ssh-serve"]
# Words that may stay in Latin letters: the program and the subcommands' own names, the `staff`
# actions, identity modes, product names, and names and values staff and administrators type as they
# are (the items folder, the example account jinpu, the status code done, placeholders {out}).
WHITELIST = {"disclosure", *COMMANDS, "add", "remove", "list", "ssh", "gitea", "gitlab", "gitolite",
             "git", "YAML", "Word", "Python", "OpenSSH", "SSH", "nginx", "mkdocs", "GitLab", "Gitea", "Forgejo",
             "GL_USER", "GL_USERNAME", "GITEA_PUSHER_NAME", "authorized_keys", "site_url", "gzip_static", "main",
             "data", "done", "html", "docx", "txt", "pub", "YYYY", "MM", "DD", "server-upgrade", "current", "out",
             "python", "items", "jinpu"}
WORD = re.compile(r"(?<![\w./~{-])[A-Za-z][A-Za-z_]{2,}(?![\w./-])")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "disclosure.cli", *args], cwd=REPO, capture_output=True, text=True)


def english_words(text: str) -> set[str]:
    """ASCII words of 3+ letters outside option names (--status), paths and file names (data/x.yml,
    .venv/bin/x), placeholders ({out}) and the whitelist."""
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\{[^}]*\}", " ", text)  # {out}, {python}, {add,remove,list}: values to type
    text = re.sub(r"(?<!\w)-{1,2}[\w-]+", " ", text)  # -h, --build-command
    text = re.sub(r"[\w~.-]*[/.][\w/.*~-]+", " ", text)  # data/notices/..., deploy/nginx.conf, .yml
    return {w for w in WORD.findall(text) if w not in WHITELIST}


def subcommands() -> list[str]:
    """Every subcommand the top-level help lists (so a new one is checked too)."""
    listed = run("--help").stdout
    return sorted(set(re.findall(r"^    ([a-z][a-z-]+)\s", listed, re.M)) | set(COMMANDS))


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_has_no_english(command):
    done = run(*([command] if command else []), "--help")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "用法:" in done.stdout and "显示这份说明" in done.stdout
    assert english_words(done.stdout) == set(), done.stdout


def test_every_listed_subcommand_is_checked():
    for command in subcommands():
        done = run(command, "--help")
        assert done.returncode == 0 and english_words(done.stdout) == set(), (command, done.stdout)


@pytest.mark.parametrize("args, expected", [
    ([], "缺少必须写的参数"),
    (["no-such-command"], "没有 “no-such-command” 这个命令"),
    (["update"], "缺少必须写的参数:事项编号, --status"),
    (["update", "5-2", "--status"], "--status 后面要写一个值"),
    (["server-setup", "a.git", "www", "--identity", "ldap"], "不是可用的选项"),
    (["server-setup", "a.git", "www", "--keep", "many"], "--keep 的值 'many' 不对(应为整数)"),
    (["validate", "data", "extra"], "不认识的参数:extra"),
])
def test_command_line_mistakes_are_explained_in_chinese(args, expected):
    done = run(*args)
    assert done.returncode == 2
    assert expected in done.stderr, done.stderr
    assert "--help 查看用法" in done.stderr
    for english in ("usage:", "error:", "the following", "invalid choice", "unrecognized", "expected one"):
        assert english not in done.stderr, done.stderr


def test_validate_prints_no_python_warning():
    done = subprocess.run([sys.executable, "-W", "default", "-m", "disclosure.cli", "validate", "data"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "数据有效" in done.stdout
    assert "Warning" not in done.stderr, done.stderr
