"""The bad-input corpus: every kind of hostile or broken source a briefing meets, built as a user would.

Each folder in tests/hostile/ is a small project with one kind of trouble and an ``expected.txt``
holding the exact lines `briefgen build` prints to stderr. A case whose expected output ends with
the ``Build failed`` footer must exit 1; any other case must build (exit 0) with exactly the
warnings listed. Some troubles cannot be committed to git (5 MB files, symlinks, file names that
break Windows checkouts, CRLF that git may rewrite, non-UTF-8 bytes): MUTATORS writes them into
the temporary copy before the build.

For every case, whatever the outcome:
- no ``Traceback`` on stdout or stderr;
- nothing outside the output folder changes (the whole temporary tree, the project and a folder
  "outside" the project that symlinks point at, is compared file by file before and after; the
  project's build cache, .briefgen-cache/, is the one documented exception);
- every diagnostic that names a line names one that exists in that file;
- a failed build leaves the previous output folder byte for byte and mtime for mtime as it was.

To add a case: copy a folder (they are all small variations of one briefing), put the trouble in
it (or in MUTATORS when git cannot hold it), and generate its expected.txt as below.

To regenerate expected.txt after an intended change of wording:

    BRIEFGEN_REGEN=1 python -m pytest tests/test_hostile.py

then read ``git diff tests/hostile`` line by line. KNOWN_BUGS lists cases where briefgen is wrong
today: their expected.txt holds the output we want (written by hand, never regenerated) and the
test checks only the essence of the fix until the lead fixes it; the strict xfail then turns red.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from html_tree import parse_html
from support import REGEN, normalise, run_briefgen

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml

HOSTILE = Path(__file__).resolve().parent / "hostile"
CASES = sorted(p.name for p in HOSTILE.iterdir() if p.is_dir())
OLD_SITE = {"index.html": b"<!DOCTYPE html><title>old</title><p>the previous site</p>\n",
            "old/index.html": b"<!DOCTYPE html><title>old page</title>\n"}
OLD_SITE[".briefgen-manifest.json"] = json.dumps(  # an earlier build made these (briefgen/write.py)
    {"generator": "briefgen", "format": 1, "files": sorted(OLD_SITE)}).encode()
FOOTER = re.compile(r"^Build failed: (\d+) errors?; nothing was written, the previous site is unchanged\.$")
PWNED = Path("/tmp/briefgen-pwned")
"""What tests/hostile/yaml-python-tags would create if PyYAML's unsafe loader were ever used."""


# --- troubles that are written at test time ----------------------------------------------------

def _text_files(project: Path):
    return [p for p in sorted(project.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".yml", ".md", ".txt", ".html")]


def _bom(project: Path, outside: Path) -> None:
    for path in _text_files(project):
        path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())


def _crlf(project: Path, outside: Path) -> None:
    for path in _text_files(project):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def _cr_only(project: Path, outside: Path) -> None:
    for path in _text_files(project):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))


def _non_utf8(project: Path, outside: Path) -> None:
    actors, articles, topics = (project / "content" / f for f in ("actors", "articles", "topics"))
    # Latin-1 on line 2, as a Windows editor of the 1990s saves it.
    (actors / "kcna.yaml").write_bytes(b"name: KCNA\nrole: agence centrale cor\xe9enne\nkind: media\n")
    # Windows-1252 curly quotes in the body of an article (line 9).
    md = (articles / "launch.md").read_bytes()
    (articles / "launch.md").write_bytes(md.replace(b"would soon begin", b"would \x93soon\x94 begin"))
    # UTF-16 with its BOM, as Notepad once saved "Unicode".
    (topics / "satellites.yaml").write_bytes("title: North Korea's satellites\n".encode("utf-16"))
    # A NUL byte: a binary file where text belongs.
    (actors / "north-korea.yaml").write_bytes(b"name: North Korea\nkind: state\x00\n")


FILLER = ("Officials in Seoul discussed the launch at length with reporters, and analysts in Washington "
          "compared it with earlier attempts. ") * 8


