"""API views for organizations, their members and API tokens, and the health ping."""

from django.http import Http404
from django.urls import reverse
from django.utils.timezone import now
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from cxowner.orgs.authentication import TokenUser, acting_user
from cxowner.orgs.invitations import invitation_create, invitation_revoke
from cxowner.orgs.models import ApiToken, Invitation, Membership, Organization
from cxowner.orgs.selectors import organizations_for
from cxowner.orgs.services import (
    membership_remove,
    membership_set_role,
    organization_settings_update,
    organization_settings_version,
    token_create,
    token_revoke,
)
from cxowner.orgs.views import accept_url_pattern

from .base import (
    API_VERSION,
    ID_PATTERN,
    OrganizationRole,
    OrganizationScopedMixin,
    PagePagination,
    etag,
    requested_version,
)
from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    InvitationCreatedSerializer,
    InvitationSerializer,
    MembershipRoleSerializer,
    MembershipSerializer,
    OrganizationSerializer,
    PingSerializer,
)


class PingView(APIView):
    """Health and version: no database, no authentication (the benchmark's reference endpoint)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []

    @extend_schema(responses=PingSerializer)
    def get(self, request):
        return Response({"status": "ok", "version": API_VERSION})


class NotFoundView(APIView):
    """Every unknown path under /api/v1/: a JSON 404 like every other API error."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    schema = None

    def get(self, request, *args, **kwargs):
        raise Http404("No such API endpoint")

    # Whatever the method: the path itself does not exist.
    post = put = patch = delete = options = get


class OrganizationPermission(OrganizationRole):
    """The list needs only a signed-in caller; one organization follows the member rules."""

    def has_permission(self, request, view) -> bool:
        if "org" not in view.kwargs:
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


class OrganizationViewSet(OrganizationScopedMixin, viewsets.GenericViewSet):
    """The organizations the caller belongs to; admins change the name and rule thresholds."""

    serializer_class = OrganizationSerializer
    permission_classes = [OrganizationPermission]
    pagination_class = PagePagination
    lookup_field = "slug"
    lookup_url_kwarg = "org"
    write_role = Membership.Role.ADMIN

    def get_queryset(self):
        user = self.request.user
        if isinstance(user, TokenUser):
            return Organization.objects.filter(pk=user.token.organization_id)
        return organizations_for(user=user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        if isinstance(user, TokenUser):
            context["roles"] = {user.token.organization_id: user.token.role}
        elif user.is_authenticated:
            context["roles"] = dict(Membership.objects.filter(user=user).values_list("organization_id", "role"))
        return context

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, org):
        organization = self.organization
        data = self.get_serializer(organization).data
        return Response(data, headers=etag(data["version"]))

    @extend_schema(request=OrganizationSerializer, responses=OrganizationSerializer)
    def partial_update(self, request, org):
        version = requested_version(request)
        serializer = self.get_serializer(self.organization, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        organization = organization_settings_update(
            organization=self.organization, version=version, **serializer.validated_data
        )
        data = self.get_serializer(organization).data
        return Response(data, headers=etag(organization_settings_version(organization)))


class AdminListViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A list of the organization's own people and keys (members, invitations, tokens): a page at
    a time, read and changed by its admins only."""

    pagination_class = PagePagination
    read_role = Membership.Role.ADMIN
    write_role = Membership.Role.ADMIN


class MembershipViewSet(AdminListViewSet):
    """Members of the organization and their roles: admins only. People join by invitation."""

    http_method_names = ["get", "patch", "delete", "head", "options"]

    serializer_class = MembershipSerializer

    def get_queryset(self):
        return Membership.objects.filter(organization=self.organization).select_related("user").order_by("id")

    @extend_schema(request=MembershipRoleSerializer, responses=MembershipSerializer)
    def partial_update(self, request, org, pk):
        serializer = MembershipRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = membership_set_role(membership=self.get_object(), role=serializer.validated_data["role"])
        return Response(self.get_serializer(membership).data)

    def destroy(self, request, org, pk):
        membership_remove(membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(AdminListViewSet):
    """Open invitations: admins invite an e-mail address with a role, and withdraw invitations.

    The answer is the same whether or not the address belongs to a user, here or elsewhere.
    """

    serializer_class = InvitationSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return Invitation.objects.filter(
            organization=self.organization, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now()
        ).order_by("-id")

    @extend_schema(request=InvitationSerializer, responses={201: InvitationCreatedSerializer})
    def create(self, request, org):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = acting_user(request)
        invitation, token = invitation_create(
            organization=self.organization,
            invited_by=user,
            accept_url=accept_url_pattern(request),
            **serializer.validated_data,
        )
        invitation.accept_url = request.build_absolute_uri(reverse("invitation", args=[token]))
        return Response(InvitationCreatedSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(description="Withdraw the invitation: its link stops working.", responses={204: None})
    def destroy(self, request, org, pk):
        invitation_revoke(invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(AdminListViewSet):
    """API tokens of the organization: admins create them (the key is shown once) and revoke them."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return ApiToken.objects.filter(organization=self.organization).order_by("-id")

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, org):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = acting_user(request)
        token, key = token_create(organization=self.organization, created_by=user, **serializer.validated_data)
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        description="Revoke the token: it stops working at once and stays listed.",
        responses={204: OpenApiResponse(description="Revoked")},
    )
    def destroy(self, request, org, pk):
        token = self.get_object()
        if token.revoked_at is not None:
            raise Http404("No such active token")
        token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
