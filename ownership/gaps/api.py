"""API for gaps: the list and one gap, and the workflow on it — assign, acknowledge, accept a
risk, reopen, comment. Every change goes through ownership.gaps.workflow with the version read
(If-Match or the body's `version`; a stale one answers 412).

Who may do what (docs/gap-workflow.md): viewers read and comment, editors (and admins) assign,
acknowledge, accept risks, reopen, and list and apply the gap's fixes (ownership.fixes.api);
members of other organizations get 404.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cxowner.orgs.api.base import (
    ID_PATTERN,
    MAX_ID,
    OrganizationScopedMixin,
    PagePagination,
    etag,
    requested_version,
)
from cxowner.orgs.api.conditional import ConditionalListMixin
from cxowner.orgs.api.validation import valid_data
from cxowner.orgs.api.versions import VersionSerializer
from cxowner.orgs.authentication import acting_user
from cxowner.orgs.models import Membership
from ownership.gaps import audit_requests
from ownership.gaps import workflow as gap_workflow
from ownership.gaps.figures_api import FIGURES_PARAMETERS, FiguresSerializer, figures_answer
from ownership.gaps.filtersets import AuditRunFilterSet, GapFilterSet
from ownership.gaps.serializers import (
    AuditRequestedSerializer,
    AuditRunDetailSerializer,
    AuditRunSerializer,
    GapSerializer,
)
from ownership.models import AuditRun, Gap, GapComment


class GapAssignSerializer(VersionSerializer):
    assignee = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, allow_null=True, help_text="A member's user id; null unassigns."
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class GapRiskSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=gap_workflow.RISK_REASON_MAX_CHARS)
    expires_on = serializers.DateField(help_text="The day the accepted risk reopens by itself.")


class GapCommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = GapComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"body": {"max_length": gap_workflow.COMMENT_MAX_CHARS}}

    def get_author(self, comment) -> str:
        """The member's name, or the integration's ("Jira sync (integration)") for a token's comment."""
        return comment.author_text


class GapViewSet(
    ConditionalListMixin,
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Gaps tracked across audits: the open ones by default, highest score first."""

    serializer_class = GapSerializer
    filterset_class = GapFilterSet
    pagination_class = PagePagination
    # ?ordering= is the FilterSet's, as on the gaps page (any column of the list).
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = ID_PATTERN

    @property
    def write_role(self) -> str:
        # Anyone who may read a gap may discuss it (and delete their own comment: the service checks
        # the author or an admin); deciding about it is an editor's.
        discussing = getattr(self, "action", None) in {"comments", "comment_delete"}
        return Membership.Role.VIEWER if discussing else Membership.Role.EDITOR

    def get_queryset(self):
        return Gap.objects.filter(organization=self.organization).order_by("-score", "rule", "id")

    def retrieve(self, request, *args, **kwargs):
        gap = self.get_object()
        return Response(self.get_serializer(gap).data, headers=etag(gap.version))

    def _answer(self, gap: Gap) -> Response:
        return Response(self.get_serializer(gap).data, headers=etag(gap.version))

    @extend_schema(request=GapAssignSerializer, responses=GapSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, org, pk=None):
        gap = self.get_object()
        data = valid_data(GapAssignSerializer, request)
        assignee = None
        if data["assignee"] is not None:
            member = Membership.objects.filter(organization=self.organization, user_id=data["assignee"]).first()
            if member is None:  # nobody's id and another organization's user read alike
                raise serializers.ValidationError({"assignee": [gap_workflow.NOT_A_MEMBER]})
            assignee = member.user
        version = requested_version(request)
        return self._answer(gap_workflow.gap_assign(gap=gap, assignee=assignee, due_on=data["due_on"], version=version))

    @extend_schema(request=None, responses=FiguresSerializer, parameters=FIGURES_PARAMETERS)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def figures(self, request, org):
        """The figures the pages show (docs/figures.md): coverage, open gaps, accepted risks, the
        journeys worst first and their change over the period, of the organization, a journey or a stage."""
        return Response(figures_answer(organization=self.organization, params=request.query_params))

    @extend_schema(request=VersionSerializer, responses=GapSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, org, pk=None):
        gap = self.get_object()
        return self._answer(gap_workflow.gap_acknowledge(gap=gap, version=requested_version(request)))

    @extend_schema(request=GapRiskSerializer, responses=GapSerializer)
    @action(detail=True, methods=["post"], url_path="accept-risk")
    def accept_risk(self, request, org, pk=None):
        gap = self.get_object()
        data = valid_data(GapRiskSerializer, request)
        accepted = gap_workflow.gap_accept_risk(
            gap=gap,
            reason=data["reason"],
            expires_on=data["expires_on"],
            version=requested_version(request),
            today=timezone.localdate(),
        )
        return self._answer(accepted)

    @extend_schema(request=VersionSerializer, responses=GapSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, org, pk=None):
        gap = self.get_object()
        return self._answer(gap_workflow.gap_reopen(gap=gap, version=requested_version(request)))

    @extend_schema(methods=["get"], request=None, responses=GapCommentSerializer(many=True))
    @extend_schema(methods=["post"], request=GapCommentSerializer, responses={201: GapCommentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request, org, pk=None):
        gap = self.get_object()
        if request.method == "GET":
            rows = gap.comments.select_related("author")
            return Response(GapCommentSerializer(rows, many=True).data)
        data = valid_data(GapCommentSerializer, request)
        author = acting_user(request)
        token = getattr(request.user, "token", None) if author is None else None
        integration = token.name if token is not None else ""
        comment = gap_workflow.gap_comment_add(gap=gap, author=author, body=data["body"], integration=integration)
        return Response(GapCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        description="Delete a comment for everyone: its author may, and an admin (recorded in the history).",
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"comments/(?P<comment_id>[0-9]{1,18})",
        pagination_class=None,
        filter_backends=[],
    )
    def comment_delete(self, request, org, pk=None, comment_id=None):
        gap = self.get_object()
        comment = get_object_or_404(GapComment.objects.select_related("author"), gap=gap, pk=comment_id)
        gap_workflow.gap_comment_delete(comment=comment, user=acting_user(request), role=request.role)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditRunViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Audit runs, newest first. POST asks for one: 202, done by a Celery worker."""

    serializer_class = AuditRunSerializer
    filterset_class = AuditRunFilterSet
    pagination_class = PagePagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return AuditRun.objects.filter(organization=self.organization).order_by("-requested_at", "-id")

    def get_serializer_class(self):
        return AuditRunDetailSerializer if self.action == "retrieve" else AuditRunSerializer

    @extend_schema(request=None, responses={202: AuditRequestedSerializer})
    def create(self, request, org):
        # A run already waiting for a worker is answered again: an eager client cannot stack runs.
        run = audit_requests.audit_request_once(organization=self.organization, trigger=AuditRun.Trigger.API).run
        url = request.build_absolute_uri(reverse("api:audit-run-detail", kwargs={"org": org, "pk": run.pk}))
        return Response(
            {"id": run.pk, "url": url, "status": run.status}, status=status.HTTP_202_ACCEPTED, headers={"Location": url}
        )