def _huge_article(project: Path, outside: Path) -> None:
    """A 5 MB article whose quoted passage is its very last paragraph."""
    md = project / "content/articles/launch.md"
    paragraphs = (FILLER + "\n\n") * (5_000_000 // (len(FILLER) + 2) + 1)
    md.write_text(md.read_text(encoding="utf-8") + "\n" + paragraphs + "The last paragraph names the engine.\n",
                  encoding="utf-8")
    assert md.stat().st_size > 5_000_000
    sidecar = project / "content/articles/launch.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("events:", """\
  - id: engine-named
    statement: The article names the engine.
    grade: C3
    quote: The last paragraph names the engine
events:"""), encoding="utf-8")


def _long_lines(project: Path, outside: Path) -> None:
    """A 100 kB title on one line, and a body paragraph that is a single 1 MB line."""
    md = project / "content/articles/launch.md"
    text = md.read_text(encoding="utf-8").replace("title: North Korea launches a satellite",
                                                  "title: " + "Launch " * 15_000)
    md.write_text(text + "\n" + "word " * 200_000 + "\n", encoding="utf-8")
    sidecar = project / "content/articles/launch.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace(
        "summary: North Korea says its third attempt put a satellite into orbit.",
        "summary: " + "summary " * 15_000), encoding="utf-8")


def _deep_nesting(project: Path, outside: Path) -> None:
    """100,000 levels of flow nesting: deep enough to overflow libyaml's recursive composer."""
    (project / "content/actors/deep.yaml").write_text(
        "name: Deep\nkind: group\nids: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")


def _unsafe_file_names(project: Path, outside: Path) -> None:
    actor = "name: Someone\nkind: person\n"
    for name in ("con.yaml", "Aux.yml", "com1.yaml", "lpt9.yml", "CON.yaml", "a\\b.yaml", "x..y.yaml", "-x.yaml",
                 "a b.yaml", "kim.jong.un.yaml", ".hidden.yaml", "..yaml"):
        (project / "content/actors" / name).write_text(actor, encoding="utf-8")
    (project / "content/articles/prn.md").write_text("# A title\n\nSome text.\n", encoding="utf-8")
    (project / "content/topics/nul.yaml").write_text("title: A topic\n", encoding="utf-8")


def _symlink_outside(project: Path, outside: Path) -> None:
    (outside / "secret.yaml").write_text("name: A secret outside the project\nkind: person\n", encoding="utf-8")
    (outside / "leak.md").write_text("# Outside\n\nA file outside the project.\n", encoding="utf-8")
    (project / "content/actors/secret.yaml").symlink_to(outside / "secret.yaml")   # absolute
    (project / "content/articles/leak.md").symlink_to(Path("../../../outside/leak.md"))  # relative
    (project / "content/topics/gone.yaml").symlink_to("missing.yaml")             # dangling, inside


def _symlink_loop(project: Path, outside: Path) -> None:
    (project / "content/articles/loop.md").symlink_to("loop.md")
    (project / "templates").mkdir(exist_ok=True)  # a folder that links to itself: walked once
    (project / "templates/again").symlink_to(".", target_is_directory=True)


def _symlinked_folder_outside(project: Path, outside: Path) -> None:
    shutil.move(project / "content/actors", outside / "actors")
    (outside / "actors/secret.yaml").write_text("name: A secret outside the project\nkind: person\n", encoding="utf-8")
    (project / "content/actors").symlink_to(outside / "actors", target_is_directory=True)


def _config_symlink_outside(project: Path, outside: Path) -> None:
    (outside / "briefgen.yaml").write_text("title: A config outside the project\nsearch: false\n", encoding="utf-8")
    (project / "briefgen.yaml").unlink()
    (project / "briefgen.yaml").symlink_to(outside / "briefgen.yaml")


def _special_files(project: Path, outside: Path) -> None:
    os.mkfifo(project / "content/articles/pipe.md")  # nothing ever writes to it: a read would wait forever
    os.mkfifo(project / "content/topics/pipe.yaml")
    (project / "content/actors/piped.yaml").symlink_to("../topics/pipe.yaml")


def _template_not_utf8(project: Path, outside: Path) -> None:
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates/topic.html").write_bytes(
        b'{% extends "base.html" %}\n{% block main %}\n<h1>Satellites \xe0 la une</h1>\n{% endblock %}\n')


