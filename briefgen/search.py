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
replace a record, so any change to any record means indexing all of them again.

So a large briefing's index is cut into shards (``sharded``): each record belongs to the shard
its URL hashes to, each shard is an index of its own, and the search page merges them in the
browser (Pagefind's ``mergeIndex``: one ranking and one set of filters over all shards, searched
with the first shard's WebAssembly). An edit re-indexes only the shards whose records changed:
one or two of up to MAX_SHARDS, instead of every record. A briefing of up to RECORDS_PER_SHARD
records has one shard, laid out as Pagefind always lays out an index. What briefgen also avoids:
a template, layout, asset or list-only edit re-indexes nothing (``fingerprint``), and the write
stage writes only the files whose bytes changed.
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
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, TypeVar, cast

import cbor2

from . import model as m
from . import paths, reads, vocabulary, workers
from .errors import Diagnostic
from .paths import site_path

T = TypeVar("T")
FOLDER = paths.PAGEFIND
RECORDS_PER_SHARD = 2048
"""A briefing with more records than this is cut into shards of about this many records or more
(at 10,000 articles, about 29,000 records in 16 shards): re-indexing a shard after an edit then
costs a sixteenth of re-indexing the whole briefing."""
MAX_SHARDS = 64
"""At most this many shards: a first search fetches every shard's entry and metadata files."""
SHARDS_FILE = f"{FOLDER}/briefgen-shards.json"
"""Where the search page finds the shards to merge: ``{"merge": ["shard-1/", ...]}``, relative
to the first shard's folder (which is Pagefind's usual ``pagefind/``)."""
_MERGED_KEEPS = ("pagefind-entry.json", "index/", "fragment/", "filter/")
"""What a merged shard's folder holds (besides its .pf_meta): the browser searches it with the
first shard's JavaScript and WebAssembly, so its own copies are left out."""
PACKED = b"pagefind_dcd"
"""The header of Pagefind's gzipped CBOR files."""
KIND_NAMES = vocabulary.RESULT_KINDS
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
    return [entry.record() for entry in _entries(b, None)]


class Entry:
    """A record in the making: the record and its message to Pagefind (``Record.message``) are
    made only when asked for, and the message's digest (what a shard's fingerprint is made of)
    may be known without either, from the last CLI build (``reads.Ledger.search``). ``inputs``:
    what the record is made from: the entities (the dev server compares them), or the digest of
    their digests (the CLI)."""

    __slots__ = ("url", "inputs", "_make", "_language", "_record", "_message", "_digest")

    def __init__(self, url: str, inputs: object, make: Callable[[], Record], language: str | None,
                 digest: bytes | None = None) -> None:
        self.url, self.inputs, self._make, self._language = url, inputs, make, language
        self._record: Record | None = None
        self._message: dict | None = None
        self._digest = digest

    def record(self) -> Record:
        if self._record is None:
            self._record = self._make()
        return self._record

    def message(self) -> dict:
        if self._message is None:
            assert self._language is not None
            self._message = self.record().message(self._language)
        return self._message

    def digest(self) -> bytes:
        if self._digest is None:
            self._digest = reads.digest(json.dumps(self.message(), sort_keys=True).encode())
        return self._digest


class Messages:
    """The dev server's records and messages, kept from one index to the next: a record is made
    again only when an entity it is made from is another object (resolve hands back the last
    build's object for an unchanged entity), and all of them when a topic's title or an actor's
    name changed, or the language. At 10,000 articles, making every record again was 2 seconds
    of Python on each edit, beside the next rebuild."""

    def __init__(self) -> None:
        self.context: tuple = ()
        self.made: dict[str, Entry] = {}
        self.prints: dict[int, tuple[list[Entry], bytes]] = {}
        """Shard -> (its entries, their fingerprint), reused while they are the same objects."""


def go_on() -> None:
    """A pause that never waits: the CLI's, whose build has nothing else to wait for."""


def entries(b: m.Briefing, language: str, memo: Messages | None = None,
            ledger: reads.Ledger | None = None, pause: Callable[[], None] = go_on) -> list[list[Entry]]:
    """Every record's ``Entry``, by shard (``sharded``), each shard in URL order.

    ``memo``: the dev server's, by the entities' identity. ``ledger``: the CLI's, by the digests
    of the entries of ``b`` a record is made from (``reads.Digests``); ``fingerprints`` then
    records each message's digest in it for the next build. ``pause``: called before each entity
    (the dev server's indexer waits there while a build runs)."""
    made = _entries(b, memo, language, ledger, pause)
    return _sharded(made, lambda entry: entry.url, pause)


def fingerprints(groups: list[list[Entry]], memo: Messages | None = None,
                 ledger: reads.Ledger | None = None, pause: Callable[[], None] = go_on) -> list[bytes]:
    """``fingerprint`` of each shard's entries; with ``memo``, a shard whose entries are the
    objects they were last time keeps its fingerprint; into ``ledger``, each entry's digest.
    ``pause``: called before each record is made (``entries``)."""
    out = []
    for shard, group in enumerate(groups):
        last = memo.prints.get(shard) if memo is not None else None
        if last is not None and len(last[0]) == len(group) and all(a is b for a, b in zip(last[0], group)):
            out.append(last[1])
        else:
            digests = []
            for entry in group:  # (a record is made here: an article's is its text, from Markdown)
                pause()
                digests.append(entry.digest())
            out.append(fingerprint(digests, len(groups)))
    if memo is not None:
        memo.prints = {shard: (group, key) for shard, (group, key) in enumerate(zip(groups, out))}
    if ledger is not None:
        ledger.search = {entry.url: (cast(bytes, entry.inputs), entry.digest()) for group in groups for entry in group}
    return out


def _entries(b: m.Briefing, memo: Messages | None, language: str | None = None,
             ledger: reads.Ledger | None = None, pause: Callable[[], None] = go_on) -> list[Entry]:
    topic = {t: b.topics[t].title for t in b.topics}
    actor = {a: b.actors[a].name for a in b.actors}
    context = (topic, actor, language)
    last: dict[str, Entry] = {}
    if memo is not None:
        if memo.context != context:
            memo.context, memo.made, memo.prints = context, {}, {}
        last = memo.made
    known: dict[str, tuple[bytes, bytes]] = {}
    if ledger is not None:
        digests = ledger.digests_of(b)
        context_digest = reads.digest(reads.by_value(context))
        known = ledger.search if ledger.search_context == context_digest else {}
        ledger.search_context = context_digest
    made: dict[str, Entry] = {}

    def keep(url: str, inputs: tuple, read: tuple[tuple[str, str], ...], make: Callable[[], Record]) -> None:
        pause()
        if ledger is not None:
            key = reads.digest(b"".join(digests(entry) for entry in read))
            hit = known.get(url)
            made[url] = Entry(url, key, make, language, hit[1] if hit is not None and hit[0] == key else None)
            return
        found = last.get(url)
        made[url] = found if found is not None and found.inputs == inputs else Entry(url, inputs, make, language)

    def article(slug: str, a: m.Article, body: m.ArticleText | None) -> Record:
        text = " ".join(filter(None, [a.summary, plain_text(body.source) if body is not None else "",
                                      a.outlet, a.author]))
        return Record(site_path("article", slug), a.title, text, "article", (
            ("kind", (KIND_NAMES["article"],)), ("topic", tuple(topic[t] for t in a.topics if t in topic)),
            ("actor", tuple(actor[x] for x, _ in a.actors if x in actor))))

    def claim(cid: str, c: m.Claim) -> Record:
        names = [actor[x] for x in ([c.by] if c.by else []) + list(c.about) if x in actor]
        text = " ".join([c.statement, *names, *dict.fromkeys(s.quote for s in c.sources if s.quote)])
        topics = sorted({t for s in c.sources for t in s.topics})
        return Record(site_path("claim", cid), c.statement, text, "claim", (
            ("kind", (KIND_NAMES["claim"],)), ("status", (c.status,)),
            ("topic", tuple(topic[t] for t in topics if t in topic)), ("actor", tuple(names))), c.status)

    def actor_record(ident: str, who: m.Actor, topics: tuple[str, ...]) -> Record:
        text = " ".join(filter(None, [who.name, *who.aliases, who.role, who.kind, who.country,
                                      actor.get(who.affiliation or "", "")]))
        return Record(site_path("actor", ident), who.name, text, "actor", (
            ("kind", (KIND_NAMES["actor"],)), ("actor", (who.name,)),
            ("topic", tuple(topic[t] for t in topics if t in topic))))

    def topic_record(ident: str, t: m.Topic) -> Record:
        text = " ".join(filter(None, [t.title, t.bluf, *(j.text for j in t.judgments), *t.questions,
                                      plain_text(str(getattr(t.overview, "source", t.overview) or ""))]))
        return Record(site_path("topic", ident), t.title, text, "topic", (
            ("kind", (KIND_NAMES["topic"],)), ("topic", (t.title,))))

    # Each record with the Briefing's entries it is made from (besides ``context``): the CLI
    # compares their digests, the dev server the entities themselves.
    for slug, a in b.articles.items():
        body = b.bodies.get(slug)
        keep(site_path("article", slug), (a, body), (("articles", slug), ("bodies", slug)),
             partial(article, slug, a, body))
    for cid, c in b.claims.items():
        keep(site_path("claim", cid), (c,), (("claims", cid),), partial(claim, cid, c))
    for ident, who in b.actors.items():
        topics = b.actor_topics.get(ident, ())
        keep(site_path("actor", ident), (who, topics), (("actors", ident), ("actor_topics", ident)),
             partial(actor_record, ident, who, topics))
    for ident, t in b.topics.items():
        keep(site_path("topic", ident), (t,), (("topics", ident),), partial(topic_record, ident, t))
    if memo is not None:
        memo.made = made
    return [made[url] for url in sorted(made)]


def shard_count(records: int) -> int:
    """How many shards ``records`` records make: a power of two, so that most records stay in
    their shard's half when the briefing grows past the next size (1 up to RECORDS_PER_SHARD)."""
    count = 1
    while count < MAX_SHARDS and records > count * RECORDS_PER_SHARD:
        count *= 2
    return count


def shard_of(url: str, count: int) -> int:
    """The shard (0 to count - 1) a record belongs to, by its URL alone: an edit never moves a
    record, so it changes only its own shard."""
    return zlib.crc32(url.encode()) % count


def shard_folder(shard: int) -> str:
    """The output folder of a shard: ``pagefind`` for the first, ``pagefind/shard-N`` after it."""
    return FOLDER if shard == 0 else f"{FOLDER}/shard-{shard}"


def sharded(found: list[Record]) -> list[list[Record]]:
    """The records by shard, each in URL order."""
    return _sharded(found, lambda record: record.url)


def _sharded(found: list[T], url: Callable[[T], str], pause: Callable[[], None] = go_on) -> list[list[T]]:
    groups: list[list[T]] = [[] for _ in range(shard_count(len(found)))]
    for item in found:
        pause()
        groups[shard_of(url(item), len(groups))].append(item)
    return groups


def shards_file(shards: list[int]) -> bytes:
    """The search page's list of the shards to merge into the first one (SHARDS_FILE): those of
    ``shards`` after the first. (A shard without records has no index to merge; with real
    thresholds every shard holds about a thousand records or more, the first included.)"""
    merge = [f"{shard_folder(n).removeprefix(FOLDER + '/')}/" for n in shards if n > 0]
    return json.dumps({"merge": merge}, separators=(",", ":")).encode()


def pagefind_language(language: str) -> str:
    """The language Pagefind indexes in: the site's, without its region (``de-CH`` -> ``de``)."""
    return language.split("-")[0].lower()


def fingerprint(digests: list[bytes], shards: int = 1) -> bytes:
    """What an index is made of, from the digests of its messages (``Entry.digest``, of records in
    the language they are indexed in): the same messages, cut into as many shards, give the same
    index. (Filter values are sorted in the messages: some come from sets.)"""
    return hashlib.blake2b(shards.to_bytes(2, "big") + b"".join(digests), digest_size=20).digest()


class _Failed(Exception):
    pass


class Indexing:
    """Pagefind indexes in the making, one per shard, beside the rest of the build.

    Pagefind's ``--service`` mode reads requests and writes replies, each base64 JSON ended by a
    comma, answered one by one in the order sent; one service makes every shard's index
    (``NewIndex`` numbers them in the order asked). Every request is sent at once (the service
    reads them as fast as they come: about a tenth of its work): the indexes, then shard by shard
    its records, the request for its files and ``DeleteIndex``, so the service holds one shard's
    index at a time (holding all of them took 1 GB at 10,000 articles, and grows with the
    briefing). The last index goes first: a service that removes a deleted index from its list
    (older Pagefinds) then numbers the others as before. The replies go to a file, so the
    service never waits on a full pipe, and the indexes are made while briefgen renders the
    pages. ``files()`` then waits for the last reply. (The records come from the model: nothing
    the index holds waits for a page to be rendered.)
    """

    def __init__(self, shards: dict[int, list[dict]], language: str, timeout: float = 1800,
                 behind: bool = False, pause: Callable[[], None] = go_on) -> None:
        """``shards``: shard -> its records' messages (``Record.message``) in ``language``, Pagefind's;
        ``behind``: Pagefind runs at a lower priority (workers.spawned_behind); ``pause``: called
        between requests and replies, to wait while a build runs (the dev server's indexer)."""
        self.pause = pause
        try:
            from pagefind.service import get_executable
        except ImportError:
            def get_executable() -> Path | None:
                return None

        self.shards = sorted(shards)
        self.expected = sum(len(found) for found in shards.values()) + 3 * len(shards)
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
                                             stderr=subprocess.DEVNULL,
                                             preexec_fn=workers.spawned_behind if behind else workers.spawned)
            requests = self.proc.stdin
            assert requests is not None  # stdin=PIPE
            payloads: list[dict] = [{"type": "NewIndex", "config": {"force_language": language}} for _ in self.shards]
            self.asked: dict[int, int] = {}
            """Index number -> the message number of its request for files."""
            for number in reversed(range(len(self.shards))):
                payloads.extend(dict(message, index_id=number) for message in shards[self.shards[number]])
                self.asked[number] = len(payloads)
                payloads.append({"type": "GetFiles", "index_id": number})
                payloads.append({"type": "DeleteIndex", "index_id": number})
            for number, payload in enumerate(payloads):
                pause()
                requests.write(base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode())
                               + b",")
            requests.flush()  # not closed: the service stops reading, and working, at the end of its input
        except OSError as exc:
            self.problem = f"Pagefind could not run: {exc}"

    def files(self) -> tuple[dict[int, dict[str, bytes]], list[Diagnostic]]:
        """Wait for the indexes: each shard's files keyed under its folder, or the problem."""
        try:
            replies = self._replies()
        except _Failed as exc:
            return {}, [Diagnostic("error", "search", f"Pagefind failed: {exc}",
                                   hint="set 'search: false' in briefgen.yaml to build without search")]
        made: dict[int, dict[str, bytes]] = {}
        for number, shard in enumerate(self.shards):
            self.pause()
            folder = shard_folder(shard)
            files = {f"{folder}/{file['path'].lstrip('/')}": base64.b64decode(file["content"])
                     for file in sorted(replies[self.asked[number]]["files"], key=lambda file: file["path"])
                     if shard == 0 or file["path"].lstrip("/").startswith(_MERGED_KEEPS)
                     or file["path"].endswith(".pf_meta")}
            made[shard] = canonical(files, folder)
        return made, []

    def _replies(self) -> dict[int, dict]:
        """The replies to the requests for files, by message number, once all have come."""
        if self.problem is not None or self.proc is None:
            raise _Failed(self.problem or "not started")
        count, pending, offset, pause = 0, bytearray(), 0, 0.002
        found: dict[int, dict] = {}
        while True:
            chunk = os.pread(self.replies.fileno(), 1 << 22, offset)
            if chunk:
                offset += len(chunk)
                pending += chunk
                # only the new bytes are searched, and a reply is copied once: a shard's files come
                # as one reply of megabytes, in many reads (joining and splitting the whole of it at
                # each read held the dev server's interpreter from its rebuilds for a tenth of a second)
                end = pending.rfind(b",", len(pending) - len(chunk))
                if end < 0:
                    continue
                done = bytes(pending[:end]).split(b",")
                del pending[:end + 1]
                for message in done:
                    self.pause()
                    reply = json.loads(base64.b64decode(message))
                    payload = reply["payload"]
                    if payload.get("type") == "Error":
                        raise _Failed(str(payload.get("message", "unknown error")))
                    count += 1
                    if payload.get("type") == "GetFiles":
                        found[reply["message_id"]] = payload
                    if count == self.expected:
                        return found
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


