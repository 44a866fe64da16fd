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
from datetime import date
from pathlib import Path

from .._errors import PolicyError, Problem
from .._resources import bundled_policy_ids, bundled_policy_path, policies_dir
from ._checks import Inherited, merge_layers, resolved_problems
from ._model import DocumentInfo, Policy, Rule, Source, Version
from ._rule_builder import build_rules, default_alternative_id
from ._schema import schema_problems
from ._yaml import POLICY_LIMITS, Document, load_document, parse_text

__all__ = ["load_policy", "load_policy_text", "locate_policy", "check_policy_file", "check_policy_text"]


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


def load_policy_text(text: str, name: str = "<stdin>", beside: Path | None = None) -> Policy:
    """``load_policy`` for a policy given as text (standard input, an upload), named ``name``.

    Its ``extends`` names a bundled policy, or one in the folder ``beside``, by id only."""
    return _load(Path(name), chain=(), text=text, beside=beside)


def check_policy_file(path: str | Path) -> list[Problem]:
    """Every problem in a policy file (and the policies it extends), without raising."""
    try:
        _load(Path(path), chain=())
    except PolicyError as exc:
        return list(exc.problems)
    return []


def check_policy_text(text: str, name: str, beside: Path | None = None) -> list[Problem]:
    """Every problem in a policy given as text (an upload), without raising.

    Its ``extends`` may name a bundled policy, or one in the folder ``beside``, by
    id only: no path in the text is read. Parsed with the same safe loader and
    limits as a policy file; problems name the text ``name``.
    """
    try:
        _load(Path(name), chain=(), text=text, beside=beside)
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


def _load(path: Path, chain: tuple[Path, ...], text: str | None = None, beside: Path | None = None) -> Policy:
    if text is None:
        doc, problems = load_document(path, POLICY_LIMITS, shown=_shown(path))
    else:  # an upload: its parents are found by id only, in ``beside`` or among the bundled
        doc, problems = parse_text(text, str(path), POLICY_LIMITS)
    if doc is None or any(p.code == "yaml-tag" for p in problems):
        # A refused tag leaves a hole in the data: report it alone.
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
        if text is not None:
            parent = _load_parent_by_id(doc, extends, beside, problems)
        else:
            parent = _load_parent(doc, extends, path, chain, problems)
        if parent is None:
            raise PolicyError(problems + semantic)
    # A policy builds on its parent's latest version (versions are resolved within one file).
    base = None
    if parent is not None:
        latest = parent.at(parent.versions[-1].label) if parent.versions else parent
        base = Inherited(parent.id, parent.file, latest.rules)
    rules, merge = merge_layers(base, layer)
    declared = dict(parent.kinds) if parent else {}
    declared.update(doc.data.get("kinds") or {})
    docs = {doc.file: doc}
    versions, per_version, version_problems = _versions(doc, bad_paths, rules)
    final: list[Problem] = []
    for version_rules in per_version or [rules]:
        final += resolved_problems(version_rules, declared, docs)
    # Problems found in the parent's rules belong to the parent's file, which
    # raised already; only this file's rules can be wrong here.
    final = _unique([p for p in final if p.file == doc.file])
    problems = problems + semantic + merge + version_problems + final
    if problems:
        raise PolicyError(problems)
    data = doc.data
    document = DocumentInfo(**{k: data["document"].get(k) for k in DocumentInfo.__dataclass_fields__})
    policy = Policy(
        id=data["id"],
        title=data["title"],
        document=document,
        rules=_in_force(versions, per_version) if versions else tuple(rules),
        kinds=tuple(sorted(declared.items())),
        extends=parent.id if parent else None,
        lineage=(parent.lineage if parent else ()) + (data["id"],),
        notes=(parent.notes if parent else ()) + tuple(data.get("notes", ())),
        versions=versions,
        period_source=_period_source(data, parent),
        file=doc.file,
    )
    return _with_digest(policy)


def _period_source(data: dict[str, object], parent: Policy | None) -> Source | None:
    """The citation for the end of a period of care: this policy's own, else its parent's."""
    own = data.get("period_of_care")
    if isinstance(own, dict):
        src = own["source"]
        document = src.get("document") or data["document"]["title"]  # type: ignore[index]
        return Source(document, src["section"], src["quote"])
    return parent.period_source if parent is not None else None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for problem in problems:
        if problem.render() not in seen:
            seen.add(problem.render())
            out.append(problem)
    return out