MUTATORS: dict[str, Callable[[Path, Path], None]] = {
    "bom": _bom, "crlf": _crlf, "cr-only": _cr_only, "non-utf8": _non_utf8, "huge-article": _huge_article,
    "long-lines": _long_lines, "deep-nesting": _deep_nesting, "unsafe-file-names": _unsafe_file_names,
    "symlink-outside": _symlink_outside, "symlink-loop": _symlink_loop,
    "symlinked-folder-outside": _symlinked_folder_outside, "config-symlink-outside": _config_symlink_outside,
    "template-not-utf8": _template_not_utf8, "special-files": _special_files,
}
SAME_SITE_AS_UNMUTATED = ("bom", "crlf", "cr-only")
"""Encodings of the same text: they must build byte for byte the same site as the plain files."""

KNOWN_BUGS: dict[str, tuple[str, Callable[[str, int], bool]]] = {
    # case: (what is wrong, a check on (stderr, exit code) that passes once it is fixed)
}


# --- running the corpus --------------------------------------------------------------------------

@dataclass
class Outcome:
    case: str
    root: Path
    project: Path
    output: Path
    result: subprocess.CompletedProcess
    before: dict
    after: dict
    output_before: dict
    output_after: dict

    @property
    def stderr(self) -> str:
        return normalise(self.result.stderr.replace(str(self.root), "<tmp>"))


CACHE_FOLDER = ".briefgen-cache"
"""The build cache briefgen keeps in the project folder (see briefgen/cache.py): the one thing a build
writes outside its output folder, by design; test_a_planted_build_cache_never_runs_code is about it."""


def snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every entry under root, symlinks not followed: path -> (kind, content hash or target, mtime).

    ``skip`` (the output folder) and every project's build cache folder are left out."""
    entries: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        if skip is not None and (here == skip or skip in here.parents):
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if not (d == CACHE_FOLDER and (here / "content").is_dir())]
        for name in dirs + files:
            path = here / name
            if skip is not None and path == skip:
                continue
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if path.is_symlink():
                entries[rel] = ("link", os.readlink(path), st.st_mtime_ns)
            elif path.is_dir():
                entries[rel] = ("dir",)
            elif not path.is_file():  # a pipe: reading it would wait for a writer
                entries[rel] = ("special", st.st_mode, st.st_mtime_ns)
            else:
                entries[rel] = ("file", hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest(), st.st_mtime_ns,
                                st.st_mode)
    return entries


def _run_case(case: str, base: Path, mutate: bool = True) -> Outcome:
    root = base / case if mutate else base / f"{case}-unmutated"
    project, outside, output = root / "project", root / "outside", root / "site"
    shutil.copytree(HOSTILE / case, project, ignore=shutil.ignore_patterns("expected.txt"), symlinks=True)
    outside.mkdir()
    for rel, data in OLD_SITE.items():
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_bytes(data)
    if mutate and case in MUTATORS:
        MUTATORS[case](project, outside)
    before, output_before = snapshot(root, skip=output), snapshot(output)
    result = run_briefgen("build", project, "-o", output)
    return Outcome(case, root, project, output, result, before, snapshot(root, skip=output), output_before,
                   snapshot(output))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """Every case built once, in parallel (each build is a separate process)."""
    base = tmp_path_factory.mktemp("hostile")
    existed = PWNED.exists()
    jobs = [(case, True) for case in CASES] + [(case, False) for case in SAME_SITE_AS_UNMUTATED]
    with ThreadPoolExecutor(max_workers=max(2, min(6, (os.cpu_count() or 2) + 1))) as pool:
        done = list(pool.map(lambda job: _run_case(job[0], base, job[1]), jobs))
    found = {o.case if o.root.name == o.case else o.root.name: o for o in done}
    found["__pwned__"] = PWNED.exists() and not existed  # type: ignore[assignment]
    return found


def expected_of(case: str) -> str:
    return normalise((HOSTILE / case / "expected.txt").read_text(encoding="utf-8"))


def expects_failure(case: str) -> bool:
    return bool(FOOTER.match(expected_of(case).splitlines()[-1])) if expected_of(case) else False


def _param(case: str):
    if case in KNOWN_BUGS:
        return pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case][0]))
    return case


# --- the tests -------------------------------------------------------------------------------------

