"""The shape of a mapping file, as a JSON Schema: checked before a mapping is
used, so each mistake is reported with the key where it is (``kinds.Trader.file``)
rather than met later as a traceback, and a misspelt key (``kind:``) is refused
instead of ignored.

>>> problem({"kinds": {"Trader": {"columns": {}}}})
"kinds.Trader must be a map with the source file and its columns ('file' is a required property)"
>>> problem({"kind": {}})
"the mapping must be a map of name, csv, formats, exchange_rates, empty and kinds (Additional properties are not allowed ('kind' was unexpected))"
>>> problem({"kinds": {}}) is None
True
"""
from __future__ import annotations

import jsonschema


_COLUMN = {
    "description": "a source column name, or a map with column, value or template "
                   "(and codes, date_format, optional, type)",
    "oneOf": [
        {"type": "string"},
        {"type": "object", "additionalProperties": False,
         "anyOf": [{"required": ["column"]}, {"required": ["value"]}, {"required": ["template"]}],
         "properties": {
             "column": {"type": "string"}, "template": {"type": "string"},
             "value": {"type": ["string", "number", "boolean"]},
             "codes": {"type": "object", "description": "a map of source value to value",
                       "additionalProperties": {"type": ["string", "number", "boolean"]}},
             "date_format": {"type": "string", "description": "a strftime format such as %d/%m/%Y"},
             "optional": {"type": "boolean", "description": "true or false"},
             "type": {"type": "string", "description": "a type name"}}},
    ],
}

MAPPING_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False,
    "description": "a map of name, csv, formats, exchange_rates, empty and kinds",
    "properties": {
        "name": {"type": "string", "description": "a text"},
        "empty": {"enum": ["keep", "clear"],
                  "description": "keep or clear (keep: an empty cell leaves the stored value as it is)"},
        "csv": {"type": "object", "additionalProperties": False, "description": "a map of delimiter and encoding",
                "properties": {"delimiter": {"type": "string", "minLength": 1, "maxLength": 1},
                               "encoding": {"type": "string"}}},
        "formats": {"type": "object", "description": "a map of Label.property to a format name",
                    "additionalProperties": {"type": "string"}},
        "exchange_rates": {"type": ["object", "null"],
                           "description": "a map of currency code to its positive USD per unit",
                           "additionalProperties": {"type": "number", "exclusiveMinimum": 0}},
        "kinds": {"type": "object", "description": "a map of schema kind to its file and columns",
                  "additionalProperties": {
                      "type": "object", "additionalProperties": False, "required": ["file"],
                      "description": "a map with the source file and its columns",
                      "properties": {
                          "file": {"type": "string", "minLength": 1, "description": "a file name or glob"},
                          "distinct": {"type": "boolean", "description": "true or false"},
                          "columns": {"type": ["object", "null"], "description": "a map of schema column to source",
                                      "additionalProperties": _COLUMN}}}},
    },
}

_VALIDATOR = jsonschema.Draft202012Validator(MAPPING_SCHEMA)


def problem(raw) -> str | None:
    """The first thing wrong with the parsed mapping ``raw``, naming its key; None if it is well formed."""
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(raw))
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path) or "the mapping"
    expected = _described(error.absolute_schema_path)
    # A oneOf's own message repeats the whole value: what was expected says it better.
    detail = "" if error.validator == "oneOf" else f" ({error.message[:200]})"
    return f"{where} must be {expected}{detail}" if expected else f"{where}: {error.message[:200]}"


def _described(path) -> str | None:
    """The description of the innermost schema along ``path`` that has one."""
    node, found = MAPPING_SCHEMA, MAPPING_SCHEMA.get("description")
    for step in path:
        node = node[step] if isinstance(node, (dict, list)) else {}
        if isinstance(node, dict) and node.get("description"):
            found = node["description"]
    return found
