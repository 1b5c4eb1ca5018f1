"""YAML with line numbers, safely: every value knows its line, and hostile YAML is refused.

PyYAML's C loader composes the node tree; we walk it once to record each key's line, to refuse
duplicate keys (PyYAML keeps the last silently) and aliases (the "billion laughs" bomb), and only
then construct Python values. A node with a refused tag (``!!set``, ``!!python/...``) is never
constructed: it becomes a ``Tagged`` value that no schema model accepts, so validate.py reports
the tag where it is written together with every other error of the file.

Values are read as written: a plain scalar is text (``no``, ``NO``, ``on``, ``1984``, ``007``
stay those strings, as in YAML 1.2's failsafe schema), except a blank one, ``~`` and
``null``/``Null``/``NULL`` (YAML 1.2's core schema nulls), which are None. The pydantic models
(schema.py) turn text into the booleans and dates their fields declare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Diagnostic

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):  # type: ignore[misc, valid-type]
    """PyYAML's C loader whose only implicit type is null: every other plain scalar is a string.

    YAML 1.1's resolvers (PyYAML's) read ``no`` as False, ``1984`` as an int, ``007`` as 7 and
    ``2023-02-30`` as a ValueError deep inside PyYAML; here they stay text, and pydantic parses
    what a field declares, so a bad value is a located validation error showing what was written.
    """


_NULL = "tag:yaml.org,2002:null"
Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == _NULL]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
Loader.yaml_implicit_resolvers = {first: found for first, found in Loader.yaml_implicit_resolvers.items() if found}
_ALLOWED_TAGS = {
    ScalarNode: ("tag:yaml.org,2002:str", _NULL),
    SequenceNode: ("tag:yaml.org,2002:seq",),
    MappingNode: ("tag:yaml.org,2002:map",),
}
"""What a node may be: anything else was asked for by an explicit tag (``!!set``, ``!!binary``,
``!!int``, ``!!python/...``, ``!local``), which briefgen refuses; ``!!str`` is allowed (it only
says "text", which every plain scalar already is)."""
MAX_DEPTH = 40
_TAGGED = "tag:briefgen,2024:tagged"
"""The tag a node with a refused tag is given before construction: built as its ``Tagged``."""


@dataclass(frozen=True)
class Tagged:
    """What a node with a refused tag is read as, instead of what the tag asks for: nothing of it is
    constructed. It is not text, a list or a mapping, so every field refuses it, and validate.py
    reports ``error[yaml-tag]`` on its line; the rest of the file is still checked."""

    tag: str
    """As written: ``!!set``, ``!!python/object/apply:os.system``, ``!ref``."""
    path: tuple
    """The keys and indexes that lead to it; for a tagged key, those of its mapping."""
    line: int
    text: str = ""
    """A scalar's text, so two tagged keys of one mapping stay two keys."""


def _construct_tagged(loader, node) -> Tagged:
    found = getattr(node, "briefgen_tagged", None)
    # a node written with this private tag itself that the walk never reached (it always does)
    return found if isinstance(found, Tagged) else Tagged(node.tag, (), node.start_mark.line + 1)


Loader.add_constructor(_TAGGED, _construct_tagged)


