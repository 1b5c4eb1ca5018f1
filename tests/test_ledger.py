"""The CLI's plan ledger (reads.Ledger): a rebuild plans only the pages whose reads changed.

What it keeps must be what a clean build makes: the random edit walk of
test_incremental_corpus.py (its ``cli`` case) checks that in verify mode. These tests check
that it keeps at all, and that what it compares does not vary from one process to the next.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
from pathlib import Path

from briefgen import stamps
from briefgen.build import build
from briefgen.pages import Later
from support import FIXTURES, read_tree

TODAY = dt.date(2024, 1, 1)

DIGESTS = """
import datetime as dt, hashlib, sys, dataclasses
from pathlib import Path
from briefgen import pages, reads
from briefgen.build import load_briefing
b, _ = load_briefing(Path(sys.argv[1]), today=dt.date(2024, 1, 1))
found = reads.Digests(b)
print(hashlib.sha256(b"".join(found.whole(f.name) for f in dataclasses.fields(b))
                     + pages.registry_signature(b)).hexdigest())
"""


def project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid" / "basic", project)
    return project


def test_digests_are_the_same_in_every_process(tmp_path: Path):
    """A digest that depends on the process (a set pickled in its hash order) would plan every
    page again in each new process, or worse, say nothing changed where something did. The
    settings set several fields, so their model's set of fields set has an order to lose."""
    project = project_copy(tmp_path)
    with (project / "briefgen.yaml").open("a", encoding="utf-8") as config:
        config.write("pagination: {per_page: 20}\ncaps: {claims: 6, actors: 4}\nsearch: false\n")
    seen = {subprocess.run([sys.executable, "-c", DIGESTS, str(project)], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin"}).stdout
            for seed in range(6)}
    assert len(seen) == 1, seen


def test_a_cli_rebuild_after_one_article_edit_plans_only_what_read_it(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(stamps, "now", lambda: time.time_ns() + 5_000_000_000)  # stamps prove files
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    first = build(project, out, today=TODAY, persist=True, index_search=False)
    assert not any(isinstance(p.context, Later) for p in first.planned)  # nothing to keep yet
    text = project / "content" / "articles" / "satellite-launch.md"
    text.write_text(text.read_text(encoding="utf-8") + "\nOne sentence more.\n", encoding="utf-8")
    again = build(project, out, today=TODAY, persist=True, index_search=False)
    kept = {p.path for p in again.planned if isinstance(p.context, Later)}
    planned = {p.path for p in again.planned} - kept
    assert "/articles/satellite-launch/" in planned
    assert {"/actors/russia/", "/topics/"} <= kept, (sorted(planned), sorted(kept))
    assert again.rendered < len(planned)


def test_compacting_the_ledger_keeps_what_each_page_read():
    """Entries no page reads any more are dropped once they outnumber the rest; each page still
    names the same entries, with the same digests."""
    from array import array

    from briefgen.reads import Kept, Ledger
    keys = [("articles", f"a{n}") for n in range(3000)]
    ledger = Ledger(keys=list(keys), digests=[n.to_bytes(16, "big") for n in range(3000)])
    ledger.pages = {"/x/": Kept("article", "article.html", "X", "x", array("I", [5, 2999]), b"f"),
                    "/y/": Kept("article", "article.html", "Y", "y", array("I", [7]), b"g")}
    before = {path: [(ledger.keys[n], ledger.digests[n]) for n in kept.read] for path, kept in ledger.pages.items()}
    ledger.compact()
    assert len(ledger.keys) == 3
    assert {path: [(ledger.keys[n], ledger.digests[n]) for n in kept.read] for path, kept in ledger.pages.items()} == before
    assert ledger.numbered({("articles", "a7")}, None).tolist() == list(ledger.pages["/y/"].read)  # type: ignore[arg-type]


def corpus_of_lists(tmp_path: Path, settings: str) -> Path:
    """The benchmark's generator's 60 articles (Zipf-popular topics and actors: many complete
    lists), with these pagination and cap ``settings`` and no search index."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import corpus  # noqa: E402

    corpus.generate(60, 1, tmp_path, formats=("briefgen",), quiet=True)
    project = tmp_path / "briefgen"
    with (project / "briefgen.yaml").open("a", encoding="utf-8") as config:
        config.write(f"{settings}\nsearch: false\n")
    return project


def test_an_article_summary_plans_again_only_the_lists_that_show_it(tmp_path: Path):
    """A complete list's pages are cut from the list worked out once per plan; what that read
    counts as read by each of its pages, so an article's new summary plans again the lists it is
    in, not every list of the site."""
    import yaml

    project = corpus_of_lists(tmp_path, "pagination: {per_page: 20}\ncaps: {claims: 6, actors: 4, events: 3, articles: 4}")
    out = tmp_path / "site"
    first = build(project, out, today=TODAY, persist=True)
    lists = {p.path: p for p in first.planned if p.kind.count("-")}  # topic-claims, actor-articles...
    assert len(lists) > 20, sorted(lists)
    notes = sorted((project / "content" / "articles").glob("*.yaml"))[0]
    data = yaml.safe_load(notes.read_text(encoding="utf-8"))
    data["summary"] = "A summary no list has shown before."
    notes.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    again = build(project, out, today=TODAY, persist=True)
    planned = {p.path for p in again.planned if p.path in lists and not isinstance(p.context, Later)}
    assert 0 < len(planned) < len(lists) / 2, (len(planned), len(lists))


def test_an_edit_makes_the_complete_lists_only_of_the_pages_it_plans_again(tmp_path: Path, monkeypatch):
    """How many pages an entity's complete list takes is kept in the ledger with what the list
    read: a one-article edit makes no list it does not show on a page planned again (it made all
    of them, about 1.5 s at 10,000 articles, to count their pages), and a list that grows past
    a page gets its new page."""
    import yaml

    from briefgen import reads

    project = corpus_of_lists(tmp_path, "pagination: {per_page: 3}\ncaps: {claims: 2, actors: 2, events: 2, articles: 2}")
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    made: list[frozenset] = []

    class Counted(reads.Reading):
        def __init__(self, b):
            super().__init__(b)
            made.append(frozenset())
    monkeypatch.setattr(reads, "Reading", Counted)
    text = sorted((project / "content" / "articles").glob("*.md"))[0]
    text.write_text(text.read_text(encoding="utf-8") + "\nOne sentence more.\n", encoding="utf-8")
    again = build(project, out, today=TODAY, persist=True)
    fresh = [p for p in again.planned if not isinstance(p.context, Later)]
    assert len(made) <= 2 * len(fresh) + 2, (len(made), [p.path for p in fresh])
    # a topic's articles list gets one more page: an article joins it
    notes = sorted((project / "content" / "articles").glob("*.yaml"))
    topic = yaml.safe_load(notes[0].read_text(encoding="utf-8"))["topics"][0]
    before = {p.path for p in again.planned if p.kind == "topic-articles" and p.ident == topic}
    for path in notes:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if topic not in data.get("topics", []):
            data["topics"] = [*data.get("topics", []), topic]
            path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    grown = build(project, out, today=TODAY, persist=True)
    after = {p.path for p in grown.planned if p.kind == "topic-articles" and p.ident == topic}
    assert len(after) > len(before)
    build(project, tmp_path / "clean", today=TODAY, persist=False)
    assert read_tree(out) == read_tree(tmp_path / "clean")


def test_a_cli_process_does_not_parse_the_templates_again_to_digest_them(tmp_path: Path, monkeypatch):
    """What each template references is kept in the ledger by the digest of its source: the next
    process takes the template digests without parsing the theme (270 ms), and parses a template
    whose source changed."""
    from briefgen import render
    monkeypatch.setattr(stamps, "now", lambda: time.time_ns() + 5_000_000_000)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True, index_search=False)
    parsed: list[str] = []
    real_parse = render._SYNTAX.parse
    monkeypatch.setattr(render._SYNTAX, "parse", lambda source, *a, **k: parsed.append(source) or real_parse(source, *a, **k))
    monkeypatch.setattr(render, "_REFERENCES", {})  # as in a new process
    text = project / "content" / "articles" / "satellite-launch.md"
    text.write_text(text.read_text(encoding="utf-8") + "\nOne sentence more.\n", encoding="utf-8")
    again = build(project, out, today=TODAY, persist=True, index_search=False)
    assert again.briefing is not None and again.rendered > 0 and parsed == []
    (project / "templates").mkdir(exist_ok=True)
    theme = render.theme_dir() / "article.html"
    (project / "templates" / "article.html").write_text(theme.read_text(encoding="utf-8") + "{# overridden #}\n",
                                                        encoding="utf-8")
    build(project, out, today=TODAY, persist=True, index_search=False)
    assert [source for source in parsed if "{# overridden #}" in source]


def test_a_cli_process_compiles_only_the_templates_that_changed(tmp_path: Path, monkeypatch):
    """Compiled templates are kept in the (signed) ledger: the next process runs them without
    compiling the theme again, compiles a template whose source changed, and its pages show it."""
    import jinja2
    from briefgen import render
    monkeypatch.setattr(stamps, "now", lambda: time.time_ns() + 5_000_000_000)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True, index_search=False)
    compiled: list[str | None] = []
    real_compile = jinja2.Environment.compile

    def compile_(env, source, name=None, *args, **kwargs):
        compiled.append(name)
        return real_compile(env, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", compile_)
    monkeypatch.setattr(render._COMPILED, "_code", {})  # as in a new process
    monkeypatch.setattr(render._COMPILED, "used", set())
    text = project / "content" / "articles" / "satellite-launch.md"
    text.write_text(text.read_text(encoding="utf-8") + "\nOne sentence more.\n", encoding="utf-8")
    again = build(project, out, today=TODAY, persist=True, index_search=False)
    assert again.briefing is not None and again.rendered > 0 and compiled == []
    assert "One sentence more." in (out / "articles" / "satellite-launch" / "index.html").read_text(encoding="utf-8")
    (project / "templates").mkdir(exist_ok=True)
    theme = render.theme_dir() / "article.html"
    (project / "templates" / "article.html").write_text(
        theme.read_text(encoding="utf-8").replace("</article>", "<p>overridden here</p></article>", 1), encoding="utf-8")
    monkeypatch.setattr(render._COMPILED, "_code", {})
    build(project, out, today=TODAY, persist=True, index_search=False)
    assert compiled == ["article.html"]
    assert "overridden here" in (out / "articles" / "satellite-launch" / "index.html").read_text(encoding="utf-8")
    kept = render.known_code()
    (project / "templates" / "article.html").unlink()  # the theme's again: the override's code is not kept
    monkeypatch.setattr(render._COMPILED, "_code", {})
    monkeypatch.setattr(render._COMPILED, "used", set())
    build(project, out, today=TODAY, persist=True, index_search=False)
    assert render.known_code().keys() < kept.keys()  # the theme's templates, the override's gone


def test_a_cli_rebuild_digests_up_front_what_each_read_would_work_out(tmp_path: Path, monkeypatch):
    """After an edit, the entries the ledger knows are digested up front (the "digesting" stage):
    the ledger saved keeps each entry's digest of the edited Briefing, and the pages are a clean
    build's."""
    from briefgen import reads
    monkeypatch.setattr(stamps, "now", lambda: time.time_ns() + 5_000_000_000)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True, index_search=False)
    text = project / "content" / "articles" / "satellite-launch.md"
    text.write_text(text.read_text(encoding="utf-8") + "\nOne sentence more.\n", encoding="utf-8")
    again = build(project, out, today=TODAY, persist=True, index_search=False)
    digesting = [t for t in again.stages if t.name == "digesting"]
    assert digesting and digesting[0].items > 10, again.stages
    assert again.briefing is not None
    here = reads.Digests(again.briefing)
    ledger_digests = dict(zip(*_ledger_of(project)))
    assert len(ledger_digests) > 10 and all(ledger_digests[key] == here(key) for key in ledger_digests if key[1] != reads.ANY)
    build(project, tmp_path / "clean", today=TODAY, persist=False, index_search=False)
    assert read_tree(out) == read_tree(tmp_path / "clean")


def _ledger_of(project: Path) -> tuple[list, list]:
    """The (keys, digests) of the project's saved ledger."""
    from briefgen import cache as caching
    loaded = caching.load(project, project / "site")
    return loaded.ledger.keys, loaded.ledger.digests


def test_a_site_wide_index_s_reads_are_kept_once_for_all_its_pages(tmp_path: Path, monkeypatch):
    """Each /claims/ page is cut from the order of every claim, worked out once per plan; what the
    order read counts as read by each page, and is kept once under the order's key, not copied
    into each page (at 100,000 articles: 3,351 pages times 167,508 claims, 2 GB and most of an
    hour of planning). An edit to what the order read plans its pages again; one elsewhere keeps them."""
    import yaml

    from briefgen import cache as caching
    monkeypatch.setattr(stamps, "now", lambda: time.time_ns() + 5_000_000_000)
    project = corpus_of_lists(tmp_path, "pagination: {per_page: 3}")
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    ledger = caching.load(project, out).ledger
    index = {path: kept for path, kept in ledger.pages.items() if kept.kind == "claims"}
    assert len(index) > 10
    for kept in index.values():
        assert kept.derived and all(key in ledger.derived for key in kept.derived)
        whole = max(len(ledger.derived[key]) for key in kept.derived)
        assert len(kept.read) < whole / 2, (len(kept.read), whole)

    text = sorted((project / "content" / "articles").glob("*.md"))[0]
    text.write_text(text.read_text(encoding="utf-8") + "\nOne sentence more.\n", encoding="utf-8")
    again = build(project, out, today=TODAY, persist=True)
    assert all(isinstance(p.context, Later) for p in again.planned if p.path in index)

    notes = sorted((project / "content" / "articles").glob("*.yaml"))[0]
    data = yaml.safe_load(notes.read_text(encoding="utf-8"))
    data["claims"][0]["statement"] = "A statement no claim has made before."
    notes.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    edited = build(project, out, today=TODAY, persist=True)
    assert not any(isinstance(p.context, Later) for p in edited.planned if p.path in index)
    build(project, tmp_path / "clean", today=TODAY, persist=False)
    assert read_tree(out) == read_tree(tmp_path / "clean")
