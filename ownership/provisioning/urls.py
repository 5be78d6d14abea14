"""The SCIM endpoints of one organization, mounted by cxowner.urls under /scim/v2/o/<org>/.

A provider given the base URL with a trailing slash asks for "…/o/acme//Users": the extra slash
is read as none."""

from django.urls import re_path

from ownership.provisioning import scim_endpoints as scim

app_name = "scim"
ID = r"(?P<scim_id>[^/]+)"
urlpatterns = [
    re_path(r"^(?:/)?Users$", scim.UsersView.as_view(), name="users"),
    re_path(r"^(?:/)?Users/\.search$", scim.UsersSearchView.as_view(), name="users_search"),
    re_path(rf"^(?:/)?Users/{ID}$", scim.UserView.as_view(), name="user"),
    re_path(r"^(?:/)?Groups$", scim.GroupsView.as_view(), name="groups"),
    re_path(r"^(?:/)?Groups/\.search$", scim.GroupsSearchView.as_view(), name="groups_search"),
    re_path(rf"^(?:/)?Groups/{ID}$", scim.GroupView.as_view(), name="group"),
    re_path(r"^(?:/)?ServiceProviderConfig$", scim.ServiceProviderConfigView.as_view(), name="config"),
    re_path(r"^(?:/)?ResourceTypes$", scim.ResourceTypesView.as_view(), name="resource_types"),
    re_path(r"^(?:/)?ResourceTypes/(?P<name>[^/]+)$", scim.ResourceTypesView.as_view(), name="resource_type"),
    re_path(r"^(?:/)?Schemas$", scim.SchemasView.as_view(), name="schemas"),
    re_path(r"^(?:/)?Schemas/(?P<urn>[^/]+)$", scim.SchemasView.as_view(), name="schema"),
    re_path(r"^(?:/)?\.search$", scim.EverythingSearchView.as_view(), name="search"),
    re_path(r"^.*$", scim.NothingHereView.as_view(), name="nothing_here"),
]
