"""briefgen.text: quote matching (whitespace, typographic quotes and dashes fold; letters do not)
and quote highlighting in rendered article bodies."""

from __future__ import annotations

import re

import pytest

from briefgen import text
from html_tree import parse_html


def quote_in(blocks: list[str], quote: str) -> bool:
    """Does the quote occur within one block? (the check the build runs on every claim)."""
    return text.find_quote([text.normalize_quote(b) for b in blocks], quote)


def highlight(source: str, quote: str, *, plain: bool = False) -> str:
    md = text.plain() if plain else text.markdown(False)
    env: dict = {}
    tokens = md.parse(source, env)
    return text.render(md, tokens, env, [(quote, text.Mark("c", "../../claims/c/", "The claim"))])


@pytest.mark.parametrize("source, folded", [
    ("plain text", "plain text"),
    ("a  b\n\tc", "a b c"),
    ("“Hello,” she said", '"Hello," she said'),
    ("„quoted“ «guillemets»", '"quoted" "guillemets"'),
    ("it’s ‘single’", "it's 'single'"),
    ("2020–2023 — a dash ‒ figure ― bar − minus", "2020-2023 - a dash - figure - bar - minus"),
    ("no\u00a0break thin\u2009space narrow\u202fnbsp", "no break thin space narrow nbsp"),
    ("Ünïcödé letters stay", "Ünïcödé letters stay"),
    ("…", "…"),
])
def test_normalize_folds_quotes_dashes_and_whitespace(source, folded):
    assert text.normalize_quote(source) == folded.strip()
    # The folded form, used as a quote, is found in the original at the original's offsets.
    if folded.strip():
        span = text._locate(source, text.normalize_quote(source), folded)
        assert span is not None and text.normalize_quote(source[span[0]:span[1]]) == folded.strip()


def test_located_offsets_point_into_the_original():
    source = "He said  “too early” — twice"
    start, end = text._locate(source, text.normalize_quote(source), '"too early"')
    assert source[start:end] == "“too early”"


@pytest.mark.parametrize("quote, expected", [
    ("  the bridge\n would open  ", "the bridge would open"),
    ("“too early to say” — maybe", '"too early to say" - maybe'),
    ("", ""),
])
def test_normalize_quote(quote, expected):
    assert text.normalize_quote(quote) == expected


def test_the_fold_and_the_locator_agree_on_every_space():
    """normalize_quote (find_quote's fold) and _locate (the highlighter's, with offsets) must take
    the same characters for space, or a quote found in an article would not be marked in it."""
    for point in range(0x110000):
        if 0xD800 <= point < 0xE000:
            continue
        source = f"a{chr(point)} {chr(point)}b"
        assert text.normalize_quote(source) == text._SPACE.sub(" ", source.translate(text._FOLD_SHOWN)).strip(), hex(point)
    for space in ("\u00a0", "\u2003", "\u3000", "\u2028", "\t"):
        source = f"said: the{space}bridge{space}{space}would open"
        assert text._locate(source, text.normalize_quote(source), "the bridge would open") is not None


ARTICLE = [
    "South Korea’s intelligence service said it was “too early to say” — for now.",
    "A second   paragraph,\nwith a line break and a\u00a0non-breaking space.",
]


@pytest.mark.parametrize("quote, found", [
    ("it was “too early to say” — for now", True),
    ('it was "too early to say" - for now', True),
    ("South Korea's intelligence service", True),
    ("it was ‘too early to say’", False),         # single quotes do not stand for double ones
    ("it was “too early to say” – for now", True),  # any dash stands for any dash
    ("it was “too early to say” -- for now", False),  # but two hyphens are not one dash
    ("second paragraph, with a line break", True),
    ("a non-breaking space", True),
    ("  second  paragraph,  ", True),
    ("Second paragraph", False),                  # letters, including case, must match
    ("too early to sya", False),
    ("for now. A second paragraph", False),       # a quote never spans two blocks
    ("", False),
    ("   ", False),
])
def test_find_quote(quote, found):
    assert quote_in(ARTICLE, quote) is found


def test_what_quotes_leave_out_is_what_pages_drop():
    """text.NEVER_SHOWN (left out of a quote's fold) and render's _CONTROL (dropped from every
    page) are one set of characters: a quote is matched against the text as the page shows it."""
    from briefgen.render import _CONTROL
    dropped = {point for point in range(0x110000) if not 0xD800 <= point < 0xE000 and _CONTROL.match(chr(point))}
    assert dropped == set(text.NEVER_SHOWN)