class Lines:
    """The line of every key and item of one YAML text: (path of keys and indexes) -> line.

    Wanted only for diagnostics, yet a table per file is most of a parsed document's objects; so
    it is pickled as the text it comes from (into the build cache, back from a parsing worker)
    and worked out again from it the first time a diagnostic asks.
    """

    __slots__ = ("text", "offset", "_table")

    def __init__(self, text: str = "", offset: int = 0, table: dict[tuple, int] | None = None):
        self.text, self.offset, self._table = text, offset, table

    def same(self, other: Lines) -> bool:
        """Whether ``other`` gives every key the same line: made from the same text, as far down."""
        return self.text == other.text and self.offset == other.offset

    def table(self) -> dict[tuple, int]:
        if self._table is None:
            self._table = {}
            if self.text:
                try:
                    loader = Loader(self.text)  # as load() read it
                    try:
                        node = loader.get_single_node()
                    finally:
                        loader.dispose()
                    if node is not None:
                        self._table = _walk(node, "", self.offset)[0]
                except (yaml.YAMLError, RecursionError):  # it parsed once; no line is better than a crash
                    pass
        return self._table

    def source(self, loc: tuple) -> str:
        """The text of the value at ``loc`` as written, when it is on one line; '' otherwise."""
        if not self.text:
            return ""
        loader = Loader(self.text)
        try:
            node = loader.get_single_node()
        except (yaml.YAMLError, RecursionError):
            return ""
        finally:
            loader.dispose()
        for part in loc:
            if isinstance(node, MappingNode):
                node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == part), None)
            elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                return ""
        if node is None:
            return ""
        written = self.text[node.start_mark.index:node.end_mark.index].strip()
        return "" if "\n" in written else written

    def __contains__(self, loc: tuple) -> bool:
        return loc in self.table()

    def __getitem__(self, loc: tuple) -> int:
        return self.table()[loc]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lines) and (self.text, self.offset) == (other.text, other.offset)

    def __hash__(self) -> int:
        return hash((self.text, self.offset))

    def __reduce__(self):
        return Lines, (self.text, self.offset)


_DEEP_LINE = re.compile(r"^[ \t\-?:]{%d,}" % (2 * MAX_DEPTH), re.MULTILINE)


