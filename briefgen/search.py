"""The search stage: a Pagefind index of what readers search, built from the model.

Readers search articles, claims, actors and topics; lists, indexes and paginated pages are ways
to browse those, not results. So the index holds one record per entity, made here from the
Briefing (``records``) and handed to Pagefind's indexing service as custom records: Pagefind never
parses the rendered HTML again. A record carries the same meta and filters the pages' own
``data-pagefind-filter`` tags name (templates/search-meta.html): ``kind``, ``topic``, ``actor``,
``status``, so the search UI labels and filters results as before.

Why not ``pagefind.index.PagefindIndex``: its client polls the service's replies with a 0.1 s
sleep per reply (16 minutes for 10,000 records) and reads them through a 2 MiB buffer that a large
index overflows. ``Indexing`` speaks the same protocol to the same binary, and lets the build go
on while Pagefind works.

What an edit forces (Pagefind 1.x's format): every page's fragment file is named by its content,
so an unchanged record keeps its fragment byte for byte; but the word index is one sorted list
of words over all records, cut into chunks whose names are their content hashes and which number
pages by their place among all records, and the metadata file lists every page and chunk. A
change to one record's words changes the chunks those words fall in, the filter files whose
values changed, the metadata and the entry file; adding or removing a record renumbers the pages
after it, so every chunk. Pagefind's indexer keeps no state between runs and cannot remove or
replace a record, so any change to any record means indexing all of them again. What briefgen
avoids: it indexes only when the records changed (``fingerprint``; a template, layout, asset or
list-only edit re-indexes nothing), and the write stage writes only the files whose bytes changed.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cbor2

from . import model as m
from . import workers
from .errors import Diagnostic
from .paths import site_path

FOLDER = "pagefind"
PACKED = b"pagefind_dcd"
"""The header of Pagefind's gzipped CBOR files."""
KIND_NAMES = {"topic": "Topic briefing", "actor": "Actor", "article": "Article", "claim": "Claim"}
"""The ``kind`` filter's values, as templates/search-meta.html names them."""
_INERT = str.maketrans({"<": "\u2039", ">": "\u203a", "&": "\uff06", '"': "\u201d", "'": "\u2019"})
"""Look-alikes for markup characters, as the templates' ``inert`` filter makes them: Pagefind's UI
inserts filter values as HTML (a result's title it shows as text: tests/browser/test_injection_browser.py)."""
_NO_TAGS = str.maketrans({"<": "\u2039", ">": "\u203a"})
"""A record's text may hold no tag either (excerpts are shown as HTML); quotes and ampersands
stay, so a query for "Korea's" still matches."""


@dataclass(frozen=True, slots=True)
class Record:
    """One search result: an entity page's URL, the text found in it and its labels."""

    url: str
    """The page's site path (/articles/<slug>/); Pagefind's UI prefixes the site's base path."""
    title: str
    content: str
    """Plain text: what a query matches and excerpts are cut from."""
    kind: str
    """Page kind: article, claim, actor or topic."""
    filters: tuple[tuple[str, tuple[str, ...]], ...]
    """(filter name, values), named as the pages' data-pagefind-filter tags name them."""
    status: str = ""
    """A claim's status ('' for other kinds): shown beside the result."""

    def message(self, language: str) -> dict:
        meta = {"title": self.title, "kind": KIND_NAMES[self.kind]}  # the UI shows a title as text
        if self.status:
            meta["status"] = self.status
        return {"type": "AddRecord", "url": self.url, "content": self.content.translate(_NO_TAGS),
                "language": language, "meta": meta,
                "filters": {name: sorted({v.translate(_INERT) for v in values}) for name, values in self.filters},
                "sort": None}


_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_TAG = re.compile(r"<[^>\n]*>")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_BLOCK = re.compile(r"[ \t]{0,3}(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+[.)][ \t]+)")
"""A block's marker at the start of its line: heading, quote, list item."""


