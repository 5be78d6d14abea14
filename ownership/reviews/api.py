"""API for review campaigns (ownership attestation), over ownership.campaigns.

Who may do what (docs/review-campaigns.md): every member reads campaigns and their progress;
editors and admins confirm A's and change one; only admins start and close a campaign. Members
of other organizations get 404. An A that changed since the caller read the list refuses the
confirmation with 409 and the items that changed; closing checks the campaign's version (412).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cxowner.orgs.api.base import ID_PATTERN, MAX_ID, OrganizationScopedMixin, PagePagination, etag, requested_version
from cxowner.orgs.api.fields import StrictModelSerializer
from cxowner.orgs.api.validation import valid_data
from cxowner.orgs.api.versions import VersionField, VersionSerializer
from cxowner.orgs.authentication import acting_user
from cxowner.orgs.models import Membership
from journeys.api.serializers import OrganizationPrimaryKeyField
from journeys.models import Journey
from ownership.models import Function, ReviewCampaign, ReviewItem, Role
from ownership.reviews import services as campaigns

ADMIN_ACTIONS = {"create", "close"}


class ProgressSerializer(serializers.Serializer):
    confirmed = serializers.IntegerField()
    changed = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="Not reviewed yet.")
    total = serializers.IntegerField()


class CampaignSerializer(StrictModelSerializer):
    journey = OrganizationPrimaryKeyField(
        queryset=Journey.objects.all(), allow_null=True, required=False, help_text="Empty: the whole organization."
    )
    started_by = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    # Plain text in the schema: an enum here would collide with the other models' `status`.
    status = serializers.CharField(read_only=True, help_text="open, or closed.")
    version = VersionField(read_only=True)

    class Meta:
        model = ReviewCampaign
        fields = ["id", "name", "journey", "ends_on", "started_at", "started_by", "status", "closed_at"]
        fields += ["progress", "version"]
        read_only_fields = ["id", "started_at", "started_by", "status", "closed_at", "progress", "version"]
        extra_kwargs = {"name": {"max_length": campaigns.NAME_MAX_CHARS}}

    def get_started_by(self, campaign) -> str:
        user = campaign.started_by
        return (user.get_full_name() or user.get_username()) if user else ""

    @extend_schema(responses=ProgressSerializer)
    def get_progress(self, campaign) -> dict:
        progress = self.context.get("progress", {}).get(campaign.pk) or campaigns.campaign_progress(campaign=campaign)
        return ProgressSerializer(progress).data


class ItemSerializer(serializers.ModelSerializer):
    state = serializers.CharField(help_text="confirmed, changed or pending (not yet).")
    journey = serializers.IntegerField(source="touchpoint.journey_id")
    touchpoint_name = serializers.CharField(source="touchpoint.name")
    function_name = serializers.CharField(source="function.name")
    holder = serializers.SerializerMethodField()

    class Meta:
        model = ReviewItem
        fields = ["id", "journey", "touchpoint", "touchpoint_name", "function", "function_name", "holder", "state"]
        fields += ["assignment"]

    def get_holder(self, item) -> str:
        """Who carries the A now (the role's holder), or empty."""
        role = item.assignment.role if item.assignment else None
        return role.holder_name if role else ""


class ConfirmSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, help_text="Confirm this one A.")
    function = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Or confirm every waiting A of this function."
    )
    role = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="With `function`: only the A's this role carried."
    )
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=100_000,
        help_text="With `function`: the items the caller saw; any of them changed meanwhile answers 409.",
    )

    def validate(self, data):
        if ("item" in data) == ("function" in data):
            raise serializers.ValidationError("Name either one `item` or a `function` whose A's to confirm.")
        for name in ("items", "role"):
            if name in data and "function" not in data:
                raise serializers.ValidationError({name: [f"`{name}` goes with `function`."]})
        return data


class ConfirmedSerializer(serializers.Serializer):
    confirmed = serializers.IntegerField(help_text="A's newly confirmed.")
    progress = ProgressSerializer()


class MoveSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    function = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The function that takes the A.")


class ReviewCampaignViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Review campaigns, newest first, with their progress (confirmed / changed / not yet)."""

    serializer_class = CampaignSerializer
    pagination_class = PagePagination
    lookup_value_regex = ID_PATTERN

    @property
    def write_role(self) -> str:
        return Membership.Role.ADMIN if getattr(self, "action", None) in ADMIN_ACTIONS else Membership.Role.EDITOR

    def get_queryset(self):
        return ReviewCampaign.objects.filter(organization=self.organization).select_related("started_by")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {**self.get_serializer_context(), "progress": campaigns.campaigns_progress(campaigns=page)}
        return self.get_paginated_response(CampaignSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        campaign = self.get_object()
        return Response(self.get_serializer(campaign).data, headers=etag(campaign.version))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = campaigns.campaign_start(
            organization=self.organization,
            name=data["name"],
            ends_on=data["ends_on"],
            journey=data.get("journey"),
            started_by=acting_user(request),
            today=timezone.localdate(),
        )
        return Response(
            self.get_serializer(campaign).data, status=status.HTTP_201_CREATED, headers=etag(campaign.version)
        )

    @extend_schema(request=None, responses=ItemSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def items(self, request, org, pk=None):
        """The campaign's A's in journey order; `?function=<id>` for one function's."""
        campaign = self.get_object()
        function = None
        if request.query_params.get("function"):
            function = _function(self.organization, request.query_params["function"], field="function")
        page = self.paginate_queryset(campaigns.campaign_items(campaign=campaign, function=function))
        return self.get_paginated_response(ItemSerializer(page, many=True).data)

    @extend_schema(request=ConfirmSerializer, responses={200: ConfirmedSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, org, pk=None):
        """Confirm one A (`item`), or all of one function's still waiting (`function`), in one change set."""
        campaign = self.get_object()
        data = valid_data(ConfirmSerializer, request)
        try:
            if "item" in data:
                confirmed = campaigns.campaign_confirm(
                    campaign=campaign, item_ids=[data["item"]], user=acting_user(request)
                )
            else:
                function = _function(self.organization, data["function"])
                role = None
                if "role" in data:
                    role = Role.objects.filter(function=function, pk=data["role"]).first()
                    if role is None:
                        raise serializers.ValidationError({"role": ["No such role in this function."]})
                confirmed = campaigns.campaign_confirm_function(
                    campaign=campaign, function=function, role=role, user=acting_user(request), seen=data.get("items")
                )
        except campaigns.ItemsChanged as changed:
            return _conflict(changed)
        progress = ProgressSerializer(campaigns.campaign_progress(campaign=campaign)).data
        return Response({"confirmed": confirmed, "progress": progress})

    @extend_schema(request=MoveSerializer, responses=ItemSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, org, pk=None):
        """Change one: the item's A goes to another function (a cell edit of the matrix)."""
        campaign = self.get_object()
        data = valid_data(MoveSerializer, request)
        item = ReviewItem.objects.filter(campaign=campaign, pk=data["item"]).first()
        if item is None:
            raise serializers.ValidationError({"item": ["Not an item of this review campaign."]})
        function = _function(self.organization, data["function"])
        try:
            campaigns.campaign_item_move(campaign=campaign, item=item, to_function=function)
        except campaigns.ItemsChanged as changed:
            return _conflict(changed)
        return Response(ItemSerializer(campaigns.campaign_items(campaign=campaign).get(pk=item.pk)).data)

    @extend_schema(request=VersionSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, org, pk=None):
        """End the campaign; each A's outcome is written down as it stands."""
        campaign = self.get_object()
        campaign = campaigns.campaign_close(campaign=campaign, version=requested_version(request))
        return Response(self.get_serializer(campaign).data, headers=etag(campaign.version))


def _function(organization, value, *, field: str = "function") -> Function:
    number = int(value) if str(value).isdigit() else 0
    function = Function.objects.filter(organization=organization, pk=number).first() if 0 < number <= MAX_ID else None
    if function is None:  # nobody's id and another organization's read alike
        raise serializers.ValidationError({field: ["No such function in this organization."]})
    return function


def _conflict(changed: campaigns.ItemsChanged) -> Response:
    return Response(
        {"detail": str(changed), "changed": [item.pk for item in changed.items]}, status=status.HTTP_409_CONFLICT
    )
