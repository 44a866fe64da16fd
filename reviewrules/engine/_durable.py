"""The durable-rules backend: the only module that imports durable-rules.

Each compiled policy becomes one durable-rules ruleset (its Rete network decides
which rule matches which fact); each period of a child's care is one session in
it. The adapter talks to durable-rules' engine directly (``durable_rules_engine``,
the C extension under ``durable.engine``): a child's facts go in as one batch,
each fired rule's new facts as another, and the engine's queue of actions is
worked through until it is empty. That avoids the Python host's per-fact JSON
round trips and closures, which were most of its cost. Pitfalls measured on
durable-rules 2.0.28 and handled here:

* ruleset names are global and cannot be registered twice, so names carry the
  policy id and digest (two versions of one policy load side by side) and a
  ruleset is created once per digest and reused;
* a ruleset holds at most 1,024 sessions in memory, so every session's state is
  deleted after its evaluation;
* first use from several threads is racy, so one lock guards the engine;
* no timers or queued messages are used, so no background dispatch is needed;
* it does not import on Python 3.13: ``available()`` says so and the caller
  falls back to the pure-Python backend.
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

from ._compile import CompiledPolicy, CompiledRule
from ._derive import trigger_statuses
from ._facts import Fact, Session, engine_key

__all__ = ["available", "unavailable_reason", "run_durable", "NAME"]

NAME = "durable"

try:  # pragma: no cover - depends on the interpreter
    import durable_rules_engine as _engine

    _IMPORT_ERROR: str | None = None
except Exception as exc:  # pragma: no cover - Python 3.13, or a failed build
    _engine = None
    _IMPORT_ERROR = f"{type(exc).__name__}: {exc}"

_lock = threading.RLock()
_rulesets: dict[str, tuple[Any, dict[str, CompiledRule]]] = {}  # policy digest -> (handle, rules by name)
_sid_counter = itertools.count(1)
_name_counter = itertools.count(1)

# The engine's answers to an assertion (durable-rules' rules.h).
_HANDLED, _NOT_HANDLED, _OBSERVED = 0, 1, 2


def available() -> bool:
    return _engine is not None


def unavailable_reason() -> str | None:
    return _IMPORT_ERROR


def _condition(compiled: CompiledRule) -> dict[str, Any]:
    when = compiled.rule.when
    parts: list[dict[str, Any]] = [{"fact": when.fact}, _any_of("kind", when.kinds)]
    statuses = trigger_statuses(compiled.rule)
    if statuses is not None:
        parts.append(_any_of("status", statuses))
    for cond in when.where:
        # 'not_in' and 'exists' are left to the shared derivation, which re-tests
        # every condition; the engine's pattern may only be looser, never stricter.
        if cond.op == "in":
            parts.append(_any_of(engine_key(cond.field), cond.values))
    return {"$and": parts}


def _any_of(field: str, values: tuple[Any, ...]) -> dict[str, Any]:
    if len(values) == 1:
        return {field: values[0]}
    return {"$or": [{field: v} for v in values]}


def _ruleset_for(compiled: CompiledPolicy) -> tuple[Any, dict[str, CompiledRule]]:
    policy = compiled.policy
    key = policy.digest or f"undigested-{id(policy)}"
    found = _rulesets.get(key)
    if found is None:
        name = f"reviewrules.{policy.id}.{key.split(':')[-1][:16]}.{next(_name_counter)}"
        definition = {c.name: {"all": [{"m": _condition(c)}]} for c in compiled.rules}
        if not definition:
            # durable-rules refuses an empty ruleset; a policy with no rules matches nothing.
            definition = {"r_none": {"all": [{"m": {"fact": "__never__"}}]}}
        handle = _engine.create_ruleset(name, json.dumps(definition, ensure_ascii=False))
        found = (handle, {c.name: c for c in compiled.rules})
        _rulesets[key] = found
    return found


class _Batch:
    """Facts sent to the engine, each under a short id of this session: its place in the order sent."""

    def __init__(self, handle: Any, sid: str):
        self.handle = handle
        self.sid = sid
        self.sent: list[Fact] = []
        self.state: Any = None

    def send(self, facts: list[Fact]) -> None:
        if not facts:
            return
        payload = []
        for fact in facts:
            data = fact.match_dict(str(len(self.sent)))
            data["sid"] = self.sid
            payload.append(data)
            self.sent.append(fact)
        code, state = _engine.assert_facts(self.handle, json.dumps(payload, ensure_ascii=False))
        if code not in (_HANDLED, _NOT_HANDLED, _OBSERVED):  # pragma: no cover - the engine's own failure
            raise RuntimeError(f"durable-rules refused the facts (code {code})")
        self.state = state

    def matches(self, by_name: dict[str, CompiledRule]) -> list[tuple[int, int, Fact, CompiledRule]]:
        """Every (fact, rule) match the engine found for what was sent, taken off its queue.

        Returned in the order facts were sent, then by rule: the order the pure-Python
        backend fires them in. Every firing is a pure function of one fact, but the notes
        a firing leaves are listed in the order made, so the order is kept the same.
        """
        found = []
        action = _engine.start_action_for_state(self.handle, self.state) if self.state is not None else None
        while action:
            for rule_name, matched in json.loads(action[1]).items():
                position = int(matched["m"]["id"])
                compiled = by_name[rule_name]
                found.append((position, compiled.number, self.sent[position], compiled))
            following = _engine.complete_and_start_action(self.handle, self.state)
            action = (None, following) if following else None
        found.sort(key=lambda m: (m[0], m[1]))
        return found


def run_durable(compiled: CompiledPolicy, session: Session, initial: list[Fact]) -> None:
    if _engine is None:
        raise RuntimeError(f"durable-rules is not available here ({_IMPORT_ERROR})")
    with _lock:
        handle, by_name = _ruleset_for(compiled)
        batch = _Batch(handle, f"s{next(_sid_counter)}")
        try:
            # A fact no rule reacts to need not cross into the engine.
            batch.send([f for f in initial if session.add(f) and compiled.candidates(f.fact, f.kind)])
            # One generation at a time: what the facts sent so far trigger, then what that gives.
            while True:
                matches = batch.matches(by_name)
                if not matches:
                    break
                new: list[Fact] = []
                for _, _, trigger, rule in matches:
                    new += [f for f in rule.plan.derive(trigger, session) if session.add(f) and compiled.candidates(f.fact, f.kind)]
                batch.send(new)
        finally:
            try:
                _engine.delete_state(handle, batch.sid)
            except Exception:  # a session that never received a fact has no state
                pass
