"""The command line: parses options, calls one function, prints the outcome. No logic here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import BriefgenError, BuildFailed, printable

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

project_arg = click.argument("project_dir", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))


def report_failure(exc: BuildFailed, command: str) -> None:
    errors = [d for d in exc.diagnostics if d.severity == "error"]
    for number, d in enumerate(exc.diagnostics, 1):
        err.print(f"{number:>3}. {d}", markup=False, style="red" if d.severity == "error" else "yellow")
    count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
    if command == "check":
        err.print(f"[bold red]Check failed:[/] {count}.")
    else:
        err.print(f"[bold red]Build failed:[/] {count}; nothing was written, the previous site is unchanged.")


class Group(click.Group):
    """Turns every BriefgenError into a message and an exit code: no traceback reaches a user."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BuildFailed as exc:
            report_failure(exc, ctx.invoked_subcommand or "")
            sys.exit(1)
        except BriefgenError as exc:
            err.print("error: ", style="bold red", end="")
            err.print(str(exc), markup=False, highlight=False)
            sys.exit(exc.exit_code)
        except (KeyboardInterrupt, Stopped) as exc:
            # Every temporary file and folder was taken back on the way here. Exit at once: the
            # interpreter's own exit would wait on worker pools whose workers were just killed.
            code = exc.code if isinstance(exc, Stopped) else 130
            err.print(f"stopped ({'interrupted' if code == 130 else f'signal {code - 128}'}); every file is complete, "
                      "nothing half-written is left: run the command again to finish", markup=False, highlight=False)
            _exit_now(code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug in briefgen: say so plainly; the traceback only on request
            if os.environ.get("BRIEFGEN_DEBUG"):
                raise
            err.print("internal error: ", style="bold red", end="")
            err.print(f"{type(exc).__name__}: {printable(str(exc))} (this is a bug in briefgen; rerun with BRIEFGEN_DEBUG=1 "
                      "for the traceback and report it)", markup=False, highlight=False)
            sys.exit(2)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefgen")
def main() -> None:
    """Turn annotated news articles into a static briefing site."""


@main.command()
@project_arg
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: PROJECT_DIR/site].")
@click.option("--base-url", help="Where the site will be published, e.g. https://example.org/briefing/.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--no-cache", is_flag=True, help="Ignore and do not write the build cache (.briefgen-cache/).")
@click.option("--clean-destination-dir", "replace_foreign", is_flag=True,
              help="Delete whatever the output folder holds that the build does not produce (briefgen otherwise "
                   "refuses to write among files it did not make).")
@click.option("--edition", callback=lambda ctx, param, value: _day(value, param), metavar="YYYY-MM-DD",
              help="Build with one more edition of this date than briefgen.yaml lists (docs/editions.md).")
@click.option("-v", "--verbose", is_flag=True, help="Print the time each stage of the build took.")
def build(project_dir: Path, output: Path | None, base_url: str | None, strict: bool, no_cache: bool,
          replace_foreign: bool, verbose: bool, edition) -> None:
    """Build the site from PROJECT_DIR into its site/ folder."""
    from .build import build as run
    from .stages import Stages

    output = output or project_dir / "site"
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                  TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("starting", total=None, count="")

        def show(stage: str, done: int, total: int | None) -> None:
            unit = STAGE_UNITS.get(stage)
            bar.update(task, description=stage, completed=done, total=total if unit else None,
                       count=f"{done}/{total} {unit}" if unit and total is not None else "")

        result = run(project_dir, output, base_url=base_url, strict=strict, persist=not no_cache,
                     progress=Stages(show), replace_foreign=replace_foreign, waiting=_say, edition=edition, last=True)
    for warning in result.warnings:
        err.print(str(warning), markup=False, style="yellow")
    kinds = ", ".join(f"{n} {k}" for k, n in result.pages.items())
    written = result.written
    plural = "s" if len(result.warnings) != 1 else ""
    if result.briefing is None:
        out.print(f"Up to date: {sum(result.pages.values())} pages in {output} ({kinds}); no source, template or "
                  f"output file changed since the last build; {len(result.warnings)} warning{plural}; "
                  f"{result.seconds * 1000:.0f} ms", markup=False)
    else:
        changes = f"{len(written.written)} written, {written.unchanged} unchanged, {len(written.removed)} removed" if written else ""
        out.print(f"Built {sum(result.pages.values())} pages into {output} ({kinds}); {changes}; "
                  f"{len(result.warnings)} warning{plural}; {result.seconds * 1000:.0f} ms", markup=False)
    if verbose:
        out.print(stage_table(result.stages))
    _exit_now()


