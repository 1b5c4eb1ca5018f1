"""The benchmark's corpus generator (benchmarks/corpus.py) at sizes smaller than its pools.

A corpus of a few articles has fewer actors (N/5) than an article may name (up to 8): the
generator must name all there are, not look for more for ever; and what it makes is a briefing
briefgen builds without an error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, run_briefgen


@pytest.mark.parametrize("articles", [1, 5])
def test_a_corpus_smaller_than_its_pools_is_made_and_builds(tmp_path: Path, articles: int):
    made = subprocess.run([sys.executable, str(REPO / "benchmarks" / "corpus.py"), "-n", str(articles),
                           "--out", str(tmp_path), "--formats", "briefgen"],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    project = tmp_path / "briefgen"
    assert len(list((project / "content" / "articles").glob("*.md"))) == articles
    built = run_briefgen("check", project)
    assert built.returncode == 0, built.stdout + built.stderr
