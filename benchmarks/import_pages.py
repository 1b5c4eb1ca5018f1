"""Benchmark `briefgen import`: N saved web pages into an empty project, pages per second and memory.

The pages are the saved pages of tests/fixtures/import/corpus/ (copies of ../shared/corpus/html/) (news pages as their sites served them),
each copy made distinct (its own canonical URL, headline and a numbered sentence in every
paragraph) so that none is refused as a duplicate. Everything is written to tmpfs (/dev/shm):
the number measured is the importer, not this machine's slow disk.

    python benchmarks/import_pages.py --pages 1000 --repeat 3

Reports the median wall time of `python -m briefgen import FOLDER -p PROJECT` (the whole command,
start-up included), pages per second, and the peak resident memory of the largest process (the
command or one of its forked extraction workers; from getrusage(RUSAGE_CHILDREN)).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(os.environ.get("BRIEFGEN_CORPUS", Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "import" / "corpus"))
REPO = Path(__file__).resolve().parent.parent


def make_pages(count: int, out: Path) -> None:
    """``count`` distinct saved pages in ``out``, made from the corpus pages in turn."""
    sources = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(CORPUS.glob("*.html"))]
    out.mkdir(parents=True)
    for n in range(count):
        html = sources[n % len(sources)]
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html)
        if canonical:  # every mention of the page's address (canonical, og:url...) made this copy's own
            html = html.replace(canonical.group(1), canonical.group(1).rstrip("/") + f"-copy-{n}")
        html = re.sub(r"(<title>)", rf"\1Copy {n}: ", html, count=1, flags=re.IGNORECASE)
        html = re.sub(r'(property="og:title" content=")', rf"\1Copy {n}: ", html, count=1)
        html = re.sub(r"(<p[^>]*>)", rf"\1(Copy {n}.) ", html)
        (out / f"page-{n:05d}.html").write_text(html, encoding="utf-8")


def one_run(pages: Path, work: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the command and its workers) of one import."""
    project = work / "project"
    shutil.rmtree(project, ignore_errors=True)
    (project / "content" / "articles").mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "briefgen", "import", str(pages), "-p", str(project)],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"import failed:\n{done.stderr[-2000:]}")
    made = sum(1 for p in (project / "content" / "articles").glob("*.md"))
    refused = done.stderr.count("warning:")
    print(f"  {seconds:.2f} s wall, {cpu:.2f} s CPU: {made} articles made, {refused} pages refused", flush=True)
    return seconds, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/dev/shm/briefgen-import-bench"))
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    pages = args.work / "pages"
    make_pages(args.pages, pages)
    print(f"{args.pages} saved pages ({sum(p.stat().st_size for p in pages.iterdir()) / 1e6:.0f} MB) on "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}:", flush=True)
    runs = [one_run(pages, args.work) for _ in range(args.repeat)]
    times = [wall for wall, _ in runs]
    cpu = statistics.median(c for _, c in runs)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    median = statistics.median(times)
    print(f"median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}): {args.pages / median:.1f} pages/s; "
          f"peak memory of the largest process {peak:.0f} MB; load at the end {os.getloadavg()[0]:.2f}")
    print(f"CPU {cpu:.1f} s in all, {cpu / args.pages * 1000:.0f} ms a page: on {os.cpu_count()} idle cores at most "
          f"{args.pages / cpu * (os.cpu_count() or 1):.1f} pages/s")
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
