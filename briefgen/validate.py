"""Turn a parsed YAML mapping into a schema model, or into located, actionable diagnostics."""

from __future__ import annotations

import datetime as dt
import typing
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .errors import Diagnostic, did_you_mean
from .paths import id_problem
from .yamlfile import Lines, line_of

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: object, file: str, lines: Lines) -> tuple[M | None, list[Diagnostic]]:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        return None, [Diagnostic("error", "not-a-mapping", f"expected a mapping of keys, found a {kind}",
                                 file, line_of(lines, ()), "write 'key: value' lines at the top level")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_diagnostic(model, err, file, lines) for err in exc.errors()]


def field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _diagnostic(model: type[BaseModel], err: dict, file: str, lines: Lines) -> Diagnostic:
    # pydantic adds '[key]' to the location of a bad dict key and 'function-...' tags for validators
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (p == "[key]" or p.startswith("function-"))))
    line = line_of(lines, loc)
    where = field_path(loc)
    kind = err["type"]
    value = err.get("input")
    shown = _show(value)
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        hint = did_you_mean(str(loc[-1]), allowed) or f"allowed keys: {', '.join(allowed)}"
        return Diagnostic("error", "unknown-key", f"{where}: unknown key '{loc[-1]}'", file, line, hint)
    if kind == "missing":
        return Diagnostic("error", "missing-key", f"{where}: required key '{loc[-1]}' is missing", file, line)
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ", ").split(",")]
        hint = did_you_mean(str(value), choices)
        return Diagnostic("error", "bad-value", f"{where}: {shown} is not allowed; allowed: {', '.join(choices)}",
                          file, line, hint)
    if kind == "string_pattern_mismatch":
        return _pattern(where, loc, value, shown, err["ctx"]["pattern"], file, line)
    if kind.startswith("date") or kind.startswith("datetime"):
        return Diagnostic("error", "bad-date", f"{where}: {shown} is not a date", file, line,
                          "write dates as YYYY-MM-DD, e.g. 2023-11-21")
    if kind == "reserved_id":
        return Diagnostic("error", "bad-id", f"{where}: {shown} is a reserved file name on Windows", file, line,
                          "choose another id")
    if kind == "string_too_short":
        return Diagnostic("error", "empty-value", f"{where}: must not be empty", file, line)
    return Diagnostic("error", "bad-type", f"{where}: {shown}: {err['msg']}", file, line)


def _pattern(where, loc, value, shown, pattern, file, line) -> Diagnostic:
    if "A-F" in pattern:
        return Diagnostic("error", "bad-grade", f"{where}: {shown} is not an Admiralty grade", file, line,
                          "write a reliability letter A-F and a credibility digit 1-6, e.g. B2")
    if "https?" in pattern:
        return Diagnostic("error", "bad-url", f"{where}: {shown} is not an http(s) URL", file, line,
                          "write the full address, starting with https://")
    if "a-z0-9" in pattern and isinstance(value, str):
        from .paths import suggest_id

        suggestion = suggest_id(value)
        hint = f"write '{suggestion}'" if suggestion and suggestion != value else id_problem(value)
        return Diagnostic("error", "bad-id", f"{where}: {shown} is not a valid id", file, line, hint)
    if "a-zA-Z]{2,3}" in pattern:
        return Diagnostic("error", "bad-value", f"{where}: {shown} is not a language tag", file, line,
                          "write a BCP 47 tag such as 'en', 'ko' or 'pt-BR'")
    return Diagnostic("error", "bad-value", f"{where}: {shown} does not match {pattern}", file, line)


def _show(value: object) -> str:
    if isinstance(value, (dt.date, int, float, bool)) or value is None:
        return f"'{value}'"
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "...'"


def _fields_at(model: type[BaseModel], loc: tuple) -> set[str]:
    """The keys allowed at ``loc`` inside ``model``, for 'did you mean' on unknown keys."""
    current: object = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return set()
        current = _model_in(fields[part].annotation)
    return set(getattr(current, "model_fields", {}))


def _model_in(annotation: object) -> object:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
