"""The durable-rules backend: the only module that imports durable-rules.

Each compiled policy becomes one durable-rules ruleset; each child's evaluation
is one session in it. Pitfalls measured on durable-rules 2.0.28 and handled here:

* ruleset names are global and cannot be registered twice, so names carry the
  policy id and digest (two versions of one policy load side by side) and a
  ruleset is registered once per digest and reused;
* a ruleset holds at most 1,024 sessions in memory and the next raises
  MemoryError, so every session's state is deleted after its evaluation;
* first use from several threads is racy, so one lock guards the engine;
* the host's background dispatch threads are not needed (no timers, no queued
  messages) and would touch the engine outside the lock, so they are not started;
* it does not import on Python 3.13: ``available()`` says so and the caller
  falls back to the pure-Python backend.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from ._compile import CompiledPolicy, CompiledRule
from ._derive import derive, trigger_statuses
from ._facts import Fact, Session, engine_key

__all__ = ["available", "unavailable_reason", "run_durable", "NAME"]

NAME = "durable"

try:  # pragma: no cover - depends on the interpreter
    from durable import engine as _engine

    _IMPORT_ERROR: str | None = None
except Exception as exc:  # pragma: no cover - Python 3.13, or a failed build
    _engine = None
    _IMPORT_ERROR = f"{type(exc).__name__}: {exc}"

_lock = threading.RLock()
_host: Any = None
_rulesets: dict[str, str] = {}  # policy digest -> registered ruleset name
_sessions: dict[str, tuple[CompiledPolicy, Session]] = {}
_sid_counter = itertools.count(1)
_name_counter = itertools.count(1)


def available() -> bool:
    return _engine is not None


def unavailable_reason() -> str | None:
    return _IMPORT_ERROR


def _get_host() -> Any:
    global _host
    if _host is None:

        class _QuietHost(_engine.Host):  # type: ignore[name-defined,misc]
            def _run(self) -> None:  # no background dispatch threads
                return None

        _host = _QuietHost()
    return _host


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


def _action(number: int) -> Any:
    def run(c: Any) -> None:
        compiled, session = _sessions[c.s.sid]
        if session.error is not None:
            return
        try:
            trigger = session.facts[c.m._d["id"]]
            for new in derive(compiled.rules[number].rule, trigger, session):
                if session.add(new) and compiled.candidates(new.fact, new.kind):
                    _assert(c.assert_fact, new)
        except BaseException as exc:  # durable-rules would swallow it into the session state
            session.error = exc

    return run


def _assert(assert_fact: Any, fact: Fact, sid: str | None = None) -> None:
    data = fact.match_dict()
    if sid is not None:
        data["sid"] = sid
    try:
        assert_fact(data)
    except _engine.MessageNotHandledException:  # no rule reacts to this fact
        pass
    except _engine.MessageObservedException:  # already in working memory
        pass


def _ruleset_for(compiled: CompiledPolicy) -> str:
    policy = compiled.policy
    key = policy.digest or f"undigested-{id(policy)}"
    name = _rulesets.get(key)
    if name is None:
        name = f"reviewrules.{policy.id}.{key.split(':')[-1][:16]}.{next(_name_counter)}"
        definition = {
            c.name: {"all": [{"m": _condition(c)}], "run": _action(c.number)} for c in compiled.rules
        }
        if not definition:
            # durable-rules refuses an empty ruleset; a policy with no rules matches nothing.
            definition = {"r_none": {"all": [{"m": {"fact": "__never__"}}], "run": lambda c: None}}
        _get_host().register_rulesets({name: definition})
        _rulesets[key] = name
    return name


def run_durable(compiled: CompiledPolicy, session: Session, initial: list[Fact]) -> None:
    if _engine is None:
        raise RuntimeError(f"durable-rules is not available here ({_IMPORT_ERROR})")
    with _lock:
        name = _ruleset_for(compiled)
        host = _get_host()
        sid = f"s{next(_sid_counter)}"
        _sessions[sid] = (compiled, session)
        try:
            for fact in initial:
                # A fact no rule reacts to need not cross into the engine.
                if session.add(fact) and compiled.candidates(fact.fact, fact.kind):
                    _assert(lambda data: host.assert_fact(name, data), fact, sid)
                if session.error is not None:
                    break
        finally:
            del _sessions[sid]
            try:
                host.delete_state(name, sid)
            except Exception:  # a session that never received a fact has no state
                pass
    if session.error is not None:
        raise session.error
