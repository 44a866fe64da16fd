"""The shared vocabulary of the contract (../docs/case-format.md, docs/output.md).

Other systems depend on these names: add to them freely, never rename or re-mean
one. Policies may declare further obligation kinds of their own under ``kinds:``.
The JSON Schemas in ``schemas/`` list the same names; a test keeps them in step.
"""

from __future__ import annotations

__all__ = [
    "EVENT_DERIVED_FIELDS",
    "EVENT_FIELDS",
    "EVENT_REQUIRED",
    "EVENT_TYPES",
    "OBLIGATION_KINDS",
    "ESCALATION_KINDS",
    "NOTICE_KINDS",
    "SIGNIFICANT_EVENT_CATEGORIES",
    "STATUSES",
    "LOOKED_AFTER_UNTIL_AGE",
    "AFTER_END_EVENTS",
    "is_review_kind",
]

# Field name -> value type, per event type. Every event has 'type' and 'date'
# and may have 'note'. "kind" means an obligation kind; "date" an ISO date.
_COMMON = {"note": "string", "ref": "string"}
EVENT_FIELDS: dict[str, dict[str, str]] = {
    "became_looked_after": {"legal_status": "string", "placement_type": "string", "short_breaks": "boolean"},
    "review_held": {"review": "review", "meeting": "boolean"},
    "review_scheduled": {"review": "review"},
    "review_adjourned": {"review": "review"},
    "task_completed": {"task": "kind", "review": "review"},
    "placement_changed": {"planned": "boolean", "out_of_area": "boolean", "placement_type": "string"},
    "placement_ended_unplanned": {},
    "significant_event": {"category": "category"},
    "recommendation_made": {"id": "string", "starred": "boolean", "tracked": "boolean", "due": "date", "review": "review"},
    "recommendation_resolved": {"id": "string"},
    "recommendation_disputed": {"id": "string"},
    "dispute_escalated": {"stage": "string", "id": "string"},
    "review_meetings_reduced": {},
    "ceased_looked_after": {},
}
for _fields in EVENT_FIELDS.values():
    _fields.update(_COMMON)

# Fields an event of each type must carry besides type and date.
EVENT_REQUIRED: dict[str, tuple[str, ...]] = {
    "review_scheduled": ("review",),
    "task_completed": ("task",),
    "significant_event": ("category",),
    "recommendation_made": ("id",),
    "recommendation_resolved": ("id",),
    "recommendation_disputed": ("id",),
    "dispute_escalated": ("stage",),
}

# Fields the library adds to every event fact, which rules may test with `where`:
# occurrence is 1 for the first event of its type (for the same review, where the
# event names one), 2 for the second, and so on.
EVENT_DERIVED_FIELDS = ("occurrence",)

EVENT_TYPES: tuple[str, ...] = tuple(EVENT_FIELDS)

OBLIGATION_KINDS: dict[str, str] = {
    "review.initial": "first review after becoming looked after",
    "review.second": "second review in the cycle",
    "review.subsequent": "every later review in the cycle",
    "review.placement_change": "a review that a change of placement requires (where a policy says so)",
    "prep.consult_child": "social worker consults the child about the review",
    "prep.invitations": "invitations / consultation papers sent",
    "prep.iro_discussion": "social worker and IRO discuss the review",
    "prep.reports_to_iro": "reports and updated plans available to the IRO",
    "prep.preparatory_document": "the home's preparatory document completed",
    "post.decisions_record": "record of decisions and recommendations circulated",
    "post.full_record": "full written record completed",
    "post.record_distributed": "record sent to all relevant parties",
    "post.care_plan_updated": "care plan updated and re-circulated",
    "notify.iro": "IRO notified that the child has become looked after",
    "notify.form_903": "Form 903 completed and sent after the child comes into care",
    "plan.care_plan": "care plan completed after the child comes into care",
    "plan.placement_plan": "placement plan in place after a placement starts (each placement)",
    "plan.pathway_plan": "pathway plan in place after the 16th birthday",
    "meeting.unplanned_ending": "meeting after a placement ends on an unplanned basis",
    "prep.change_confirmation": "business support asks the social worker to confirm any changes to the meeting",
    "post.service_manager_response": "service manager considers the review decisions and says if they disagree",
    "post.care_plan_available": "updated care plan available to the IRO after the review",
    "review.reconvened": "an adjourned review meeting reconvened",
    "meeting.annual_review_meeting": "a review meeting at least once a year where reviews are held without meetings",
    "target.subsequent_review": "the date a review is arranged for as a target, inside its limit",
    "plan.pep_review": "personal education plan reviewed",
    "plan.health_plan_review": "health care plan reviewed",
    "prep.preparatory_document_distributed": "the home's preparatory document available for distribution",
    "recommendation.tracked_resolved": "a tracked recommendation resolved by the date agreed for it",
    "recommendation.strategic_manager_concerns": "strategic manager raises any concerns about starred recommendations",
    "recommendation.agreement": "manager and IRO agree or change the starred recommendations",
    "recommendation.dispute_agreement": "agreement reached on disputed starred recommendations",
    "post.starred_record_distributed": "review form with the confirmed starred recommendations distributed",
    "cafcass.decision": "CAFCASS decides whether to take the case to court after a referral",
    "advice.under_five_review": "care plan of a child under five reviewed every three months (good practice, not a limit)",
}

