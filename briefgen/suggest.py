"""Draft annotations of an imported article, suggested from its text by rules (no model).

- actors: the project's actors found by name or alias (any case, possessives too); other names of
  people and organisations as candidates;
- claims: attributed statements ('"...," X said', 'X said ...', 'according to X, ...',
  'X cited Y reports that ...'), with the verbatim quote, the speaker resolved to an actor where
  possible and the relay ('Reuters reported', 'as cited by Reuters') as ``via``;
- re-reports: an existing claim whose quote is in the text, or whose quote or statement closely
  matches a suggested one, suggested by its id;
- events: dates in the text ('on Nov. 21', 'in September') resolved against the published date.

Pure: the article's visible text blocks and what the project knows in, a ``Draft`` out.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .paths import suggest_id
from .text import _FOLD, normalize_quote


@dataclass(frozen=True, slots=True)
class KnownActor:
    id: str
    names: tuple[str, ...]
    """Name and aliases, and for a person each distinctive part of the name ('Yoo', 'Blinken')."""


@dataclass(frozen=True, slots=True)
class KnownClaim:
    id: str
    quote: str
    statement: str
    where: str
    """file:line of the report that defines it (or of its first report)."""


@dataclass(frozen=True, slots=True)
class ClaimDraft:
    id: str
    quote: str
    statement: str = ""
    """'' for a re-report of an existing claim."""
    by: str | None = None
    speaker: str = ""
    """The speaker as the text names them, when they are no known actor."""
    via: tuple[str, ...] = ()
    relay: str = ""
    """The relay as the text names it, when it is no known actor."""
    rereport: str = ""
    """Where the existing claim is defined, for a re-report."""


@dataclass(frozen=True, slots=True)
class EventDraft:
    date: str
    text: str
    actors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Draft:
    actors: tuple[tuple[str, str], ...]
    """(actor id, the name the text uses first)."""
    candidates: tuple[str, ...]
    claims: tuple[ClaimDraft, ...]
    events: tuple[EventDraft, ...]
    summary: str = ""
    ids: frozenset[str] = field(default_factory=frozenset)


_ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Gen", "Col", "Lt", "Sgt", "Rep", "Sen", "Gov", "Jr", "Sr",
                  "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "No", "vs", "etc",
                  "U.S", "U.K", "U.N", "E.U")
_SENTENCE_END = re.compile(r'(?<=[.!?])["\u201d\u2019\')]?\s+(?=["\u201c\u2018(]?[A-Z0-9])')
SPEECH = ("said", "says", "told", "added", "stated", "explained", "emphasized", "emphasised", "stressed", "noted",
          "warned", "claimed", "announced", "argued", "insisted", "confirmed", "denied", "pledged", "promised",
          "condemned", "assessed", "wrote", "reported", "estimated", "believes", "believed", "acknowledged",
          "admitted", "accused", "alleged", "urged", "vowed", "sagte", "erklärte", "kündigte")
"""Verbs that attribute a statement to whoever stands before them."""
_ROLE_NOUNS = ("officials", "official", "lawmakers", "lawmaker", "spokesman", "spokeswoman", "spokesperson",
               "minister", "ministry", "sources", "analysts", "experts", "researchers", "police", "authorities",
               "prosecutors", "diplomats", "media", "leader", "president", "chief", "head", "director")
_CONNECT = ("of", "the", "for", "and", "de", "von", "van", "al")
_WORD = r"[A-Z][\w.'\u2019-]*"
_RELAY_END = re.compile(r",\s*(?P<relay>(?:the )?[A-Z][\w.-]*(?: [A-Z][\w.-]*)*) (?:reported|said|wrote)(?: on [^,]+?)?\.?$")
_AS_CITED = re.compile(r",?\s*as (?:cited|quoted|reported) by (?P<relay>[A-Z][\w.-]*(?: [A-Z][\w.-]*)*)")
_TOLD = re.compile(r"\btold (?P<relay>[A-Z][\w.-]*(?: [A-Z][\w.-]*)*)")
_QUOTE_FIRST = re.compile(r'^"(?P<q>[^"]{12,}?)[,.?!]?"\s*(?P<who>[^"]{2,80}?)\s+(?P<verb>' + "|".join(SPEECH)
                          + r')\b(?P<rest>.*)$')
_QUOTE_VERB_FIRST = re.compile(r'^"(?P<q>[^"]{12,}?)[,.?!]?"\s*(?P<verb>' + "|".join(SPEECH) + r')\s+(?P<who>[^,."]{2,80}?)[,.]')
_QUOTE_AFTER = re.compile(r'^(?P<who>[^"]{2,80}?)\s+(?P<verb>' + "|".join(SPEECH) + r')(?: that)?[:,]?\s+"(?P<q>[^"]{12,}?)[,.?!]?"')
_ACCORDING_FIRST = re.compile(r"^(?:[A-Z]\w+, )?according to (?P<who>[^,]+)(?:, (?:a|an|the|who|which) [^,]+)*, (?P<q>.+?)\.?$",
                              re.IGNORECASE)
_ACCORDING_LAST = re.compile(r"^(?P<q>.+?),? according to (?P<who>.+?)\.?$", re.IGNORECASE)
_CITED = re.compile(r"^(?P<relay>[A-Z][\w.-]*(?: [A-Z][\w.-]*)*) (?:cited|quoted) (?P<who>.+?) (?:reports? )?"
                    r"(?:as saying )?that (?P<q>.+?)\.?$")
_CONTINUE = re.compile(r"^(?:In turn|Moreover|Furthermore|Additionally|He added that|She added that|They added that),? (?P<q>.+?)\.?$")
_LEADING = re.compile(r"^(?:Earlier|However|Meanwhile|Later|Still|Also|But|And|Separately),\s+")

MONTHS = {name: n for n, names in enumerate([
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec"), ], 1) for name in names}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ON_DAY = re.compile(r"\b(?:on|since|by|until) (?:" + _MONTH + r" (?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,? (?P<year>\d{4}))?"
                     r"|(?P<day2>\d{1,2}) " + _MONTH.replace("month", "month2") + r"(?: (?P<year2>\d{4}))?)\b", re.IGNORECASE)
_IN_MONTH = re.compile(r"\bin " + _MONTH + r"(?: (?P<year>\d{4}))?\b", re.IGNORECASE)


def sentences(block: str) -> list[str]:
    """A block's sentences, not split after an abbreviation ('U.S.', 'Nov.') or an initial."""
    out: list[str] = []
    start = 0
    for found in _SENTENCE_END.finditer(block):
        before = block[start:found.start()]
        last = before.rstrip(".!?\"\u201d\u2019')").rsplit(" ", 1)[-1]
        if last in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", last) or re.fullmatch(r"(?:[A-Z]\.)+[A-Z]?", last + "."):
            continue
        out.append(block[start:found.start()].strip())
        start = found.end()
    rest = block[start:].strip()
    if rest:
        out.append(rest)
    return out


