"""The letter key printed with a chart ("R: Responsible", "S = Support", a Code | Role table).

A key is the file telling the reader what its letters mean. It is found wherever it is written:
a table of its own, a block of letter | meaning cells beside the matrix, legend rows below it,
a cell listing "R = Responsible, S = Support". Its cells are taken out of the table (they are
neither activities nor functions), and what it explains is read as a letter map:

- responsible, does the work, driver, support (RASCI's S: works with the responsible) -> R
- accountable, approver, owner -> A
- consulted, contributor, verifier, reviewer, signatory, participant -> C: they are asked before
  the work is done or accepted; the chart's own A stays the one accountable
- informed, witness (RACI-VS's W: present, not acting) -> I
- not involved, none, omitted, out of the loop -> nothing

R, A, C and I keep their meaning whatever the key says. A letter whose meaning is none of these
stays unknown: the refusal quotes the key and asks for a letter map.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache

from ownership.engine.constants import LETTERS
from ownership.imports.tables.cells import plain_text
from ownership.imports.tables.source import SourceTable

# What a key's explanation starts with -> the RACI letters it means ("" for nobody).
_MEANINGS: tuple[tuple[str, str], ...] = (
    *((word, "") for word in ("not involved", "no involvement", "not applicable", "none", "omitted", "out of the loop",
                               "no role", "non impliqué", "non coinvolto", "não envolvido", "nije uključen")),
    *((word, "R") for word in ("responsible", "responsable", "responsabile", "responsável", "odgovor", "does the work",
                               "doer", "performs", "executes", "driver", "support", "assist", "helps", "soutien",
                               "supporto", "suporte", "apoio", "podrška")),
    *((word, "A") for word in ("accountable", "approver", "approves", "owner", "approbateur", "approvatore",
                               "aprovador", "autorité", "odobrava")),
    *((word, "C") for word in ("consult", "contribut", "verif", "review", "signator", "signs", "sign-off", "sign off",
                               "participant", "participates", "advis", "konsult")),
    *((word, "I") for word in ("inform", "witness", "notified", "kept informed", "inform")),
)  # fmt: skip


_KEY_WORDS = frozenset(
    {"key", "legend", "raci key", "raci legend", "code", "codes", "letter", "letters", "symbol", "abbreviation",
     "role", "roles", "meaning", "definition", "description", "raci", "legenda", "légende", "clé", "chiave"}
)  # fmt: skip


_ENTRY = re.compile(r"([A-Za-z])\s*(?:=|:|–|—|\)|-(?=\s))\s*([^,;=\n]+?)\s*(?=[,;\n]|\s+[A-Za-z]\s*[=:]|$)")


# The signs an _ENTRY puts between its letter and its meaning.
_ENTRY_SIGNS = frozenset("=:–—)-")

_PREFIX = re.compile(r"^\s*(?:raci\s+)?(?:key|legend|legenda|légende)\s*[:\-–—]?\s*", re.IGNORECASE)


@lru_cache(maxsize=4096)  # a chart's cells repeat a few texts; each is looked up once
def meaning(explanation: str) -> str | None:
    """The RACI letters an explanation means ("Support" -> "R", "Not involved" -> ""), None if unknown."""
    text = explanation.casefold().strip(" *_.:()")
    for start, letters in _MEANINGS:
        if text.startswith(start):
            return letters
    return None


@dataclass(frozen=True)
class LetterKey:
    entries: dict[str, str]  # letter -> its explanation as written, in the order found

    def letter_map(self) -> dict[str, str]:
        """The letters the key explains other than R, A, C, I, as a letter map."""
        mapped = {}
        for letter, explanation in self.entries.items():
            letters = meaning(explanation)
            if letter not in LETTERS and letters is not None:
                mapped[letter] = letters
        return mapped

    def note(self) -> str:
        shown = ", ".join(
            f"{letter} → {target or 'nothing'} ({self.entries[letter]})" for letter, target in self.letter_map().items()
        )
        listed = ", ".join(f"{letter} = {text}" for letter, text in self.entries.items())
        text = f"The letter key ({listed}) was read, not imported"
        return f"{text}; key read: {shown}" if shown else text


def _cell_entries(text: str) -> dict[str, str] | None:
    """The entries of a cell written wholly as a key ("R: Responsible", "S = Support, N = Not involved")."""
    if _ENTRY_SIGNS.isdisjoint(text):
        return None  # every entry has one of these signs after its letter: most cells, skipped cheaply
    text = _PREFIX.sub("", text)
    found = {match.group(1).upper(): match.group(2) for match in _ENTRY.finditer(text)}
    rest = _ENTRY.sub("", text).strip(" ,;.\n")
    if not found or rest or any(letter in LETTERS and meaning(text) != letter for letter, text in found.items()):
        return None
    return found


def _is_letter(text: str) -> bool:
    text = text.strip().rstrip(":=").strip()
    return len(text) == 1 and text.isascii() and text.isalpha()


def take_key(table: SourceTable, *, whole: bool = False) -> tuple[SourceTable, LetterKey]:
    """The table without its key's cells, and the key. `whole`: the table is a key (a legend table).

    A key stands apart from the matrix: its cells fill their rows (legend rows below the table)
    or their columns (a key block beside it), and it says of R, A, C, I what they mean.
    """
    texts = [[plain_text(cell, table.markup) for cell in row.cells] for row in table.rows]
    entries: dict[str, str] = {}
    taken: set[tuple[int, int]] = set()  # (row index, column)
    cells: dict[int, list[tuple[int, dict[str, str]]]] = {}  # column -> (row, entries) of cells written as keys
    pairs: dict[tuple[int, int], list[tuple[int, str, str]]] = {}  # (letter col, meaning col) -> entries
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            if not text:
                continue  # most cells of a matrix: neither a letter nor a key's entry
            if _is_letter(text):
                for other in (c + 1, c - 1):
                    beside = row[other] if 0 <= other < len(row) else ""
                    if beside and (whole or (len(beside) <= 40 and meaning(beside) is not None)):
                        pairs.setdefault((c, other), []).append((r, text.strip().rstrip(":=").strip().upper(), beside))
                        break
            elif found := _cell_entries(text):
                cells.setdefault(c, []).append((r, found))
    understood = any(
        meaning(text) is not None for found in cells.values() for _, entry in found for text in entry.values()
    )
    key_cells = {(r, c) for c, found in cells.items() for r, _ in found}
    for c, found in cells.items():
        rows = {r for r, _ in found}
        for r, entry in found:
            # A row of key cells ("R = Responsible | A = Accountable") is apart from the chart.
            row_apart = all(not text or (r, other) in key_cells for other, text in enumerate(texts[r]))
            # "P = Primary contact" is a key's line when another line of it is understood.
            if understood and (row_apart or _apart(texts, rows, {c}, by_column=True)):
                entries.update((k, v) for k, v in entry.items() if k not in entries)
                taken.add((r, c))
    # A pair of columns with one entry belongs to a key block only beside one of two entries or more.
    for fewest in (2, 1):
        for (letter_column, meaning_column), found in pairs.items():
            if (min(r for r, _, _ in found), letter_column) in taken:
                continue  # accepted in the first pass
            columns = (letter_column, meaning_column)
            if whole or _pair_is_key(texts, found, columns, fewest=fewest, beside=bool(taken)):
                for r, letter, explanation in found:
                    entries.setdefault(letter, explanation)
                    taken |= {(r, letter_column), (r, meaning_column)}
    for c, letters, rows in _letter_columns(texts):
        entries.update((letter, _WORDS[letter]) for letter in letters if letter not in entries)
        taken |= {(r, c) for r in rows}
    if not taken:
        return table, LetterKey({})
    return _without(table, texts, taken), LetterKey(entries)


_WORDS = {"R": "Responsible", "A": "Accountable", "C": "Consulted", "I": "Informed"}


def _letter_columns(texts: list[list[str]]) -> list[tuple[int, list[str], set[int]]]:
    """Key columns listing the letters alone (R, A, C, I down a column of its own, set apart from
    the matrix by an empty column): letters in RACI's order, each once, nothing else in the column."""
    width = max((len(row) for row in texts), default=0)
    found = []
    for c in range(1, width):
        column = [(r, row[c].strip()) for r, row in enumerate(texts) if c < len(row) and row[c].strip()]
        letters = [text.upper() for _, text in column]
        beside_empty = all(c - 1 >= len(row) or not row[c - 1].strip() for row in texts)
        if beside_empty and len(letters) >= 2 and "RACI".startswith("".join(letters)):
            found.append((c, letters, {r for r, _ in column}))
    return found