def _unblocked(line: str) -> str:
    head = line.lstrip(" \t")[:1]
    if not head or head not in "#>-*+=0123456789":
        return line
    bare = line.strip()
    if len(bare) >= 3 and not bare.strip("-="):  # a rule, or a heading's underline
        return ""
    found = _BLOCK.match(line)
    return line[found.end():] if found else line


def plain_text(source: str) -> str:
    """Markdown's visible words, near enough for a search index: no front matter, markup,
    tags or link targets. (Rendering it properly costs what rendering the page does.) Built from
    searches that start with a literal and from str methods, which run in C: regular
    expressions tried at every character took a second per 1,000 articles."""
    text = _FRONT_MATTER.sub("", source, count=1) if source.startswith(("---", "\ufeff---")) else source
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    text = "\n".join(_unblocked(line) for line in text.split("\n"))
    for mark in "*_`~":
        if mark in text:
            text = text.replace(mark, " ")
    return " ".join(text.split())


def records(b: m.Briefing) -> list[Record]:
    """One record per article, claim, actor and topic, in URL order (Pagefind's output depends on
    the order it is given records in)."""
    topic = {t: b.topics[t].title for t in b.topics}
    actor = {a: b.actors[a].name for a in b.actors}
    out: list[Record] = []
    for slug, a in b.articles.items():
        body = b.bodies.get(slug)
        text = " ".join(filter(None, [a.summary, plain_text(body.source) if body is not None else "",
                                      a.outlet, a.author]))
        out.append(Record(site_path("article", slug), a.title, text, "article", (
            ("kind", (KIND_NAMES["article"],)), ("topic", tuple(topic[t] for t in a.topics if t in topic)),
            ("actor", tuple(actor[x] for x, _ in a.actors if x in actor)))))
    for cid, c in b.claims.items():
        names = [actor[x] for x in ([c.by] if c.by else []) + list(c.about) if x in actor]
        text = " ".join([c.statement, *names, *dict.fromkeys(s.quote for s in c.sources if s.quote)])
        topics = sorted({t for s in c.sources for t in s.topics})
        out.append(Record(site_path("claim", cid), c.statement, text, "claim", (
            ("kind", (KIND_NAMES["claim"],)), ("status", (c.status,)),
            ("topic", tuple(topic[t] for t in topics if t in topic)), ("actor", tuple(names))), c.status))
    for ident, who in b.actors.items():
        text = " ".join(filter(None, [who.name, *who.aliases, who.role, who.kind, who.country,
                                      actor.get(who.affiliation or "", "")]))
        out.append(Record(site_path("actor", ident), who.name, text, "actor", (
            ("kind", (KIND_NAMES["actor"],)), ("actor", (who.name,)),
            ("topic", tuple(topic[t] for t in b.actor_topics.get(ident, ()) if t in topic)))))
    for ident, t in b.topics.items():
        text = " ".join(filter(None, [t.title, t.bluf, *(j.text for j in t.judgments), *t.questions,
                                      plain_text(str(getattr(t.overview, "source", t.overview) or ""))]))
        out.append(Record(site_path("topic", ident), t.title, text, "topic", (
            ("kind", (KIND_NAMES["topic"],)), ("topic", (t.title,)))))
    return sorted(out, key=lambda r: r.url)


def fingerprint(found: list[Record], language: str) -> bytes:
    """What the index is made of: the same records in the same language give the same index.
    (Made of the messages Pagefind gets, in which filter values are sorted: some come from sets.)"""
    messages = [r.message(language) for r in found]
    return hashlib.blake2b(json.dumps(messages, sort_keys=True).encode(), digest_size=20).digest()


def index(found: list[Record], language: str) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """Pagefind's index of the records; its files keyed under pagefind/."""
    indexing = Indexing(found, language)
    try:
        return indexing.files()
    finally:
        indexing.close()


class _Failed(Exception):
    pass


