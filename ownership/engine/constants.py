"""The vocabulary of ownership, in one place: RACI letters, severities, rule codes."""

from collections.abc import Iterable
from enum import StrEnum

# Canonical order: export writes letters in this order, the matrix shows them so.
LETTERS: tuple[str, ...] = ("R", "A", "C", "I")


LETTER_NAMES = {"R": "Responsible", "A": "Accountable", "C": "Consulted", "I": "Informed"}


# What may stand between letters in a cell: "R/A", "R, A", "R+A", "R;A", "R A".
_LETTER_SEPARATORS = frozenset("/,+;")


def parse_letters(cell: str) -> frozenset[str]:
    """Letters held in one matrix cell; raises ValueError(reason) naming any unknown letter.

    The one reading of a cell for every surface: the matrix file, the editor and the API.
    """
    letters: set[str] = set()
    unknown: list[str] = []
    for char in cell:
        if char.isspace() or char in _LETTER_SEPARATORS:
            continue
        # Only ASCII counts: "ı".upper() is "I", which must not sneak in as Informed.
        if char.isascii() and char.upper() in LETTERS:
            letters.add(char.upper())
        elif char not in unknown:
            unknown.append(char)
    if unknown:
        shown = ", ".join(f"'{char}'" for char in unknown[:5]) + (", …" if len(unknown) > 5 else "")
        noun = "letter" if len(unknown) == 1 else "letters"
        raise ValueError(f"unknown {noun} {shown}; use R, A, C or I")
    return frozenset(letters)


def format_letters(letters: Iterable[str]) -> str:
    """Letters as the file and the pages write them: RACI order, slash-separated ("R/A")."""
    wanted = {letter.upper() for letter in letters}
    if wanted - set(LETTERS):
        raise ValueError(f"not RACI letters: {sorted(wanted - set(LETTERS))}")
    return "/".join(letter for letter in LETTERS if letter in wanted)


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


# An in-scope touchpoint is covered (exactly one A and at least one R) exactly when none of
# these four is open on it: so coverage on a past day can be read from the gap history.
COVERAGE_RULES = frozenset({Rule.UNASSIGNED, Rule.NO_ACCOUNTABLE, Rule.MULTIPLE_ACCOUNTABLE, Rule.NO_RESPONSIBLE})
