"""``GET /openapi.json``: the service described in OpenAPI 3.1, for clients to generate code from.

Cases and results are described by the project's own JSON Schemas
(``schemas/case.schema.json``, ``schemas/result.schema.json``), lifted into
``components/schemas`` with their ``$defs`` renamed (``#/$defs/event`` becomes
``#/components/schemas/CaseEvent``), so that every reference resolves inside the
document.
"""

from __future__ import annotations

import copy
from importlib import metadata
from typing import Any

from .._evaluate import BACKENDS
from .._resources import load_schema
from .._vocabulary import STATUSES
from ..output._json import to_json
from ._problems import MEDIA_TYPE, PROBLEM_TYPE, TITLES

__all__ = ["openapi_document", "openapi_data"]

_REF = "#/components/schemas/"
_RENAMED = {("case", "case"): "CaseChild"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _lift(name: str) -> dict[str, Any]:
    """One project schema as components: its root under its name, each $def beside it."""
    schema = copy.deepcopy(load_schema(name))
    defs = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    prefix = name.capitalize()
    names = {d: _RENAMED.get((name, d), prefix + d.title().replace("_", "")) for d in defs}

    def fix(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (_REF + names[v[len("#/$defs/") :]] if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/") else fix(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [fix(v) for v in node]
        return node

    lifted = {prefix: fix(schema)}
    lifted.update({names[d]: fix(body) for d, body in defs.items()})
    return lifted


def _obj(required: list[str], properties: dict[str, Any], extra: bool = False, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if not extra:
        out["additionalProperties"] = False
    out.update(more)
    return out


_S = {"type": "string"}
_NS = {"type": ["string", "null"]}
_POLICY_REF = {"type": "string", "description": "A policy id (GET /v1/policies), or id@version for one dated version", "examples": ["york", "york@v47"]}
_BACKEND = {"enum": list(BACKENDS), "description": "Rules engine: all give the same answer (default: the server's)"}


def _answers() -> dict[str, Any]:
    problem = _obj(
        ["type", "title", "status", "detail", "instance", "code", "problems"],
        {
            "type": {"type": "string", "description": PROBLEM_TYPE + "CODE"},
            "title": _S,
            "status": {"type": "integer"},
            "detail": _S,
            "instance": {"type": "string", "description": "the request's path"},
            "code": {"enum": sorted(TITLES)},
            "problems": {"type": "array", "items": _ref("LibraryProblem")},
        },
        extra=True,
        description="RFC 9457 problem document; 'problems' are the problems the command line prints.",
    )
    library_problem = _obj(
        ["code", "message"],
        {
            "code": _S,
            "message": _S,
            "fix": _S,
            "file": _S,
            "line": {"type": "integer"},
            "column": {"type": "integer"},
            "path": {"type": "string", "description": "JSON path, from the top of the request body for a JSON request"},
            "rule": _S,
            "child": _S,
            "event": {"type": "integer", "description": "the event's number in the child's case, from 1"},
            "hint": _S,
        },
    )
    policy_ref = _obj(["id", "version", "digest"], {"id": _S, "version": _NS, "digest": _S})
    row = _obj(
        ["id", "title", "extends", "document", "rules", "digest"],
        {"id": _S, "title": _S, "extends": _NS, "document": {"type": "object"}, "rules": {"type": "integer"}, "digest": _S},
    )
    rule = _obj(["rule", "defined_in", "id", "when", "emit", "source"], {
        "rule": _S, "defined_in": _NS, "id": _S, "title": _S, "when": {"type": "object"}, "emit": {"type": "object"},
        "owner": _S, "source": _ref("ResultSource"), "notes": {"type": "array", "items": _S},
        "reading": {"type": "object"}, "alternatives": {"type": "array", "items": {"type": "object"}},
    })
    detail = _obj(
        ["id", "ref", "title", "extends", "lineage", "origin", "file", "document", "version", "versions", "digest", "notes", "kinds", "rules"],
        {
            "id": _S, "ref": _S, "title": _S, "extends": _NS, "lineage": {"type": "array", "items": _S},
            "origin": {"enum": ["bundled", "folder"]}, "file": _S, "document": {"type": "object"}, "version": _NS,
            "versions": {"type": "array", "items": _obj(["version", "from", "notes"], {"version": _S, "from": _ref("ResultIsodate"), "notes": {"type": "array", "items": _S}})},
            "digest": _S, "notes": {"type": "array", "items": _S}, "kinds": {"type": "object", "additionalProperties": _S},
            "rules": {"type": "array", "items": _ref("PolicyRule")},
        },
    )
    alternative = _obj(["id", "reading", "computable", "counted", "note"], {"id": _S, "reading": _S, "computable": {"type": "boolean"}, "counted": _NS, "note": _NS})
    reading = _obj(
        ["rule", "title", "question", "text", "taken", "counted", "why", "conflicts", "alternatives", "gap"],
        {
            "rule": _S, "title": _NS, "question": _NS, "text": _ref("ResultSource"), "taken": _S, "counted": _S, "why": _NS,
            "conflicts": {"type": "array", "items": _ref("ResultSource")}, "alternatives": {"type": "array", "items": alternative},
            "gap": {"type": "boolean"},
        },
    )
    side = _obj(["due", "status"], {"due": {"oneOf": [_ref("ResultIsodate"), {"type": "null"}]}, "status": {"oneOf": [{"enum": list(STATUSES)}, {"type": "null"}]}})
    rule_side = {"oneOf": [{"type": "null"}, _obj(["rule", "emits", "timescale", "trigger", "owner", "source"], {
        "rule": _S, "emits": _S, "timescale": _S, "trigger": _S, "owner": _NS, "source": _ref("ResultSource")})]}
    count = {"type": "integer", "minimum": 0}
    impact = _obj(
        ["kind", "obligations", "children", "earlier", "later", "status_only", "only_a", "only_b", "largest_days", "mean_days",
         "becomes_overdue", "stops_being_overdue"],
        {
            "kind": _S, "obligations": count, "children": count, "earlier": count, "later": count, "status_only": count,
            "only_a": count, "only_b": count, "largest_days": {"type": "integer"}, "mean_days": {"type": ["number", "null"]},
            "becomes_overdue": count, "stops_being_overdue": count,
        },
    )
    diff = _obj(
        ["a", "b", "differs", "rules", "corpus", "cases", "children_moved", "impact", "skipped", "dates"],
        {
            "a": _ref("PolicyRef"), "b": _ref("PolicyRef"), "differs": {"type": "boolean"},
            "rules": {"type": "array", "items": _obj(["id", "change", "fields", "a", "b"], {
                "id": _S, "change": {"enum": ["added", "removed", "changed"]}, "fields": {"type": "array", "items": _S}, "a": rule_side, "b": rule_side})},
            "corpus": _S,
            "cases": count,
            "children_moved": count,
            "impact": {"type": "array", "items": impact},
            "skipped": {"type": "array", "items": _obj(["case", "reason"], {"case": _S, "reason": _S})},
            "dates": {"type": "array", "items": _obj(["case", "child", "period", "kind", "review", "a", "b", "days"], {
                "case": _S, "child": _S, "period": {"oneOf": [_ref("ResultIsodate"), {"type": "null"}]}, "kind": _S,
                "review": {"type": ["integer", "null"]}, "a": side, "b": side, "days": {"type": ["integer", "null"]}})},
        },
    )
    compact_item = {"type": "object", "required": ["kind", "rule", "notes"], "properties": {"kind": _S, "rule": _S, "notes": {"type": "array", "items": _S}}}
    record = {
        "oneOf": [
            _obj(["record", "policy", "as_of"], {"record": {"const": "run"}, "policy": _ref("PolicyRef"), "as_of": _ref("ResultIsodate"), "rules": {"type": "object"}}),
            _obj(["record", "child", "obligations", "escalations", "notices", "warnings", "notes"], {
                "record": {"const": "result"}, "child": _S, "policy": _ref("PolicyRef"), "as_of": _ref("ResultIsodate"),
                "periods": {"type": "array", "items": _ref("ResultPeriod")},
                **{k: {"type": "array", "items": compact_item} for k in ("obligations", "escalations", "notices")},
                "warnings": {"type": "array", "items": _ref("ResultWarning")}, "notes": {"type": "array", "items": _S}}),
            _obj(["record", "child", "refused"], {"record": {"const": "refused"}, "child": _NS, "refused": {"type": "array", "items": _ref("LibraryProblem")}}),
        ],
        "description": "One line of a caseload's JSON Lines: the run (first line), then one result or refusal per child.",
    }
    return {
        "Problem": problem,
        "LibraryProblem": library_problem,
        "PolicyRef": policy_ref,
        "Results": _obj(["results"], {"results": {"type": "array", "items": _ref("Result")}}),
        "PolicyList": _obj(["policies"], {"policies": {"type": "array", "items": row}}),
        "PolicyRule": rule,
        "PolicyDetail": detail,
        "Readings": _obj(["policy", "readings"], {"policy": _ref("PolicyRef"), "readings": {"type": "array", "items": reading}}),
        "Explanation": _obj(["child", "policy", "as_of", "items"], {
            "child": _S, "policy": _ref("PolicyRef"), "as_of": _ref("ResultIsodate"),
            "items": {"type": "array", "items": {"oneOf": [_ref("ResultObligation"), _ref("ResultEscalation")]}}}),
        "Validation": _obj(["file", "kind", "ok", "problems"], {"file": _S, "kind": {"const": "policy"}, "ok": {"const": True}, "problems": {"type": "array", "maxItems": 0}}),
        "Diff": diff,
        "Reload": _obj(["policies", "added", "removed", "changed"], {
            "policies": {"type": "array", "items": _obj(["id", "version", "digest", "origin", "file"], {
                "id": _S, "version": _NS, "digest": _S, "origin": {"enum": ["bundled", "folder"]}, "file": _S})},
            **{k: {"type": "array", "items": _S} for k in ("added", "removed", "changed")}}),
        "Health": _obj(["status", "policies"], {"status": {"const": "ok"}, "policies": {"type": "integer"}}),
        "CaseloadRecord": record,
    }


def _requests() -> dict[str, Any]:
    evaluate = _obj(
        ["policy"],
        {
            "policy": _POLICY_REF,
            "case": {**_ref("Case"), "description": "what a case file holds: one child, or many under children"},
            "cases": {"type": "array", "items": _ref("CaseChild"), "description": "many children (answered as {results: [...]})"},
            "as_of": {**_ref("CaseIsodate"), "description": "default: today"},
            "explain": {"type": "boolean", "description": "add each item's derivation (trace)"},
            "backend": _BACKEND,
        },
        oneOf=[{"required": ["case"]}, {"required": ["cases"]}],
    )
    explain = _obj(
        ["policy", "case", "obligation"],
        {
            "policy": _POLICY_REF, "case": _ref("Case"),
            "obligation": {"type": "string", "pattern": "^[^:]+(:[0-9]+)?$", "description": "KIND[:REVIEW], e.g. review.second:2"},
            "child": {"type": "string", "description": "which child, in a case of many"},
            "as_of": _ref("CaseIsodate"), "backend": _BACKEND,
        },
    )
    diff = _obj(
        ["a", "b"],
        {"a": _POLICY_REF, "b": _POLICY_REF, "cases": {"type": "array", "items": _ref("CaseChild"), "description": "default: the bundled scenarios' cases"},
         "as_of": {**_ref("CaseIsodate"), "description": "for the cases given (default: today)"}, "backend": _BACKEND},
    )
    return {"EvaluateRequest": evaluate, "ExplainRequest": explain, "DiffRequest": diff}


def _errors(*codes: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for code in codes:
        status = str(TITLES[code][0])
        entry = out.setdefault(status, {"description": "", "content": {MEDIA_TYPE: {"schema": _ref("Problem")}}})
        entry["description"] = "; ".join(filter(None, [entry["description"], TITLES[code][1]]))
    out["500"] = {"description": TITLES["internal"][1], "content": {MEDIA_TYPE: {"schema": _ref("Problem")}}}
    return out


def _ok(description: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": description, "content": content}}


def _json(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(name)}}


_BODY = ("bad-request", "too-large", "unsupported-media-type", "invalid-request", "time-limit")
_POLICY_PARAM = {"name": "policy", "in": "path", "required": True, "schema": _POLICY_REF}


def _format_param(values: list[str], default: str) -> dict[str, Any]:
    return {"name": "format", "in": "query", "schema": {"enum": values, "default": default}}


def _caseload_parameters() -> list[dict[str, Any]]:
    def q(name: str, schema: dict[str, Any], description: str, **more: Any) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema, "description": description, **more}

    date = _ref("CaseIsodate")
    return [
        q("policy", _POLICY_REF, "the policy", required=True),
        q("as_of", date, "evaluate as of this date (default: today)"),
        q("format", {"enum": ["csv", "jsonl"], "default": "csv"}, "CSV (one row per obligation) or JSON Lines (one line per child)"),
        q("status", {"type": "array", "items": {"enum": list(STATUSES)}}, "only obligations with this status (repeatable)", explode=True),
        q("kind", {"type": "array", "items": _S}, "only obligation kinds starting with this, e.g. review. (repeatable)", explode=True),
        q("due_from", date, "only obligations due on or after this date"),
        q("due_to", date, "only obligations due on or before this date"),
        q("strict", {"type": "boolean", "default": False}, "refuse a child with any warning"),
        q("sources", {"type": "boolean", "default": False}, "jsonl: each item's quoted source, not once per run"),
        q("order", {"enum": ["child", "input"], "default": "child"}, "child: sorted by child (spooled, then sent); input: streamed as done"),
        q("backend", _BACKEND, "rules engine"),
    ]


def _file_parameters() -> list[dict[str, Any]]:
    def q(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema, "description": f"with a case file body only: {description}"}

    return [
        q("policy", _POLICY_REF, "the policy (required then)"),
        q("as_of", _ref("CaseIsodate"), "evaluate as of this date (default: today)"),
        q("explain", {"type": "boolean", "default": False}, "add each item's derivation"),
        q("backend", _BACKEND, "rules engine"),
    ]


def _paths() -> dict[str, Any]:
    lines = "application/x-ndjson"
    found = ("policy-not-found",)
    return {
        "/healthz": {"get": {"operationId": "health", "summary": "The service is up", "responses": {**_ok("Up", _json("Health")), **_errors()}}},
        "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document", "responses": {
            **_ok("OpenAPI 3.1", {"application/json": {"schema": {"type": "object"}}}), **_errors()}}},
        "/v1/policies": {"get": {"operationId": "listPolicies", "summary": "The policies, as 'reviewrules policies --format json'",
                                 "responses": {**_ok("The policies", _json("PolicyList")), **_errors()}}},
        "/v1/policies/{policy}": {"get": {"operationId": "showPolicy", "summary": "One policy resolved (as 'reviewrules show --resolved', as data)",
                                          "parameters": [_POLICY_PARAM], "responses": {**_ok("The policy", _json("PolicyDetail")), **_errors(*found)}}},
        "/v1/policies/{policy}/card": {"get": {"operationId": "policyCard", "summary": "The procedure card ('reviewrules render')",
                                               "parameters": [_POLICY_PARAM, _format_param(["html", "md"], "html")],
                                               "responses": {**_ok("The card", {"text/html": {"schema": _S}, "text/markdown": {"schema": _S}}),
                                                             **_errors("invalid-request", *found)}}},
        "/v1/policies/{policy}/readings": {"get": {"operationId": "policyReadings", "summary": "The register of readings ('reviewrules readings')",
                                                   "parameters": [_POLICY_PARAM, _format_param(["json", "md", "text"], "json")],
                                                   "responses": {**_ok("The readings", {**_json("Readings"), "text/markdown": {"schema": _S}, "text/plain": {"schema": _S}}),
                                                                 **_errors("invalid-request", *found)}}},
        "/v1/evaluate": {"post": {
            "operationId": "evaluate", "summary": "Every review, deadline and escalation: the bytes of 'reviewrules evaluate'",
            "description": "A JSON request (EvaluateRequest), or a case file itself as the body (YAML or JSON, as "
            "application/yaml) with policy, as_of, explain and backend in the query. The query is for a case file body only.",
            "parameters": _file_parameters(),
            "requestBody": {"required": True, "content": {**_json("EvaluateRequest"), "application/yaml": {"schema": _ref("Case")}}},
            "responses": {**_ok("One result, or {results: [...]}; with Accept: application/x-ndjson one result per line, streamed",
                                {"application/json": {"schema": {"oneOf": [_ref("Result"), _ref("Results")]}}, lines: {"schema": _ref("Result")}}),
                          **_errors(*_BODY, "case-refused", "too-many-cases", *found)}}},
        "/v1/caseload": {"post": {
            "operationId": "caseload", "summary": "JSON Lines of cases in; CSV or JSON Lines out, as 'reviewrules caseload -'",
            "parameters": _caseload_parameters(),
            "requestBody": {"required": True, "content": {lines: {"schema": _ref("CaseChild")}, "application/jsonl": {"schema": _ref("CaseChild")}}},
            "responses": {**_ok("One CSV row per obligation, or one JSON line per child; headers count the children",
                                {"text/csv": {"schema": _S}, lines: {"schema": _ref("CaseloadRecord")}}),
                          **_errors(*_BODY, "too-many-cases", *found)}}},
        "/v1/explain": {"post": {
            "operationId": "explain", "summary": "How one obligation's date was reached ('reviewrules explain --format json')",
            "requestBody": {"required": True, "content": _json("ExplainRequest")},
            "responses": {**_ok("The trace", _json("Explanation")),
                          **_errors(*_BODY, "case-refused", "too-many-cases", *found, "obligation-not-found", "child-not-found")}}},
        "/v1/validate": {"post": {
            "operationId": "validate", "summary": "Every problem in a policy sent as YAML, with line, column, path and fix",
            "requestBody": {"required": True, "content": {t: {"schema": _S} for t in ("application/yaml", "text/yaml")}},
            "responses": {**_ok("The policy has no problem", _json("Validation")), **_errors(*_BODY, "policy-refused")}}},
        "/v1/diff": {"post": {
            "operationId": "diff", "summary": "What differs between two policies ('reviewrules diff --format json')",
            "requestBody": {"required": True, "content": _json("DiffRequest")},
            "responses": {**_ok("The differences", _json("Diff")), **_errors(*_BODY, "case-refused", "too-many-cases", *found)}}},
        "/v1/reload": {"post": {
            "operationId": "reload", "summary": "Read the policy folder again; swapped in only if every policy loads",
            "responses": {**_ok("The policies now in use", _json("Reload")), **_errors("reload-failed")}}},
    }


def _version() -> str:
    try:
        return metadata.version("reviewrules")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout without installing
        return "unknown"


def openapi_data() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    schemas.update(_lift("case"))
    schemas.update(_lift("result"))
    schemas.update(_requests())
    schemas.update(_answers())
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "reviewrules",
            "version": _version(),
            "description": "Statutory review deadlines of children in care (England), computed from YAML policies, "
            "every date citing the sentence of the procedure that produced it. Errors are RFC 9457 problem documents.",
        },
        "paths": _paths(),
        "components": {"schemas": schemas},
    }


def openapi_document() -> str:
    return to_json(openapi_data()) + "\n"
