"""The inbox in the API: GET /api/v1/orgs/{org}/inbox/ lists the caller's own items, newest first
(`?unread=true` for the unread ones); POST …/inbox/read/ marks items read: {"items": [ids]}, or
{"all": true}. Every member reads and marks their own inbox; an API token belongs to no person,
so its inbox is empty."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cxowner.orgs.api.base import OrganizationScopedMixin
from cxowner.orgs.api.pagination import PagePagination
from cxowner.orgs.api.validation import valid_data
from cxowner.orgs.authentication import acting_user
from cxowner.orgs.models import Membership
from ownership.inbox import selectors, services
from ownership.inbox.views import subject_url
from ownership.models import InboxItem


class InboxItemSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text="Who mentioned or replied (a display name), or null.")
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True, read_only=True)
    gap = serializers.IntegerField(source="gap_id", allow_null=True, read_only=True)
    comment = serializers.IntegerField(source="comment_id", allow_null=True, read_only=True)
    role = serializers.IntegerField(source="role_id", allow_null=True, read_only=True, help_text="A vacated role.")
    url = serializers.SerializerMethodField(help_text="The page of the item's subject.")
    unread = serializers.SerializerMethodField()

    class Meta:
        model = InboxItem
        fields = [
            "id",
            "kind",
            "actor",
            "gap",
            "comment",
            "campaign",
            "role",
            "due_on",
            "created_at",
            "read_at",
            "unread",
            "url",
        ]
        read_only_fields = fields

    def get_actor(self, item) -> str | None:
        if item.actor is None:
            return None
        return item.actor.get_full_name() or item.actor.get_username()

    def get_url(self, item) -> str:
        return subject_url(item, self.context["organization"].slug)

    def get_unread(self, item) -> bool:
        return item.read_at is None


class InboxReadSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=1000
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("items"):
            raise serializers.ValidationError('Name the items to mark read ("items"), or send "all": true.')
        return attrs


class InboxMarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread items were marked read.")


class InboxViewSet(OrganizationScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's inbox in the organization: assignments, due dates, review requests, mentions, replies."""

    serializer_class = InboxItemSerializer
    pagination_class = PagePagination
    read_role = Membership.Role.VIEWER
    write_role = Membership.Role.VIEWER  # each member keeps their own inbox

    def _user_id(self) -> int | None:
        user = acting_user(self.request)
        return user.pk if user is not None else None

    def get_queryset(self):
        if self.organization is None:  # the schema generator
            return InboxItem.objects.none()
        items = selectors.inbox_of(organization_id=self.organization.pk, user_id=self._user_id())
        if self.request.query_params.get("unread") in ("true", "1"):
            items = items.filter(read_at__isnull=True)
        return items

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="Only the unread items.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=InboxReadSerializer, responses=InboxMarkedSerializer)
    @action(detail=False, methods=["post"])
    def read(self, request, org):
        data = valid_data(InboxReadSerializer, request)
        item_ids = None if data["all"] else data["items"]
        marked = services.inbox_items_read(
            organization_id=self.organization.pk, user_id=self._user_id(), item_ids=item_ids
        )
        return Response({"marked": marked})
