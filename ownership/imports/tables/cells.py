"""What one cell of a published table says: a name, RACI letters, or nobody.

Published charts decorate their cells: Markdown bolds the accountable (`**A/R**`), links the
activity to its procedure, writes "nobody" as `N/A` or a dash, and RACI's variants add letters
of their own (RASCI's S, RACI-VS's V, a W for witness, O for omitted). This module reads all of
that down to plain names and the four letters, with a letter map for the variants.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from ownership.engine.constants import LETTERS

LETTER_WORDS = {"responsible": "R", "accountable": "A", "consulted": "C", "informed": "I"}


# Words RACI's variants use for their extra letters (RASCI, RACI-VS, RACIO, DACI): read as those
# letters, which a letter map then turns into R, A, C, I or drops.
VARIANT_WORDS = {
    "support": "S",
    "supports": "S",
    "supportive": "S",
    "signatory": "S",
    "signs": "S",
    "verifier": "V",
    "verifies": "V",
    "verify": "V",
    "omitted": "O",
    "witness": "W",
}


# Cells that say "nobody here", any case.
# "nan" is what pandas writes for an empty cell when it turns a spreadsheet into Markdown.
NONE_MARKERS = frozenset({"n/a", "na", "-", "--", "—", "–", "none", "tbd", "tbc", "nan"})


_LETTER_SEPARATORS = "/,+;&"


_TOKEN_SPLIT = re.compile(r"[\s/,+;&]+")


# --- Markdown inline syntax ---------------------------------------------------------------------
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")


_LINK = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])")


_CODE = re.compile(r"`([^`]*)`")


_EMPHASIS = (
    re.compile(r"\*\*\*(.+?)\*\*\*"),
    re.compile(r"\*\*(.+?)\*\*"),
    re.compile(r"(?<![\w\\])__(.+?)__(?!\w)"),
    re.compile(r"(?<![*\\])\*(?![\s*])(.+?)(?<![\s\\])\*"),
    re.compile(r"(?<![\w\\])_(?![\s_])(.+?)(?<!\s)_(?!\w)"),
    re.compile(r"~~(.+?)~~"),
)


# Cells without any of these carry no Markdown syntax: most cells, read without the patterns.
_MARKUP_SIGNS = re.compile(r"[*_`\[<&\\~!]")


_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")


_WHOLE_EMPHASIS = re.compile(r"^\s*(\*\*|__|\*|_)(?!\s)(.+?)(?<!\s)\1\s*$", re.DOTALL)


_WHOLE_HTML_EMPHASIS = re.compile(r"^\s*<(b|strong|em|i)>(.+)</\1>\s*$", re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=4096)
def plain_text(raw: str, markup: str) -> str:
    """The text a reader sees in the cell: Markdown syntax removed, spaces tidied.

    A spreadsheet's cell (CSV, XLSX) is exactly what was typed: only its ends are trimmed, as the
    matrix file has always done, so a standard file reads the same through this path. HTML
    cells come already reduced to text and line breaks by the parser.
    """
    if markup in ("csv", "xlsx"):
        return raw.strip()
    text = raw
    if markup == "markdown" and _MARKUP_SIGNS.search(text):
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(r"\1", text)
        text = _CODE.sub(r"\1", text)
        for pattern in _EMPHASIS:
            text = pattern.sub(r"\1", text)
        text = _ESCAPE.sub(r"\1", text)
        text = html.unescape(text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    text = "\n".join(line for line in lines if line)
    # pandas writes "NaN" for every empty cell when it turns a spreadsheet into Markdown.
    return "" if text == "NaN" and markup == "markdown" else text


def is_emphasised(raw: str, markup: str) -> bool:
    """Whether the whole cell is bold or italic: how Markdown tables write a section heading."""
    if markup != "markdown":
        return False
    return bool(_WHOLE_EMPHASIS.match(raw) or _WHOLE_HTML_EMPHASIS.match(raw))


def is_none_marker(text: str) -> bool:
    return text.casefold() in NONE_MARKERS


def name_key(name: str) -> str:
    """Names as people read them: composed, case-folded, runs of spaces, '-' and '_' as one space.

    The same normal form the application gives journeys, stages, touchpoints and functions, so two
    spellings the database would refuse as one name are one name here too.
    """
    return re.sub(r"[\s_-]+", " ", unicodedata.normalize("NFKC", name).casefold()).strip()


def header_key(text: str) -> str:
    """A header for matching against known column names: no remark in brackets, no punctuation."""
    text = re.sub(r"\([^()]*\)|\[[^\]]*\]", " ", text)
    text = re.sub(r"[^\w\s/]", " ", text)
    return name_key(text.replace("/", " / "))


# --- Letters ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LetterReading:
    letters: frozenset[str]  # R, A, C, I after the letter map
    unknown: tuple[str, ...]  # letters (upper case) or signs neither RACI nor mapped, in order
    mapped: tuple[str, ...]  # letters the map changed or dropped, in order
    remark: str = ""  # what the cell says beside its letters: "backend" in "R (backend)"


_QUOTED = re.compile("^\\s*[\"'\u201c\u2018](.*)[\"'\u201d\u2019]\\s*$", re.DOTALL)


_BRACKETED = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")


def split_remark(text: str, known: frozenset[str] | set[str] = frozenset(LETTERS)) -> tuple[str, str]:
    """'R (backend)' -> ('R', 'backend'); '(C)' -> ('C', ''); 'R (A)' -> ('R A', ''); '"R (Build)"' ->
    ('R', 'Build'). Letters in brackets are letters; other bracketed text is a remark. A cell
    without letters outside a remark is returned whole: it is not letters with a remark."""
    if quoted := _QUOTED.match(text):
        text = quoted.group(1)
    if "(" not in text and "[" not in text:
        return text, ""
    letters, remarks = [_BRACKETED.sub(" ", text).strip()], []
    for found in _BRACKETED.finditer(text):
        inside = (found.group(1) if found.group(1) is not None else found.group(2)).strip()
        tokens = [token for token in _TOKEN_SPLIT.split(inside) if token]
        if tokens and all(len(token) == 1 and token.upper() in known for token in tokens):
            letters.append(inside)
        elif inside:
            remarks.append(inside)
    joined = " ".join(part for part in letters if part)
    return (joined, "; ".join(remarks)) if joined else (text, "")


class LetterReader:
    """Reads the letters of one cell; `letter_map` turns variant letters into R, A, C, I or nothing."""

    def __init__(self, letter_map: Mapping[str, str] | None = None, explained: Mapping[str, str] | None = None) -> None:
        self.letter_map = {key.upper(): value.upper() for key, value in (letter_map or {}).items()}
        self.explained = dict(explained or {})  # letter -> what the file's key says it means
        self.known = frozenset(LETTERS) | frozenset(self.letter_map)
        # A matrix repeats a handful of spellings ("A/R", "C") thousands of times.
        self._read = lru_cache(maxsize=1024)(self._reading)

    def read(self, text: str) -> LetterReading:
        return self._read(text)

    def _reading(self, text: str) -> LetterReading:
        letters: set[str] = set()
        unknown: list[str] = []
        mapped: list[str] = []
        if is_none_marker(text):
            return LetterReading(frozenset(), (), ())
        text, remark = split_remark(text, self.known)
        for token in _TOKEN_SPLIT.split(text):
            word = LETTER_WORDS.get(token.casefold()) or VARIANT_WORDS.get(token.casefold())
            for char in word or token:
                # Only ASCII letters count: "ı".upper() is "I", which must not sneak in as Informed.
                letter = char.upper() if char.isascii() else char
                if letter in self.letter_map:
                    target = self.letter_map[letter]
                    letters.update(target)
                    if letter not in mapped:
                        mapped.append(letter)
                elif letter in LETTERS:
                    letters.add(letter)
                elif letter not in unknown:
                    unknown.append(letter)
        return LetterReading(frozenset(letters), tuple(unknown), tuple(mapped), remark)

    def looks_like_letters(self, text: str) -> bool:
        """Whether a cell is written the way RACI letters are: short tokens of letters.

        `A/R`, `AR`, `a, r`, `S` and `Accountable` do; `1`, `Yes`, `See the runbook` do not.
        Used to tell function columns from id and notes columns, never to accept a letter.
        """
        if is_none_marker(text):
            return True
        text = split_remark(text, self.known)[0]
        tokens = [token for token in _TOKEN_SPLIT.split(text) if token]
        if not tokens:
            return True
        known = self.known
        for token in tokens:
            folded = token.casefold()
            if folded in LETTER_WORDS or folded in VARIANT_WORDS:
                continue
            if len(token) == 1 and not token.isdigit():
                continue  # one sign is a letter, known or not: x, S, ✓
            if len(token) > 4 or not token.isalpha():
                return False
            if not (token.isupper() or all(char.upper() in known for char in token)):
                return False
        return True


# --- Names in a transposed cell -----------------------------------------------------------------
_REMARK = re.compile(r"\s*\([^()]*\)")


_AND = re.compile(r"\s+(?:and|\+)\s+", re.IGNORECASE)


def split_names(text: str, *, keep_remarks: bool = False) -> list[str]:
    """The function names listed in one cell: split on ',', ';', new lines, the word 'and' and ' + '.

    A remark in brackets ("Legal (for contracts)") is not part of the name unless kept; a kept
    remark is never split ("Legal (contracts, NDAs)" stays one name).
    """
    if not keep_remarks:
        previous = None
        while previous != text:  # nested brackets, innermost first
            previous, text = text, _REMARK.sub("", text)
    names: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        depth += char == "("
        depth -= char == ")" and depth > 0
        if depth == 0 and char in ",;\n":
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    names.append("".join(current))
    result = []
    for chunk in names:
        parts = [chunk] if "(" in chunk else _AND.split(chunk)
        for part in parts:
            name = part.strip().strip(".").strip()
            if name and not is_none_marker(name):
                result.append(name)
    return result
