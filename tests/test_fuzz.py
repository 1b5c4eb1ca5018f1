"""Property-based fuzzing (hypothesis) of the loader and of the whole build.

The only outcomes allowed are a site or diagnostics:
- ``briefgen.parse.parse`` returns a Document for any bytes, whatever the kind of file, and every
  diagnostic it gives names that file;
- ``briefgen.build.build(project, None)`` returns a BuildResult or raises BuildFailed whose
  diagnostics all name a file; never any other exception;
- and when a generated briefing full of hostile text builds, no page carries a script,
  event handler or dangerous URL that is not the site's own (tests/test_injection.py's checker).

Inputs: arbitrary bytes; mutations of real source files (the fixtures) with YAML, Markdown and
Unicode trouble spliced in; and generated annotation trees whose references mostly resolve, so
that many of them build. Every run is bounded (max_examples, sizes) to stay well under a minute;
the hypothesis database is off so no files are left in the repository. Set BRIEFGEN_FUZZ_EXAMPLES
to fuzz longer locally.

Crashes that a strict xfail already reports (KNOWN_BUGS: a key containing '[', a date in 9999) are
tolerated here so that the fuzzer keeps looking for new ones; generated dates stay within 1900-2100.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import traceback
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.build import BuildResult, build
from briefgen.errors import BriefgenError, BuildFailed
from briefgen.parse import MODELS, Document, parse
from html_tree import parse_html
from support import FIXTURES
from test_injection import Site, problems_of

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml

EXAMPLES = int(os.environ.get("BRIEFGEN_FUZZ_EXAMPLES", "0")) or None
TODAY = dt.date(2024, 1, 1)
FUZZ = settings(max_examples=EXAMPLES or 100, deadline=None, database=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

SNIPPETS = [
    # YAML trouble
    "&a ", "*a", "<<: *a", "!!python/object/apply:os.system ['true']", "!!binary aGk=", "!!timestamp ", "? ",
    "- ", ": ", "{", "}", "[", "]", ",", "|", ">", "'", '"', "#", "%YAML 1.1\n", "---\n", "...\n", "\t", "~",
    "null", "yes", "0x1F", "1e999", "2023-02-30", "9999-12-31", ".inf", "!!set {a}", "&x [*x]",
    # Markdown and HTML trouble
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "<javascript:x>",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)", "`", "```\n", "    ", "> ", "* ", "1. ", "# ", "[^1]",
    "[^1]: note\n", "[r]: javascript:x\n", "***", "<!--", "-->", "&amp;", "&#0;", "{{ 7*7 }}", "{% if %}",
    # Unicode trouble
    "\ufeff", "\x00", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\u202e", "\u200b", "\x1b[31m", "\ud7ff",
    "🛰️", "북한", "Россия", "كوريا", "\U0010ffff",
]

hostile_text = st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=12)), max_size=8).map("".join)


KNOWN_BUGS = {
    # (exception type, file and function of the innermost frame; "*": any) -> the strict xfail that covers it
    ("IndexError", "validate.py", "_diagnostic"): "tests/test_hostile.py, case bracket-in-key",
    ("ValueError", "figures.py", "*"): "tests/test_hostile.py, case year-9999",
}
known_hits: dict[str, int] = {}


def known_bug(exc: BaseException) -> str:
    """The xfail covering this exception, or '' when it is a new bug."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    where = (type(exc).__name__, Path(last.filename).name)
    found = KNOWN_BUGS.get((*where, last.name)) or KNOWN_BUGS.get((*where, "*"), "")
    if found == KNOWN_BUGS.get(("ValueError", "figures.py", "*")) and "out of range" not in str(exc):
        found = ""
    if found:
        known_hits[found] = known_hits.get(found, 0) + 1
    return found


def parse_checked(kind: str, file: str, raw: bytes, allow_html: bool) -> None:
    """parse() must return a Document; a crash already covered by a strict xfail is tolerated."""
    try:
        document = parse(kind, file, "fuzz", raw, allow_html)
    except Exception as exc:
        if known_bug(exc):
            return
        raise
    _check_document(document, file)


