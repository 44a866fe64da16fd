"""The policies a server answers with: the bundled ones and those of one folder, loaded,
checked and compiled once, and looked up by id (``id@version`` for one dated version).

No request names a file: a policy id is looked up here and nowhere else. A reload
reads the folder again and swaps the new set in whole only if every policy in it
loads; otherwise the old set stays and the problems are answered.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from .._errors import PolicyError, Problem
from .._resources import bundled_policy_ids
from ..engine._compile import CompiledPolicy, compile_policy
from ..policy._loading import load_policy
from ..policy._model import Policy
from ._problems import HttpProblem

__all__ = ["PolicyEntry", "PolicySet", "Registry", "load_policy_set", "in_folder", "POLICY_SUFFIXES"]

POLICY_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class PolicyEntry:
    """One policy as loaded, compiled, with each of its dated versions compiled too."""

    policy: Policy
    compiled: CompiledPolicy
    versions: Mapping[str, tuple[Policy, CompiledPolicy]]
    origin: str  # "bundled" or "folder"
    file: str  # as shown: policies/york.yaml, or the file's name in the folder


@dataclass(frozen=True)
class PolicySet:
    entries: Mapping[str, PolicyEntry]  # by id, sorted

    def ids(self) -> list[str]:
        return list(self.entries)

    def entry(self, policy_id: str) -> PolicyEntry:
        found = self.entries.get(policy_id)
        if found is None:
            raise HttpProblem(
                "policy-not-found",
                f"no policy '{policy_id}' (policies: {', '.join(self.entries)}); GET /v1/policies lists them",
                [Problem(f"no policy '{policy_id}' (policies: {', '.join(self.entries)})", code="not-found")],
            )
        return found

    def find(self, ref: str) -> tuple[Policy, CompiledPolicy]:
        """The policy for ``id`` or ``id@version``: 404 for an unknown id or version."""
        policy_id, at, label = ref.partition("@")
        entry = self.entry(policy_id)
        if not at:
            return entry.policy, entry.compiled
        if label not in entry.versions:
            labels = ", ".join(entry.versions) or "none"
            message = f"{policy_id} has no version '{label}' (versions: {labels})"
            raise HttpProblem("policy-not-found", message, [Problem(message, code="not-found")])
        return entry.versions[label]


def _entry(policy: Policy, origin: str, file: str) -> PolicyEntry:
    versions = {}
    for version in policy.versions:
        dated = policy.at(version.label)
        versions[version.label] = (dated, compile_policy(dated))
    return PolicyEntry(policy, compile_policy(policy), versions, origin, file)


def in_folder(problem: Problem, folder: Path | None) -> Problem:
    """A problem in a folder policy names the file by its name in the folder, not its path on the machine."""
    if folder is None or problem.file is None:
        return problem
    prefix = str(folder).rstrip("/") + "/"
    return replace(problem, file=problem.file[len(prefix) :]) if problem.file.startswith(prefix) else problem


def load_policy_set(folder: Path | None) -> tuple[PolicySet | None, list[Problem]]:
    """The bundled policies and every policy file in ``folder`` (not its subfolders), or every problem.

    A policy in the folder may not take the id of a bundled policy or of another file there.
    """
    entries: dict[str, PolicyEntry] = {}
    problems: list[Problem] = []
    for policy_id in bundled_policy_ids():
        policy = load_policy(policy_id)
        entries[policy.id] = _entry(policy, "bundled", f"policies/{policy_id}.yaml")
    if folder is not None:
        if not folder.is_dir():
            return None, [Problem("no such folder", file=str(folder), code="not-found")]
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in POLICY_SUFFIXES):
            try:
                policy = load_policy(path)
            except PolicyError as exc:
                problems += [in_folder(p, folder) for p in exc.problems]
                continue
            if policy.id in entries:
                other = entries[policy.id]
                where = "a bundled policy" if other.origin == "bundled" else other.file
                problems.append(
                    Problem(
                        f"policy id '{policy.id}' is taken by {where}; give this policy its own id",
                        file=path.name,
                        path=("id",),
                        code="duplicate-policy",
                    )
                )
                continue
            entries[policy.id] = _entry(policy, "folder", path.name)
    if problems:
        return None, problems
    return PolicySet(dict(sorted(entries.items()))), []


class Registry:
    """The policy set in use; ``reload`` swaps in a new one whole, or keeps the old."""

    def __init__(self, folder: Path | None, initial: PolicySet):
        self.folder = folder
        self._current = initial
        self._lock = threading.Lock()

    @property
    def current(self) -> PolicySet:
        return self._current

    def reload(self) -> tuple[PolicySet, PolicySet]:
        """(old, new): the folder read again and swapped in; HttpProblem (the old set kept) if anything fails."""
        with self._lock:
            found, problems = load_policy_set(self.folder)
            if found is None:
                raise HttpProblem(
                    "reload-failed",
                    f"{len(problems)} problem(s) in the policy folder; nothing was changed",
                    problems,
                )
            old, self._current = self._current, found
            return old, found