STAGE_UNITS = {"reading": "files", "parsing": "files", "rendering": "pages", "writing": "files"}
"""The stages that count items, and what they count."""


def stage_table(stages) -> Table:
    """Time per stage, in the order they ran, with each one's share of the whole."""
    table = Table(title="Build stages", title_justify="left", box=None, pad_edge=False)
    table.add_column("stage")
    table.add_column("items", justify="right")
    table.add_column("time", justify="right")
    table.add_column("share", justify="right")
    whole = sum(s.seconds for s in stages) or 1.0
    for s in stages:
        table.add_row(s.name, "" if s.items is None else str(s.items), f"{s.seconds * 1000:.0f} ms",
                      f"{s.seconds / whole:.0%}")
    table.add_row("total", "", f"{whole * 1000:.0f} ms", "")
    return table


def _day(value: str | None, param: click.Parameter):
    """A date as YYYY-MM-DD exactly (strptime would also take 2024-3-1)."""
    import datetime as dt
    import re

    if value is None:
        return None
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise click.BadParameter(f"'{value}' is not a date as YYYY-MM-DD, e.g. 2024-03-08", param=param)


def _say(line: str) -> None:
    err.print(line, markup=False, highlight=False)


def _exit_now(code: int = 0) -> None:
    """Exit without tearing down a large build's millions of objects one by one (seconds at 10,000
    articles); everything that matters is on disk. Only when briefgen is its own process."""
    if _own_process:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if code:
        sys.exit(code)