def _check_document(document: Document, file: str) -> None:
    assert isinstance(document, Document)
    for d in document.diagnostics:
        assert d.file == file, d
        assert d.severity in ("error", "warning") and d.code and d.message, d
        assert isinstance(d.line, int) and d.line >= 0, d
    if document.data is None:  # a file that yields nothing says why
        assert [d for d in document.diagnostics if d.severity == "error"], document


# --- the loader --------------------------------------------------------------------------------------

FILE_OF_KIND = {"config": "briefgen.yaml", "article": "content/articles/fuzz.md",
                "annotations": "content/articles/fuzz.yaml", "topic": "content/topics/fuzz.yaml",
                "actor": "content/actors/fuzz.yaml"}


@FUZZ
@given(kind=st.sampled_from(sorted(MODELS)), raw=st.binary(max_size=400), allow_html=st.booleans(),
       txt=st.booleans())
def test_parse_takes_any_bytes(kind, raw, allow_html, txt):
    file = FILE_OF_KIND[kind]
    if kind == "article" and txt:
        file = "content/articles/fuzz.txt"
    parse_checked(kind, file, raw, allow_html)


def _seeds() -> list[tuple[str, str, bytes]]:
    """Real source files: (kind, project-relative file, bytes)."""
    kinds = {"articles": {".md": "article", ".txt": "article", ".yaml": "annotations"},
             "topics": {".yaml": "topic", ".md": "topic"}, "actors": {".yaml": "actor"}}
    seeds = []
    for project in (FIXTURES / "valid" / "basic", Path(__file__).resolve().parent / "hostile" / "injection"):
        seeds.append(("config", "briefgen.yaml", (project / "briefgen.yaml").read_bytes()))
        for folder, by_suffix in kinds.items():
            for path in sorted((project / "content" / folder).iterdir()):
                if path.suffix in by_suffix and not path.name.startswith("."):
                    seeds.append((by_suffix[path.suffix], f"content/{folder}/{path.name}", path.read_bytes()))
    return seeds


SEEDS = _seeds()


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """A source file with a few edits: splices of trouble, deletions, duplicated or swapped lines."""
    text = data.decode("utf-8")
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "swap", "indent"]))
        at = draw(st.integers(0, len(text)))
        if op == "insert":
            text = text[:at] + draw(st.one_of(st.sampled_from(SNIPPETS), hostile_text)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 30)):]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            if op == "duplicate":
                lines.insert(i, lines[i])
            elif op == "swap":
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines[i] = draw(st.sampled_from([" ", "  ", "\t", "- ", "    "])) + lines[i]
            text = "\n".join(lines)
    encoded = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # sometimes not UTF-8 at all
        encoded = text.encode("latin-1", "replace")
    return encoded


@FUZZ
@given(data=st.data(), allow_html=st.booleans())
def test_parse_takes_mutated_sources(data, allow_html):
    kind, file, raw = data.draw(st.sampled_from(SEEDS))
    parse_checked(kind, file, data.draw(mutated(raw)), allow_html)


# --- the whole build -----------------------------------------------------------------------------------

def _build(project: Path) -> BuildResult | BuildFailed:
    """The pipeline in memory; anything but a site or BuildFailed fails the test."""
    try:
        return build(project, None, today=TODAY)
    except BuildFailed as exc:
        assert exc.diagnostics, "BuildFailed without diagnostics"
        errors = [d for d in exc.diagnostics if d.severity == "error"]
        assert errors, exc.diagnostics
        assert all(d.file for d in exc.diagnostics), [str(d) for d in exc.diagnostics if not d.file]
        return exc
    except BriefgenError as exc:  # a clear message, but the only legitimate one here is BuildFailed
        raise AssertionError(f"unexpected BriefgenError: {exc}") from exc
    except Exception as exc:
        if known_bug(exc):
            return BuildFailed([])
        raise