def _pair_is_key(
    texts: list[list[str]], found: list[tuple[int, str, str]], pair: tuple[int, int], *, fewest: int, beside: bool
) -> bool:
    """Whether letter | meaning pairs down two columns are a key: two entries or more, each letter
    once, R, A, C, I meaning what they mean, apart from the chart: in columns of their own, or in
    rows of their own with the letter first ("R | Responsible | does the work" below the chart;
    "Review the design | C" is a chart's row). A single entry is a key's only beside another key
    block, and in columns of its own."""
    columns = set(pair)
    letters = [letter for _, letter, _ in found]
    rows = {r for r, _, _ in found}
    if len(found) < fewest or (fewest == 1 and not beside) or len(set(letters)) < len(letters):
        return False
    if any(letter in LETTERS and meaning(text) != letter for _, letter, text in found):
        return False
    if fewest == 1 or pair[0] > pair[1]:
        return _apart(texts, rows, columns, by_column=True)
    return _apart(texts, rows, columns) or _apart(texts, rows, columns, by_column=True)


def _apart(texts: list[list[str]], rows: set[int], columns: set[int], *, by_column: bool = False) -> bool:
    """Whether the key's cells fill their rows (nothing else in them but to their right), or with
    `by_column`, their columns (nothing else in them but a heading such as "Key")."""
    if by_column:
        return all(
            not row[c] or r in rows or row[c].casefold().strip(" :") in _KEY_WORDS
            for r, row in enumerate(texts)
            for c in columns
            if c < len(row)
        )
    return all(
        not text or c in columns or (c > max(columns) and not _is_letter(text))
        for r in rows
        for c, text in enumerate(texts[r])
    )


