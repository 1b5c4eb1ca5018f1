"""Turn a parsed YAML mapping into a schema model, or into located, actionable diagnostics.

Each diagnostic names the field, shows the value as it was written (a list or mapping written on
one line as its source text) and says what to write instead.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import typing
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import Diagnostic, did_you_mean
from .paths import id_problem
from .yamlfile import Lines, Tagged, line_of, tag_problem

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: object, file: str,
             lines: Lines | dict[tuple, int]) -> tuple[M | None, list[Diagnostic]]:
    if data is None:
        data = {}
    if isinstance(data, Tagged):
        return None, [tag_problem(data, file)]
    if not isinstance(data, dict):
        kind = _KINDS.get(type(data), f"a {type(data).__name__}")
        return None, [Diagnostic("error", "not-a-mapping", f"expected a mapping of keys, found {kind}",
                                 file, line_of(lines, ()), "write 'key: value' lines at the top level")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        # one diagnostic per cause: a tagged value may fail several ways (its key and its value)
        return None, list(dict.fromkeys(_diagnostic(model, err, file, lines) for err in exc.errors()))


def field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _diagnostic(model: type[BaseModel], err: ErrorDetails, file: str, lines: Lines | dict[tuple, int]) -> Diagnostic:
    # pydantic adds '[key]' to the location of a bad dict key and 'function-...' tags for validators
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (p == "[key]" or p.startswith("function-"))))
    line = line_of(lines, loc)
    where = field_path(loc)
    kind = err["type"]
    value = err.get("input")
    written = lines.source(loc) if isinstance(lines, Lines) and isinstance(value, (list, dict)) else ""
    shown = _clip(written) if written else _show(value)
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        hint = did_you_mean(str(loc[-1]), allowed) or f"allowed keys: {', '.join(allowed)}"
        return Diagnostic("error", "unknown-key", f"{where}: unknown key '{loc[-1]}'", file, line, hint)
    if isinstance(value, Tagged):  # a refused tag (yamlfile.Tagged) on a key or value that is wanted
        return tag_problem(value, file)
    if kind == "missing":
        return Diagnostic("error", "missing-key", f"{where}: required key '{loc[-1]}' is missing", file, line)
    if value is None:  # blank, ~ or null where a value is required (schema.Strict)
        written = lines.source(loc) if isinstance(lines, Lines) else ""
        hint = (f"write a value; YAML reads {written} as nothing, so write '{written}' in quotes to mean the word"
                if written.lower() == "null" else "write a value")
        if kind in ("literal_error", "enum"):
            hint = f"write one of: {', '.join(_choices(ctx))}"
        return Diagnostic("error", "empty-value", f"{where}: is empty", file, line, hint)
    if kind in ("literal_error", "enum"):
        choices = _choices(ctx)
        hint = did_you_mean(str(value), choices)
        return Diagnostic("error", "bad-value", f"{where}: {shown} is not allowed; allowed: {', '.join(choices)}",
                          file, line, hint)
    if kind == "string_pattern_mismatch":
        return _pattern(where, loc, value, shown, err["ctx"]["pattern"], file, line)
    if kind.startswith("url_") or kind.startswith("base_url_"):
        return _url(kind, where, shown, ctx, file, line)
    if kind == "flag":
        return Diagnostic("error", "bad-value", f"{where}: {shown} is not true or false", file, line,
                          "write true or false; yes/no and on/off also work")
    if kind.startswith("date") or kind.startswith("datetime"):
        off = _off_calendar(value)
        if off:
            return Diagnostic("error", "bad-date", f"{where}: {shown} is not a day of the calendar: {off[0]}", file,
                              line, off[1])
        if kind == "date_event":
            return Diagnostic("error", "bad-date", f"{where}: {shown} is not a date", file, line,
                              "write an event's date as YYYY-MM-DD, e.g. 2023-11-21, or as YYYY-MM or YYYY when no more is known")
        return Diagnostic("error", "bad-date", f"{where}: {shown} is not a date", file, line,
                          "write dates as YYYY-MM-DD, e.g. 2023-11-21")
    if kind == "edition_twice":  # schema._unique_editions: located at the second of the two
        at = (*loc, ctx["i"])
        return Diagnostic("error", "duplicate-edition", f"{field_path(at)}: {ctx['date']} is already "
                          f"editions[{ctx['first']}]", file, line_of(lines, at),
                          "one edition per day: remove one, or merge their titles and notes")
    if kind == "event_time":
        return Diagnostic("error", "bad-value", f"{where}: {shown} is not a time of day", file, line,
                          "write the time as HH:MM on a 24-hour clock, e.g. 14:05")
    if kind == "reserved_id":
        return Diagnostic("error", "bad-id", f"{where}: {shown} is a reserved file name on Windows", file, line,
                          "choose another id")
    if kind == "string_too_short":
        return Diagnostic("error", "empty-value", f"{where}: is empty", file, line, "write a value")
    if kind in _EXPECTED:
        entries = sorted(_fields_at(model, loc)) if kind == "list_type" else []
        return _wrong_type(_EXPECTED[kind], where, value, shown, written, file, line, entries)
    return Diagnostic("error", "bad-type", f"{where}: {shown}: {err['msg']}", file, line)


def _off_calendar(value: object) -> tuple[str, str] | None:
    """(what is wrong, what to do) for a date written YYYY-MM-DD that is no day, such as
    2023-02-30; None for a value not written so (then the form is what is wrong)."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    year, month, day = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12:
        if 1 <= day <= 12 and month <= calendar.monthrange(max(year, 1), day)[1]:  # day and month swapped
            swapped = f"{year:04d}-{day:02d}-{month:02d}"
            return f"there is no month {month:02d}", f"if {month:02d} is the day, write {swapped}: the month comes first"
        return f"there is no month {month:02d}", "write the month as 01 to 12, the date as YYYY-MM-DD"
    if year < 1:
        return "there is no year 0000", "years start at 0001"
    if day < 1:
        return "there is no day 00", "days start at 01"
    days = calendar.monthrange(year, month)[1]
    if day > days:
        return (f"{_MONTHS[month - 1]} {year} has {days} days",
                f"check the day; the last day of that month is {year:04d}-{month:02d}-{days:02d}")
    return None


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
"""Not calendar.month_name, which follows the locale."""


