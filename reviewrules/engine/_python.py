"""The pure-Python forward-chaining backend.

Used where durable-rules cannot be imported (Python 3.13) or when the caller
asks for it. Facts are processed in the order they are asserted; because every
firing is a pure function of one fact and the case, the closure reached is the
same whatever the order, which is what lets the two backends agree exactly.
"""

from __future__ import annotations

from collections import deque

from ._compile import CompiledPolicy
from ._facts import MAX_FACTS_PER_CHILD, Fact, Session

__all__ = ["run_python"]

NAME = "python"


def run_python(compiled: CompiledPolicy, session: Session, initial: list[Fact]) -> None:
    queue: deque[Fact] = deque()
    for fact in initial:
        if session.add(fact):
            queue.append(fact)
    fires = compiled.fires.get
    facts = session.facts
    keep = facts.setdefault
    add, push, pop = session.add, queue.append, queue.popleft
    while queue:
        fact = pop()
        fire = fires((fact.fact, fact.kind))
        if fire is None:
            continue
        for new in fire(fact, session):
            # Session.add's common case, a new fact well within the limit, done here (its id
            # looked up once); a fact already there goes to Session.add, which joins parents.
            if len(facts) < MAX_FACTS_PER_CHILD and keep(new.id, new) is new:
                push(new)
            elif add(new):
                push(new)
