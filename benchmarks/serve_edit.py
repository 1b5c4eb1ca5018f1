"""The dev server's rebuild after an edit to an article's text, in one process, stage by stage.

    python benchmarks/serve_edit.py PROJECT [--edits 5] [--same]

Builds PROJECT as ``briefgen serve`` does (in memory, ``Cache.server()``, the search index left
to the server's indexer, so not made here), then appends a sentence to an article's text
``--edits`` times, telling the cache which file changed as the server's watcher does, and prints
each rebuild's time and its stages. ``--same``: every edit to one article (an analyst revising
it), else a different article each time; ``--annotations``: the article's summary is edited in
its annotations instead. The edits are appended to the files: run it on a copy
(``python benchmarks/corpus.py -n 10000 --out /tmp/c --formats briefgen``). run.py measures the
whole path, watcher and HTTP included, with the real server. (With BRIEFGEN_VERIFY=1 each
rebuild's time includes the clean build it is checked against; its stages do not.)
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefgen.build import build  # noqa: E402
from briefgen.cache import Cache  # noqa: E402
from briefgen.stages import Stages  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("project", type=Path)
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--same", action="store_true", help="edit one article every time")
    ap.add_argument("--annotations", action="store_true",
                    help="edit the article's summary in its annotations instead of its text")
    ap.add_argument("--seed", type=int, default=1, help="which articles are edited (default 1)")
    args = ap.parse_args(argv)
    project = args.project.resolve()
    cache = Cache.server()
    started = time.perf_counter()
    base_url = "http://127.0.0.1:8000/"  # the server's own address, as serve.serve builds with
    first = build(project, None, base_url=base_url, cache=cache, index_search=False, parallel=True)
    print(f"first build: {time.perf_counter() - started:.1f} s, {sum(first.pages.values())} pages", flush=True)
    gc.freeze()  # as the server does after its first build (serve.Rebuilder.run)
    articles = sorted((project / "content" / "articles").glob("*.md"))
    rng = random.Random(args.seed)
    chosen = rng.choice(articles)
    for number in range(args.edits):
        article = chosen if args.same else rng.choice(articles)
        if args.annotations:
            article = article.with_suffix(".yaml")
            lines = article.read_text(encoding="utf-8").split("\n")
            at = next((i for i, line in enumerate(lines) if line.startswith("summary: ") and '"' not in line
                       and "'" not in line), None)
            if at is None:
                ap.error(f"{article}: --annotations edits a one-line, unquoted 'summary:' (corpus.py's)")
            lines[at] += f" Edited by serve_edit.py, edit {number}."
            article.write_text("\n".join(lines), encoding="utf-8")
        else:
            with article.open("a", encoding="utf-8") as text:
                text.write(f"\nA sentence added by serve_edit.py, edit {number}.\n")
        assert cache.memo is not None
        if hasattr(cache.memo, "note_edits"):  # (earlier commits, measured for comparison, read every file)
            cache.memo.note_edits({article.relative_to(project).as_posix()})
        stages = Stages()
        started = time.perf_counter()
        result = build(project, None, base_url=base_url, cache=cache, index_search=False, parallel=False,
                       progress=stages)
        took = time.perf_counter() - started
        print(f"{article.name}: {took * 1000:.0f} ms, {result.rendered} page(s) rendered; "
              + ", ".join(f"{t.name} {t.seconds * 1000:.0f} ms" for t in stages.times), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
