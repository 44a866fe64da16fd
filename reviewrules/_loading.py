"""Finding, reading, checking and resolving policies.

``load_policy`` accepts a bundled id (``york``) or a path. A policy that says
``extends: england`` is resolved on top of its parent, found first beside the
file and then among the bundled policies. Every problem in the chain is
reported at once: schema problems first, then semantic ones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from pathlib import Path

from ._errors import PolicyError, Problem
from ._policy import DocumentInfo, Policy
from ._policy_check import merge_layers, resolved_problems
from ._rule_builder import build_rules
from ._resources import bundled_policy_ids, bundled_policy_path, policies_dir
from ._schema import schema_problems
from ._yaml import POLICY_LIMITS, Document, load_document

__all__ = ["load_policy", "locate_policy", "check_policy_file"]


def locate_policy(id_or_path: str | Path, beside: Path | None = None) -> Path:
    """The file for a bundled id or a path; raises PolicyError naming what exists."""
    text = str(id_or_path)
    looks_like_path = text.endswith((".yaml", ".yml", ".json")) or "/" in text or "\\" in text
    if looks_like_path:
        path = Path(text)
        if beside is not None and not path.is_absolute():
            path = beside / path
        return path
    if beside is not None:
        sibling = beside / f"{text}.yaml"
        if sibling.is_file():
            return sibling
    bundled = bundled_policy_path(text)
    if bundled is None:
        raise PolicyError(
            [
                Problem(
                    f"no bundled policy '{text}' (bundled: {', '.join(bundled_policy_ids())}); "
                    "give a path to a policy file instead",
                    code="not-found",
                )
            ]
        )
    return bundled


def load_policy(id_or_path: str | Path) -> Policy:
    """Load, check and resolve a policy. Raises PolicyError listing every problem."""
    path = locate_policy(id_or_path)
    return _load(path, chain=())


def check_policy_file(path: str | Path) -> list[Problem]:
    """Every problem in a policy file (and the policies it extends), without raising."""
    try:
        _load(Path(path), chain=())
    except PolicyError as exc:
        return list(exc.problems)
    return []


def _shown(path: Path) -> str:
    """Bundled policies are named policies/<id>.yaml wherever the package is installed."""
    try:
        if path.resolve().parent == policies_dir().resolve():
            return f"policies/{path.name}"
    except (OSError, FileNotFoundError):
        pass
    return str(path)


def _load(path: Path, chain: tuple[Path, ...]) -> Policy:
    doc, problems = load_document(path, POLICY_LIMITS, shown=_shown(path))
    if doc is None:
        raise PolicyError(problems)
    if not isinstance(doc.data, dict):
        raise PolicyError(problems + [doc.problem((), "a policy must be a mapping with id, title, document and rules", code="schema")])
    schema = schema_problems(doc, "policy")
    problems = problems + schema
    bad_paths = {p.path for p in schema if p.path is not None}
    if any(bad[:1] in (("id",), ("document",), ()) for bad in bad_paths):
        raise PolicyError(problems)
    layer, semantic = build_rules(doc, bad_paths)
    parent: Policy | None = None
    extends = doc.data.get("extends")
    if extends is not None and ("extends",) not in bad_paths:
        parent = _load_parent(doc, extends, path, chain, problems)
        if parent is None:
            raise PolicyError(problems + semantic)
    rules, merge = merge_layers(parent, layer)
    declared = dict(parent.kinds) if parent else {}
    declared.update(doc.data.get("kinds") or {})
    docs = {doc.file: doc}
    final = resolved_problems(rules, declared, docs)
    # Problems found in the parent's rules belong to the parent's file, which
    # raised already; only this layer's rules can be wrong here.
    final = [p for p in final if p.file == doc.file]
    problems = problems + semantic + merge + final
    if problems:
        raise PolicyError(problems)
    data = doc.data
    document = DocumentInfo(**{k: data["document"].get(k) for k in DocumentInfo.__dataclass_fields__})
    policy = Policy(
        id=data["id"],
        title=data["title"],
        document=document,
        rules=tuple(rules),
        kinds=tuple(sorted(declared.items())),
        extends=parent.id if parent else None,
        lineage=(parent.lineage if parent else ()) + (data["id"],),
        notes=(parent.notes if parent else ()) + tuple(data.get("notes", ())),
        file=doc.file,
    )
    return _with_digest(policy)


def _load_parent(
    doc: Document, extends: str, path: Path, chain: tuple[Path, ...], problems: list[Problem]
) -> Policy | None:
    try:
        parent_path = locate_policy(extends, beside=path.parent)
    except PolicyError as exc:
        problems.append(doc.problem(("extends",), exc.problems[0].message, code="extends"))
        return None
    resolved = parent_path.resolve()
    if resolved == path.resolve() or resolved in chain:
        names = " -> ".join(p.name for p in chain + (path.resolve(), resolved))
        problems.append(doc.problem(("extends",), f"policies extend each other in a loop ({names})", code="extends"))
        return None
    try:
        return _load(parent_path, chain + (path.resolve(),))
    except PolicyError as exc:
        problems.append(
            doc.problem(("extends",), f"the policy it extends ({parent_path}) has problems, listed below", code="extends")
        )
        problems.extend(exc.problems)
        return None


def _with_digest(policy: Policy) -> Policy:
    """A digest of what the policy means, not of how the file is laid out."""
    content = {
        "id": policy.id,
        "title": policy.title,
        "document": asdict(policy.document),
        "kinds": policy.kinds,
        "notes": policy.notes,
        "rules": [
            {k: v for k, v in asdict(rule).items() if k not in ("file", "line", "column")} for rule in policy.rules
        ],
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    digest = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return replace(policy, digest=digest)