class Indexing:
    """A Pagefind index in the making, beside the rest of the build.

    Pagefind's ``--service`` mode reads requests and writes replies, each base64 JSON ended by a
    comma. Every record is sent at once (the service reads them as fast as they come: about a
    tenth of its work) and then the request for the files; the replies go to a file, so the
    service never waits on a full pipe, and the index is made while briefgen renders the pages.
    ``files()`` then waits for the last reply. (The records come from the model: nothing the index
    holds waits for a page to be rendered.)
    """

    def __init__(self, found: list[Record], language: str, timeout: float = 1800) -> None:
        try:
            from pagefind.service import get_executable
        except ImportError:
            def get_executable() -> Path | None:
                return None

        lang = language.split("-")[0].lower()
        self.expected = len(found) + 2
        self.deadline = time.monotonic() + timeout
        self.problem: str | None = None
        self.proc: subprocess.Popen | None = None
        self.replies = tempfile.TemporaryFile(prefix="briefgen-search-", dir=_scratch())
        binary = get_executable()
        if binary is None:
            self.problem = "no Pagefind binary (pip install 'pagefind[bin]')"
            return
        try:
            with workers.stops_held():  # a stop while Pagefind is forked is taken once it is, not lost
                self.proc = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=self.replies,
                                             stderr=subprocess.DEVNULL, preexec_fn=workers.spawned)
            requests = self.proc.stdin
            assert requests is not None  # stdin=PIPE
            payloads = [{"type": "NewIndex", "config": {"force_language": lang}},
                        *(dict(r.message(lang), index_id=0) for r in found), {"type": "GetFiles", "index_id": 0}]
            for number, payload in enumerate(payloads):
                requests.write(base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode())
                               + b",")
            requests.flush()  # not closed: the service stops reading, and working, at the end of its input
        except OSError as exc:
            self.problem = f"Pagefind could not run: {exc}"

    def files(self) -> tuple[dict[str, bytes], list[Diagnostic]]:
        """Wait for the index; its files keyed under pagefind/, or the problem."""
        try:
            last = self._last_reply()
        except _Failed as exc:
            return {}, [Diagnostic("error", "search", f"Pagefind failed: {exc}",
                                   hint="set 'search: false' in briefgen.yaml to build without search")]
        result = {f"{FOLDER}/{file['path'].lstrip('/')}": base64.b64decode(file["content"])
                  for file in sorted(last["files"], key=lambda file: file["path"])}
        return canonical(result), []

    def _last_reply(self) -> dict:
        if self.problem is not None or self.proc is None:
            raise _Failed(self.problem or "not started")
        count, pending, offset, pause = 0, b"", 0, 0.002
        while True:
            chunk = os.pread(self.replies.fileno(), 1 << 22, offset)
            if chunk:
                offset += len(chunk)
                *done, pending = (pending + chunk).split(b",")
                for message in done:
                    reply = json.loads(base64.b64decode(message))["payload"]
                    if reply.get("type") == "Error":
                        raise _Failed(str(reply.get("message", "unknown error")))
                    count += 1
                    if count == self.expected:
                        return reply
                continue
            if self.proc.poll() is not None:
                raise _Failed(f"it stopped after {count} of {self.expected} replies")
            if time.monotonic() > self.deadline:
                raise _Failed("it took too long")
            time.sleep(pause)
            pause = min(0.05, pause * 2)

    def close(self) -> None:
        """Stop the service (done or not) and drop its replies."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            if self.proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()
        self.replies.close()


def _scratch() -> str | None:
    """Memory-backed /dev/shm for the replies when there is one (the index passes through it)."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def _unpack(data: bytes) -> Any:
    return cbor2.loads(gzip.decompress(data)[len(PACKED):])


def _pack(value: object) -> bytes:
    return gzip.compress(PACKED + cbor2.dumps(value), mtime=0)


def _renamed(old: str, blob: bytes) -> str:
    """'en_3f2a9c1' -> 'en_<hash of blob, same length>'."""
    lang, _, digest = old.rpartition("_")
    return f"{lang}_{hashlib.sha256(blob).hexdigest()[:len(digest)]}"


def canonical(files: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind's index with its filters in a fixed order, so the same records give the same bytes.

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