def _no_injection(result: BuildResult, tmp: Path) -> None:
    """No page of a built site carries a script, handler or dangerous URL but the site's own (with
    allow_html: true, raw HTML in a Markdown body is published as written: documented)."""
    site = Site(tmp / "site", None, None)  # type: ignore[arg-type]
    for rel, data in result.files.items():
        (site.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (site.root / rel).write_bytes(data)
    found = [p for rel in result.files if rel.endswith(".html")
             for p in problems_of(rel, parse_html(result.files[rel]), site,
                                  raw_bodies=result.briefing.config.allow_html)]
    assert not found, found[:10]


IDS = ["kim-jong-un", "north-korea", "kcna", "a", "x-1", "russia"]
BAD_IDS = ["Kim", "../x", "a/b", ".x", "con", "nul", "", "a--b"]
ids = st.one_of(*[st.sampled_from(IDS)] * 8, st.sampled_from(BAD_IDS))
dates = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
WORDS = ["north", "korea", "launched", "a", "satellite", "said", "the", "agency", "orbit", "on", "tuesday"]


@st.composite
def paragraphs(draw, text=hostile_text) -> list[str]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=12))
        extra = draw(st.lists(text, max_size=2))
        out.append(" ".join(words + extra).replace("\n", " "))
    return out


def _value(draw, text_strategy=hostile_text):
    """Mostly a text, sometimes a value of the wrong type."""
    if draw(st.integers(0, 9)):
        return draw(text_strategy) or "x"
    return draw(st.one_of(st.integers(), st.none(), st.booleans(), st.lists(st.text(max_size=5), max_size=2),
                          st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2)))


@st.composite
def projects(draw) -> dict[str, str | bytes]:
    """A briefing: config, actors, topics, articles with sidecars.

    Half of them are orderly (references resolve, URLs are https, texts are not blank) so that they
    build and the no-injection property is checked on them; the other half are chaos."""
    chaos = draw(st.booleans())
    text = hostile_text if chaos else hostile_text.filter(lambda t: t.strip()).map(lambda t: t.replace("\x00", ""))

    def value():
        return _value(draw, text) if chaos else draw(text)

    def ref(defined: list[str], fallback: str):
        return draw(ids) if chaos else draw(st.sampled_from(defined or [fallback]))

    files: dict[str, str | bytes] = {}
    config = {"title": draw(text) or "T", "search": False}
    if draw(st.booleans()):
        config["allow_html"] = draw(st.booleans())
    files["briefgen.yaml"] = yaml.safe_dump(config, allow_unicode=True)
    actors = draw(st.lists(st.sampled_from(IDS), min_size=0 if chaos else 1, max_size=4, unique=True))
    for actor in actors:
        data = {"name": value(), "kind": draw(st.sampled_from(["person", "state", "media", "agency"]
                                                                + (["x"] if chaos else [])))}
        if draw(st.booleans()) and (chaos or len(actors) > 1):
            data["affiliation"] = ref([a for a in actors if a != actor], "a")
        if draw(st.booleans()):
            data["aliases"] = [draw(text) or "alias"]
        files[f"content/actors/{actor}.yaml"] = yaml.safe_dump(data, allow_unicode=True)
    topics = draw(st.lists(st.sampled_from(["sats", "arms", "t-1"]), min_size=0 if chaos else 1, max_size=3,
                           unique=True))
    for topic in topics:
        data = {"title": value()}
        if draw(st.booleans()):
            data["judgments"] = [{"text": draw(text) or "j",
                                  "confidence": draw(st.sampled_from(["low", "high"] + (["x"] if chaos else [])))}]
        if draw(st.booleans()):
            files[f"content/topics/{topic}.md"] = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + \
                "\n\n".join(draw(paragraphs(text)))
        else:
            files[f"content/topics/{topic}.yaml"] = yaml.safe_dump(data, allow_unicode=True)
    slugs = draw(st.lists(st.sampled_from(["launch", "doubts", "a-1"]), min_size=1, max_size=3, unique=True))
    claims: list[str] = []
    for slug in slugs:
        body = draw(paragraphs(text))
        if draw(st.booleans()):
            meta = {"title": draw(text) or "t", "published": draw(dates).isoformat()}
            if draw(st.booleans()):
                meta["url"] = draw(st.sampled_from(["https://example.org/a", "https://x.example/'\"><b>"]
                                                   + (["javascript:alert(1)", "data:,x"] if chaos else [])))
            files[f"content/articles/{slug}.md"] = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + \
                "\n\n".join(body)
        else:
            files[f"content/articles/{slug}.txt"] = "Title " + "\n\n".join(body)
        if not draw(st.booleans()):
            continue
        sidecar: dict = {"topics": [ref(topics, "sats") for _ in range(draw(st.integers(0, 2)))],
                         "actors": [ref(actors, "a") for _ in range(draw(st.integers(0, 3)))]}
        if draw(st.booleans()):
            sidecar["summary"] = value()
        entries = []
        for _ in range(draw(st.integers(0, 2))):
            words = body[-1].split()
            start = draw(st.integers(0, max(0, len(words) - 3)))
            quote = " ".join(words[start:start + 3])
            if chaos and not draw(st.integers(0, 4)):
                quote = draw(text)
            claim_id = draw(st.sampled_from(["c-1", "c-2", "c-3"])) if not chaos else \
                draw(st.one_of(st.sampled_from(claims or ["c-1"]), st.sampled_from(["c-1", "c-2"]), ids))
            if claim_id in claims and not chaos:
                continue  # an orderly briefing defines each claim once
            entry = {"id": claim_id, "grade": draw(st.sampled_from(["B2", "A1", "F6"] + (["G7"] if chaos else []))),
                     "quote": quote or "q"}
            if chaos and draw(st.booleans()) or not chaos:
                entry.update(statement=draw(text) or "s", by=ref(actors, "a"),
                             status=draw(st.sampled_from(["reported", "disputed"] + (["wrong"] if chaos else []))))
                if claims and draw(st.booleans()):
                    entry["contradicts"] = [draw(st.sampled_from(claims))]
            claims.append(claim_id)
            entries.append(entry)
        if entries:
            sidecar["claims"] = entries
        if draw(st.booleans()):
            sidecar["events"] = [{"date": draw(dates).isoformat(), "text": draw(text) or "e",
                                  "actors": [ref(actors, "a")]}]
        if draw(st.booleans()):
            sidecar["links"] = [{"title": draw(text) or "l",
                                 "url": draw(st.sampled_from(["https://example.org/l", "https://x/'onclick='y"]
                                                             + (["vbscript:x"] if chaos else [])))}]
        if draw(st.booleans()):
            sidecar["related"] = [draw(st.sampled_from(slugs))]
        files[f"content/articles/{slug}.yaml"] = yaml.safe_dump(sidecar, allow_unicode=True)
    return files


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))


