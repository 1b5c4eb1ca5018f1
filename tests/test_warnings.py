"""Warnings: printed by a normal build, which succeeds; errors under --strict, which writes nothing.

tests/fixtures/warnings/ has an article without annotations (no topic, summary from its lead, a
publication date after the fixed build date 2024-01-01), an actor nobody mentions and a topic
with no article. expected-build.txt and expected-strict.txt hold the exact stderr of
`briefgen build` and `briefgen build --strict`; regenerate with

    BRIEFGEN_REGEN=1 python -m pytest tests/test_warnings.py
"""

from __future__ import annotations

import pytest

from html_tree import parse_html
from support import FIXTURES, REGEN, copy_project, normalise, run_briefgen

PROJECT = FIXTURES / "warnings"


def expect(name: str, stderr: str) -> None:
    path = PROJECT / name
    if REGEN:
        path.write_text(normalise(stderr) + "\n", encoding="utf-8")
    else:
        assert normalise(stderr) == normalise(path.read_text(encoding="utf-8"))


def test_build_prints_warnings_and_succeeds(tmp_path):
    result = run_briefgen("build", PROJECT, "--no-cache", "-o", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    expect("expected-build.txt", result.stderr)
    assert "; 5 warnings;" in result.stdout
    article = parse_html(tmp_path / "site" / "articles" / "seoul-reacts" / "index.html")
    summary = article.find("section", cls="summary").find("p").text
    assert summary == "South Korea's military said it could not yet tell whether the satellite works."
    assert (tmp_path / "site" / "topics" / "missile-tests" / "index.html").is_file()


def test_strict_build_fails_and_writes_nothing(tmp_path):
    result = run_briefgen("build", PROJECT, "--strict", "--no-cache", "-o", tmp_path / "site")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    expect("expected-strict.txt", result.stderr)
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("strict, code", [
    (False, 0),
    (True, 1),
])
def test_check_agrees_with_build(strict, code):
    result = run_briefgen("check", PROJECT, *(["--strict"] if strict else []))
    assert result.returncode == code
    want = "expected-strict.txt" if strict else "expected-build.txt"
    got, expected = normalise(result.stderr).splitlines(), normalise((PROJECT / want).read_text(encoding="utf-8")).splitlines()
    if strict:  # the same diagnostics; only the closing line differs, since check writes nothing
        assert got[-1] == "Check failed: 5 errors."
        got, expected = got[:-1], expected[:-1]
    assert got == expected


def test_future_dates_setting_silences_the_date_warning(tmp_path):
    project = copy_project(PROJECT, tmp_path / "project")
    (project / "briefgen.yaml").write_text("future_dates: true\n", encoding="utf-8")
    result = run_briefgen("build", project, "-o", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert "future-date" not in result.stderr
    assert "warning[empty-topic]" in result.stderr


def test_ignored_file_warning_names_the_file_and_hints(tmp_path):
    project = copy_project(PROJECT, tmp_path / "project")
    (project / "content/actors/README.md").write_text("One file per actor.\n", encoding="utf-8")
    result = run_briefgen("build", project, "-o", tmp_path / "site")
    assert ("content/actors/README.md: warning[ignored-file]: '.md' files are not read here "
            "(use one of .yaml, .yml)") in result.stderr.splitlines()
