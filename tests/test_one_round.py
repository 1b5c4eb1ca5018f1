"""Every error of a build in one round, and one diagnostic per cause.

A file that failed validation is still checked for what it says that is valid (salvage.salvaged),
so its quote, reference and claim errors come with its schema errors, on the lines as written; a
file that did not parse at all hides no error elsewhere and makes none. The dev server's build
cache and resolve memo go through such failed builds and must still give a clean build's site.
The corpus cases tests/hostile/errors-in-one-round and failed-file-no-cascade show the output.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from briefgen.build import Cache, build
from briefgen.errors import BuildFailed
from briefgen.parse import parse
from briefgen.resolve import salvaged

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2025, 1, 1)
MAIN = "seoul-says-russia-helped-north-korea-launch-spy-satellite"
SIDECAR = f"content/articles/{MAIN}.yaml"


def make_project(root: Path) -> Path:
    project = root / "project"
    shutil.copytree(REPO / "content", project / "content")
    (project / "briefgen.yaml").write_text("title: One round\nsearch: false\n", encoding="utf-8")
    return project


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def failure(project: Path, cache: Cache | None = None) -> list[str]:
    with pytest.raises(BuildFailed) as caught:
        build(project, None, today=TODAY, cache=cache, index_search=False, parallel=False)
    return [str(d) for d in caught.value.diagnostics]


def line_of(project: Path, rel: str, text: str) -> int:
    lines = (project / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


# --- salvaged: what of a failed file is still checked -------------------------------------------

ANNOTATIONS = """\
topics: [a, Bad Topic, b]
summary: [not, text]
actors:
  - id: x
    rol: unknown key in an item
  - y
claims:
  - id: first
    statement: The first claim.
    grade: Z9
    quote: first words
  - id: second
    statement: The second claim.
    grade: B2
    quote: second words
