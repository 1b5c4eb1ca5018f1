"""Plain helpers shared by the tests: run the CLI as a user would, compare folders with goldens.

Regenerating committed expectations (diagnostics, golden sites) is one command:

    BRIEFGEN_REGEN=1 python -m pytest tests

then review the diff (``git diff tests/``) before committing it.
"""

from __future__ import annotations

import difflib
import io
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.process
import os
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterable

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
    """``python -m briefgen ARGS`` in a process of its own, as a user runs it; output captured as text.

    The process is forked from one that has already imported briefgen's modules (see ``run_cli``)."""
    return run_cli(args, cwd=cwd or REPO, env=cli_env(epoch))


# --- the command line in a process of its own, without the interpreter's start-up each time ------

PRELOADED = sorted(f"briefgen.{p.stem}" for p in (REPO / "briefgen").glob("*.py")
                   if p.stem not in ("__init__", "__main__", "cli")) + ["click", "rich.console", "rich.progress"]
"""What the fork server imports once. Not briefgen.cli: it makes its consoles at import time from the
environment (NO_COLOR, COLUMNS, ...), so each child imports it under its own environment."""

_forkserver_lock = threading.Lock()
_forkserver: multiprocessing.context.BaseContext | None = None
_reaping = threading.Lock()
"""Held to start a child and to read a child's exit code. Process.start polls every earlier child
(multiprocessing's ``_cleanup``), and two threads polling one forkserver child both read its exit
code from one pipe: one gets it, the other end of file, taken as 255 (CPython's multiprocessing is
not thread-safe there). The tests start children from several threads at once."""


def _start(child: multiprocessing.process.BaseProcess) -> None:
    with _reaping:
        child.start()


def _exit_code(child: multiprocessing.process.BaseProcess, timeout: float | None) -> int | None:
    """The child's exit code once it has ended within timeout (seconds; None: wait), else None."""
    multiprocessing.connection.wait([child.sentinel], timeout)
    with _reaping:
        return child.exitcode


def _cli_context() -> multiprocessing.context.BaseContext:
    global _forkserver
    with _forkserver_lock:
        if _forkserver is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOADED)
            _forkserver = context
        return _forkserver


def run_cli(args: Iterable[object], *, cwd: Path, env: dict[str, str], timeout: float = 600,
            ) -> subprocess.CompletedProcess[str]:
    """``python -m briefgen ARGS`` in cwd with exactly env: a process of its own, its exit code, its streams.

    The child is forked from a multiprocessing fork server that imported briefgen's modules once (the
    stdlib's ``forkserver`` start method with ``set_forkserver_preload``), then runs the command as
    ``python -m`` does (``runpy.run_module("briefgen", run_name="__main__")``): a separate process with
    its own working folder, environment, standard streams (files, not a terminal) and exit status, a
    signal's death as a negative code like ``subprocess.run``'s. What it skips is about 0.8 s of CPU
    for the interpreter's start-up and imports, per call. Tests about the process itself (signals,
    killed builds, the console script) still start ``python -m briefgen`` with ``subprocess``.
    ``timeout`` (seconds) is a guard against a hang: the child is killed and TimeoutExpired raised."""
    args = [str(a) for a in args]
    context = _cli_context()
    with tempfile.TemporaryDirectory(prefix="briefgen-cli-") as streams:
        out, err = Path(streams) / "stdout", Path(streams) / "stderr"
        child = context.Process(target=_cli_child, args=(args, str(cwd), dict(env), str(out), str(err)))
        _start(child)
        code = _exit_code(child, timeout)
        if code is None:
            child.kill()
            _exit_code(child, None)
            raise subprocess.TimeoutExpired(["briefgen", *args], timeout)
        read = lambda path: path.read_bytes().decode("utf-8", errors="replace")  # noqa: E731
        return subprocess.CompletedProcess(["briefgen", *args], code, read(out), read(err))


