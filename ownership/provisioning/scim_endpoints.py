"""The SCIM resources and discovery endpoints (RFC 7644 §3): Users, Groups, ServiceProviderConfig,
ResourceTypes, Schemas. The views read and answer SCIM; the services (users.py, groups.py) write."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch
from django.http import Http404
from rest_framework import status
from rest_framework.response import Response

from ownership.models import ScimGroup, ScimGroupMember, ScimUser
from ownership.provisioning import groups as group_services
from ownership.provisioning import users as user_services
from ownership.provisioning.scim_discovery import (
    RESOURCE_TYPES,
    SCHEMAS,
    resource_type,
    schema,
    service_provider_config,
)
from ownership.provisioning.scim_groups import FILTER_PATHS as GROUP_PATHS
from ownership.provisioning.scim_groups import GroupChange, group_parse, group_patched, group_resource, groups_filtered
from ownership.provisioning.scim_protocol import (
    GROUP_SCHEMA,
    USER_SCHEMA,
    ScimError,
    filter_parse,
    list_response,
    operations_parse,
    page_parse,
    search_parse,
)
from ownership.provisioning.scim_users import FILTER_PATHS as USER_PATHS
from ownership.provisioning.scim_users import user_parse, user_patched, user_resource, users_filtered
from ownership.provisioning.scim_views import ScimView, actor_label


def _found(queryset, scim_id: str):
    try:
        return queryset.get(scim_id=uuid.UUID(scim_id))
    except (ValueError, queryset.model.DoesNotExist):
        raise Http404(f"No resource has the id “{scim_id}” here.") from None


def _page(query, queryset, render) -> dict:
    start, count = page_parse(query)
    total = queryset.count()
    rows = list(queryset[start - 1 : start - 1 + count]) if count else []
    return list_response([render(row) for row in rows], total=total, start=start)


class Lists:
    """GET a list with a filter and a page, or POST the same as a search (…/.search)."""

    paths: set[str] = set()

    def listed(self, query) -> Response:
        self.query = query
        comparison = filter_parse(query.get("filter"), schema=self.resource_schema, paths=self.paths)
        return Response(_page(query, self.filtered(comparison), self.render))

    def get(self, request, org: str):
        return self.listed(request.query_params)


class UsersMixin:
    resource_schema = USER_SCHEMA

    def users(self):
        groups = Prefetch("groups", queryset=ScimGroup.objects.order_by("display_name", "id"))
        return ScimUser.objects.filter(organization=self.organization).select_related("user").prefetch_related(groups)

    def render(self, scim_user: ScimUser) -> dict:
        return self.projected(user_resource(scim_user, base=self.base))

    def answer(self, scim_user: ScimUser, code: int = status.HTTP_200_OK) -> Response:
        resource = self.render(self.users().get(pk=scim_user.pk))
        return Response(resource, status=code, headers={"Location": resource["meta"]["location"]})

    def leave_options(self) -> dict:
        return {"actor_label": actor_label(self.token), "token": self.token}


class UsersView(UsersMixin, Lists, ScimView):
    paths = USER_PATHS

    def filtered(self, comparison):
        return users_filtered(self.users().order_by("id"), comparison)

    def post(self, request, org: str):
        fields = user_parse(request.data)
        made = self.written(
            lambda: user_services.scim_user_create(
                organization=self.organization, fields=fields, **self.leave_options()
            )
        )
        return self.answer(made, status.HTTP_201_CREATED)


class UserView(UsersMixin, ScimView):
    def get(self, request, org: str, scim_id: str):
        return Response(self.render(_found(self.users(), scim_id)))

    def put(self, request, org: str, scim_id: str):
        scim_user = _found(self.users(), scim_id)
        fields = user_parse(request.data)
        self.written(
            lambda: user_services.scim_user_replace(scim_user=scim_user, fields=fields, **self.leave_options())
        )
        return self.answer(scim_user)

    def patch(self, request, org: str, scim_id: str):
        scim_user = _found(self.users(), scim_id)
        operations = operations_parse(request.data, schema=USER_SCHEMA)
        fields = user_patched(user_services.user_fields(scim_user), operations)
        self.written(
            lambda: user_services.scim_user_replace(scim_user=scim_user, fields=fields, **self.leave_options())
        )
        return self.answer(scim_user)

    def delete(self, request, org: str, scim_id: str):
        scim_user = _found(self.users(), scim_id)
        self.written(lambda: user_services.scim_user_delete(scim_user=scim_user, **self.leave_options()))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupsMixin:
    resource_schema = GROUP_SCHEMA

    def groups(self):
        links = ScimGroupMember.objects.select_related("user__user").order_by("id")
        return ScimGroup.objects.filter(organization=self.organization).prefetch_related(
            Prefetch("memberships", queryset=links)
        )

    def render(self, group: ScimGroup) -> dict:
        # Entra ID asks for groups without their members: they are not read at all then.
        excluded = self.query.get("excludedAttributes") or ""
        excluded = excluded.split(",") if isinstance(excluded, str) else excluded
        with_members = "members" not in {str(name).strip().lower() for name in excluded}
        return self.projected(group_resource(group, base=self.base, with_members=with_members))

    def answer(self, group: ScimGroup, code: int = status.HTTP_200_OK) -> Response:
        resource = self.render(self.groups().get(pk=group.pk))
        return Response(resource, status=code, headers={"Location": resource["meta"]["location"]})

    def change(self, group: ScimGroup, change: GroupChange) -> None:
        if change.attributes:
            self.unique_name(change.attributes.get("display_name"), exclude=group.pk)
            group_services.scim_group_update(group=group, **change.attributes)
        group_services.scim_group_members_set(group=group, add=change.add, remove=change.remove, replace=change.replace)

    def unique_name(self, name: str | None, *, exclude: int | None = None) -> None:
        if name and self.groups().filter(display_name__iexact=name).exclude(pk=exclude).exists():
            raise user_services.ScimConflict(f"A group called “{name}” exists already.")


class GroupsView(GroupsMixin, Lists, ScimView):
    paths = GROUP_PATHS

    def filtered(self, comparison):
        return groups_filtered(self.groups().order_by("id"), comparison)

    def post(self, request, org: str):
        change = group_parse(request.data)
        self.unique_name(change.attributes["display_name"])

        def create():
            return group_services.scim_group_create(
                organization=self.organization, **change.attributes, members=change.replace or []
            )

        return self.answer(self.written(create), status.HTTP_201_CREATED)


class GroupView(GroupsMixin, ScimView):
    def get(self, request, org: str, scim_id: str):
        return Response(self.render(_found(self.groups(), scim_id)))

    def put(self, request, org: str, scim_id: str):
        group = _found(self.groups(), scim_id)
        change = group_parse(request.data)
        self.written(lambda: self.change(group, change))
        return self.answer(group)

    def patch(self, request, org: str, scim_id: str):
        group = _found(self.groups(), scim_id)
        change = group_patched(operations_parse(request.data, schema=GROUP_SCHEMA))
        self.written(lambda: self.change(group, change))
        return self.answer(group)

    def delete(self, request, org: str, scim_id: str):
        group = _found(self.groups(), scim_id)
        self.written(lambda: group_services.scim_group_delete(group=group))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceProviderConfigView(ScimView):
    def get(self, request, org: str):
        return Response(service_provider_config(base=self.base))


class ResourceTypesView(ScimView):
    def get(self, request, org: str, name: str | None = None):
        if name is not None:
            if name not in RESOURCE_TYPES:
                raise Http404(f"No resource type “{name}”.")
            return Response(resource_type(name, base=self.base))
        types = [resource_type(name, base=self.base) for name in RESOURCE_TYPES]
        return Response(list_response(types, total=len(types), start=1))


class SchemasView(ScimView):
    def get(self, request, org: str, urn: str | None = None):
        if urn is not None:
            if urn not in SCHEMAS:
                raise Http404(f"No schema “{urn}”.")
            return Response(schema(urn, base=self.base))
        schemas = [schema(urn, base=self.base) for urn in SCHEMAS]
        return Response(list_response(schemas, total=len(schemas), start=1))


class UsersSearchView(UsersView):
    def post(self, request, org: str):
        return self.listed(search_parse(request.data))


class GroupsSearchView(GroupsView):
    def post(self, request, org: str):
        return self.listed(search_parse(request.data))


class EverythingSearchView(ScimView):
    """POST /.search across every resource type: not done here (RFC 7644 §3.4.3 lets a provider
    answer 501); …/Users/.search and …/Groups/.search are."""

    def post(self, request, org: str):
        raise ScimError(
            501, "Search Users/.search or Groups/.search; searching every resource type at once is not done."
        )


class NothingHereView(ScimView):
    """Any other path under the organization's SCIM root: 404 in SCIM's error schema."""

    def handler(self, request, *args, **kwargs):
        raise Http404("There is no SCIM endpoint here.")

    get = post = put = patch = delete = handler