colour: red
"""


def test_a_failed_file_keeps_its_valid_items_at_their_indexes_in_the_file():
    doc = parse("annotations", "content/articles/x.yaml", "x", ANNOTATIONS.encode())
    assert doc.data is None and len(doc.diagnostics) >= 4
    valid = salvaged(doc)
    assert valid is not None
    assert list(valid.items("topics")) == [(0, "a"), (2, "b")]
    assert [(i, a.id) for i, a in valid.items("actors")] == [(0, "x"), (1, "y")]  # only the unknown key went
    assert [(i, c.id) for i, c in valid.items("claims")] == [(0, "first"), (1, "second")]
    assert valid.data.summary is None  # a wrong optional key is left out
    assert valid.data.claims[0].grade == "F6"  # a wrong required value in an item is a placeholder
    assert valid.gaps == frozenset({("claims", 0, "grade")})
    assert valid.dropped_claims == frozenset()


def test_a_claim_keeps_its_item_when_a_value_in_it_is_wrong():
    text = ("claims:\n  - id: a\n    statement: A.\n    status: denied\n    grade: B2\n    quote: q\n"
            "    via: [ok, Not An Id]\n  - id: Bad Id\n    grade: B2\n    quote: q\n  - id: c\n    quote: [x]\n"
            "    grade: B2\n")
    valid = salvaged(parse("annotations", "content/articles/x.yaml", "x", text.encode()))
    first, third = valid.data.claims
    assert (first.id, first.status, first.via, first.quote) == ("a", None, [], "q")  # the wrong fields left out
    assert third.id == "c"  # a wrong quote: a placeholder, not checked (a gap)
    assert [i for i, _ in valid.items("claims")] == [0, 2] and valid.dropped_claims == frozenset({"Bad Id"})
    assert valid.gaps == frozenset({("claims", 0, "status"), ("claims", 0, "via"), ("claims", 2, "quote")})


@pytest.mark.parametrize("kind, text, gap", [
    ("topic", "bluf: no title, which is required\nrelated: [a]\n", ("title",)),
    ("actor", "name: Someone\nkind: country\naffiliation: b\n", ("kind",)),
    ("actor", "name: [Some, One]\nkind: person\n", ("name",)),
])
def test_a_wrong_or_missing_required_key_is_a_placeholder_so_the_rest_is_checked(kind, text, gap):
    doc = parse(kind, f"content/{kind}s/x.yaml", "x", text.encode())
    assert doc.data is None
    valid = salvaged(doc)
    assert valid is not None and valid.gaps == frozenset({gap})


@pytest.mark.parametrize("kind, text", [
    ("annotations", "topics: [a\nsummary: x\n"),        # YAML syntax
    ("annotations", "- a list\n- not a mapping\n"),
    ("actor", "name: a\nkind: !!set {person}\n<<: {x: y}\n"),  # a merge key: refused by the YAML reader
])
def test_a_file_without_a_valid_whole_is_not_salvaged(kind, text):
    doc = parse(kind, f"content/{kind}s/x.yaml", "x", text.encode())
    assert doc.data is None
    assert salvaged(doc) is None


def test_a_valid_file_is_its_own_data():
    doc = parse("actor", "content/actors/x.yaml", "x", b"name: Someone\nkind: person\n")
    assert salvaged(doc).data is doc.data


# --- whole builds -------------------------------------------------------------------------------

def test_schema_quote_reference_and_conflict_errors_come_in_one_round(tmp_path):
    project = make_project(tmp_path)
    edit(project, "briefgen.yaml", "search: false\n", "search: false\nlanguage: English\n")
    edit(project, SIDECAR, "    grade: B2\n    quote: the National Intelligence Service assessed",
         "    grade: B9\n    quote: the National Intelligence Service assessed")
    edit(project, SIDECAR, "quote: North Korea's launch on Nov. 21 was the third attempt",
         "quote: North Korea's launch on Nov. 22 was the third attempt")
    edit(project, SIDECAR, "  - id: g7\n", "  - id: g-7\n")
    found = failure(project)
    codes = sorted(s.split("error[")[1].split("]")[0] for s in found)
    assert codes == ["bad-grade", "bad-value", "quote-not-found", "unknown-actor"], found
    quote = next(s for s in found if "quote-not-found" in s)
    assert quote.startswith(f"{SIDECAR}:{line_of(project, SIDECAR, 'Nov. 22')}: ")
    assert "claims[2].quote" in quote  # the index in the file, not among the claims left after the bad one


def test_a_wrong_required_key_hides_no_reference_error(tmp_path):
    """A topic without its title hid its unknown related topic; an actor of a wrong kind its
    unknown affiliation: the whole entity was left out."""
    project = make_project(tmp_path)
    topic, actor = "content/topics/russia-north-korea-military-cooperation.yaml", "content/actors/kim-jong-un.yaml"
    edit(project, topic, "title: Russia–North Korea military cooperation\n", "")
    edit(project, topic, "related: [north-korea-satellite-programme]", "related: [ghost]")
    edit(project, actor, "affiliation: north-korea", "affiliation: nobody")
    edit(project, actor, "kind: person", "kind: persn")
    found = failure(project)
    assert [(s.split(":")[0], s.split(": ", 2)[1]) for s in found] == [
        (actor, "error[bad-value]"), (actor, "error[unknown-actor]"),
        (topic, "error[missing-key]"), (topic, "error[unknown-topic]")], found  # and nothing from the placeholders


def test_a_claim_with_a_wrong_optional_value_is_still_checked_and_a_placeholder_is_not(tmp_path):
    """``status: denied`` left the whole claim out: its quote and its references were not checked."""
    project = make_project(tmp_path)
    edit(project, SIDECAR, "    status: reported\n    grade: B2\n    quote: the National Intelligence Service assessed that "
         "there was assistance", "    status: denied\n    grade: B2\n    quote: the National Intelligence Service assessed "
         "that there was help")
    edit(project, SIDECAR, "      which then provided Pyongyang with its analysis\n    supports: [nis-russia-assisted-third-launch]\n",
         "      which then provided Pyongyang with its analysis\n    supports: [nis-russia-assisted-third-launch]\n"
         "    contradicts: [nothing-here]\n")
    edit(project, SIDECAR, "    status: reported\n    grade: B3\n    quote: >\n      North Korea shared",
         "    status: [reported]\n    grade: B3\n    quote: >\n      North Korea shared")
    edit(project, SIDECAR, "quote: North Korea's launch on Nov. 21 was the third attempt",
         "quote: {North Korea's launch: Nov. 22}\n    rest: was the third attempt")
    found = failure(project)
    codes = [(s.split(": ", 2)[1], s.split(": ", 3)[2]) for s in found]
    assert codes == [
        ("error[bad-value]", "claims[0].status"), ("error[quote-not-found]", "claims[0].quote"),
        ("error[bad-value]", "claims[1].status"), ("error[unknown-claim]", "claims[1].contradicts"),
        ("error[bad-type]", "claims[2].quote"),  # a placeholder quote: no quote-not-found of its own
        ("error[unknown-key]", "claims[2].rest"),
    ], found


def test_a_claim_id_defined_twice_in_one_file_is_one_error_naming_both_definitions_lines(tmp_path):
    """It was two errors (statement and by) naming only the file, which is the file they are in; an
    article makes one report of a claim, so it is one duplicate-claim naming the first entry's line."""
    project = make_project(tmp_path)
    edit(project, SIDECAR, "  - id: north-korea-shared-launch-data-with-russia\n",
         "  - id: nis-russia-assisted-third-launch\n")
    found = failure(project)
    first = line_of(project, SIDECAR, "- id: nis-russia-assisted-third-launch")
    second = line_of(project, SIDECAR, 'North Korea shared data on the launch vehicles') - 2
    assert found == [
        f"{SIDECAR}:{second}: error[duplicate-claim]: claims[1]: claim 'nis-russia-assisted-third-launch' is already "
        f"reported at claims[0] (line {first}) (an article makes one report of a claim: merge the two entries, or "
        "give one a new id)"], found