def test_generated_briefings_build_into_a_site_or_diagnostics():
    outcomes = {"built": 0, "failed": 0}

    @FUZZ
    @given(files=projects())
    def run(files):
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "project"
            _write(project, files)
            outcome = _build(project)
            if isinstance(outcome, BuildResult):
                outcomes["built"] += 1
                _no_injection(outcome, Path(tmp))
            else:
                outcomes["failed"] += 1

    run()
    assert outcomes["built"] >= 10, f"too few generated briefings built to check anything: {outcomes}"
    assert outcomes["failed"] >= 10, outcomes


def test_mutated_fixture_files_build_into_a_site_or_diagnostics():
    basic = FIXTURES / "valid" / "basic"
    sources = [p.relative_to(basic).as_posix() for p in sorted((basic / "content").rglob("*")) if p.is_file()]
    outcomes = {"built": 0, "failed": 0}

    @FUZZ
    @given(data=st.data())
    def run(data):
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "project"
            shutil.copytree(basic, project, ignore=shutil.ignore_patterns(".*"))
            (project / "briefgen.yaml").write_text("title: Fuzz\nsearch: false\n", encoding="utf-8")
            for rel in data.draw(st.lists(st.sampled_from(sources), min_size=1, max_size=2, unique=True)):
                (project / rel).write_bytes(data.draw(mutated((basic / rel).read_bytes())))
            outcome = _build(project)
            outcomes["built" if isinstance(outcome, BuildResult) else "failed"] += 1
            if isinstance(outcome, BuildResult):
                _no_injection(outcome, Path(tmp))

    run()
    assert outcomes["failed"] >= 3, outcomes


@pytest.mark.parametrize("snippet", ["\u2028", "\x85", "\ufeff"])
def test_unicode_line_breaks_in_yaml_give_a_diagnostic_not_an_exception(snippet):
    """Seen while fuzzing: PyYAML treats these as line breaks (or a BOM mid-file as an error)."""
    raw = f"name: North{snippet}Korea\nkind: state\n".encode()
    _check_document(parse("actor", "content/actors/x.yaml", "x", raw), "content/actors/x.yaml")
