"""Work spread over every core by forked processes: how parsing and rendering use all cores.

The workers are forked, so they inherit what the stage has built (documents' bytes, the planned
pages, the compiled templates) without pickling it; only item numbers go out and results come
back. A stage calls ``fork_map`` with a function of one item; below a few hundred items, or where
forking is unsafe or unavailable, the items are done here in order, with the same results.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing as mp
import os
import shutil
import signal
import stat
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

from .errors import BriefgenError

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 400
"""Below this many items, starting worker processes costs more than it saves."""
CHUNKS_PER_WORKER = 32
_work: tuple[Callable, Sequence] | None = None


class WorkerKilled(BriefgenError):
    pass


def die_with_parent() -> None:
    """Make this (child) process die when the process that made it dies, however it dies
    (Linux's PR_SET_PDEATHSIG, kept across exec): a build killed with SIGKILL leaves no worker,
    Pagefind or git behind. A ``preexec_fn`` for subprocesses, and each worker's first step.
    Elsewhere, nothing (the workers then end when their pipe closes)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return


PR_SET_PDEATHSIG = 1
"""From <sys/prctl.h>."""


_STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextlib.contextmanager
def stops_held() -> Iterator[None]:
    """The stop signals (Ctrl-C, SIGTERM, SIGHUP) held off while the block forks, and taken as
    it ends. After a fork (os.fork, or a subprocess with a ``preexec_fn``) Python runs its at-fork
    callbacks in the parent, logging's among them; a signal handler that runs inside one has its
    exception printed and ignored, and the build went on to the end as if never stopped."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def spawned() -> None:
    """The ``preexec_fn`` of a subprocess started within stops_held: it dies with the build
    (die_with_parent) and takes the stop signals, which it would otherwise keep held across exec."""
    die_with_parent()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)


BEHIND = 10
"""The niceness of background work (``spawned_behind``): the scheduler gives the cores to the
rest first, and to it whatever they leave."""


def spawned_behind() -> None:
    """``spawned``, at a lower CPU priority (niceness ``BEHIND``): for work a person is not waiting
    for, the dev server's search index, so that the rebuild after their next edit is scheduled
    first. (At 10,000 articles on 2 cores, edit-to-page times did not measurably change with it:
    the rebuild waits more on the interpreter than on the cores.)"""
    spawned()
    with contextlib.suppress(OSError):
        os.nice(BEHIND)


def _start(parent: int) -> None:
    """A worker dies with the build (die_with_parent; if the build died before that took hold,
    the worker has a new parent already and ends at once).

    A worker collects its own garbage. Rendering a page leaves reference cycles behind (Jinja's
    contexts), and with the collector off for the whole build they piled up: at 10,000 articles,
    2.3 million objects. What the worker inherited is frozen first, so the collector's passes
    see only the worker's own new objects: short, and they never write to (and so copy) the
    pages shared with the parent."""
    die_with_parent()
    if os.getppid() != parent:
        os._exit(1)
    # Ctrl-C reaches the whole process group: the build decides, and stops its workers (_stop).
    # A worker interrupted inside the pool's queue would hold its lock, and the build would hang.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
    gc.freeze()
    gc.enable()


def _run(indexes: range) -> list:
    assert _work is not None
    do, items = _work
    return [do(items[i]) for i in indexes]


def fork_map(do: Callable[[T], R], items: Sequence[T], what: str, parallel: bool = True,
             progress: Callable[[int, int], None] | None = None, wave: int | None = None) -> list[R]:
    """``[do(item) for item in items]``, on every core when there are many.

    ``what`` names the work in the error a killed worker gives ("rendering", "parsing").
    ``parallel`` False: in this process (the dev server builds from threads, which fork must not
    copy mid-flight). ``wave``: at most this many items per set of workers (``_wave``); the
    number of workers is chosen again for each, from the memory then free (``affordable``).
    """
    global _work
    forking = parallel and len(items) >= MIN_ITEMS and "fork" in mp.get_all_start_methods()
    wanted = min(os.cpu_count() or 1, 8) if forking else 1
    out: list = [None] * len(items)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, len(items))

    if forking:  # (what forked workers find; never set for work done here, as the dev server's threads do)
        _work = (do, items)
    try:
        step = wave or len(items) or 1
        for start in range(0, len(items), step):
            _wave(do, items, range(start, min(start + step, len(items))), affordable(wanted) if forking else 1,
                  what, out, tick)
        return out
    finally:
        if forking:
            _work = None


def _wave(do: Callable, items: Sequence, wave: range, workers: int, what: str, out: list,
          tick: Callable[[int], None]) -> None:
    """The items ``wave`` of ``fork_map``'s work, done by ``workers`` processes forked for them
    alone, which end with them; each result put in its place in ``out``.

    A worker comes to hold a copy of each page of memory it reads from, as reading a Python object
    writes its reference count. Workers forked for a stretch of neighbouring items (pages of one
    kind, in order) copy what that stretch reads, not what the whole stage does: at 10,000
    articles, 160-350 MB each rather than the 600 MB of the whole process.
    """
    if workers < 2:
        for n, index in enumerate(wave, 1):
            out[index] = do(items[index])
            if n % 200 == 0:
                tick(200)
        tick(len(wave) % 200)
        return
    # Many small chunks, each taking every n-th item: neighbours are alike (a site's few topic
    # pages are its largest, planned together), and a chunk's results are held, pickled and
    # unpickled whole on their way back.
    count = min(len(wave), workers * CHUNKS_PER_WORKER)
    chunks = [range(wave.start + k, wave.stop, count) for k in range(count)]
    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"), initializer=_start,
                               initargs=(os.getpid(),))
    try:
        # The workers are forked by the first submit: born with the stop signals blocked, so none
        # lands in a worker before it has set its own handling (_start).
        with stops_held():
            results_of = pool.map(_run, chunks)
        for chunk, results in zip(chunks, results_of):
            for index, result in zip(chunk, results):
                out[index] = result
            tick(len(results))
        pool.shutdown()
    except BrokenProcessPool:
        _stop(pool)
        raise WorkerKilled(f"a {what} process was killed, most likely for lack of memory; nothing was written. "
                           "Close other programs, or build with fewer pages in memory at once "
                           "(set BRIEFGEN_WORKERS=1 to work in one process)") from None
    except BaseException:  # Ctrl-C, SIGTERM, a bug: the workers stop now, not after the work left
        _stop(pool)
        raise


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the workers at once and drop the work not started. (Shutting down would wait for every
    queued chunk: the rest of a stage.)"""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def affordable(wanted: int) -> int:
    """How many forked workers the free memory can hold.

    A worker shares this process's memory only until it touches it, and reading a Python object
    writes its reference count: a worker can come to hold a copy of all it works from. So no more
    workers than free memory can hold copies of this process (at 100,000 articles, two render
    workers forked once for the whole stage exhausted 24 GB; ``fork_map`` asks again for each
    wave). BRIEFGEN_WORKERS sets the number outright.
    """
    chosen = os.environ.get("BRIEFGEN_WORKERS", "")
    if chosen.isdigit():
        return int(chosen)
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            available = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("MemAvailable:"))
        with open("/proc/self/statm", encoding="ascii") as handle:
            resident = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, StopIteration, ValueError):  # not Linux: trust the core count
        return wanted
    return max(1, min(wanted, available // max(resident, 1)))


@contextlib.contextmanager
def scratch(prefix: str, where: str | None = None) -> Iterator[Path]:
    """A temporary folder ``<prefix><pid>-<random>`` that is removed when the block ends.

    A process killed with SIGKILL cannot remove its own: so each call first removes the scratch
    folders of the same prefix left by briefgen processes that no longer run (owned by this
    user, plain folders, their pid gone). ``where``: the parent folder (default: the system's).
    """
    base = where or tempfile.gettempdir()
    try:
        names = os.listdir(base)
    except OSError:
        names = []
    for name in names:
        pid = name[len(prefix):].split("-", 1)[0]
        if not name.startswith(prefix) or not pid.isdigit() or _alive(int(pid)):
            continue
        path = os.path.join(base, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid():
            shutil.rmtree(path, ignore_errors=True)
    folder = tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base)
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