def canonical(files: dict[str, bytes], folder: str = FOLDER) -> dict[str, bytes]:
    """Pagefind's index with its filters in a fixed order, so the same records give the same bytes.

    Pagefind writes each filter's values, and the list of filters, in hash-map order, which
    changes from run to run (Pagefind issue #638); the files that name them by hash change with
    them. The values are sorted here, the filter files renamed by their new content, and the
    metadata and entry files that point at them rewritten to match.
    """
    out = dict(files)
    renames: dict[str, str] = {}
    for path in sorted(p for p in files if p.startswith(f"{folder}/filter/") and p.endswith(".pf_filter")):
        name, values = _unpack(files[path])
        blob = _pack([name, sorted(values, key=lambda value: value[0])])
        old = path.rsplit("/", 1)[1].removesuffix(".pf_filter")
        renames[old] = _renamed(old, blob)
        del out[path]
        out[f"{folder}/filter/{renames[old]}.pf_filter"] = blob
    entry_path = f"{folder}/pagefind-entry.json"
    if not renames or entry_path not in files:
        return out
    entry = json.loads(files[entry_path])
    for lang in entry.get("languages", {}).values():
        meta_path = f"{folder}/pagefind.{lang['hash']}.pf_meta"
        if meta_path not in files:
            continue
        meta = _unpack(files[meta_path])
        meta[3] = sorted([name, renames.get(digest, digest)] for name, digest in meta[3])
        blob = _pack(meta)
        lang["hash"] = _renamed(lang["hash"], blob)
        del out[meta_path]
        out[f"{folder}/pagefind.{lang['hash']}.pf_meta"] = blob
    out[entry_path] = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
    return out
