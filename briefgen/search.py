"""The search stage: a Pagefind index of the rendered pages, added to the site's files.

Pagefind reads HTML from a folder, so the pages are staged in a temporary folder (in memory on
Linux, /dev/shm) and the index it writes is read back: the write stage then publishes the index
atomically with the pages, and a failed build never leaves a half-updated index behind.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cbor2

from . import workers
from .errors import Diagnostic

FOLDER = "pagefind"
PACKED = b"pagefind_dcd"
"""The header of Pagefind's gzipped CBOR files."""


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
    with workers.scratch("briefgen-search-", str(scratch) if scratch else None) as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / "index"
        for rel, data in sorted(files.items()):  # Pagefind's output depends on the order it reads pages
            if rel.endswith(".html") and rel != "404.html":
                target = site / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        command = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(out),
                   "--force-language", language.split("-")[0].lower()]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=600,
                                 preexec_fn=workers.die_with_parent)
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
    return canonical(result), []


def _unpack(data: bytes) -> object:
    return cbor2.loads(gzip.decompress(data)[len(PACKED):])


def _pack(value: object) -> bytes:
    return gzip.compress(PACKED + cbor2.dumps(value), mtime=0)


def _renamed(old: str, blob: bytes) -> str:
    """'en_3f2a9c1' -> 'en_<hash of blob, same length>'."""
    lang, _, digest = old.rpartition("_")
    return f"{lang}_{hashlib.sha256(blob).hexdigest()[:len(digest)]}"


def canonical(files: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind's index with its filters in a fixed order, so the same pages give the same bytes.

    Pagefind writes each filter's values, and the list of filters, in hash-map order, which
    changes from run to run (Pagefind issue #638); the files that name them by hash change with
    them. The values are sorted here, the filter files renamed by their new content, and the
    metadata and entry files that point at them rewritten to match.
    """
    out = dict(files)
    renames: dict[str, str] = {}
    for path in sorted(p for p in files if p.startswith(f"{FOLDER}/filter/") and p.endswith(".pf_filter")):
        name, values = _unpack(files[path])
        blob = _pack([name, sorted(values, key=lambda value: value[0])])
        old = path.rsplit("/", 1)[1].removesuffix(".pf_filter")
        renames[old] = _renamed(old, blob)
        del out[path]
        out[f"{FOLDER}/filter/{renames[old]}.pf_filter"] = blob
    entry_path = f"{FOLDER}/pagefind-entry.json"
    if not renames or entry_path not in files:
        return out
    entry = json.loads(files[entry_path])
    for lang in entry.get("languages", {}).values():
        meta_path = f"{FOLDER}/pagefind.{lang['hash']}.pf_meta"
        if meta_path not in files:
            continue
        meta = _unpack(files[meta_path])
        meta[3] = sorted([name, renames.get(digest, digest)] for name, digest in meta[3])
        blob = _pack(meta)
        lang["hash"] = _renamed(lang["hash"], blob)
        del out[meta_path]
        out[f"{FOLDER}/pagefind.{lang['hash']}.pf_meta"] = blob
    out[entry_path] = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
    return out
