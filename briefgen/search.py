"""The search stage: a Pagefind index of the rendered pages, added to the site's files.

Pagefind reads HTML from a folder, so the pages are staged in a temporary folder (in memory on
Linux, /dev/shm) and the index it writes is read back: the write stage then publishes the index
atomically with the pages, and a failed build never leaves a half-updated index behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import Diagnostic

FOLDER = "pagefind"
UNSTABLE = (f"{FOLDER}/filter/", f"{FOLDER}/pagefind-entry.json", f"{FOLDER}/pagefind.")
"""Files Pagefind writes differently on every run over the same pages: its filter index comes out of
a hash map (Pagefind issue #638), and the entry and meta files name it by hash. ``pagefind.js``
matches the last prefix too, harmlessly: it only ever changes with Pagefind itself."""


def available() -> bool:
    try:
        import pagefind_bin  # noqa: F401
    except ImportError:
        return False
    return True


def fingerprint(files: dict[str, bytes]) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    for rel in sorted(files):
        if rel.endswith(".html") and rel != "404.html":
            h.update(rel.encode() + b"\0")
            h.update(hashlib.blake2b(files[rel], digest_size=16).digest())
    return h.digest()


def index(files: dict[str, bytes], language: str) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """Run Pagefind over the HTML pages; return its files keyed under pagefind/."""
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="briefgen-search-", dir=scratch) as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / "index"
        for rel, data in sorted(files.items()):  # Pagefind's output depends on the order it reads pages
            if rel.endswith(".html") and rel != "404.html":
                target = site / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        command = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(out),
                   "--force-language", language.split("-")[0].lower()]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return {}, [Diagnostic("error", "search", f"Pagefind could not run: {exc}")]
        if run.returncode != 0 or not out.is_dir():
            detail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no output"]
            return {}, [Diagnostic("error", "search", f"Pagefind failed: {detail[0]}",
                                   hint="set 'search: false' in briefgen.yaml to build without search")]
        result = {}
        for path in sorted(out.rglob("*")):
            if path.is_file():
                result[f"{FOLDER}/{path.relative_to(out).as_posix()}"] = path.read_bytes()
        shutil.rmtree(site, ignore_errors=True)
    return result, []
