"""Template filters for the fix panel's openers: whether a gap's rule offers one-click fixes."""

from django import template

from ownership.gaps.fixes import FIXABLE_RULES

register = template.Library()


@register.filter
def fixable(gap) -> bool:
    """Whether the gap's rule has fixes a click can apply (an idle function, a bottleneck have none).

    Only the rule is read: lists load gaps with few fields, and they show open gaps' openers only.
    """
    return gap.rule in FIXABLE_RULES
