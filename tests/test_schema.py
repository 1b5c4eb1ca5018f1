"""`briefgen schema DIR`: the JSON Schemas editors use are valid and agree with the build.

The content files of the example and of the valid fixture must validate against them; files the
build rejects for their shape (unknown key, bad enum, bad grade, missing key) must not.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from support import FIXTURES, REPO, run_briefgen

SCHEMAS = ["actor", "article-annotations", "article-front-matter", "briefgen.yaml", "topic"]
BASIC = FIXTURES / "valid" / "basic"
INVALID = FIXTURES / "invalid"


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("schemas")
    result = run_briefgen("schema", folder)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(f"{name}.schema.json" for name in SCHEMAS)
    assert result.stdout.splitlines() == [f"Wrote {folder / f'{name}.schema.json'}" for name in
                                          ["briefgen.yaml", "article-annotations", "article-front-matter", "topic", "actor"]]
    return {name: json.loads((folder / f"{name}.schema.json").read_text(encoding="utf-8")) for name in SCHEMAS}


def as_json(data: object) -> object:
    """What a YAML language server validates: dates are plain strings."""
    return json.loads(json.dumps(data, default=str))


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("\n---\n", 1)[0][4:]) or {}


def documents(project: Path) -> list[tuple[str, str, object]]:
    """(file, schema, data) for every content file of a project."""
    content = project / "content"
    docs = []
    for path in sorted(content.glob("articles/*.yaml")):
        docs.append((path, "article-annotations", yaml.safe_load(path.read_text(encoding="utf-8")) or {}))
    for path in sorted(content.glob("articles/*.md")):
        docs.append((path, "article-front-matter", front_matter(path)))
    for path in sorted(content.glob("topics/*.yaml")):
        docs.append((path, "topic", yaml.safe_load(path.read_text(encoding="utf-8"))))
    for path in sorted(content.glob("topics/*.md")):
        docs.append((path, "topic", front_matter(path)))
    for path in sorted(content.glob("actors/*.yaml")):
        docs.append((path, "actor", yaml.safe_load(path.read_text(encoding="utf-8"))))
    if (project / "briefgen.yaml").is_file():
        docs.append((project / "briefgen.yaml", "briefgen.yaml", yaml.safe_load((project / "briefgen.yaml").read_text())))
    return [(str(path.relative_to(project)), schema, as_json(data)) for path, schema, data in docs]


def problems(schemas, docs) -> list[str]:
    found = []
    for file, name, data in docs:
        validator = jsonschema.Draft202012Validator(schemas[name], format_checker=jsonschema.FormatChecker())
        found += [f"{file}: {'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(data)]
    return found


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_valid_json_schema(schemas, name):
    schema = schemas[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema.get("additionalProperties") is False, "unknown keys must be flagged in the editor too"


def test_example_content_validates_against_the_schemas(schemas):
    docs = documents(REPO)
    assert len(docs) >= 17
    assert problems(schemas, docs) == []


def test_shorthand_forms_validate_against_the_schemas(schemas):
    assert problems(schemas, documents(BASIC)) == []


@pytest.mark.parametrize("case, file, schema", [
    ("unknown-key", "content/topics/satellite-programme.yaml", "topic"),
    ("bad-confidence", "content/topics/satellite-programme.yaml", "topic"),
    ("bad-status", "content/articles/launch.yaml", "article-annotations"),
    ("bad-grade", "content/articles/launch.yaml", "article-annotations"),
    ("bad-id-value", "content/articles/launch.yaml", "article-annotations"),
    ("missing-required", "content/actors/north-korea.yaml", "actor"),
    ("bad-config", "briefgen.yaml", "briefgen.yaml"),
])
def test_schema_rejects_what_the_build_rejects(schemas, case, file, schema):
    data = as_json(yaml.safe_load((INVALID / case / file).read_text(encoding="utf-8")))
    assert problems(schemas, [(file, schema, data)]), f"{case}: the schema accepts {file}"


@pytest.mark.parametrize("value, valid", [
    (True, True), ("yes", True), ("No", True), ("OFF", True), ("on", True), ("maybe", False), ("1", False),
])
def test_the_schema_takes_the_flags_the_build_takes(schemas, value, valid):
    """A YAML 1.2 language server reads ``search: yes`` as the string 'yes', which the build accepts."""
    assert not problems(schemas, [("briefgen.yaml", "briefgen.yaml", {"search": value})]) is valid


@pytest.mark.parametrize("value, valid", [
    ("https://example.org/", True), ("HTTPS://example.org/", True), ("javascript:alert(1)", False),
    ("https://example.org/a b", False),
])
def test_the_schema_takes_the_urls_the_build_takes(schemas, value, valid):
    assert not problems(schemas, [("briefgen.yaml", "briefgen.yaml", {"base_url": value})]) is valid