def _choices(ctx: dict) -> list[str]:
    """The allowed values of a Literal field, from pydantic's "'a', 'b' or 'c'"."""
    return [c.strip(" '") for c in ctx.get("expected", "").replace(" or ", ", ").split(",")]


_KINDS = {str: "text", list: "a list", dict: "a mapping", type(None): "nothing"}
_EXPECTED = {"string_type": "text", "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping",
             "model_attributes_type": "a mapping"}
"""pydantic's type errors, by what the field expects."""


def _wrong_type(expected: str, where: str, value: object, shown: str, written: str, file: str, line: int,
                entries: list[str]) -> Diagnostic:
    """``entries``: the keys of each item when the list holds mappings (links, claims, events)."""
    found = _KINDS.get(type(value), f"a {type(value).__name__}")
    message = f"{where}: expected {expected}, found {found} {shown}"
    if expected == "text" and written:  # [a, b] or {a: b} on one line: YAML's syntax, not text
        hint = f"put it in quotes if it is meant as text: {_yaml_quoted(written)}"
    elif expected == "text":
        hint = "write the text on the same line as the key"
    elif expected == "a list" and entries:
        hint = f"write a list of entries, each starting with '- ' and giving {', '.join(entries)}"
    elif expected == "a list" and isinstance(value, str):
        hint = f"write a list: [{value}]" if len(value) <= 40 else "write a list: [first, second]"
    elif expected == "a list":
        hint = "write a list: [first, second], or one '- item' line per entry"
    elif expected == "a mapping":
        hint = "write 'key: value' lines, indented under the key"
    else:
        hint = ""
    return Diagnostic("error", "bad-type", message, file, line, hint)