@pytest.mark.parametrize("between", ["\x85", "\x0b", "\x1f", "\x01", "\x9b", "\ufdd0", "\uffff"])
def test_a_quote_is_matched_as_the_page_shows_the_text(between):
    """A character no page shows (render.without_controls drops it) is no space in a quote: the
    quote copied from the page matches and is marked; one with a space there matches nothing."""
    source = f"The minister said nu{between}xi joined, and left."
    assert quote_in([source], "nuxi joined") and not quote_in([source], "nu xi joined")
    marked = re.findall(r'<mark class="quote"[^>]*>(.*?)</mark>', highlight(source, "said nuxi"))
    assert marked == [f"said nu{between}xi"]  # (the page shows it without the character: "said nuxi")
    assert quote_in(["The minister said nuxi joined."], f"said nu{between}xi")  # (a YAML escape in a quote)


@pytest.mark.parametrize("quotes", [
    ("There em phasis tail", "tail end"),        # overlapping, across emphasis
    ("em phasis tail end", "phasis tail"),       # one inside the other
    ("tail end here", "There em phasis tail end here"),
])
def test_overlapping_quotes_are_each_marked_whole(quotes):
    """Two claims quoting overlapping words: each claim's marks hold its whole quote (the words
    both quote are marked for both, nested), not what the other claim's mark left of it."""
    md = text.markdown(False)
    env: dict = {}
    tokens = md.parse("There *em  phasis* tail end here.", env)
    marks = [(quote, text.Mark(f"c{n}", f"../../claims/c{n}/", quote)) for n, quote in enumerate(quotes)]
    doc = parse_html(text.render(md, tokens, env, marks))
    for n, quote in enumerate(quotes):
        marked = " ".join(m.text for m in doc.find_all("mark", cls="quote", data_claim=f"c{n}"))
        assert text.normalize_quote(marked) == quote
        assert doc.find("span", cls="quote-anchor", id_=f"quote-c{n}") is not None
        assert len(doc.find_all("a", cls="quote-claim", href=f"../../claims/c{n}/")) == 1


def test_highlight_marks_the_quote_and_anchors_it():
    html = highlight("The minister said “the bridge will open” next month.", '"the bridge will open"')
    doc = parse_html(html)
    anchor = doc.find("span", cls="quote-anchor", id_="quote-c")
    assert anchor is not None
    assert doc.find("mark", data_claim="c").text == "“the bridge will open”"
    link = doc.find("a", cls="quote-claim")
    assert link.attrs["href"] == "../../claims/c/" and link.attrs["title"] == "The claim"


def test_highlight_spans_inline_formatting():
    doc = parse_html(highlight("the *new* bridge opens", "the new bridge"))
    assert " ".join(m.text for m in doc.find_all("mark")).split() == ["the", "new", "bridge"]
    assert doc.find("em").find("mark").text == "new"
    assert len(doc.find_all(id_="quote-c")) == 1


def test_highlight_in_plain_text_keeps_everything_literal():
    html = highlight("He wrote <b>bold</b> & *stars*, they said.", "<b>bold</b> & *stars*", plain=True)
    doc = parse_html(html)
    assert doc.find("mark").text == "<b>bold</b> & *stars*"
    assert not doc.find_all("b") and not doc.find_all("em")


@pytest.mark.parametrize("source, plain", [
    ("The agency said the attack was\ncontained within hours.", False),  # a soft break
    ("The agency said the attack was  \ncontained within hours.", False),  # a hard break: <br>
    ("The agency said the attack was\ncontained within hours.", True),
])
def test_a_quote_across_a_line_break_is_one_highlight(source, plain):
    doc = parse_html(highlight(source, "the attack was contained within", plain=plain))
    marks = doc.find_all("mark")
    assert [m.text for m in marks] == ["the attack was contained within"]


@pytest.mark.parametrize("source", [
    "the attack was\ncontained within hours.",  # the quote ends where the line does
    "He said: the attack\nwas contained.",  # the quote starts where the line does
])
def test_a_line_break_next_to_a_quote_stays_outside_it(source):
    quote = "the attack" if "said" in source else "the attack was"
    html = highlight(source, quote)
    assert f'<mark class="quote" data-claim="c">{quote}</mark>' in html


