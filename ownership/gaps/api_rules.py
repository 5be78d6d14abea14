"""GET /api/v1/rules/: the thirteen gap rules in words, as every page shows them.

The vocabulary describes the product, not an organization, so it answers without a login like
the schema does; an integration uses it to label the gaps it reads from the gaps endpoint.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ownership.engine.constants import Rule
from ownership.engine.vocabulary import RULE_TEXT, RuleText


class RuleSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The rule's code, as in a gap's `rule`.")
    severity = serializers.CharField(help_text="error, warning or info, as in a gap's `severity`.")
    severity_label = serializers.CharField(help_text="The severity's word on every page: Error, Warning, Info.")
    title = serializers.CharField(help_text="The rule's name in lists and headings.")
    badge = serializers.CharField(help_text="The short label on a matrix row or a journey map card.")
    meaning = serializers.CharField(help_text="What the rule found, in one sentence.")
    why = serializers.CharField(help_text="Why it matters to the customer.")
    fix = serializers.CharField(help_text="How to make the gap go away.")


def rule_record(text: RuleText) -> dict:
    return {
        "code": text.code.value,
        "severity": text.severity.value,
        "severity_label": text.severity_text.label,
        "title": text.title,
        "badge": text.badge,
        "meaning": text.meaning,
        "why": text.why,
        "fix": text.fix,
    }


class RuleListView(APIView):
    """The gap rules in the order of the rule table, each with its words."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=RuleSerializer(many=True))
    def get(self, request):
        return Response([rule_record(RULE_TEXT[rule]) for rule in Rule])
