"""Diagnostics: one format for every problem a build can find.

Stages collect diagnostics instead of raising on the first problem, so a user sees every error
of a build at once. Only the CLI turns them into exit codes.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every C0 and C1 control character (newline and tab included) and DEL shown
    as a visible escape (ESC as ``\\x1b``), for a terminal or log line.

    Diagnostics and error messages quote paths and values from the input, and a terminal acts on
    the control sequences in them: ESC ] 0 ; renames its window, ESC [ 2 K erases a line, a bare
    CR overwrites what the message said. Every line briefgen prints of such text passes here.
    """
    return _CONTROLS.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: str
    """Short stable name of the kind of problem, e.g. ``unknown-actor``."""
    message: str
    file: str = ""
    """Path relative to the project folder, with forward slashes."""
    line: int = 0
    """1-based line, 0 when the problem is about the whole file."""
    hint: str = ""
    """What to do about it, e.g. ``did you mean 'kim-jong-un'?``."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{self.severity}[{self.code}]: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return printable(f"{where}: {text}" if where else text)

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.code, self.message)


class BriefgenError(Exception):
    """An error the CLI reports without a traceback; its text shows control characters escaped."""

    exit_code = 1

    def __str__(self) -> str:
        return printable(super().__str__())


class BuildFailed(BriefgenError):
    """A build found errors; the previous output was left as it was."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(sorted(diagnostics, key=Diagnostic.sort_key))
        errors = sum(d.severity == "error" for d in self.diagnostics)
        super().__init__(f"build failed with {errors} error{'s' if errors != 1 else ''}")


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A hint naming the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(str(value), sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def errors_in(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]
