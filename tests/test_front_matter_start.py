"""Front matter starts on line 1 or is an error: never a title of ``---``, never a rule and a heading.

After blank lines, a ``.txt`` took its fence as the title and a ``.md`` read it as a rule with the
lines below as a heading, both without a word. The built case is tests/hostile/front-matter-after-blank-lines.
"""

from __future__ import annotations

import pytest

from briefgen.parse import parse

LATE = ("front-matter", "front matter must start on the first line", "remove the blank lines above it")


@pytest.mark.parametrize("suffix", ["txt", "md"])
@pytest.mark.parametrize("raw, line", [
    (b"\n\n---\ntitle: late\n---\nX\n", 3),
    (b"\n---\ntitle: late\n---\nX\n", 2),
    (b"  \n\t\n---\ntitle: late\n---\nX\n", 3),
    (b"\n\n---  \ntitle: late\n---\nX\n", 3),
    (b"\n\n---\ntitle: never closed\nX\n", 3),
    (b"\r\n\r\n---\r\ntitle: late\r\n---\r\nX\r\n", 3),
])
def test_a_fence_after_blank_lines_is_located(suffix, raw, line):
    document = parse("article", f"content/articles/a.{suffix}", "a", raw)
    assert document.data is None
    assert [(d.line, d.code, d.message, d.hint) for d in document.diagnostics] == [(line, *LATE)]
    assert document.body.heading.strip("-") == document.body.heading


@pytest.mark.parametrize("raw, heading", [
    (b"---\ntitle: x\n---\nText\n", ""),                        # the front matter's title is used
    (b"----\nThe title\nText\n", "The title"),                  # a rule is never a title
    (b"\n\n-----\n---\nThe title\nText\n", "The title"),
    (b"---\noutlet: Wire\n---\n---\nThe title\nText\n", "The title"),
    (b"\n\nThe title\nText\n", "The title"),                    # blank lines above a title are fine
    (b"-----\n", ""),
])
def test_an_all_dash_line_is_never_a_txt_title(raw, heading):
    document = parse("article", "content/articles/a.txt", "a", raw)
    assert document.body.heading == heading
    assert "front matter must start" not in str([str(d) for d in document.diagnostics])


def test_a_rule_after_text_is_still_a_rule():
    for suffix in ("txt", "md"):
        document = parse("article", f"content/articles/a.{suffix}", "a",
                         b"---\ntitle: x\noutlet: W\npublished: 2023-01-01\n---\nText\n\n---\n\nMore\n")
        assert document.diagnostics == ()
