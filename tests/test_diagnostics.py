"""Every kind of content error, as a user meets it: `briefgen check CASE` on a small project.

Each folder in tests/fixtures/invalid/ is a project with one kind of mistake and an
``expected.txt`` holding the exact lines `briefgen check` prints to stderr. To regenerate them
after an intended change of wording:

    BRIEFGEN_REGEN=1 python -m pytest tests/test_diagnostics.py

then read ``git diff tests/fixtures/invalid`` line by line: every message should name the file and
line, the field, the bad value, and say what to do.

KNOWN_BUGS lists cases where briefgen is wrong today; their expected.txt holds the output we want
(written by hand, never regenerated) and the test only checks the essence until the bug is fixed.
Once it is, the strict xfail turns red: remove the case from KNOWN_BUGS and regenerate.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import FIXTURES, REGEN, normalise, run_briefgen

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml

INVALID = FIXTURES / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())

KNOWN_BUGS: dict[str, tuple[str, str]] = {
    # case: (what is wrong, text the fixed output must contain)
}

LINE = re.compile(r"^ *(?P<n>\d+)\. (?P<file>[^:\s]+)(?::(?P<line>\d+))?: "
                  r"(?P<severity>error|warning)\[(?P<code>[a-z0-9-]+)\]: (?P<message>.+)$")
FOOTER = re.compile(r"^Check failed: (?P<n>\d+) errors?\.$")


@functools.cache
def _all_checks() -> dict[str, subprocess.CompletedProcess[str]]:
    """`briefgen check` on every case, a few subprocesses at a time: each is mostly interpreter start-up."""
    with ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1) as pool:
        return dict(zip(CASES, pool.map(lambda case: run_briefgen("check", INVALID / case), CASES)))


def check(case: str) -> subprocess.CompletedProcess[str]:
    return _all_checks()[case]


def _param(case: str):
    if case in KNOWN_BUGS:
        return pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case][0]))
    return case


def test_every_case_has_an_expected_file():
    missing = [case for case in CASES if not (INVALID / case / "expected.txt").is_file()]
    assert not missing or REGEN, f"cases without expected.txt (run with BRIEFGEN_REGEN=1): {missing}"
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_check_prints_expected_diagnostics(case):
    result = check(case)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    expected_file = INVALID / case / "expected.txt"
    if case in KNOWN_BUGS:
        assert KNOWN_BUGS[case][1] in result.stderr, result.stderr
        return
    if REGEN:
        expected_file.write_text(normalise(result.stderr) + "\n", encoding="utf-8")
        return
    assert normalise(result.stderr) == normalise(expected_file.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", [c for c in CASES if c not in KNOWN_BUGS])
def test_diagnostics_are_numbered_located_and_sorted(case):
    """The shape every diagnostic shares, whatever its wording: 'N. file[:line]: severity[code]: ...'."""
    lines = normalise(check(case).stderr).splitlines()
    assert FOOTER.match(lines[-1]), lines[-1]
    parsed = [LINE.match(line) for line in lines[:-1]]
    assert all(parsed), [line for line, m in zip(lines, parsed) if not m]
    assert [int(m["n"]) for m in parsed] == list(range(1, len(parsed) + 1))
    errors = [m for m in parsed if m["severity"] == "error"]
    assert errors and int(FOOTER.match(lines[-1])["n"]) == len(errors)
    for m in parsed:
        assert (INVALID / case / m["file"]).is_file(), f"diagnostic names a file that does not exist: {m['file']}"
    keys = [(m["file"], int(m["line"] or 0)) for m in parsed]
    assert keys == sorted(keys), "diagnostics are not sorted by file and line"


def test_several_errors_in_several_files_are_reported_together():
    lines = normalise(check("several-errors").stderr).splitlines()
    files = {m["file"] for m in map(LINE.match, lines) if m and m["severity"] == "error"}
    assert files == {"content/actors/north-korea.yaml", "content/articles/launch.yaml",
                     "content/articles/seoul-doubts.yaml", "content/topics/satellite-programme.yaml"}


# Cascades: one broken file should give one error, not false problems elsewhere.


@pytest.mark.parametrize("case", [
    "bad-grade", "bad-status", "bad-id-value",  # the annotation file is broken
    pytest.param("bad-date", marks=()),  # the article's front matter is broken
    pytest.param("front-matter-not-closed", marks=()),
    pytest.param("non-utf8", marks=()),  # the article cannot be decoded
])
def test_a_broken_file_does_not_make_the_actors_it_mentions_unused(case):
    result = check(case)
    assert "error[" in result.stderr
    assert "unused-actor" not in result.stderr


def test_a_broken_claim_definition_does_not_make_its_reports_undefined():
    result = check("several-errors")
    assert "error[bad-grade]" in result.stderr
    assert "undefined-claim" not in result.stderr


def test_yaml_aliases_are_reported_once_at_the_alias_lines():
    result = check("yaml-alias")
    located = [m for m in map(LINE.match, normalise(result.stderr).splitlines()) if m]
    assert located and all(m["code"] == "yaml-alias" for m in located)
    lines = [int(m["line"]) for m in located]
    assert len(lines) == len(set(lines)), "the same diagnostic is printed more than once"
    source = (INVALID / "yaml-alias" / "content/actors/kim-jong-un.yaml").read_text().splitlines()
    assert all("*" in source[n - 1] for n in lines), "a diagnostic points at a line without an alias"