def test_every_case_has_an_expected_file():
    missing = [case for case in CASES if not (HOSTILE / case / "expected.txt").is_file()]
    assert not missing or REGEN, f"cases without expected.txt (run with BRIEFGEN_REGEN=1): {missing}"
    assert len(CASES) >= 40
    assert set(MUTATORS) <= set(CASES) and set(KNOWN_BUGS) <= set(CASES)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_diagnostics_are_exactly_as_expected(case, outcomes):
    outcome = outcomes[case]
    out = outcome.result.stdout + outcome.result.stderr
    assert "Traceback" not in out, outcome.result.stderr[-3000:]
    if case in KNOWN_BUGS:
        assert KNOWN_BUGS[case][1](outcome.stderr, outcome.result.returncode), outcome.stderr[-3000:]
        return
    if REGEN:
        (HOSTILE / case / "expected.txt").write_text(outcome.stderr + "\n", encoding="utf-8")
        return
    assert outcome.stderr == expected_of(case)
    if expects_failure(case):
        assert outcome.result.returncode == 1, outcome.stderr
        assert outcome.result.stdout == ""
    else:
        assert outcome.result.returncode == 0, outcome.stderr
        assert outcome.result.stdout.startswith("Built "), outcome.result.stdout


@pytest.mark.parametrize("case", CASES)
def test_nothing_outside_the_output_folder_changes(case, outcomes):
    outcome = outcomes[case]
    changed = {k for k in set(outcome.before) | set(outcome.after) if outcome.before.get(k) != outcome.after.get(k)}
    assert not changed, f"the build touched files outside its output folder: {sorted(changed)}"


@pytest.mark.parametrize("case", CASES)
def test_a_failed_build_leaves_the_previous_site_and_a_good_one_replaces_it(case, outcomes):
    outcome = outcomes[case]
    if outcome.result.returncode != 0:
        assert outcome.output_after == outcome.output_before, "a failed build changed the output folder"
        return
    assert "old/index.html" not in outcome.output_after, "a stale page of the previous site was left"
    assert (outcome.output / "index.html").read_bytes() != OLD_SITE["index.html"]
    assert not [p for p in outcome.output.rglob("*briefgen-tmp*")], "temporary files left in the output"


LOCATED = re.compile(r"^ *(?:\d+\. )?(?P<file>\S+?):(?P<line>\d+): (?:error|warning)\[", re.MULTILINE)


@pytest.mark.parametrize("case", CASES)
def test_every_diagnostic_points_at_a_line_that_exists(case, outcomes):
    outcome = outcomes[case]
    for found in LOCATED.finditer(outcome.stderr):
        path = outcome.project / found["file"]
        lines = len(path.read_bytes().splitlines()) if path.is_file() else 0
        assert 1 <= int(found["line"]) <= lines, f"{found.group(0)} but {found['file']} has {lines} lines"


def test_no_yaml_tag_is_ever_constructed(outcomes):
    assert not outcomes["__pwned__"], f"{PWNED} was created: a YAML python/object tag ran code"


@pytest.mark.parametrize("case", SAME_SITE_AS_UNMUTATED)
def test_bom_and_line_endings_build_the_same_site_byte_for_byte(case, outcomes):
    plain, mutated = outcomes[f"{case}-unmutated"], outcomes[case]
    assert plain.result.returncode == 0 and mutated.result.returncode == 0, mutated.stderr
    assert mutated.stderr == plain.stderr
    differ = sorted(k for k in set(plain.output_after) | set(mutated.output_after)
                    if plain.output_after.get(k, ("?",))[:2] != mutated.output_after.get(k, ("?",))[:2])
    assert not differ, f"{case}: these output files differ from the plain build: {differ[:10]}"


def test_unicode_names_render_exactly_and_escaped(outcomes):
    outcome = outcomes["unicode-names"]
    assert outcome.result.returncode == 0, outcome.stderr
    site = outcome.output
    home = parse_html(site / "index.html")
    assert home.find("html").attrs["lang"] == "ko"
    article = parse_html(site / "articles/launch/index.html")
    assert article.find("h1").text == "북한, 정찰위성 발사 — Запуск «спутника» 🛰️"
    assert article.find("title").text == "북한, 정찰위성 발사 — Запуск «спутника» 🛰️ · 브리핑 · Брифинг · إحاطة 🛰️"
    # markup in a name is text, never markup
    assert "وكالة <b>الأنباء</b>" in article.text
    assert not article.find_all("b")
    assert article.find("mark", cls="quote").text == "북한은 세 번째 시도 끝에 정찰위성을 궤도에 올렸다고"
    actor = parse_html(site / "actors/kcna/index.html")
    assert actor.find("h1").text == "وكالة الأنباء المركزية الكورية <KCNA>"
    assert not actor.find_all("kcna")
    assert "&lt;KCNA&gt;" in (site / "actors/kcna/index.html").read_text(encoding="utf-8")
    topic = parse_html(site / "topics/satellites/index.html")
    assert topic.find("h1").text == "Спутники КНДР & «ракеты» 🚀"
    assert parse_html(site / "actors/north-korea/index.html").find("h1").text == "조선민주주의인민공화국 🇰🇵"