def _too_deep(text: str) -> int:
    """The line where nesting passes MAX_DEPTH, or 0.

    libyaml's composer recurses once per level and overflows the C stack on a few thousand
    levels, so suspicious input is measured first with its (iterative) token scanner.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH and not _DEEP_LINE.search(text):
        return 0
    depth = 0
    openers = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowSequenceStartToken,
               yaml.FlowMappingStartToken)
    closers = (yaml.BlockEndToken, yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)
    try:
        for token in yaml.scan(text, Loader=Loader):
            if isinstance(token, openers):
                depth += 1
                if depth > MAX_DEPTH:
                    return token.start_mark.line + 1
            elif isinstance(token, closers):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in (exc.problem or "") and exc.problem_mark is not None:
            return exc.problem_mark.line + 1  # libyaml 0.2.6+ (PyYAML 6.0.4+) has a limit of its own
        return 0  # the parser proper reports syntax errors with their lines
    except yaml.YAMLError:
        return 0
    return 0


def _alias_lines(text: str) -> list[int]:
    """Lines that use an alias, each once: aliases are refused (they make "billion laughs" bombs)."""
    lines: dict[int, None] = {}
    try:
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
                lines[event.start_mark.line + 1] = None
    except yaml.YAMLError:
        return []  # the parser proper reports syntax errors with their lines
    return list(lines)


_YAML_BREAKS = str.maketrans({"\u2028": " ", "\u2029": " "})
"""Characters PyYAML counts as line breaks and editors do not: read as spaces, so lines agree.
(NEL, U+0085, is the third: a C1 control character, refused with the others below.)"""
NEVER_SHOWN = frozenset([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), *range(0xFDD0, 0xFDF0),
                         *(plane + last for plane in range(0, 0x110000, 0x10000) for last in (0xFFFE, 0xFFFF))])
"""Code points no page or feed shows: C0 and C1 control characters but tab and line breaks, and
Unicode's 66 noncharacters (U+FDD0..U+FDEF and the last two code points of every plane). Typed
into YAML they are refused (``_FORBIDDEN``); from Markdown or a YAML escape they are dropped from
every page (render.without_controls) and left out of quote matching (text.normalize_quote)."""


def char_class(points: Iterable[int], *more: str) -> str:
    """A regular expression's character class of these code points (and ``more``, ranges as
    written in a class)."""
    return "[" + "".join(map(chr, sorted(points))) + "".join(more) + "]"


_FORBIDDEN = re.compile(char_class(NEVER_SHOWN, "\ud800-\udfff"))
"""What may not be typed into YAML: what no page shows and surrogates (YAML's own rule refuses
control characters but tab and line breaks, and U+FFFE and U+FFFF) (docs/content-format.md).
libyaml stops at the first; the text is searched for all of them first, so all come in one round."""
_FORBIDDEN_ASCII = re.compile(char_class(p for p in NEVER_SHOWN if p < 0x80))
"""``_FORBIDDEN`` within ASCII: most files are ASCII (``str.isascii`` is a C scan), and this class
is searched about fourteen times as fast as the full one."""


_MAX_LINES_SHOWN = 100


def _forbidden(text: str, file: str, offset: int) -> list[Diagnostic]:
    """One diagnostic per line holding characters YAML does not allow, naming each of them."""
    found: dict[int, dict[str, None]] = {}
    line, counted = 1 + offset, 0
    for match in _FORBIDDEN.finditer(text):
        line, counted = line + text.count("\n", counted, match.start()), match.start()
        found.setdefault(line, {})[match.group()] = None
    problems = []
    lines = list(found.items())
    for line, chars in lines[:_MAX_LINES_SHOWN]:
        names = [f"U+{ord(c):04X}" for c in chars]
        what = f"the character {names[0]} is" if len(names) == 1 else f"the characters {', '.join(names)} are"
        problems.append(Diagnostic("error", "yaml-syntax", f"{what} not allowed in YAML", file, line,
                                   f"remove {'it' if len(names) == 1 else 'them'}; "
                                   f"{'it is' if len(names) == 1 else 'they are'} invisible in most editors"))
    if len(lines) > _MAX_LINES_SHOWN:  # a binary file read as text: its first lines tell the story
        problems.append(Diagnostic("error", "yaml-syntax", f"{len(lines) - _MAX_LINES_SHOWN} more lines from here on "
                                   "hold characters not allowed in YAML", file, lines[_MAX_LINES_SHOWN][0],
                                   "is it a text file?"))
    return problems


def load(text: str, file: str, line_offset: int = 0) -> tuple[object, Lines, list[Diagnostic]]:
    """Parse one YAML document: (data, lines of every key and item, diagnostics)."""
    text = text.translate(_YAML_BREAKS)
    if (_FORBIDDEN_ASCII if text.isascii() else _FORBIDDEN).search(text):
        return None, Lines(), _forbidden(text, file, line_offset)
    deep = _too_deep(text)
    if deep:
        return None, Lines(), [Diagnostic("error", "yaml-too-deep", f"YAML nested deeper than {MAX_DEPTH} levels",
                                     file, deep + line_offset, "flatten the structure")]
    aliases = _alias_lines(text) if "*" in text else []
    if aliases:
        return None, Lines(), [Diagnostic("error", "yaml-alias", "YAML aliases (*name) are not allowed in briefgen files",
                                     file, line + line_offset, "write the value out in full") for line in aliases]
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, Lines(), []
        table, problems = _walk(node, file, line_offset)
        lines = Lines(text, line_offset, table)
        if problems:
            return None, lines, problems
        return loader.construct_document(node), lines, []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and mark is not None and mark.line >= text.count("\n"):
            mark = exc.context_mark  # the problem is the end of the file: where the open thing began helps
        line = (mark.line + 1 + line_offset) if mark else 0
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        text_lines = text.splitlines()
        bad_line = text_lines[mark.line] if mark and mark.line < len(text_lines) else ""
        if "\t" in bad_line[: len(bad_line) - len(bad_line.lstrip())] or "tab" in problem:
            hint = "indent with spaces; YAML does not allow tabs"
        elif "mapping values are not allowed" in problem:
            hint = "put quotes around a value that contains ': '"
        else:
            hint = ""
        if exc.context and exc.problem:
            problem = f"{problem} ({exc.context})"
        return None, Lines(), [Diagnostic("error", "yaml-syntax", problem, file, line, hint)]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: a control or noncharacter
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        # libyaml (the C loader) counts the position in UTF-8 bytes, PyYAML's own reader in characters
        if _Base is not yaml.SafeLoader:
            line = text.encode("utf-8")[: exc.position].count(b"\n") + 1 + line_offset
        else:
            line = text[: exc.position].count("\n") + 1 + line_offset
        return None, Lines(), [Diagnostic("error", "yaml-syntax", f"the character U+{code:04X} is not allowed in YAML",
                                          file, line, "remove it; it is invisible in most editors")]
    except yaml.YAMLError as exc:
        return None, Lines(), [Diagnostic("error", "yaml-syntax", str(exc).strip(), file, line_offset + 1)]
    except RecursionError:
        return None, Lines(), [Diagnostic("error", "yaml-too-deep", "YAML nesting is too deep", file, line_offset + 1)]
    finally:
        loader.dispose()


def _walk(root, file: str, offset: int) -> tuple[dict[tuple, int], list[Diagnostic]]:
    lines: dict[tuple, int] = {(): root.start_mark.line + 1 + offset}
    problems: list[Diagnostic] = []
    seen: set[int] = set()
    stack: list[tuple[Node, tuple, int]] = [(root, (), 0)]
    while stack:
        node, path, depth = stack.pop()
        line = node.start_mark.line + 1 + offset
        if id(node) in seen:
            problems.append(Diagnostic(
                "error", "yaml-alias", "YAML aliases (*name) are not allowed in briefgen files",
                file, line, "write the value out in full",
            ))
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            problems.append(Diagnostic("error", "yaml-too-deep", f"YAML nested deeper than {MAX_DEPTH} levels", file, line))
            continue
        if node.tag not in _ALLOWED_TAGS[type(node)]:
            _tagged(node, path, offset)
            continue
        if isinstance(node, MappingNode):
            keys: dict[object, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag not in _ALLOWED_TAGS[type(key_node)]:
                    tagged = _tagged(key_node, path, offset)
                    stack.append((value_node, path + (f"{tagged.tag} {tagged.text}",), depth + 1))
                    continue
                if key_node.tag == _NULL:  # ~:, null: or an empty key would be the key None
                    shown = key_node.value or "(nothing)"
                    problems.append(Diagnostic("error", "empty-key", f"the key {shown} is read as no key at all", file,
                                               key_node.start_mark.line + 1 + offset,
                                               f"write a key name, or put '{key_node.value}' in quotes if it is one"
                                               if key_node.value else "write a key name before the ':'"))
                    continue
                key = key_node.value if isinstance(key_node, ScalarNode) else repr(key_node.value)
                key_line = key_node.start_mark.line + 1 + offset
                if key == "<<":
                    problems.append(Diagnostic("error", "yaml-merge-key", "YAML merge keys (<<) are not allowed", file,
                                               key_line, "write the keys out in full"))
                    continue
                if key in keys:
                    problems.append(Diagnostic(
                        "error", "duplicate-key", f"key '{key}' appears twice (first on line {keys[key]})",
                        file, key_line, "remove one of them; YAML would silently keep only the last",
                    ))
                keys[key] = key_line
                lines[path + (key,)] = key_line
                stack.append((value_node, path + (key,), depth + 1))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                lines[path + (index,)] = item.start_mark.line + 1 + offset
                stack.append((item, path + (index,), depth + 1))
    return lines, problems


def _tagged(node, path: tuple, offset: int) -> Tagged:
    """A tag is refused where it is written: ``aliases: !!set {a, b}`` would be a set whose order
    changes from run to run, ``!!python/...`` a call, ``!!int`` a number nobody asked for. The node
    is built as a ``Tagged`` (never as what the tag asks for), which validation reports."""
    found = getattr(node, "briefgen_tagged", None)
    if not isinstance(found, Tagged):
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        found = Tagged(tag, path, node.start_mark.line + 1 + offset, node.value if isinstance(node, ScalarNode) else "")
        node.briefgen_tagged, node.tag = found, _TAGGED
    return found


def tag_problem(tagged: Tagged, file: str) -> Diagnostic:
    """The diagnostic of a refused tag, wherever validation met it."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in tagged.path).lstrip(".")
    return Diagnostic("error", "yaml-tag", f"{where + ': ' if where else ''}the YAML tag '{tagged.tag}' is not allowed",
                      file, tagged.line,
                      "remove the tag and write text, a list or a mapping; put text that starts with '!' in quotes")


def line_of(lines: Lines | dict[tuple, int], loc: tuple) -> int:
    """The line of the deepest known prefix of ``loc``."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 0