def _without(table: SourceTable, texts: list[list[str]], taken: set[tuple[int, int]]) -> SourceTable:
    """The table with the key's cells emptied, with the cells beside them that belong to the key:
    a heading over the key ("Key", "Legend") and columns holding nothing but the key's rows."""
    key_rows = {r for r, _ in taken}
    key_columns = {c for _, c in taken}
    first = min(key_rows)
    width = max((len(row) for row in texts), default=0)
    for c in range(width):
        filled = {r for r, row in enumerate(texts) if c < len(row) and row[c] and (r, c) not in taken}
        if c in key_columns or (filled and filled <= key_rows and c > max(key_columns)):
            for r in filled:
                heading = r <= first and texts[r][c].casefold().strip(" :") in _KEY_WORDS
                if heading or r in key_rows and c > max(key_columns):
                    taken.add((r, c))
    rows = []
    for r, row in enumerate(table.rows):
        cells = tuple("" if (r, c) in taken else cell for c, cell in enumerate(row.cells))
        rows.append(dataclasses.replace(row, cells=cells))
    return dataclasses.replace(table, rows=tuple(rows))


def combined(keys: list[LetterKey]) -> LetterKey:
    entries: dict[str, str] = {}
    for key in keys:
        for letter, explanation in key.entries.items():
            entries.setdefault(letter, explanation)
    return LetterKey(entries)