class ForkedCli:
    """``subprocess.Popen([python, "-m", "briefgen", *args], stdin=DEVNULL, stdout=PIPE, stderr=PIPE)``
    for a long-running command (the dev server), forked from run_cli's fork server: a process of
    its own that Popen's users drive the same way (``pid``, ``stdout``/``stderr`` pipes read as
    bytes, ``poll``, ``wait``, ``returncode``, ``send_signal``, ``terminate``, ``kill``)."""

    def __init__(self, args: Iterable[object], *, cwd: Path, env: dict[str, str]):
        self.args = ["briefgen", *map(str, args)]
        context = _cli_context()
        out_read, out_write = context.Pipe(duplex=False)
        err_read, err_write = context.Pipe(duplex=False)
        self._child = context.Process(target=_cli_child, args=(self.args[1:], str(cwd), dict(env), out_write, err_write))
        _start(self._child)
        out_write.close()  # the child holds the writing ends now: their end is its end
        err_write.close()
        self.stdout = os.fdopen(os.dup(out_read.fileno()), "rb")
        self.stderr = os.fdopen(os.dup(err_read.fileno()), "rb")
        out_read.close()
        err_read.close()
        self.pid = self._child.pid

    @property
    def returncode(self) -> int | None:
        return _exit_code(self._child, 0)

    def poll(self) -> int | None:
        return _exit_code(self._child, 0)

    def wait(self, timeout: float | None = None) -> int:
        code = _exit_code(self._child, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return code

    def send_signal(self, sig: int) -> None:
        if _exit_code(self._child, 0) is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _cli_child(args: list[str], cwd: str, env: dict[str, str], out: object, err: object) -> None:
    """In the forked child: become ``python -m briefgen ARGS`` run in cwd with env. ``out``/``err``:
    a file to write (its path) or the writing end of a pipe (a multiprocessing Connection)."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, target in ((0, os.devnull), (1, out), (2, err)):
        if isinstance(target, str):
            opened = os.open(target, os.O_RDONLY if fd == 0 else os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        else:
            opened = os.dup(target.fileno())  # type: ignore[attr-defined]
            target.close()  # type: ignore[attr-defined]
        os.dup2(opened, fd)
        os.close(opened)
    encoding, _, errors = env.get("PYTHONIOENCODING", "utf-8").partition(":")
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))

    def stream(fd: int, errors: str, line_buffering: bool) -> io.TextIOWrapper:
        return io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding=encoding or "utf-8", errors=errors,
                                line_buffering=line_buffering or unbuffered, write_through=unbuffered)

    sys.stdin = open(0, encoding=encoding or "utf-8", closefd=False)
    sys.stdout = stream(1, errors or "strict", False)
    sys.stderr = stream(2, "backslashreplace", True)
    sys.path.insert(0, cwd)
    sys.argv = [str(REPO / "briefgen" / "__main__.py"), *args]
    runpy.run_module("briefgen", run_name="__main__", alter_sys=True)


def settle() -> None:
    """Let every file's stamp age past the stamps' racy window (briefgen/stamps.py), as it has in
    any real edit-build cycle: for a briefgen run in another process, whose clock cannot be injected.
    Without it a build started right after its files were copied does the work again."""
    from briefgen import stamps

    time.sleep(stamps.RACY / 1e9 + 0.05)


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


SEARCH_SETTLED = """() => {
    const results = document.querySelectorAll('.pagefind-ui__results > .pagefind-ui__result');
    return results.length > 0
        && !document.querySelector('.pagefind-ui__results .pagefind-ui__loading')
        && document.querySelectorAll('.pagefind-ui__results .pagefind-ui__result-link').length >= results.length;
}"""


def search_results_loaded(page: object, timeout: float = 30_000) -> None:
    """Wait until Pagefind's UI shows its results whole: the UI lists each result as a placeholder
    (`.pagefind-ui__loading`) and fills in its title and link when that result's fragment arrives,
    so reading the links as soon as the first shows sees only some of them."""
    page.wait_for_function(SEARCH_SETTLED, timeout=timeout)  # type: ignore[attr-defined]