class Names:
    """The project's actors by every name the text may use, longest names first."""

    def __init__(self, actors: tuple[KnownActor, ...]):
        pairs = sorted(((name, a.id) for a in actors for name in a.names), key=lambda p: -len(p[0]))
        self.by_name = {name.lower(): ident for name, ident in pairs}
        self.pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n, _ in pairs) + r")(?:['\u2019]s)?(?![\w-])",
                                  re.IGNORECASE) if pairs else None

    def find(self, text: str) -> list[tuple[str, str]]:
        """(actor id, name as written) of every mention in ``text``, in order."""
        if self.pattern is None:
            return []
        return [(self.by_name[m.group(1).lower()], m.group(1)) for m in self.pattern.finditer(text)]

    def resolve(self, phrase: str) -> str | None:
        """The actor a speaker phrase names ('Russian President Vladimir Putin' -> vladimir-putin)."""
        found = self.find(phrase)
        return max(found, key=lambda f: len(f[1]))[0] if found else None


def known_actor(ident: str, name: str, kind: str, aliases: tuple[str, ...]) -> KnownActor:
    """Every name of an actor; for a person also each capitalised part of the name of 3 letters or
    more ('Yoo' of 'Yoo Sang-bum', 'Blinken'), as news copy names people after the first mention."""
    names = [name, *aliases]
    if kind == "person":
        names += [part for part in re.split(r"\s+", name) if len(part) >= 3 and part[0].isupper()]
    return KnownActor(ident, tuple(dict.fromkeys(names)))


def _speaker(who: str) -> str:
    """The speaker phrase at the end of ``who``: capitalised words joined by 'of', 'the'..., with
    a role noun ('South Korean lawmakers', 'ISD spokesman Tahir Della', 'the Group of Seven')."""
    words = who.strip().strip(",").split(" ")
    kept: list[str] = []
    for word in reversed(words):
        bare = word.strip(",")
        if word.endswith(",") and kept:
            break
        if re.fullmatch(_WORD, bare) or bare.lower() in _ROLE_NOUNS or (bare.lower() in _CONNECT and kept):
            kept.insert(0, bare)
            continue
        break
    while kept and kept[0].lower() in _CONNECT and kept[0] != "the":
        kept.pop(0)
    if kept and kept[0].lower() == "the":
        kept[0] = "the"
    phrase = " ".join(kept)
    return phrase if any(c.isupper() for c in phrase) or phrase.split(" ")[-1].lower() in _ROLE_NOUNS else ""