ESCALATION_KINDS: dict[str, str] = {
    "escalation.review_overdue": "a review is overdue on the as-of date",
    "escalation.task_overdue": "a task before or after a review is overdue on the as-of date",
    "escalation.second_adjournment": "a review adjourned more than once",
    "escalation.tracked_recommendation": "a tracked recommendation not resolved by its agreed date",
    "escalation.dispute_stage": "a dispute about the care plan moves up the resolution ladder",
    "escalation.starred_dispute": "no agreement on disputed starred recommendations in time: the IRO registers a dispute",
    "escalation.care_plan_unavailable": "the updated care plan is not available to the IRO in time",
    "escalation.minutes_pursued": "the review minutes are not available: the home's manager pursues them",
}

NOTICE_KINDS: dict[str, str] = {
    "notice.consider_early_review": "an event on the policy's list of significant events: consider an early review",
    "notice.early_review_required": "an event after which the policy requires a review, with no set time limit",
    "notice.consider_staying_put": "the first review after the 16th birthday in foster care should consider Staying Put",
}

SIGNIFICANT_EVENT_CATEGORIES: dict[str, str] = {
    "missing": "the child has run away or is missing from an approved placement",
    "excluded": "the child is excluded from school",
    "complaint": "a complaint from or on behalf of the child, parent or carer",
    "safeguarding": "safeguarding concerns, section 47 enquiries or child protection conference outcomes",
    "offence": "the child is charged with an offence, or criminal proceedings, convictions or sentences follow",
    "health": "significant health or medical events, diagnoses, illnesses, hospitalisations or serious accidents",
    "social_worker_changed": "the allocated social worker changes",
    "contact_change": "a major change to the contact arrangements",
    "birth_family_change": "significant changes in birth family circumstances (births, marriages, deaths)",
    "court_direction": "a proposed change of care plan arising from directions of the court",
    "child_request": "the child asks for a review",
    "decisions_not_implemented": "agreed decisions from the review are not carried out within the specified timescale",
    "placement_instability": "unexpected changes in the placement that may affect stability or safeguarding",
    "permanence_panel_decision": "a panel decision in relation to permanency",
    "risk_of_harm": "the home, parents or area authority are concerned the child is at risk of harm",
    "permanently_excluded": "the child is permanently excluded from school",
    "iro_request": "the IRO asks for a review",
    "parent_request": "a parent, carer or other significant person asks for a review",
    "care_plan_change": "a change in circumstances that may affect the overall aim or timescales of the care plan",
    "discharge_proposed": "a proposal to discharge the child from section 20 accommodation",
    "custody_release_proposed": "a proposal to discharge the child from a secure training centre or young offenders institution",
}

STATUSES = ("pending", "overdue", "met", "late", "not_applicable", "superseded")

# A period of care ends at the 18th birthday at the latest (contract section 1): "child"
# means a person under the age of eighteen (Children Act 1989 s. 105(1), cited by the
# england policy's period_of_care).
LOOKED_AFTER_UNTIL_AGE = 18

# Events that may follow the end of a period and still belong to it: finishing the
# paperwork of the last review, and closing a recommendation.
AFTER_END_EVENTS = ("task_completed", "recommendation_resolved")


def is_review_kind(kind: str) -> bool:
    """Review obligations are met by a review being held; everything else by a task."""
    return kind.startswith("review.")
