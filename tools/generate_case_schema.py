"""Regenerate schemas/case.schema.json from the vocabulary (reviewrules/_vocabulary.py).

    python tools/generate_case_schema.py

tests/test_vocabulary.py fails if the schema and the vocabulary disagree.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewrules._vocabulary import EVENT_FIELDS, EVENT_REQUIRED, SIGNIFICANT_EVENT_CATEGORIES  # noqa: E402

TYPES = {
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "review": {"type": "integer", "minimum": 1},
    "kind": {"$ref": "#/$defs/kind"},
    "date": {"$ref": "#/$defs/isodate"},
    "category": {"enum": list(SIGNIFICANT_EVENT_CATEGORIES)},
}


def main() -> None:
    path = ROOT / "schemas" / "case.schema.json"
    schema = json.loads(path.read_text())
    event = schema["$defs"]["event"]
    event["properties"]["type"]["enum"] = list(EVENT_FIELDS)
    event["allOf"] = [
        {
            "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
            "then": {
                "additionalProperties": False,
                "required": ["type", "date", *EVENT_REQUIRED.get(kind, ())],
                "properties": {
                    "type": {"const": kind},
                    "date": {"$ref": "#/$defs/isodate"},
                    **{name: TYPES[kind_of] for name, kind_of in fields.items()},
                },
            },
        }
        for kind, fields in EVENT_FIELDS.items()
    ]
    path.write_text(json.dumps(schema, indent=2) + "\n")


if __name__ == "__main__":
    main()