def _url(kind: str, where: str, shown: str, ctx: dict, file: str, line: int) -> Diagnostic:
    """The URL errors of schema._http_url and schema._base_url, each with the address to write."""
    fixed = _show(ctx.get("fixed", ""), limit=200)  # the address to copy: cut only when very long
    if kind == "url_edge":
        message, hint = f"{ctx['edge']} with {ctx['char']}", f"remove it: {fixed}"
    elif kind == "url_char":
        message = f"contains {ctx['char']} at position {ctx['position']}"
        hint = f"write it as {ctx['encoded']}: {fixed}"
    elif kind == "url_host_char":
        message = f"contains {ctx['char']} at position {ctx['position']}, in the host name"
        plural = {"a space": "spaces", "a tab": "tabs", "a line break": "line breaks"}.get(ctx["char"], ctx["char"])
        hint = f"host names cannot contain {plural}: check the address"
    elif kind == "url_host":
        message, hint = "has no host name", "write the full address, e.g. https://example.org/page"
    elif kind == "base_url_part":
        message = f"has {ctx['what']} ('{ctx['part']}')"
        hint = f"a base URL is the address of the site's root folder: write {fixed}"
    elif kind == "base_url_backslash":
        message = f"contains a backslash at position {ctx['position']}"
        hint = f"browsers read it as '/': write {fixed}"
    elif kind == "base_url_slashes":
        message = "has a path that starts with '//'"
        hint = f"every link would start with '//{ctx['host']}', another host to browsers: write {fixed}"
    elif kind == "url_userinfo":
        message = f"has {ctx['what']}"
        hint = f"it would be published in the site's pages: write {fixed}"
    elif kind == "url_port":
        message = f"has {ctx['what']}"
        hint = f"a port is a number from 1 to 65535; without one: {fixed}"
    else:
        message, hint = "is not an http(s) URL", "write the full address, starting with https://"
    return Diagnostic("error", "bad-url", f"{where}: {shown} {message}", file, line, hint)


def _pattern(where, loc, value, shown, pattern, file, line) -> Diagnostic:
    if "A-F" in pattern:
        return Diagnostic("error", "bad-grade", f"{where}: {shown} is not an Admiralty grade", file, line,
                          "write a reliability letter A-F and a credibility digit 1-6, e.g. B2")
    if "a-z0-9" in pattern and isinstance(value, str):
        from .paths import suggest_id

        suggestion = suggest_id(value)
        hint = f"write '{suggestion}'" if suggestion and suggestion != value else id_problem(value)
        return Diagnostic("error", "bad-id", f"{where}: {shown} is not a valid id", file, line, hint)
    if "a-zA-Z]{2,3}" in pattern:
        return Diagnostic("error", "bad-value", f"{where}: {shown} is not a language tag", file, line,
                          "write a BCP 47 tag such as 'en', 'ko' or 'pt-BR'")
    return Diagnostic("error", "bad-value", f"{where}: {shown} does not match {pattern}", file, line)


def _clip(written: str) -> str:
    return written if len(written) <= 60 else written[:57] + "..."


def _yaml_quoted(written: str) -> str:
    """``written`` as a quoted YAML scalar that reads back as the same text."""
    if "'" not in written:
        return f"'{written}'"
    return '"' + written.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _show(value: object, limit: int = 60) -> str:
    if isinstance(value, (dt.date, int, float, bool)) or value is None:
        return f"'{value}'"
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[:limit - 3] + "...'"


def _fields_at(model: type[BaseModel], loc: tuple) -> set[str]:
    """The keys allowed at ``loc`` inside ``model``, for 'did you mean' on unknown keys."""
    current: object = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return set()
        current = model_in(fields[part].annotation)
    return set(getattr(current, "model_fields", {}))


def model_in(annotation: object) -> type[BaseModel] | None:
    """The model an annotation holds (``list[ClaimEntry]`` -> ClaimEntry), or None for plain values."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None