@dataclass(frozen=True, slots=True)
class _Found:
    quote_start: int
    quote_end: int
    speaker: str
    relay: str = ""


def _attributed(sentence: str, folded: str) -> _Found | None:
    """The attributed statement in one sentence (its span in the sentence), if it has one."""
    for pattern in (_QUOTE_FIRST, _QUOTE_VERB_FIRST, _QUOTE_AFTER):
        m = pattern.search(folded)
        if m and _speaker(m.group("who")):
            relay = _AS_CITED.search(folded) or _TOLD.search(folded)
            return _Found(m.start("q"), m.end("q"), _speaker(m.group("who")), relay.group("relay").rstrip(".") if relay else "")
    m = _CITED.match(folded)
    if m:
        return _Found(m.start("q"), m.end("q"), m.group("who"), m.group("relay"))
    m = _ACCORDING_FIRST.match(folded) or _ACCORDING_LAST.match(folded)
    if m and len(m.group("q")) > 20:
        return _Found(m.start("q"), m.end("q"), m.group("who").strip())
    relay_end = _RELAY_END.search(folded)
    body_end = relay_end.start() if relay_end else len(folded.rstrip(". "))
    for verb in re.finditer(r"\b(?:" + "|".join(SPEECH) + r")\b", folded[:body_end]):
        who = folded[:verb.start()].rstrip()
        lead = _LEADING.match(who)
        clause = max(who.rfind(", where "), who.rfind(", when "), who.rfind(", as "), who.rfind("; "))
        start = clause + (7 if who[clause:clause + 7] in (", where", ", when ") else 2) if clause >= 0 else (lead.end() if lead else 0)
        speaker = _speaker(who[start:])
        if speaker and folded[start:verb.start()].strip() and len(who[start:].split()) <= 8:
            at = folded.find(speaker, start)
            return _Found(at if at >= 0 else start, body_end, speaker, relay_end.group("relay") if relay_end else "")
    return None


def claims(blocks: list[str], names: Names, known: tuple[KnownClaim, ...], taken: set[str]) -> list[ClaimDraft]:
    """Claim suggestions: re-reports of known claims first (their quote is in the text, or a
    suggested quote closely matches theirs), then every attributed statement."""
    out: list[ClaimDraft] = []
    folded_blocks = [normalize_quote(b) for b in blocks]
    used: set[str] = set()
    for claim in known:
        wanted = normalize_quote(claim.quote)
        for block, folded in zip(blocks, folded_blocks):
            if wanted and wanted in folded:
                out.append(ClaimDraft(claim.id, _passage(block, wanted) or claim.quote, rereport=claim.where))
                used.add(claim.id)
                break
    previous: ClaimDraft | None = None
    for block in blocks:
        for sentence in sentences(block):
            folded = sentence.translate(_FOLD)  # one character for one: offsets hold in ``sentence``
            found = _attributed(sentence, folded)
            speaker_id = names.resolve(found.speaker) if found is not None else None
            before = previous.by if previous is not None else None
            cont = _CONTINUE.match(folded) if found is None and before else None
            if cont is not None:  # 'In turn, ...' after an attributed sentence: the same speaker
                found, speaker_id = _Found(cont.start("q"), cont.end("q"), ""), before
            if found is None:
                previous = None
                continue
            quote = sentence[found.quote_start:found.quote_end].strip().strip(",").strip()
            if len(quote) < 15 or any(normalize_quote(quote) in normalize_quote(c.quote) or
                                      normalize_quote(c.quote) in normalize_quote(quote) for c in out):
                continue
            match = _close(quote, known, used)
            if match is not None:
                out.append(ClaimDraft(match.id, quote, rereport=match.where))
                used.add(match.id)
                continue
            relay_id = names.resolve(found.relay) if found.relay else None
            ident = _new_id(quote, taken)
            draft = ClaimDraft(ident, quote, _statement(quote), speaker_id, "" if speaker_id else found.speaker,
                               (relay_id,) if relay_id and relay_id != speaker_id else (),
                               found.relay if found.relay and not relay_id else "")
            out.append(draft)
            previous = draft
    return out


def _passage(block: str, wanted: str) -> str:
    """The words of ``block`` whose folded form is ``wanted``, exactly as the block has them."""
    from .text import _locate

    span = _locate(block, normalize_quote(block), wanted, wanted)
    return block[span[0]:span[1]] if span else ""


@lru_cache(maxsize=None)
def _words(text: str) -> frozenset[str]:
    """The longer words of a text (once per text per run): a cheap test before difflib's."""
    return frozenset(w for w in re.findall(r"\w{5,}", text.lower()))