class Stopped(BaseException):
    """SIGTERM or SIGHUP reached a build or a deploy (raised by the handler ``entry`` sets)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@main.command()
@project_arg
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (the next free one if busy).")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def serve(project_dir: Path, host: str, port: int, open_browser: bool, strict: bool) -> None:
    """Build, serve and live-reload PROJECT_DIR while you edit it."""
    from .serve import serve as run

    def ready(url: str) -> None:
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    import signal

    def stop(signum, frame):  # a service manager's SIGTERM stops as cleanly as Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        run(project_dir, host, port, strict, log=lambda line: err.print(line, highlight=False), ready=ready)
    except KeyboardInterrupt:
        _exit_now(0)  # not the interpreter's exit: it would wait on a first build's worker pool


@main.command()
@project_arg
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(project_dir: Path, strict: bool) -> None:
    """Validate PROJECT_DIR without writing anything."""
    from .build import check as run
    from .editions import review

    result = run(project_dir, strict=strict)
    b, warnings = result.briefing, result.warnings
    assert b is not None  # a check builds in memory: only a build into a folder may stop early without one
    for warning in warnings:
        err.print(str(warning), markup=False, style="yellow")
    for line in review(b):
        out.print(line, markup=False)
    out.print(f"OK: {len(b.articles)} articles, {len(b.topics)} topics, {len(b.actors)} actors, "
              f"{len(b.claims)} claims, {sum(result.pages.values())} pages with every internal link resolving; "
              f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}", markup=False)


@main.command()
@project_arg
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: PROJECT_DIR/site].")
@click.option("--base-url", help="Where the site is published, e.g. https://user.github.io/repo/.")
@click.option("--remote", default="origin", show_default=True, help="Git remote name, URL or path.")
@click.option("--branch", default="gh-pages", show_default=True, help="Branch to publish to.")
@click.option("-m", "--message", help="Commit message.")
@click.option("--force", is_flag=True, help="Replace the branch's history with a single commit.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def deploy(project_dir: Path, output: Path | None, base_url: str | None, remote: str, branch: str,
           message: str | None, force: bool, strict: bool) -> None:
    """Build PROJECT_DIR, commit the site to a branch of a git remote and push it.

    Without --base-url (or base_url in briefgen.yaml), a GitHub remote publishes to
    https://USER.github.io/REPO/ (or the custom domain of its CNAME); any other remote needs one.
    """
    from .build import build as run
    from .deploy import default_message, missing_base_url, target

    output = output or project_dir / "site"
    with target(project_dir, remote, branch) as where:
        inferred = missing_base_url(project_dir, where) if base_url is None else None
        if inferred is not None:
            base_url = inferred.url
            err.print(f"No base URL given: building for {base_url} ({inferred.why}); pass --base-url to choose another",
                      markup=False, highlight=False)
        result = run(project_dir, output, base_url=base_url, strict=strict, persist=True, waiting=_say, last=True)
        for warning in result.warnings:
            err.print(str(warning), markup=False, style="yellow")
        done = where.publish(output, message or default_message(project_dir), force)
    if done.kept_cname is not None:
        err.print(f"Kept the branch's CNAME file ({done.kept_cname or 'empty'}): GitHub writes it for a custom "
                  "domain. To publish it from the project, put it in static/CNAME or set 'cname:' in briefgen.yaml",
                  markup=False, highlight=False)
    if done.changed:
        out.print(f"Deployed {sum(result.pages.values())} pages: commit {done.commit[:12]} pushed to branch "
                  f"'{done.branch}' of {done.remote}", markup=False)
    else:
        out.print(f"Nothing to deploy: branch '{done.branch}' of {done.remote} already has this site "
                  f"(commit {done.commit[:12]})", markup=False)


@main.command()
@project_arg
@click.argument("topics", nargs=-1)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: PROJECT_DIR/pdf].")
@click.option("--paper", type=click.Choice(["A4", "Letter"]), help="Paper size [default: the pdf.paper setting, A4].")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def pdf(project_dir: Path, topics: tuple[str, ...], output: Path | None, paper: str | None, strict: bool) -> None:
    """Write the PDF briefing of each TOPIC of PROJECT_DIR (every topic when none is named)."""
    from .build import export_pdfs

    output = output or project_dir / "pdf"
    result = export_pdfs(project_dir, topics, output, paper=paper, strict=strict)
    for warning in result.warnings:
        err.print(str(warning), markup=False, style="yellow")
    plural = "s" if len(result.warnings) != 1 else ""
    out.print(f"Wrote {len(result.written)} PDF{'s' if len(result.written) != 1 else ''} into {output}: "
              f"{', '.join(p.name for p in result.written)}; {len(result.warnings)} warning{plural}; "
              f"{result.seconds:.1f} s", markup=False)


@main.command()
@project_arg
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: PROJECT_DIR/site].")
def clean(project_dir: Path, output: Path | None) -> None:
    """Remove the build cache and the built site of PROJECT_DIR: only what briefgen made."""
    from .clean import clean as run

    for line in run(project_dir, output or project_dir / "site"):
        out.print(printable(line), markup=False, highlight=False)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create a new briefing project in DIRECTORY that builds at once."""
    from .scaffold import init as run

    created = run(directory)
    out.print(f"Created a briefing project in {directory} ({len(created)} files). Next: briefgen serve {directory}",
              markup=False)


@main.command()
@click.argument("kind", type=click.Choice(["article", "topic", "actor"]))
@click.argument("ident")
@click.option("-p", "--project", "project_dir", default=".", type=click.Path(file_okay=False, path_type=Path))
def new(kind: str, ident: str, project_dir: Path) -> None:
    """Create a new article, topic or actor file from a template."""
    from .scaffold import new as run

    for path in run(project_dir, kind, ident):
        out.print(f"Created {path}", markup=False)


@main.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("-p", "--project", "project_dir", default=".", type=click.Path(file_okay=False, path_type=Path),
              help="The briefing project to import into [default: .].")
