"""What each gap rule and each severity is called, means and asks of people — written once.

The matrix badges, the journey map, the gaps page, the dashboard, the e-mail digest and
`GET /api/v1/rules/` all read these words, so a rule is never "no owner" in one place and
"Unassigned" in another. Pure data beside ownership/engine/constants.py: no Django import.
"""

from __future__ import annotations

from dataclasses import dataclass

from ownership.engine.constants import RULE_SEVERITY, Rule, Severity


@dataclass(frozen=True)
class SeverityText:
    """One severity as people see it: a word and a shape, so colour is never the only signal."""

    code: Severity
    label: str  # the word beside the colour: "Error"
    plural: str  # "Errors", for counts
    shape: str  # the glyph drawn before it (the stylesheet draws the same one)


SEVERITY_TEXT: dict[Severity, SeverityText] = {
    Severity.ERROR: SeverityText(Severity.ERROR, "Error", "Errors", "■"),
    Severity.WARNING: SeverityText(Severity.WARNING, "Warning", "Warnings", "▲"),
    Severity.INFO: SeverityText(Severity.INFO, "Info", "Info", "●"),
}


@dataclass(frozen=True)
class RuleText:
    """One rule in words: its title, the short badge on a touchpoint, and three sentences."""

    code: Rule
    title: str  # the rule's name in lists and headings
    badge: str  # a short label on a matrix row or a map card, distinct for every rule
    meaning: str  # what the rule found, one sentence
    why: str  # why it matters to the customer
    fix: str  # how to make it go away

    @property
    def severity(self) -> Severity:
        return RULE_SEVERITY[self.code]

    @property
    def severity_text(self) -> SeverityText:
        return SEVERITY_TEXT[self.severity]


RULE_TEXT: dict[Rule, RuleText] = {
    text.code: text
    for text in (
        RuleText(
            Rule.UNASSIGNED,
            "Unassigned touchpoint",
            "nobody assigned",
            "No function holds any letter on this touchpoint.",
            "A moment the customer lives through that no department looks after is where experiences break unnoticed.",
            "Give one function the A (and the R if it does the work); add others as C or I where they take part.",
        ),
        RuleText(
            Rule.NO_ACCOUNTABLE,
            "No accountable function",
            "no A",
            "Functions take part in this touchpoint, but none holds the A.",
            "When everyone helps and nobody owns the outcome, problems are passed on instead of solved.",
            "Make one function accountable, preferably one that already does the work (an R holder).",
        ),
        RuleText(
            Rule.MULTIPLE_ACCOUNTABLE,
            "Contested ownership",
            "contested",
            "Two or more functions hold the A on this touchpoint.",
            "With several owners each can wait for the other, and the customer meets conflicting decisions.",
            "Keep the A with one function; the others become R, or drop out.",
        ),
        RuleText(
            Rule.NO_RESPONSIBLE,
            "Nobody responsible",
            "no R",
            "The touchpoint has letters, but no function holds the R that does the work.",
            "An owner without anyone doing the work leaves the touchpoint to chance.",
            "Add an R: the function whose people actually deliver this touchpoint.",
        ),
        RuleText(
            Rule.TOO_MANY_RESPONSIBLE,
            "Too many responsible",
            "too many R",
            "More functions hold the R than the organization's limit (3 by default).",
            "When many departments each do part of the work, nobody sees the whole and quality varies.",
            "Drop the R of the functions that only help; they can stay as C.",
        ),
        RuleText(
            Rule.CONSULT_OVERLOAD,
            "Too many consulted",
            "many C",
            "More functions must be consulted than the organization's limit (3 by default).",
            "Every consultation slows a change to the customer's experience.",
            "Drop the C of functions that only need to hear about it (make them I) or need not take part.",
        ),
        RuleText(
            Rule.INFORM_OVERLOAD,
            "Too many informed",
            "many I",
            "More functions are informed than the organization's limit (5 by default).",
            "Messages to everybody are read by nobody; the ones who need them miss them.",
            "Drop the I of functions that do not act on the news.",
        ),
        RuleText(
            Rule.HANDOFF_GAP,
            "Handoff gap",
            "handoff gap",
            "Two consecutive touchpoints have different owners, and neither takes part in the other's touchpoint.",
            "The customer crosses from one department to another with nobody bridging them: "
            "this is where things fall between the cracks.",
            "Add the receiving function as C (or I) on the handing-over touchpoint, or the reverse.",
        ),
        RuleText(
            Rule.JOURNEY_WITHOUT_OWNER,
            "Journey without a manager",
            "no journey manager",
            "The journey has no owner role (journey manager).",
            "Without someone who looks at the journey end to end, each department optimises its own part.",
            "Pick the journey manager: the role that answers for the journey as a whole.",
        ),
        RuleText(
            Rule.VACANT_OWNER,
            "Vacant owner",
            "vacant owner",
            "The role that owns this journey or carries this A has no holder.",
            "Ownership by an empty chair is ownership on paper only.",
            "Name the role's holder, or move the ownership to a role somebody holds.",
        ),
        RuleText(
            Rule.IDLE_FUNCTION,
            "Idle function",
            "idle",
            "The function neither does the work (R) nor owns (A) any in-scope touchpoint.",
            "A department with no part in the customer's experience is either missing from the matrix or "
            "missing from the experience.",
            "Give the function the R or the A where it does the work, or remove it if it has no part.",
        ),
        RuleText(
            Rule.ACCOUNTABILITY_BOTTLENECK,
            "Accountability bottleneck",
            "bottleneck",
            "One function is accountable for more than half of the in-scope touchpoints.",
            "Everything waits for one department; it cannot give each touchpoint attention.",
            "Hand the A of some touchpoints to the functions that do their work.",
        ),
        RuleText(
            Rule.STALE_OWNERSHIP,
            "Stale ownership",
            "stale",
            "The A has not been confirmed for longer than the review period (180 days by default).",
            "Organisations change; ownership nobody has looked at may no longer be true.",
            "The owner confirms the A still holds, or it moves to the function that owns it now.",
        ),
    )
}


def rule_text(rule: str) -> RuleText:
    """The words of a rule by its code ("handoff_gap"); every stored gap has one of the codes."""
    return RULE_TEXT[Rule(rule)]


def severity_text(severity: str) -> SeverityText:
    return SEVERITY_TEXT[Severity(severity)]
