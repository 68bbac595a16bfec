"""The seven sales stages, defined once.

Forms, pages, completeness, reminders and dashboards read this registry; nothing else
lists the stages or their elements.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Element:
    """One thing a key point of a stage must record, held in one or more KeyPoint fields.

    Common elements (method, customer participants, feedback, obstacles) count for the stages
    that name them, and are always filled because the form requires them.
    """

    key: str
    label: str
    fields: tuple[str, ...]


# The common elements every record holds, in the order forms and exports show them. All are
# required, so a stage element made of these (method, feedback, obstacles...) is always filled.
COMMON_FIELDS = (
    "occurred_at",
    "stage",
    "method",
    "our_participants",
    "customer_participants",
    "summary",
    "customer_feedback",
    "obstacles",
    "our_response",
    "next_step",
    "next_step_owner",
    "next_step_due",
)


@dataclass(frozen=True)
class Stage:
    number: int
    key: str
    label: str
    focus: str
    elements: tuple[Element, ...]
    default_stall_days: int
    guidance: str
    # The chance, in percent, that a deal in this stage is won: the pipeline's weighted value.
    probability: int

    @property
    def own_fields(self):
        """The KeyPoint fields only this stage's records carry, in the order the form shows them."""
        return tuple(field for element in self.elements for field in element.fields if field not in COMMON_FIELDS)


class StageNumber(models.IntegerChoices):
    LEAD = 1, pgettext_lazy("stage", "Lead acquisition")
    NEEDS = 2, pgettext_lazy("stage", "Needs discovery")
    SOLUTION = 3, pgettext_lazy("stage", "Solution presentation")
    NEGOTIATION = 4, pgettext_lazy("stage", "Business negotiation")
    CONTRACT = 5, pgettext_lazy("stage", "Contract signing")
    FULFILMENT = 6, pgettext_lazy("stage", "Fulfilment follow-up")
    AFTER_SALES = 7, pgettext_lazy("stage", "After-sales maintenance")


STAGES = (
    Stage(
        number=StageNumber.LEAD,
        key="lead",
        label=StageNumber.LEAD.label,
        focus=_("Verify the customer's intent"),
        elements=(
            Element("source_channel", _("Source channel"), ("source_channel",)),
            Element("first_conversation", _("First conversation"), ("first_conversation",)),
            Element("need_keywords", _("Need keywords"), ("need_keywords",)),
            Element("lead_rating", _("Lead rating (A/B/C) and its basis"), ("lead_rating", "lead_rating_basis")),
        ),
        default_stall_days=14,
        probability=10,
        guidance=_(
            "Confirm budget, urgency and who decides. Rate the lead A, B or C from those three, "
            "and write down the words the customer used for their need."
        ),
    ),
    Stage(
        number=StageNumber.NEEDS,
        key="needs",
        label=StageNumber.NEEDS.label,
        focus=_("Pain points and the decision chain"),
        elements=(
            Element("method", _("Method"), ("method",)),
            Element("customer_participants", _("Customer participants and their roles"), ("customer_participants",)),
            Element("question_list", _("Question list"), ("question_list",)),
            Element("explicit_pains", _("Explicit pains"), ("explicit_pains",)),
            Element("implicit_needs", _("Implicit needs"), ("implicit_needs",)),
            Element("decision_process", _("Decision process"), ("decision_process",)),
        ),
        default_stall_days=21,
        probability=20,
        guidance=_(
            "Ask what hurts most today and what they weigh when choosing. Listen for what they do "
            "not say (training cost, support), and map every step from evaluation to signature."
        ),
    ),
    Stage(
        number=StageNumber.SOLUTION,
        key="solution",
        label=StageNumber.SOLUTION.label,
        focus=_("Value fit and objections"),
        elements=(
            Element("solution_highlights", _("Solution highlights"), ("solution_highlights",)),
            Element("customer_feedback", _("Customer feedback"), ("customer_feedback",)),
            Element("objections", _("Objections and our response"), ("objections", "objection_response")),
            Element("promised_material", _("Supplementary material promised"), ("promised_material",)),
        ),
        default_stall_days=21,
        probability=40,
        guidance=_(
            "Tie each highlight to a pain they named. Record every objection word for word, the "
            "answer we gave, and any material we promised to send."
        ),
    ),
    Stage(
        number=StageNumber.NEGOTIATION,
        key="negotiation",
        label=StageNumber.NEGOTIATION.label,
        focus=_("Terms and obstacles"),
        elements=(
            Element("price_change", _("Price before and after"), ("price_before", "price_after")),
            Element(
                "non_price_terms",
                _("Non-price terms (payment terms, penalties, warranty)"),
                ("payment_terms", "other_terms"),
            ),
            Element(
                "floor_price",
                _("Authorised floor price and whether approval is needed"),
                ("floor_price", "needs_approval"),
            ),
            Element("key_obstacles", _("Key obstacles"), ("obstacles",)),
        ),
        default_stall_days=14,
        probability=60,
        guidance=_(
            "Know your authorised floor price before you sit down. Write down every concession "
            "on both sides and what still blocks agreement."
        ),
    ),
    Stage(
        number=StageNumber.CONTRACT,
        key="contract",
        label=StageNumber.CONTRACT.label,
        focus=_("Risk warning"),
        elements=(
            Element("contract_number", _("Contract number"), ("contract_number",)),
            Element("signed_amount", _("Signed amount"), ("signed_amount",)),
            Element("signing_date", _("Signing date"), ("signing_date",)),
            Element("payment_schedule", _("Payment schedule"), ("payment_schedule",)),
            Element("risks", _("Risks flagged"), ("risks",)),
        ),
        default_stall_days=14,
        probability=80,
        guidance=_(
            "Check the contract against what was agreed. Note the payment schedule and any "
            "clause that could hurt delivery or collection."
        ),
    ),
    Stage(
        number=StageNumber.FULFILMENT,
        key="fulfilment",
        label=StageNumber.FULFILMENT.label,
        focus=_("Delivery assurance"),
        elements=(
            Element("delivery_milestones", _("Delivery milestones and status"), ("delivery_milestones",)),
            Element("payments_received", _("Payments received"), ("payments_received",)),
            Element("delivery_risks", _("Delivery risks"), ("delivery_risks",)),
            Element("acceptance", _("Acceptance"), ("acceptance",)),
        ),
        default_stall_days=30,
        probability=100,
        guidance=_(
            "Track each milestone against its date and each payment against the schedule. "
            "Raise a delivery risk as soon as you see it."
        ),
    ),
    Stage(
        number=StageNumber.AFTER_SALES,
        key="after_sales",
        label=StageNumber.AFTER_SALES.label,
        focus=_("Retention"),
        elements=(
            Element("issues_resolution", _("Issues raised and their resolution"), ("issues_resolution",)),
            Element("satisfaction", _("Satisfaction"), ("satisfaction",)),
            Element("renewal", _("Renewal or upsell opportunities"), ("renewal_opportunity",)),
        ),
        default_stall_days=60,
        probability=100,
        guidance=_(
            "Visit before they call. Record every issue until it is closed, how satisfied they "
            "are, and where a renewal or a further purchase could come from."
        ),
    ),
)

_BY_NUMBER = {stage.number: stage for stage in STAGES}


def get_stage(number):
    """The stage with this number (1-7); KeyError for any other."""
    return _BY_NUMBER[int(number)]


def all_stage_fields():
    """Every stage-specific KeyPoint field, each once."""
    return tuple(dict.fromkeys(field for stage in STAGES for field in stage.own_fields))