def _versions(
    doc: Document, bad_paths: set[tuple[str | int, ...]], base_rules: list[Rule]
) -> tuple[tuple[Version, ...], list[list[Rule]], list[Problem]]:
    """Each dated version's full rule set: the top-level rules, then each version's changes in turn."""
    raw = doc.data.get("versions")
    if not isinstance(raw, list) or any(p[:1] == ("versions",) for p in bad_paths if len(p) <= 3):
        return (), [], []
    problems: list[Problem] = []
    versions: list[Version] = []
    per_version: list[list[Rule]] = []
    current = base_rules
    for k, entry in enumerate(raw):
        start = _iso(entry["from"])
        if start is None:
            problems.append(doc.problem(("versions", k, "from"), f"impossible date '{entry['from']}'", code="date"))
            continue
        if versions and start <= versions[-1].start:
            problems.append(
                doc.problem(
                    ("versions", k, "from"),
                    f"version {entry['version']} comes into force on {start}, not after {versions[-1].label} "
                    f"({versions[-1].start}); list versions oldest first",
                    code="version-order",
                )
            )
        if any(v.label == entry["version"] for v in versions):
            problems.append(doc.problem(("versions", k, "version"), f"version '{entry['version']}' is listed twice", code="version-order"))
        layer, built = build_rules(doc, bad_paths, ("versions", k))
        previous = Inherited(f"version {versions[-1].label}" if versions else "the top-level rules", doc.file, current)
        current, merged = merge_layers(previous, layer)
        problems += built + merged
        versions.append(Version(entry["version"], start, tuple(entry.get("notes", ()))))
        per_version.append(current)
    label = doc.data["document"].get("version")
    if versions and label is not None and label != versions[-1].label:
        problems.append(
            doc.problem(
                ("document", "version"),
                f"document version '{label}' is not the latest listed version '{versions[-1].label}'",
                code="version-order",
            )
        )
    return tuple(versions), per_version, problems


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _in_force(versions: tuple[Version, ...], per_version: list[list[Rule]]) -> tuple[Rule, ...]:
    """One rule per distinct rule, carrying the versions it is in force in.

    A rule unchanged across versions fires once, not once per version. The
    earliest version also covers dates before it came into force.
    """
    spans: dict[Rule, list[tuple[str, date | None, date | None]]] = {}
    for k, (version, rules) in enumerate(zip(versions, per_version)):
        start = None if k == 0 else version.start
        end = versions[k + 1].start if k + 1 < len(versions) else None
        for rule in rules:
            spans.setdefault(rule, []).append((version.label, start, end))
    return tuple(replace(rule, in_force=tuple(span)) for rule, span in spans.items())


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


def _load_parent_by_id(doc: Document, extends: str, beside: Path | None, problems: list[Problem]) -> Policy | None:
    """The parent of a policy given as text: a bundled id or a policy in ``beside``, never a path."""
    fix = "give the id of a bundled policy (reviewrules policies) or of a policy in the server's policy folder"
    if extends.endswith((".yaml", ".yml", ".json")) or "/" in extends or "\\" in extends or extends.startswith("."):
        message = f"'{extends}' is a path: a policy given as text extends a policy by its id only"
        problems.append(doc.problem(("extends",), message, code="extends", hint=fix))
        return None
    sibling = beside / f"{extends}.yaml" if beside is not None else None
    parent_path = sibling if sibling is not None and sibling.is_file() else bundled_policy_path(extends)
    if parent_path is None:
        message = f"no policy '{extends}' to extend (bundled: {', '.join(bundled_policy_ids())})"
        problems.append(doc.problem(("extends",), message, code="extends", hint=fix))
        return None
    try:
        return _load(parent_path, chain=())
    except PolicyError as exc:
        problems.append(doc.problem(("extends",), f"the policy it extends ({extends}) has problems, listed below", code="extends"))
        problems.extend(exc.problems)
        return None


def _rule_content(rule: Rule) -> dict[str, object]:
    """A rule's meaning for the digest. Fields added to the format later are left out
    while unset, so that a policy that does not use them keeps its digest."""
    content = {k: v for k, v in asdict(rule).items() if k not in ("file", "line", "column", "path")}
    if content["reading"] is None:
        del content["reading"]
    for alt in content["alternatives"]:
        if alt["anchor"] is None:
            del alt["anchor"]
        if alt["id"] == default_alternative_id(alt["reading"]):
            del alt["id"]
    return content


def _with_digest(policy: Policy) -> Policy:
    """A digest of what the policy means, not of how the file is laid out."""
    content = {
        "id": policy.id,
        "title": policy.title,
        "document": asdict(policy.document),
        "kinds": policy.kinds,
        "notes": policy.notes,
        "versions": [asdict(v) for v in policy.versions],
        "rules": [_rule_content(rule) for rule in policy.rules],
    }
    if policy.period_source is not None:
        content["period_of_care"] = asdict(policy.period_source)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    digest = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return replace(policy, digest=digest)
