"""reviewrules: statutory review deadlines for looked-after children, from YAML policies.

    >>> import reviewrules
    >>> policy = reviewrules.load_policy("york")
    >>> result = reviewrules.evaluate(policy, case, as_of="2025-04-01")
    >>> result.obligation("review.second", 2).due

Everything public is listed in ``__all__``; modules starting with ``_`` are internal.
"""

from ._errors import CaseError, EvaluationError, PolicyError, Problem, ReviewRulesError
from ._evaluate import evaluate, evaluate_many
from ._resources import bundled_policy_ids as bundled_policies
from .case._files import case_from_mapping, load_cases
from .case._model import Case, CaseWarning, Event, Period, Refusal
from .case._stream import CaseReader, load_903, read_cases
from .engine._result import (
    About,
    Escalation,
    Notice,
    Obligation,
    PolicyRef,
    Result,
    TraceStep,
)
from .policy._loading import check_policy_file, load_policy
from .policy._model import Policy, Rule, Source

__version__ = "0.1.0"

__all__ = [
    "About",
    "Case",
    "CaseError",
    "CaseReader",
    "CaseWarning",
    "Escalation",
    "EvaluationError",
    "Event",
    "Notice",
    "Obligation",
    "Period",
    "Policy",
    "PolicyError",
    "PolicyRef",
    "Problem",
    "Refusal",
    "Result",
    "ReviewRulesError",
    "Rule",
    "Source",
    "TraceStep",
    "bundled_policies",
    "case_from_mapping",
    "check_policy_file",
    "evaluate",
    "evaluate_many",
    "load_903",
    "load_cases",
    "load_policy",
    "read_cases",
]
