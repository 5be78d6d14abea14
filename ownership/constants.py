"""The vocabulary of ownership, in one place: RACI letters, severities, rule codes."""

from enum import StrEnum

# Canonical order: export writes letters in this order, the matrix shows them so.
LETTERS: tuple[str, ...] = ("R", "A", "C", "I")
LETTER_NAMES = {"R": "Responsible", "A": "Accountable", "C": "Consulted", "I": "Informed"}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_WEIGHT = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}
# The score of a gap that concerns no touchpoint (journey and function rules).
DEFAULT_IMPORTANCE = 3


class Rule(StrEnum):
    UNASSIGNED = "unassigned"
    NO_ACCOUNTABLE = "no_accountable"
    MULTIPLE_ACCOUNTABLE = "multiple_accountable"
    NO_RESPONSIBLE = "no_responsible"
    TOO_MANY_RESPONSIBLE = "too_many_responsible"
    CONSULT_OVERLOAD = "consult_overload"
    INFORM_OVERLOAD = "inform_overload"
    HANDOFF_GAP = "handoff_gap"
    JOURNEY_WITHOUT_OWNER = "journey_without_owner"
    VACANT_OWNER = "vacant_owner"
    IDLE_FUNCTION = "idle_function"
    ACCOUNTABILITY_BOTTLENECK = "accountability_bottleneck"
    STALE_OWNERSHIP = "stale_ownership"


RULE_SEVERITY: dict[Rule, Severity] = {
    Rule.UNASSIGNED: Severity.ERROR,
    Rule.NO_ACCOUNTABLE: Severity.ERROR,
    Rule.MULTIPLE_ACCOUNTABLE: Severity.ERROR,
    Rule.NO_RESPONSIBLE: Severity.WARNING,
    Rule.TOO_MANY_RESPONSIBLE: Severity.WARNING,
    Rule.CONSULT_OVERLOAD: Severity.INFO,
    Rule.INFORM_OVERLOAD: Severity.INFO,
    Rule.HANDOFF_GAP: Severity.WARNING,
    Rule.JOURNEY_WITHOUT_OWNER: Severity.ERROR,
    Rule.VACANT_OWNER: Severity.WARNING,
    Rule.IDLE_FUNCTION: Severity.INFO,
    Rule.ACCOUNTABILITY_BOTTLENECK: Severity.WARNING,
    Rule.STALE_OWNERSHIP: Severity.INFO,
}
