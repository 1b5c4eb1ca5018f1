"""Plain helpers shared by the tests: run the CLI as a user would, compare folders with goldens.

Regenerating committed expectations (diagnostics, golden sites) is one command:

    BRIEFGEN_REGEN=1 python -m pytest tests

then review the diff (``git diff tests/``) before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
REGEN = os.environ.get("BRIEFGEN_REGEN") == "1"

FIXED_EPOCH = "1704067200"
"""2024-01-01: the build's 'today', so date warnings never depend on the day the tests run."""

_TERMINAL_ENV = ("FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")


def cli_env(epoch: str | None = FIXED_EPOCH) -> dict[str, str]:
    """The environment of a plain, non-interactive shell: no colours, fixed build date."""
    env = {k: v for k, v in os.environ.items() if k not in _TERMINAL_ENV}
    env.update(NO_COLOR="1", PYTHONIOENCODING="utf-8")
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    return env


STOP_WHILE_FORKING = """
import os, signal, sys
fired = []
def hook():
    if not fired:
        fired.append(True)
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(3):
            pass
os.register_at_fork(after_in_parent=hook)
from briefgen.cli import entry
sys.argv = ["briefgen", *sys.argv[1:]]
entry()
"""
"""``python -c STOP_WHILE_FORKING ARGS``: briefgen ARGS, sent a SIGTERM while it forks its first
process. After a fork (os.fork, or a subprocess with a preexec_fn) Python runs its at-fork
callbacks in the parent, logging's among them; a signal handler that runs inside one has its
exception printed and ignored. This callback stands in for the signal landing then: it sends it
and runs on, so the handler runs inside it."""


def run_briefgen(*args: object, cwd: Path | None = None, epoch: str | None = FIXED_EPOCH,
                 ) -> subprocess.CompletedProcess[str]:
    """``python -m briefgen ARGS`` in a subprocess, as a user runs it; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *map(str, args)],
        cwd=cwd or REPO, env=cli_env(epoch), capture_output=True, text=True, encoding="utf-8",
        errors="replace", timeout=600,  # a guard against a hang, not a measure: busy CI machines are slow
    )


def normalise(text: str) -> str:
    """Drop trailing whitespace on every line and trailing blank lines; nothing else."""
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def read_tree(root: Path, exclude: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``root`` (dot-files included): relative path with '/' -> bytes.

    ``exclude`` lists path prefixes to leave out, e.g. ``("pagefind/",)``.
    """
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(exclude):
            files[rel] = path.read_bytes()
    return files


def copy_project(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def assert_tree_matches(actual: Path, golden: Path, regen_hint: str, exclude: tuple[str, ...] = ()) -> None:
    """Compare a built site with its committed golden copy; rewrite the golden under REGEN.

    ``exclude``: path prefixes that are neither compared nor stored (third-party output).
    """
    got = read_tree(actual, exclude)
    if REGEN:
        if golden.exists():
            shutil.rmtree(golden)
        for rel, data in got.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_bytes(data)
        return
    assert golden.is_dir(), f"no golden output at {golden}; create it with: {regen_hint}"
    want = read_tree(golden)
    problems = []
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    if missing:
        problems.append("files not built: " + ", ".join(missing))
    if extra:
        problems.append("files not in the golden copy: " + ", ".join(extra))
    changed = sorted(name for name in set(got) & set(want) if got[name] != want[name])
    for name in changed[:3]:
        try:
            diff = difflib.unified_diff(want[name].decode().splitlines(), got[name].decode().splitlines(),
                                        f"golden/{name}", f"built/{name}", lineterm="", n=1)
            problems.append("\n".join(line if len(line) < 300 else line[:297] + "..." for line in list(diff)[:40]))
        except UnicodeDecodeError:
            problems.append(f"{name}: binary content differs")
    if len(changed) > 3:
        problems.append(f"... and {len(changed) - 3} more changed files: " + ", ".join(changed[3:]))
    assert not problems, (f"built site differs from {golden.relative_to(REPO)}.\n"
                          f"If the change is intended, regenerate with `{regen_hint}` and review the diff.\n\n"
                          + "\n\n".join(problems))


def processes_mentioning(marker: str) -> list[str]:
    """Running processes (not this one) whose command line or environment names ``marker``:
    what a killed build or deploy might have left behind. "pid: command line" each."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            seen = cmdline + Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in seen and int(pid) != os.getpid():
            shown = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{pid}: {shown}")
    return found
