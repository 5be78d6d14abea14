"""The journey of a chart that has no journey column: named after what the source calls the chart.

A person importing `# RACI Matrix — Checkout` calls the journey "Checkout": the words that say
"this is a RACI chart" (RACI, matrix, chart, table, responsibilities …) and the separators
around them are not the journey's name, the rest is. When the title says nothing else, the
sheet's name (unless it is a spreadsheet's default, "Sheet1"), then the file's name are asked
the same way; pasted text without a title is "Imported chart".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from ownership.imports.tables.cells import plain_text
from ownership.imports.tables.problems import sentence
from ownership.imports.tables.source import SourceTable

FALLBACK_JOURNEY = "Imported chart"


# Words that say what kind of document this is, in the languages charts are published in.
_CHART_WORDS = frozenset(
    {
        "raci", "rasci", "racis", "raci vs", "racivs", "racio", "daci", "rapid", "rascio", "raci-vs",
        "matrix", "matrices", "matrice", "matrici", "matriz", "matrica", "matrix:",
        "chart", "charts", "table", "tables", "tableau", "tabella", "tabela", "tabelle", "grid",
        "responsibility", "responsibilities", "responsabilité", "responsabilités", "responsabilità",
        "responsabilidades", "responsabilidade", "assignment", "assignments", "roles", "role",
        "ram", "rasic",
    }
)  # fmt: skip


# Words that only join the chart's words to its name ("RACI chart for the checkout").
_JOINING_WORDS = frozenset(
    {"for", "of", "the", "a", "an", "and", "&", "in", "on", "de", "des", "du", "la", "le", "les", "del", "della",
     "di", "da", "do", "dos", "das", "per", "pour", "para", "za", "i", "y", "e", "et", "und", "für"}
)  # fmt: skip


_SEPARATORS = re.compile(r"((?:\s*[–—|:()\[\]]\s*|\s+[-/]\s+)+)")


_DEFAULT_SHEET = re.compile(
    r"^(sheet|feuil|feuille|foglio|tabelle|hoja|planilha|plan|blad|arkusz|list|лист|munka|sayfa|ark)\s*\d*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class JourneyName:
    name: str
    origin: str  # for the summary: "the heading 'RACI Matrix — Checkout'"

    def note(self) -> str:
        return (
            f"The table has no journey column: journey named '{self.name}' from {self.origin}"
            " (the journey option names another)"
        )


def name_from_title(title: str) -> str:
    """'RACI Matrix — Checkout' -> 'Checkout'; '' when the title says only that it is a RACI chart."""
    parts = _SEPARATORS.split(" ".join(title.split()))
    kept: list[tuple[str, str]] = []  # (a segment naming something, the separator written after it)
    for segment, separator in zip(parts[::2], [*parts[1::2], ""], strict=True):
        words = segment.split()
        while words and _chart_or_joining(words[0]):
            words.pop(0)
        while words and _chart_or_joining(words[-1]):
            words.pop()
        if any(not _chart_word(word) for word in words):
            kept.append((" ".join(words), separator))
    name = "".join(segment + separator for segment, separator in kept[:-1])
    name = (name + kept[-1][0] if kept else "").strip(" .,;:-–—|/([")
    name += ")" * (name.count("(") - name.count(")")) + "]" * (name.count("[") - name.count("]"))
    return sentence(name)


def _chart_word(word: str) -> bool:
    return word.casefold().strip(".,;:!?*_'\"") in _CHART_WORDS


def _chart_or_joining(word: str) -> bool:
    return _chart_word(word) or word.casefold() in _JOINING_WORDS


def is_default_sheet_name(name: str) -> bool:
    return bool(_DEFAULT_SHEET.match(name.strip()))


def journey_name(
    tables: Sequence[SourceTable], source_name: str, above: str = "", *, several: bool = False
) -> JourneyName:
    """The journey of the chart made of `tables` (one, or several read as stages of one journey);
    `above`: a title written in the rows above the header (a workbook's first row)."""
    first = tables[0]
    candidates: list[tuple[str, str]] = []
    if above:
        candidates.append((above, "the title above the table"))
    several = several or len(tables) > 1
    if not several:
        candidates.append((first.name, _what_names(first)))
    if first.title and (not several or all(first.title != table.name for table in tables)):
        candidates.append((first.title, "the page's title"))
    if source_name:
        stem = PurePath(source_name).stem
        candidates.append((re.sub(r"[_\s]+|(?<=\w)-(?=\w)", " ", stem), "the file's name"))
    for text, origin in candidates:
        if first.markup == "xlsx" and origin == "the sheet's name" and is_default_sheet_name(text):
            continue
        name = name_from_title(plain_text(text, "markdown"))
        if name:
            return JourneyName(name, f"{origin} '{text}'")
    return JourneyName(FALLBACK_JOURNEY, "nothing (no title, sheet or file name says one)")


def _what_names(table: SourceTable) -> str:
    if table.markup == "xlsx":
        return "the sheet's name"
    return "the table's caption or heading"