@click.option("--outlet", help="Outlet of every imported article (over what the page says).")
@click.option("--url", help="Address of the original article (for one source).")
@click.option("--published", type=click.DateTime(["%Y-%m-%d"]), help="Publication date, YYYY-MM-DD.")
@click.option("--topic", "topics", multiple=True, help="A topic id every imported article bears on (repeatable).")
def import_(sources: tuple[str, ...], project_dir: Path, outlet: str | None, url: str | None, published,
            topics: tuple[str, ...]) -> None:
    """Import saved web pages, text scrapes (.txt) or Markdown files (a folder of them, or - for
    standard input) as articles with draft annotations to review."""
    from .importing import Options, run

    if url and len(sources) > 1:
        raise click.UsageError("--url names one article's address: give one SOURCE with it")
    stdin = sys.stdin.buffer.read() if "-" in sources else None
    made, skipped = run(project_dir, list(sources), Options(outlet, url, published.date() if published else None,
                                                            topics), stdin)
    for one in made:
        extra = f", {one.rereports} further report{'s' if one.rereports != 1 else ''} of known claims" if one.rereports else ""
        out.print(f"Made {one.article} and {one.annotations} from {one.source}: {one.claims} claim"
                  f"{'s' if one.claims != 1 else ''} suggested{extra}; {one.pending} suggestion"
                  f"{'s' if one.pending != 1 else ''} to review", markup=False, highlight=False)
    for skip in skipped:
        err.print(f"warning: {skip.source}: {skip.reason}", markup=False, highlight=False, style="yellow")
    if made:
        out.print("Review: in each .yaml, check every item marked 'review: pending' and delete that line to accept it; "
                  "'briefgen build --strict' fails while any is left.", markup=False, highlight=False)


@main.command("claims")
@project_arg
@click.option("--grep", default="", help="Only claims whose id, statement, actors or quotes contain TEXT (any case).")
def claims_(project_dir: Path, grep: str) -> None:
    """Every claim id with the file:line that defines it, its reports, origins and status."""
    from .authoring import claims as run

    found = run(project_dir, grep)
    for claim in found:
        out.print(f"{claim.id}  {claim.where}  {claim.status}", markup=False, highlight=False)
        out.print(f"    {claim.statement}", markup=False, highlight=False)
        out.print(f"    origins: {', '.join(claim.origins) or '(none given)'}", markup=False, highlight=False)
        for r in claim.reports:
            when = r.published.isoformat() if r.published else "undated"
            sets = f", sets {r.status}" if r.status else ""
            out.print(f"    report {r.where}  {when}  {r.outlet or '(no outlet)'}  {r.grade}{sets}"
                      f"{'  (defines it)' if r.defines else ''}", markup=False, highlight=False)
    err.print(f"{len(found)} claim{'s' if len(found) != 1 else ''}" + (f" matching {grep!r}" if grep else ""),
              markup=False, highlight=False)


@main.command("quote")
@click.argument("article", type=click.Path(path_type=Path))
@click.argument("text")
def quote_(article: Path, text: str) -> None:
    """The exact passage of ARTICLE (a file, or a slug inside the project) to paste as a claim's
    quote, found from TEXT, the words as you remember them."""
    from .authoring import quote as run

    passage = run(article, text)
    out.print(passage.text, markup=False, highlight=False)
    if not passage.exact:
        err.print(f"not exactly the words given ({passage.likeness:.0%} alike): first difference {passage.difference}",
                  markup=False, highlight=False)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def schema(directory: Path) -> None:
    """Write JSON Schemas of the annotation files into DIRECTORY, for editors."""
    from .scaffold import write_schemas

    for path in write_schemas(directory):
        out.print(f"Wrote {path}", markup=False)


_own_process = False


def entry() -> None:
    """The console script and ``python -m briefgen``: briefgen owns the process."""
    global _own_process
    _own_process = True
    import signal

    def stop(signum, frame):  # a stopped build or deploy still takes back its temporary files
        raise Stopped(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    main(prog_name="briefgen")


if __name__ == "__main__":
    entry()