def test_a_5_mb_article_builds_and_its_last_paragraph_is_quoted(outcomes):
    outcome = outcomes["huge-article"]
    assert outcome.result.returncode == 0, outcome.stderr
    page = outcome.output / "articles/launch/index.html"
    assert page.stat().st_size > 5_000_000
    marks = parse_html(page).find_all("mark", cls="quote")
    assert [m.text for m in marks][-1] == "The last paragraph names the engine"


def test_very_long_lines_are_kept_whole(outcomes):
    outcome = outcomes["long-lines"]
    assert outcome.result.returncode == 0, outcome.stderr
    page = parse_html(outcome.output / "articles/launch/index.html")
    assert page.find("h1").text == ("Launch " * 15_000).strip()
    assert max(len(p.text) for p in page.find_all("p")) >= 200_000 * 5 - 1


@pytest.mark.parametrize("case", [_param(c) for c in ("symlink-outside", "symlinked-folder-outside",
                                                      "config-symlink-outside")])
def test_files_outside_the_project_are_never_published(case, outcomes):
    outcome = outcomes[case]
    leaks = [path.relative_to(outcome.output).as_posix() for path in outcome.output.rglob("*") if path.is_file()
             and re.search(rb"(secret|config) outside the project", path.read_bytes(), re.IGNORECASE)]
    assert not leaks, f"pages publish a file from outside the project: {leaks[:5]}"


def test_rename_hints_never_suggest_a_refused_name(outcomes):
    err = outcomes["unsafe-file-names"].stderr
    assert "error[bad-file-name]" in err
    suggested = re.findall(r"rename it to '([^']+)'", err)
    assert suggested and not [s for s in suggested if s.split(".")[0] in ("con", "aux", "nul", "prn")], suggested


def test_rename_hints_never_suggest_a_name_that_is_taken(outcomes):
    outcome = outcomes["case-insensitive-collision"]
    assert "error[bad-file-name]" in outcome.stderr
    for folder, name in re.findall(r"content/(\w+)/\S+: error\[bad-file-name\]: .* \(rename it to '([^']+)'\)",
                                   outcome.stderr):
        assert not (outcome.project / "content" / folder / name).exists(), f"the hint suggests {name}, which exists"


class _PlantedCode:
    """Unpickling this calls os.mkdir(path): harmless, and proof that code from the project ran."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (os.mkdir, (self.path,))


@pytest.mark.parametrize("form", ["bare-pickle", "well-formed-header-forged-signature"])
def test_a_planted_build_cache_never_runs_code(form, tmp_path):
    """A project can arrive with a .briefgen-cache/ (a cloned or shared briefing): unpickling it would run code."""
    import pickle

    from briefgen import cache as caching

    project, site = tmp_path / "project", tmp_path / "site"
    shutil.copytree(HOSTILE / "future-dates", project, ignore=shutil.ignore_patterns("expected.txt"))
    marker = tmp_path / "code-from-the-project-ran"
    body = pickle.dumps(_PlantedCode(marker))
    if form == "well-formed-header-forged-signature":  # everything right but the secret
        body = caching.MAGIC + caching.header(site) + b"\n" + os.urandom(32) + body
    (project / CACHE_FOLDER).mkdir()
    for name in [caching.FILE, caching.PLAN_FILE, caching.RESOLVE_FILE, caching.BRIEFING_FILE, caching.INDEX_FILE,
                 "stamps.pickle", *(caching._shard_file(n) for n in range(caching.SHARDS))]:
        (project / CACHE_FOLDER / name).write_bytes(body)
    result = run_briefgen("build", project, "-o", site)
    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "a pickle planted in the project folder was executed by `briefgen build`"
    again = run_briefgen("build", project, "-o", site)  # the cache briefgen wrote itself is used as before
    assert again.returncode == 0 and not marker.exists()
