"""GET/POST /api/v1/orgs/{org}/gaps/{id}/fixes/ (editors): the fixes a gap's rule allows now, and
applying one, through the same two services as the fix panel (ownership.fixes.services).

The gaps themselves are read and decided on through ownership.gaps.api; a fix writes the matrix.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cxowner.orgs.api.base import ID_PATTERN, OrganizationScopedMixin, etag
from cxowner.orgs.api.validation import valid_data
from cxowner.orgs.authentication import acting_user
from cxowner.orgs.models import Membership
from ownership.engine.vocabulary import rule_text
from ownership.fixes import offers
from ownership.fixes import services as gap_fixes
from ownership.gaps.serializers import GapSerializer
from ownership.models import Gap


class FixSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Send it back to apply the fix.")
    label = serializers.CharField()
    seen = serializers.CharField(help_text="What the matrix held when offered; send it back unchanged.")
    asks = serializers.ListField(child=serializers.CharField(), help_text="Fields the fix needs: holder_name …")
    group = serializers.CharField()


class GapFixesSerializer(serializers.Serializer):
    gap = serializers.IntegerField()
    rule = serializers.CharField()
    title = serializers.CharField()
    meaning = serializers.CharField()
    why = serializers.CharField()
    how_to_fix = serializers.CharField()
    fixes = FixSerializer(many=True)


class FixApplySerializer(serializers.Serializer):
    fix = serializers.CharField(max_length=100, help_text="A fix's `key` from GET …/fixes/.")
    seen = serializers.CharField(max_length=2000, help_text="The fix's `seen`, as it was offered.")
    holder_name = serializers.CharField(max_length=gap_fixes.HOLDER_NAME_MAX_CHARS, required=False, allow_blank=True)
    holder_email = serializers.EmailField(required=False, allow_blank=True)


class FixResultSerializer(serializers.Serializer):
    resolved = serializers.BooleanField(help_text="The matrix no longer has the gap.")
    message = serializers.CharField()
    gap = GapSerializer()
    fixes = FixSerializer(many=True, help_text="What the gap still allows when it is still open.")


class GapFixViewSet(OrganizationScopedMixin, viewsets.GenericViewSet):
    """The fixes action of the gaps (`gaps/{id}/fixes/`), offered to those who may apply them."""

    serializer_class = GapSerializer
    lookup_value_regex = ID_PATTERN
    read_role = Membership.Role.EDITOR

    def get_queryset(self):
        return Gap.objects.filter(organization=self.organization)

    @extend_schema(methods=["get"], request=None, responses=GapFixesSerializer)
    @extend_schema(methods=["post"], request=FixApplySerializer, responses=FixResultSerializer)
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def fixes(self, request, org, pk=None):
        """GET: the fixes the gap's rule allows now. POST: apply one (409/412 if the matrix changed)."""
        gap = self.get_object()
        if request.method == "GET":
            text = rule_text(gap.rule)
            return Response(
                {
                    "gap": gap.pk,
                    "rule": gap.rule,
                    "title": text.title,
                    "meaning": text.meaning,
                    "why": text.why,
                    "how_to_fix": text.fix,
                    "fixes": [fix.as_dict() for fix in offers.fixes_for(gap)],
                }
            )
        data = valid_data(FixApplySerializer, request)
        user = acting_user(request)
        result = gap_fixes.fix_apply(gap=gap, key=data["fix"], seen=data["seen"], values=data, user=user)
        body = {
            "resolved": result.resolved,
            "message": result.message,
            "gap": self.get_serializer(result.gap).data,
            "fixes": [fix.as_dict() for fix in offers.fixes_for(result.gap)],
        }
        return Response(body, headers=etag(result.gap.version))
