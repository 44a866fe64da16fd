"""The policy endpoints: the list, one policy resolved, its procedure card and register of
readings, checking a policy sent as YAML, and reloading the policy folder."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import Response

from ..output._card import render_card
from ..output._json import to_json
from ..output._readings import format_readings
from ..output._resolved import rule_data
from ..policy._loading import check_policy_text
from ..policy._model import Policy
from ._bodies import YAML_TYPES, invalid, read_body
from ._cases import NAME
from ._limits import Deadline
from ._problems import HttpProblem
from ._registry import PolicyEntry, PolicySet, in_folder
from ._state import JSON, service_of, text_response

__all__ = ["list_policies", "show_policy", "policy_card", "policy_readings", "validate_policy", "reload_policies"]

_CARD_TYPES = {"html": "text/html", "md": "text/markdown"}
_RELOAD_SECONDS = 3600.0
_READINGS_TYPES = {"json": JSON, "md": "text/markdown", "text": "text/plain"}


def policy_row(policy: Policy) -> dict[str, Any]:
    """One policy as ``reviewrules policies --format json`` lists it."""
    return {
        "id": policy.id,
        "title": policy.title,
        "extends": policy.extends,
        "document": {k: v for k, v in asdict(policy.document).items() if v is not None},
        "rules": len(policy.rules),
        "digest": policy.digest,
    }


async def list_policies(request: Request) -> Response:
    entries = service_of(request).registry.current.entries.values()
    rows = [policy_row(entry.policy) for entry in entries]
    return text_response(json.dumps({"policies": rows}, indent=2, ensure_ascii=False) + "\n")


def _shown_file(file: str | None, entry: PolicyEntry, folder: Any) -> str | None:
    if file is None:
        return None
    prefix = str(folder).rstrip("/") + "/" if folder is not None else None
    if prefix and file.startswith(prefix):
        return file[len(prefix) :]
    return file


def policy_detail(ref: str, policy: Policy, entry: PolicyEntry, folder: Any) -> dict[str, Any]:
    """The policy resolved, as ``reviewrules show --resolved`` spells it out, as data: every
    inherited rule, each saying where it was defined."""
    shown = policy.at(policy.versions[-1].label) if len(policy.versions) > 1 else policy
    rules = []
    for rule in shown.rules:
        where = _shown_file(rule.file, entry, folder)
        rules.append({"rule": rule.qualified_id, "defined_in": f"{where}:{rule.line}" if where else None, **rule_data(rule)})
    return {
        "id": policy.id,
        "ref": ref,
        "title": policy.title,
        "extends": policy.extends,
        "lineage": list(policy.lineage),
        "origin": entry.origin,
        "file": entry.file,
        "document": {k: v for k, v in asdict(policy.document).items() if v is not None},
        "version": policy.version,
        "versions": [{"version": v.label, "from": v.start.isoformat(), "notes": list(v.notes)} for v in policy.versions],
        "digest": policy.digest,
        "notes": list(shown.notes),
        "kinds": dict(policy.kinds),
        "rules": rules,
    }


def _find(request: Request) -> tuple[str, Policy, PolicyEntry, PolicySet]:
    ref = request.path_params["policy"]
    current = service_of(request).registry.current
    policy, _ = current.find(ref)
    return ref, policy, current.entry(ref.partition("@")[0]), current


async def _rendered(request: Request, render: Callable[..., str], *args: object) -> str:
    """Rendering on a worker thread: the event loop keeps answering meanwhile."""
    service = service_of(request)
    return await service.workers.run(service.deadline(), render, *args)


def _detail_json(ref: str, policy: Policy, entry: PolicyEntry, folder: Any) -> str:
    return to_json(policy_detail(ref, policy, entry, folder)) + "\n"


async def show_policy(request: Request) -> Response:
    ref, policy, entry, _ = _find(request)
    return text_response(await _rendered(request, _detail_json, ref, policy, entry, service_of(request).folder))


def _format(request: Request, allowed: dict[str, str], default: str) -> str:
    fmt = request.query_params.get("format", default)
    if fmt not in allowed:
        raise invalid(f"format '{fmt}' is not one of {', '.join(allowed)}", ("format",))
    return fmt


async def policy_card(request: Request) -> Response:
    fmt = _format(request, _CARD_TYPES, "html")
    _, policy, _, _ = _find(request)
    return text_response(await _rendered(request, render_card, policy, fmt), _CARD_TYPES[fmt])


async def policy_readings(request: Request) -> Response:
    fmt = _format(request, _READINGS_TYPES, "json")
    _, policy, _, _ = _find(request)
    return text_response(await _rendered(request, format_readings, policy, fmt), _READINGS_TYPES[fmt])


async def validate_policy(request: Request) -> Response:
    service = service_of(request)
    deadline = service.deadline()
    body = await read_body(request, YAML_TYPES, service.limits, deadline)
    problems = await service.workers.run(deadline, check_policy_text, body.text, NAME, service.folder)
    if problems:
        problems = [in_folder(p, service.folder) for p in problems]
        count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
        raise HttpProblem("policy-refused", f"{count}; the first: {problems[0].render()}", problems)
    report = {"file": NAME, "kind": "policy", "ok": True, "problems": []}
    return text_response(to_json(report) + "\n")


def _refs(policies: PolicySet) -> dict[str, dict[str, Any]]:
    return {
        e.policy.id: {"id": e.policy.id, "version": e.policy.version, "digest": e.policy.digest, "origin": e.origin, "file": e.file}
        for e in policies.entries.values()
    }


async def reload_policies(request: Request) -> Response:
    service = service_of(request)
    # Not cut by the request time limit: a reload cut short would still swap the new set in.
    old, new = await service.workers.run(Deadline(_RELOAD_SECONDS), service.registry.reload)
    before, after = _refs(old), _refs(new)
    answer = {
        "policies": list(after.values()),
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(k for k in set(before) & set(after) if before[k]["digest"] != after[k]["digest"]),
    }
    return text_response(to_json(answer) + "\n")
