"""Values are read as written (issue 13, items 6-9): YAML scalars as text, NFC, URLs, .txt front matter.

The bad-input corpus (tests/hostile/, via test_hostile.py) holds the exact diagnostics of each
case; here the cases that build are built again to check what their pages show, and the rules
behind them are checked table by table.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from briefgen import yamlfile
from briefgen.parse import decode, parse
from briefgen.schema import ActorFile, Annotations, ArticleMeta, SiteConfig, TopicFile
from briefgen.validate import validate
from html_tree import parse_html
from support import TESTS, run_briefgen

HOSTILE = TESTS / "hostile"


def built(case: str, tmp_path: Path, *args: str) -> Path:
    project, site = tmp_path / "project", tmp_path / "site"
    shutil.copytree(HOSTILE / case, project, ignore=shutil.ignore_patterns("expected.txt"))
    result = run_briefgen("build", project, "-o", site, "--no-cache", *args)
    assert result.returncode == 0, result.stderr
    return site


def messages(model, text: str) -> list[tuple[int, str, str, str]]:
    data, lines, problems = yamlfile.load(text, "f.yaml")
    if not problems:
        _, problems = validate(model, data, "f.yaml", lines)
    return [(d.line, d.code, d.message, d.hint) for d in problems]


# --- 6. values read as written -----------------------------------------------------------------

@pytest.mark.parametrize("written, read", [
    ("no", "no"), ("NO", "NO"), ("No", "No"), ("yes", "yes"), ("on", "on"), ("off", "off"), ("true", "true"),
    ("1984", "1984"), ("007", "007"), ("0x1F", "0x1F"), ("1e3", "1e3"), (".inf", ".inf"), (".nan", ".nan"),
    ("2023-11-21", "2023-11-21"), ("12:30", "12:30"), ("'no'", "no"), ('"007"', "007"), ("!!str 12", "12"),
    ("", None), ("~", None), ("null", None), ("Null", None), ("NULL", None), ("'null'", "null"),
])
def test_a_scalar_is_text_as_written_unless_blank_or_null(written, read):
    data, _, problems = yamlfile.load(f"key: {written}\n", "f.yaml")
    assert problems == []
    assert data == {"key": read}


def test_a_key_is_text_as_written():
    data, _, problems = yamlfile.load("on: 1\nno: 2\n1984: 3\n", "f.yaml")
    assert problems == [] and data == {"on": "1", "no": "2", "1984": "3"}


@pytest.mark.parametrize("text, line", [("name: x\n~: y\n", 2), ("ids: {null: y}\n", 1), ("a: 1\n? \n: c\n", 2)])
def test_a_null_key_is_located_instead_of_becoming_the_key_none(text, line):
    data, _, problems = yamlfile.load(text, "f.yaml")
    assert data is None and [(p.line, p.code) for p in problems] == [(line, "empty-key")]


@pytest.mark.parametrize("model, text, tag, line", [
    (ActorFile, "name: a\nkind: person\naliases: !!set {a, b}\n", "!!set", 3),
    (ActorFile, "name: a\nkind: person\nids: {wikidata: !!int 423}\n", "!!int", 3),
    (ArticleMeta, "outlet: !!binary VGVzdA==\n", "!!binary", 1),
    (ActorFile, "name: !!python/object/apply:os.system [ls]\nkind: person\n", "!!python/object/apply:os.system", 1),
    (ArticleMeta, "title: x\npublished: !!timestamp 2023-11-21\n", "!!timestamp", 2),
    (ActorFile, "name: a\nkind: person\naffiliation: !local text\n", "!local", 3),
    (TopicFile, "title: t\n!!float 1.5: key\n", "!!float", 2),
    (TopicFile, "title: t\njudgments: !!omap\n  - text: a\n", "!!omap", 2),
    (TopicFile, "!!set {a, b}\n", "!!set", 1),
])
def test_a_tag_is_refused_where_it_is_written(model, text, tag, line):
    found = messages(model, text)
    assert [(found_line, code) for found_line, code, _, _ in found] == [(line, "yaml-tag")]
    assert f"'{tag}' is not allowed" in found[0][2]


def test_a_tagged_node_is_never_constructed():
    data, _, problems = yamlfile.load("a: !!python/object/apply:os.system [ls]\nb: !!set {x}\nc: [!!int 1]\n", "f")
    assert problems == []
    assert [type(v) for v in (data["a"], data["b"], data["c"][0])] == [yamlfile.Tagged] * 3
    assert (data["b"].tag, data["b"].path, data["b"].line) == ("!!set", ("b",), 2)


def test_a_tag_hides_no_other_error_of_its_file():
    """Once the whole file was refused at the tag: its bad grade and bad dates came a build later."""
    found = messages(Annotations, "summary: !!binary VGVzdA==\nclaims:\n  - id: c\n    grade: Z9\n    quote: q\n"
                                  "events:\n  - date: 2023-11-32\n    text: x\n  - date: !!int 5\n    text: y\n")
    assert [(line, code) for line, code, _, _ in found] == [
        (1, "yaml-tag"), (4, "bad-grade"), (7, "bad-date"), (9, "yaml-tag")]


@pytest.mark.parametrize("written, value", [
    ("true", True), ("True", True), ("TRUE", True), ("yes", True), ("Yes", True), ("on", True), ("ON", True),
    ("false", False), ("False", False), ("no", False), ("NO", False), ("off", False), ("Off", False),
])
def test_a_flag_is_true_false_yes_no_on_off_in_any_case(written, value):
    config, problems = validate(SiteConfig, yamlfile.load(f"search: {written}\n", "f")[0], "f", yamlfile.Lines())
    assert problems == [] and config.search is value


@pytest.mark.parametrize("written", ["1", "0", "y", "maybe", "'9" + "9" * 4999 + "'"])
def test_anything_else_is_not_a_flag(written):
    found = messages(SiteConfig, f"title: x\nsearch: {written}\n")
    assert [(line, code) for line, code, _, _ in found] == [(2, "bad-value")]
    assert "is not true or false" in found[0][2] and "write true or false" in found[0][3]


@pytest.mark.parametrize("written", ["2023-11-21", "'2023-11-21'", '"2023-11-21"'])
def test_a_date_validates_quoted_or_not(written):
    notes, problems = validate(Annotations, yamlfile.load(f"events:\n  - date: {written}\n    text: x\n", "f")[0], "f",
                               yamlfile.Lines())
    assert problems == [] and notes.events[0].date == "2023-11-21"  # an event's date is kept as written


@pytest.mark.parametrize("written", ["1699920000", "20231121", "9" * 5000, "2023-11-21T00:00:00"])
def test_only_yyyy_mm_dd_is_a_date(written):
    """1699920000 is midnight of 2023-11-14 as a Unix time: pydantic alone would take it."""
    found = messages(Annotations, f"events:\n  - date: {written}\n    text: x\n")
    assert [(line, code) for line, code, _, _ in found] == [(2, "bad-date")]


@pytest.mark.parametrize("written, message, hint", [
    ("2023-02-30", "is not a day of the calendar: February 2023 has 28 days",
     "check the day; the last day of that month is 2023-02-28"),
    ("2024-02-30", "is not a day of the calendar: February 2024 has 29 days",
     "check the day; the last day of that month is 2024-02-29"),
    ("2023-13-01", "is not a day of the calendar: there is no month 13",
     "if 13 is the day, write 2023-01-13: the month comes first"),
    ("2023-13-20", "is not a day of the calendar: there is no month 13",
     "write the month as 01 to 12, the date as YYYY-MM-DD"),
    ("2023-21-11", "is not a day of the calendar: there is no month 21",
     "if 21 is the day, write 2023-11-21: the month comes first"),
    ("2023-04-00", "is not a day of the calendar: there is no day 00", "days start at 01"),
    ("0000-01-01", "is not a day of the calendar: there is no year 0000", "years start at 0001"),
    ("21/11/2023", "is not a date",
     "write an event's date as YYYY-MM-DD, e.g. 2023-11-21, or as YYYY-MM or YYYY when no more is known"),
])
def test_a_date_in_the_right_form_that_is_no_day_says_so(written, message, hint):
    """'2023-02-30' is written YYYY-MM-DD: telling the user to write YYYY-MM-DD did not help."""
    found = messages(Annotations, f"events:\n  - date: {written}\n    text: x\n")
    assert found == [(2, "bad-date", f"events[0].date: '{written}' {message}", hint)]


def test_blank_means_not_given_and_empty_where_required():
    text = "topics:\nsummary: ~\nactors:\nclaims:\n  - id: c\n    grade:\n    quote: null\n    via:\n"
    found = messages(Annotations, text)
    assert found == [
        (6, "empty-value", "claims[0].grade: is empty", "write a value"),
        (7, "empty-value", "claims[0].quote: is empty",
         "write a value; YAML reads null as nothing, so write 'null' in quotes to mean the word"),
    ]


def test_a_list_written_where_text_belongs_is_shown_as_written_and_quoting_is_suggested():
    found = messages(Annotations, "summary: [Breaking, news]\n")
    assert found == [(1, "bad-type", "summary: expected text, found a list [Breaking, news]",
                      "put it in quotes if it is meant as text: '[Breaking, news]'")]


def test_values_as_written_build_and_show_as_typed(tmp_path):
    site = built("values-as-written", tmp_path)
    home = parse_html(site / "index.html")
    assert home.find("html").attrs["lang"] == "no"
    article = parse_html(site / "articles/launch/index.html")
    assert article.find("h1").text == "1984"
    assert "by 007" in article.text
    assert article.find("article").attrs["lang"] == "NO"
    actor = parse_html(site / "actors/north-korea/index.html")
    country = actor.text
    assert "Country" in country and re.search(r"Country\s*NO", country)
    assert "on, yes, 1e3, 0x1F, .inf" in country
    # 'search: no' is false: no search index, no search box
    assert not (site / "pagefind").exists()
    # the scheme written HTTPS is written out in lower case, the rest as written
    page = (site / "articles/launch/index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/launch"' in page and "HTTPS://" not in page


# --- 7. Unicode --------------------------------------------------------------------------------

def test_text_is_nfc_at_load():
    nfd = unicodedata.normalize("NFD", "Jürgen Müller, Café")
    text, problems = decode(nfd.encode("utf-8"), "f.md")
    assert problems == [] and text == "Jürgen Müller, Café" and text != nfd


def test_a_quote_typed_in_nfd_is_found_in_an_nfc_article(tmp_path):
    site = built("unicode-nfd-quote", tmp_path)
    marks = [m.text for m in parse_html(site / "articles/launch/index.html").find_all("mark", cls="quote")]
    assert marks == ["put a reconnaissance satellite into orbit on its third attempt, according to Jürgen Müller",
                     "« Malligyong-1 » a été placé en orbite"]
    for path in site.rglob("*"):
        if path.suffix in (".html", ".xml", ".json"):
            text = path.read_text(encoding="utf-8")
            assert unicodedata.is_normalized("NFC", text), path


@pytest.mark.parametrize("text, line, char", [
    ("name: a\ufffeb\n", 1, "U+FFFE"),
    ("é: 1\nname: 북한 조선\nx: a\uffff\n", 3, "U+FFFF"),  # libyaml counts bytes: the line is still right
    ("x: 1\ny: 2\ntitle: a\x01b\n", 3, "U+0001"),
])
def test_a_control_or_noncharacter_written_raw_in_yaml_is_located(text, line, char):
    data, _, problems = yamlfile.load(text, "f.yaml")
    assert data is None
    assert [(p.line, p.code, p.message) for p in problems] == [(line, "yaml-syntax",
                                                                 f"the character {char} is not allowed in YAML")]


def test_every_forbidden_character_of_a_yaml_file_is_located_in_one_round():
    """libyaml stops at the first: U+009B on line 1 hid U+FFFE on line 3 and U+0007 on line 5."""
    text = "name: a\x9bb\nkind: person\nrole: x\ufffey\n\ncountry: \x07 and \x07, \x1b\nx: \ufdd0 \U0001fffe\n"
    data, _, problems = yamlfile.load(text, "f.yaml")
    assert data is None
    assert [(p.line, p.message) for p in problems] == [
        (1, "the character U+009B is not allowed in YAML"),
        (3, "the character U+FFFE is not allowed in YAML"),
        (5, "the characters U+0007, U+001B are not allowed in YAML"),
        (6, "the characters U+FDD0, U+1FFFE are not allowed in YAML"),
    ]


@pytest.mark.parametrize("point", [c for c in range(0x80) if c not in (0x09, 0x0A, 0x0D)])
def test_an_ascii_file_is_refused_for_every_control_character_as_any_file_is(point):
    """An ASCII file is searched with a class of its own (the fast path): it must refuse the same
    characters, and say so the same way, as a file with other characters in it."""
    for text in (f"name: a{chr(point)}b\nrole: x\n", f"name: é a{chr(point)}b\nrole: x\n"):
        data, _, problems = yamlfile.load(text, "f.yaml")
        if point < 0x20 or point == 0x7F:
            assert data is None and [(p.line, p.message) for p in problems] == [
                (1, f"the character U+{point:04X} is not allowed in YAML")], text
            # found by the search, not by libyaml, which stops at the first: both in one round
            data, _, problems = yamlfile.load(text.replace("role: x", f"role: {chr(point)}"), "f.yaml")
            assert [p.line for p in problems] == [1, 2], text
        else:
            assert problems == [], text


def test_a_raw_nel_in_yaml_is_an_error_on_its_line_not_a_space():
    """NEL (U+0085) is a C1 control character; it silently became a space."""
    found = messages(TopicFile, "bluf: x\ntitle: North Korea's\x85satellites\n")
    assert found == [(2, "yaml-syntax", "the character U+0085 is not allowed in YAML",
                      "remove it; it is invisible in most editors")]
    data, _, problems = yamlfile.load('title: "a\\Nb"\nx: a\u2028b\n', "f.yaml")  # escaped NEL; U+2028
    assert problems == [] and data == {"title": "a\x85b", "x": "a b"}


NEVER_OUTPUT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\U0001fffe\U0001ffff"
                          "\U0010fffe\U0010ffff]")


def test_noncharacters_and_controls_never_reach_xml_or_html(tmp_path):
    site = built("noncharacters", tmp_path)
    feeds = sorted(site.rglob("*.xml"))
    assert {p.relative_to(site).as_posix() for p in feeds} >= {"feed.xml", "topics/satellites/feed.xml"}
    for feed in feeds:
        ET.parse(feed)  # well-formed XML
    titles = [e.text for e in ET.parse(site / "feed.xml").getroot().iter("{http://www.w3.org/2005/Atom}title")]
    assert "North Korea launches a satellite[2J" in titles
    for path in site.rglob("*"):
        if path.suffix in (".html", ".xml", ".json", ".txt"):
            found = NEVER_OUTPUT.search(path.read_text(encoding="utf-8"))
            assert not found, f"{path.relative_to(site)}: U+{ord(found.group()):04X}"


# --- 8. URLs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("written, message, hint", [
    ("https://example.org/briefing/index.html", "has a file name ('index.html')", "'https://example.org/briefing/'"),
    ("https://example.org/briefing/?utm_source=x", "has a query ('?utm_source=x')", "'https://example.org/briefing/'"),
    ("https://example.org/briefing/#frag", "has a fragment ('#frag')", "'https://example.org/briefing/'"),
    ("https://example.org/b/index.html#top", "has a fragment ('#top')", "'https://example.org/b/'"),
    ("https://example.org/a b/", "contains a space at position 22", "write it as %20: 'https://example.org/a%20b/'"),
    ("' https://example.org/'", "starts with a space", "remove it: 'https://example.org/'"),
    ("ftp://example.org/", "is not an http(s) URL", "write the full address, starting with https://"),
    # every link of the site would be '//evil.example/actors/': protocol-relative, to another host
    ("https://mysite.org//evil.example/", "has a path that starts with '//'",
     "every link would start with '//evil.example', another host to browsers: write 'https://mysite.org/evil.example/'"),
    ("'https://mysite.org/\\evil.example/'", "contains a backslash at position 20",
     "browsers read it as '/': write 'https://mysite.org/evil.example/'"),
    ("https://user:pw@mysite.org/b/", "has a user name and password ('user:pw@')",
     "it would be published in the site's pages: write 'https://mysite.org/b/'"),
    ("https://mysite.org:99999/b/", "has an invalid port ('99999')",
     "a port is a number from 1 to 65535; without one: 'https://mysite.org/b/'"),
])
def test_a_bad_base_url_is_located_and_the_fix_is_given(written, message, hint):
    found = messages(SiteConfig, f"title: x\nbase_url: {written}\n")
    assert len(found) == 1
    line, code, text, said = found[0]
    assert (line, code) == (2, "bad-url") and text.endswith(message) and said.endswith(hint)


@pytest.mark.parametrize("written, message, hint", [
    ("https://exa mple.org/", "contains a space at position 12, in the host name",
     "host names cannot contain spaces: check the address"),
    ("'https://example.org\t/'", "contains a tab at position 20, in the host name",
     "host names cannot contain tabs: check the address"),
    ("https://example.org/a b", "contains a space at position 22", "write it as %20: 'https://example.org/a%20b'"),
])
def test_a_space_in_the_host_name_gets_no_percent_encoded_advice(written, message, hint):
    """'https://exa%20mple.org/' is no address either."""
    found = messages(Annotations, f"links:\n  - title: t\n    url: {written}\n")
    assert [(line, code) for line, code, _, _ in found] == [(3, "bad-url")]
    assert found[0][2].endswith(message) and found[0][3] == hint


@pytest.mark.parametrize("written, stored", [
    ("HTTPS://example.org/briefing/", "https://example.org/briefing/"),
    ("Http://Example.org/B/", "http://Example.org/B/"),
    ("https://example.org/v1.2/", "https://example.org/v1.2/"),
    ("https://example.org/briefing", "https://example.org/briefing"),
])
def test_a_base_url_scheme_in_any_case_is_written_in_lower_case(written, stored):
    config, problems = validate(SiteConfig, {"base_url": written}, "f", {})
    assert problems == [] and config.base_url == stored


@pytest.mark.parametrize("written, message", [
    ("https://user@example.org/a", "has a user name ('user@')"),
    ("https://example.org:0/a", "has an invalid port ('0')"),
    ("https://example.org:8o/a", "has an invalid port ('8o')"),
])
def test_a_url_field_refuses_a_user_name_and_an_invalid_port(written, message):
    found = messages(Annotations, f"links:\n  - title: t\n    url: {written}\n")
    assert [(line, code) for line, code, _, _ in found] == [(3, "bad-url")] and found[0][2].endswith(message)


@pytest.mark.parametrize("written", ["https://example.org:8080/a", "https://[::1]:8080/", "https://example.org:/a"])
def test_a_url_with_a_valid_port_is_kept(written):
    notes, problems = validate(Annotations, {"links": [{"title": "t", "url": written}]}, "f", {})
    assert problems == [] and notes.links[0].url == written


def test_a_base_url_option_that_would_lead_every_link_to_another_host_is_refused(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(HOSTILE / "txt-front-matter", project, ignore=shutil.ignore_patterns("expected.txt"))
    result = run_briefgen("build", project, "-o", tmp_path / "site", "--base-url", "https://mysite.org//evil.example/")
    assert result.returncode == 1
    assert "--base-url: error[bad-url]: 'https://mysite.org//evil.example/' has a path that starts with '//'" in result.stderr
    assert not (tmp_path / "site").exists()


def test_a_base_url_option_with_a_file_name_is_an_error_naming_the_option(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(HOSTILE / "txt-front-matter", project, ignore=shutil.ignore_patterns("expected.txt"))
    result = run_briefgen("build", project, "-o", tmp_path / "site", "--base-url", "https://example.org/b/index.html")
    assert result.returncode == 1
    assert ("--base-url: error[bad-url]: 'https://example.org/b/index.html' has a file name ('index.html') "
            "(a base URL is the address of the site's root folder: write 'https://example.org/b/')") in result.stderr
    assert not (tmp_path / "site").exists()


# --- 9. .txt front matter ----------------------------------------------------------------------

def test_a_txt_article_takes_front_matter_like_markdown(tmp_path):
    site = built("txt-front-matter", tmp_path)
    launch = parse_html(site / "articles/launch/index.html")
    assert launch.find("h1").text == "North Korea launches a satellite"
    assert "---" not in launch.find("article").text
    assert "Test Wire" in launch.text
    paragraphs = [p.text for p in launch.find("article").find_all("p")]
    assert any(p.startswith("North Korea said it had") for p in paragraphs)  # a title given: no line taken
    reaction = parse_html(site / "articles/reaction/index.html")
    assert reaction.find("h1").text == "Seoul reacts to the launch"  # no title: the first line after it


@pytest.mark.parametrize("raw, found", [
    (b"---\ntitle: x\nno closing fence\n", [(1, "front-matter")]),
    (b"---\ntitle: x\nbogus: 1\n---\nText\n", [(3, "unknown-key")]),
    (b"---\npublished: 2023-02-30\n---\nText\n", [(2, "bad-date")]),
    (b"---\ntitle: [x\n---\nText\n", [(2, "yaml-syntax")]),
])
def test_a_txt_front_matter_problem_is_located(raw, found):
    document = parse("article", "content/articles/a.txt", "a", raw)
    assert document.data is None
    assert [(d.line, d.code) for d in document.diagnostics] == found