def _close(quote: str, known: tuple[KnownClaim, ...], used: set[str]) -> KnownClaim | None:
    """A known claim whose quote or statement reads like ``quote`` (difflib ratio 0.75 or more).
    Only texts sharing half their longer words are compared: a project's thousands of claims are
    mostly about something else."""
    mine = normalize_quote(quote).lower()
    mine_words = _words(mine)
    best, score = None, 0.75
    for claim in known:
        if claim.id in used:
            continue
        for theirs in (claim.quote, claim.statement):
            if not theirs:
                continue
            their_words = _words(theirs)
            if len(mine_words & their_words) * 2 < min(len(mine_words), len(their_words)):
                continue
            matcher = difflib.SequenceMatcher(None, mine, normalize_quote(theirs).lower(), autojunk=False)
            if matcher.real_quick_ratio() >= score and matcher.quick_ratio() >= score and matcher.ratio() >= score:
                best, score = claim, matcher.ratio()
    return best


def _statement(quote: str) -> str:
    text = quote.strip().rstrip(",;:")
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?")) else text + "."


def _new_id(quote: str, taken: set[str]) -> str:
    words = [w for w in re.findall(r"[\w'\u2019-]+", quote) if w.lower() not in ("the", "a", "an", "of", "to", "that", "and", "in")]
    base = suggest_id(" ".join(words[:7]))[:60].strip("-") or "claim"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    taken.add(ident)
    return ident


def events(blocks: list[str], published: dt.date | None, names: Names) -> list[EventDraft]:
    """A dated event for each date a sentence names ('on Nov. 21', 'in September 2023'), the year
    taken from the published date when the text gives none (the date nearest to it)."""
    if published is None:
        return []
    out: dict[str, EventDraft] = {}
    for block in blocks:
        for sentence in sentences(block):
            for when in _dates(sentence, published):
                if when not in out:
                    actors = tuple(dict.fromkeys(ident for ident, _ in names.find(sentence)))
                    out[when] = EventDraft(when, sentence, actors)
    return sorted(out.values(), key=lambda e: e.date)


def _dates(sentence: str, published: dt.date) -> list[str]:
    found: list[str] = []
    for m in _ON_DAY.finditer(sentence):
        month = MONTHS[(m.group("month") or m.group("month2")).lower()]
        day = int(m.group("day") or m.group("day2"))
        year = m.group("year") or m.group("year2")
        options = []
        for y in ([int(year)] if year else [published.year - 1, published.year, published.year + 1]):
            try:
                options.append(dt.date(y, month, day))
            except ValueError:
                pass
        if options:  # without a year, the one nearest the published date ('on Nov. 21' two days before)
            found.append(min(options, key=lambda d: abs((d - published).days)).isoformat())
    for m in _IN_MONTH.finditer(sentence):
        month = MONTHS[m.group("month").lower()]
        if m.group("month").lower() == "may" and not m.group("year"):
            continue  # 'in may' is mostly the verb
        year = int(m.group("year")) if m.group("year") else min(
            (published.year - 1, published.year, published.year + 1),
            key=lambda y: abs((y - published.year) * 12 + month - published.month))
        found.append(f"{year:04d}-{month:02d}")
    return found


_ORG_WORDS = ("Ministry", "Service", "Council", "Committee", "Agency", "Group", "Institute", "University", "Party",
              "Army", "Forces", "Bank", "Company", "Association", "Initiative", "Museum", "Network", "Office",
              "Commission", "Organization", "Organisation", "Union", "Court", "Parliament", "Corporation", "Inc",
              "Ltd", "Foundation", "Police", "Department", "Administration")
_TITLES = ("President", "Minister", "Secretary", "Chancellor", "spokesman", "spokeswoman", "Mr.", "Ms.", "Mrs.", "Dr.",
           "Prof.", "leader", "Chef", "CEO", "chief", "author", "historian", "Senator", "Governor", "General")
_NAME_RUN = re.compile(r"[A-Z][\w'\u2019.-]*(?: (?:of |for |the |von |de )?[A-Z][\w'\u2019.-]*)+")


def candidates(blocks: list[str], names: Names, speakers: list[str]) -> list[str]:
    """Names of people and organisations in the text that are no actor of the project: unresolved
    speakers, runs of capitalised words ending in an organisation word ('Berlin City Museum'),
    and names after a title ('spokesman Tahir Della')."""
    found: list[str] = []
    text = "\n".join(blocks)
    for run in _NAME_RUN.finditer(text):
        name = run.group()
        before = text[max(0, run.start() - 14):run.start()]
        is_org = name.split(" ")[-1] in _ORG_WORDS
        is_person = any(before.rstrip().endswith(t) for t in _TITLES)
        if is_org or is_person:
            found.append(name)
    found += [s for s in speakers if s and s[0].isupper()]
    unknown = [name for name in dict.fromkeys(found) if names.resolve(name) is None and len(name) > 3]
    return [name for name in unknown if not any(name != other and name in other for other in unknown)]
