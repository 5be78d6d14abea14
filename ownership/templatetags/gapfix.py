"""Template tags of the fix panel: whether a gap's rule offers one-click fixes (its openers), and
the fixes themselves for a page that shows the panel in place (the gap's own page)."""

from django import template

from ownership.fixes.offers import FIXABLE_RULES
from ownership.fixes.views import fix_groups as groups_of_fixes

register = template.Library()


@register.filter
def fixable(gap) -> bool:
    """Whether the gap's rule has fixes a click can apply (an idle function, a bottleneck have none).

    Only the rule is read: lists load gaps with few fields, and they show open gaps' openers only.
    """
    return gap.rule in FIXABLE_RULES


@register.simple_tag
def fix_groups(gap) -> list:
    """The gap's fixes under their headings, in the order offered."""
    return groups_of_fixes(gap)