def test_only_the_first_occurrence_is_marked():
    doc = parse_html(highlight("Twice said.\n\nTwice said.", "Twice said"))
    assert len(doc.find_all("mark")) == 1
    assert len(doc.find_all(id_="quote-c")) == 1


def test_a_quote_that_is_not_there_is_not_marked():
    assert "<mark" not in highlight("Nothing to see.", "something else")


def test_a_quote_in_inline_code_is_highlighted():
    source = "The order read `evacuate the coast` at dawn."
    assert quote_in(text.blocks(text.markdown(False).parse(source)), "evacuate the coast")
    doc = parse_html(highlight(source, "evacuate the coast"))
    assert doc.find_all(id_="quote-c")


def test_a_quote_ending_inside_a_link_does_not_nest_links():
    html = highlight("He said [the bridge would open](https://example.org/) soon", "the bridge would")
    doc = parse_html(html)
    claim_link = doc.find("a", cls="quote-claim")
    assert all(a.tag != "a" for a in claim_link.ancestors())


def test_lead_is_the_first_paragraph():
    tokens = text.markdown(False).parse("# Title\n\nFirst  *paragraph*\ncontinues.\n\nSecond.")
    assert text.lead(tokens) == "First paragraph continues."


def test_an_overriding_template_gets_the_article_text_as_an_html_string(tmp_path):
    """Texts render in the render stage, yet templates see what they always saw: an HTML string
    that filters like any other (|length, |striptags, |truncate)."""
    import datetime as dt
    import re
    import shutil

    from briefgen.build import build
    from briefgen.render import theme_dir
    from support import FIXTURES

    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid" / "basic", project)
    article = (theme_dir() / "article.html").read_text(encoding="utf-8")
    assert "{{ body|safe }}" in article
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates" / "article.html").write_text(article.replace(
        "{{ body|safe }}", '{{ body|safe }}<p class="size">{{ body|length }}: {{ body|striptags|truncate(30) }}</p>'),
        encoding="utf-8")
    result = build(project, None, today=dt.date(2024, 1, 1))
    page = result.files["articles/satellite-launch/index.html"].decode()
    size = re.search(r'<p class="size">(\d+): ([^<]+)</p>', page)
    assert size and int(size.group(1)) > 100 and size.group(2).endswith("...")


@pytest.mark.parametrize("text", [
    "plain ascii <p>page</p>\n\t\r", "nbsp\u00a0middle\u00b7dot \u2019quote\u2019 \u2013 dash", "emoji \U0001f600 and \u4e2d\u6587",
    "c0 \x00\x01\x08\x0b\x0c\x0e\x1f end", "del \x7f end", "c1 \x80\x85\x9f end", "c1 edge \x7e\xa0 kept",
    "nonchar \ufdd0\ufdef \ufdcf\ufdf0 kept", "bom-ish \ufffe\uffff \ufffd kept", "astral \U0001fffe\U0010ffff \U0001fffd kept",
    "false alarm \u0ffe\u0fff (E0 BF BE, E0 BF BF)",
])
def test_without_controls_matches_the_exact_pass(text):
    """The byte-level fast path gives what the exact regex gives, for every kind of character."""
    from briefgen.render import _CONTROL, without_controls

    assert without_controls(text) == _CONTROL.sub("", text).encode("utf-8")


@pytest.mark.parametrize("source, words", [
    ("---\ntitle: T\n---\n# Head\n\nBody text.\n", "Head Body text."),
    ("Some *emph*, __strong__ and `code`; ~~gone~~.", "Some emph , strong and code ; gone ."),
    ("A [link](https://example.org/x) and ![a picture](p.png).", "A link and a picture."),
    ("> quoted\n- item\n* item\n+ item\n12. first\n3) third", "quoted item item item first third"),
    ("Setext\n======\n\nUnder\n------\n\n---\n\n-1 degrees, 2024 figures", "Setext Under -1 degrees, 2024 figures"),
    ("<b>tag</b> <br/> x < y", "tag x < y"),
])
def test_search_text_keeps_the_words_a_reader_sees(source, words):
    """What the search index gets of an article's Markdown: its visible words, no markup."""
    from briefgen.search import plain_text

    assert plain_text(source) == words
