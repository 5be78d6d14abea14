"""Text people typed, written into a spreadsheet: shown there, never run as a formula.

A cell that starts with = + - @ (or a tab or a carriage return) is a formula to a spreadsheet
(OWASP "CSV injection"). Every file written here (the matrix file, the gaps list, the activity
log) puts a quote before such text; the matrix file's reader takes exactly one off again.
"""

# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape(value: str) -> str:
    """Prefix a quote so a spreadsheet shows the text instead of running it as a formula.

    Text that already starts with quotes before such a character gets one more, which keeps
    reading (which removes exactly one) the inverse of writing.
    """
    if value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value
