"""The matrix sheet's column headers: a function's name that fits a narrow column.

A header wraps between words, never inside one (“Product Developme nt”): a word too long for
the column is cut to its first letters and a full stop, and the header keeps the full name as
its tooltip and accessible name (templates/journeys/matrix.html).
"""

from django import template

register = template.Library()

# The longest word that fits an 84 px column in the header's type; longer ones are cut to LEFT.
LONGEST_WORD = 10
LEFT = 7


@register.filter
def column_label(name: str) -> str:
    """“Product Development” → “Product Develop.”; a name whose words all fit is unchanged."""
    words = str(name).split(" ")
    return " ".join(word if len(word) <= LONGEST_WORD else word[:LEFT] + "." for word in words)