def test_no_warning_about_what_a_failed_file_had_wrong(tmp_path):
    project = make_project(tmp_path)
    edit(project, SIDECAR, "summary: >\n", "summary:\n  - a list where text belongs\nnote: >\n")
    found = failure(project)
    assert [s for s in found if "error[" in s and SIDECAR in s], found
    assert not [s for s in found if "no-summary" in s], found  # its summary was wrong, not missing
    assert len([s for s in found if "error[" in s]) == 2, found  # summary, and the unknown key 'note'


def test_no_error_against_what_a_failed_file_had_wrong(tmp_path):
    project = make_project(tmp_path)
    edit(project, SIDECAR, "topics: [north-korea-satellite-programme, russia-north-korea-military-cooperation]",
         "topics: North Korea's satellites")  # its claims name topics the article then seems not to have
    edit(project, SIDECAR, "  - date: 2023-11-23\n", "  - date: 2026-11-23\n")
    edit(project, "briefgen.yaml", "search: false\n", "search: false\nfuture_dates: maybe\n")
    found = failure(project)
    assert [(s.split(":")[0], "error[" in s) for s in found] == [("briefgen.yaml", True), (SIDECAR, True)], found
    assert "future_dates" in found[0] and "topics[0]" in found[1]


def test_a_file_that_did_not_parse_hides_and_makes_no_other_error(tmp_path):
    project = make_project(tmp_path)
    articles = project / "content/articles"
    (articles / "second.md").write_text("# Second\n\nAn official said the launch had help.\n", encoding="utf-8")
    (articles / "second.yaml").write_text(
        "topics: [north-korea-satellite-programme]\nsummary: Help.\nactors: [g7]\n"
        "claims:\n  - id: launch-had-help\n    statement: The launch had help.\n    by: g7\n    grade: C3\n"
        "    quote: the launch had help\n    supports: [nis-russia-assisted-third-launch]\n"
        "  - id: nis-cannot-verify-satellite-imaging-capability\n    grade: C3\n    quote: An official said\n",
        encoding="utf-8")
    assert build(project, None, today=TODAY, index_search=False, parallel=False).briefing.claims
    sidecar, actor = project / SIDECAR, project / "content/actors/g7.yaml"
    sidecar.write_text("topics: [\n" + sidecar.read_text(encoding="utf-8"), encoding="utf-8")  # YAML syntax
    actor.write_text("name: G7\nkind: [organisation\n", encoding="utf-8")
    found = failure(project)
    assert [(s.split(":")[0], s.split(": ", 2)[1]) for s in found] == [
        ("content/actors/g7.yaml", "error[yaml-syntax]"), (SIDECAR, "error[yaml-syntax]")], found


def test_the_dev_servers_cache_goes_through_failed_builds_to_a_clean_builds_site(tmp_path):
    project = make_project(tmp_path)
    cache = Cache.server()

    def site(c: Cache | None) -> dict[str, bytes]:
        return build(project, None, today=TODAY, cache=c, index_search=False, parallel=False).files

    first = site(cache)
    sidecar, config = project / SIDECAR, project / "briefgen.yaml"
    good, settings = sidecar.read_text(encoding="utf-8"), config.read_text(encoding="utf-8")
    edit(project, SIDECAR, "    grade: B2\n    quote: the National Intelligence Service assessed",
         "    grade: B9\n    quote: the National Intelligence Service assessed")
    edit(project, SIDECAR, "quote: North Korea's launch on Nov. 21", "quote: North Korea's launch on Nov. 22")
    assert len(failure(project, cache)) == 2  # the article was checked from its salvaged annotations
    config.write_text(settings + "language: English\nfuture_dates: true\n", encoding="utf-8")
    assert len(failure(project, cache)) == 3  # and resolved again with the salvaged settings
    config.write_text(settings, encoding="utf-8")
    sidecar.write_text(good.replace("Yoo Sang-bum and", "Yoo Sang-bum, and"), encoding="utf-8")
    incremental = site(cache)
    assert incremental == site(None)
    assert incremental != first


def test_a_settings_change_with_a_content_edit_in_one_rebuild_equals_a_clean_build(tmp_path):
    project = make_project(tmp_path)
    cache = Cache.server()

    def site(c: Cache | None) -> dict[str, bytes]:
        return build(project, None, today=TODAY, cache=c, index_search=False, parallel=False).files

    site(cache)
    edit(project, "briefgen.yaml", "search: false\n", "search: false\nfuture_dates: true\n")
    edit(project, SIDECAR, "Yoo Sang-bum and", "Yoo Sang-bum, and")
    assert site(cache) == site(None)
