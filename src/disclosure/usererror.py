"""UserError: the one way a `disclosure` command ends in failure. It carries the Chinese message
for the person who ran the command and the exit code; cli.main prints the message on stderr and
returns the code, in one place.

The library raises its own errors, each saying what went wrong in its own terms (DataErrors,
SetupError, Refused, ImportFailed, OSError ...). Only a command knows what the person was trying to
do ("未回滚:", "未完成设置:"), so each command in cli.py turns the errors it expects into a
UserError; nothing below cli.py raises or catches this one.
"""
from __future__ import annotations


class UserError(Exception):
    """A command could not do what was asked: `message` (Chinese, may span lines) goes to stderr,
    `code` is the exit status."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code
