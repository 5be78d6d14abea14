"""The SCIM endpoints of one organization, mounted by cxowner.urls under /scim/v2/o/<org>/."""

from django.urls import path, re_path

from ownership.provisioning import scim_endpoints as scim

app_name = "scim"
urlpatterns = [
    path("Users", scim.UsersView.as_view(), name="users"),
    path("Users/.search", scim.UsersSearchView.as_view(), name="users_search"),
    path("Users/<str:scim_id>", scim.UserView.as_view(), name="user"),
    path("Groups", scim.GroupsView.as_view(), name="groups"),
    path("Groups/.search", scim.GroupsSearchView.as_view(), name="groups_search"),
    path("Groups/<str:scim_id>", scim.GroupView.as_view(), name="group"),
    path("ServiceProviderConfig", scim.ServiceProviderConfigView.as_view(), name="config"),
    path("ResourceTypes", scim.ResourceTypesView.as_view(), name="resource_types"),
    path("ResourceTypes/<str:name>", scim.ResourceTypesView.as_view(), name="resource_type"),
    path("Schemas", scim.SchemasView.as_view(), name="schemas"),
    path("Schemas/<str:urn>", scim.SchemasView.as_view(), name="schema"),
    path(".search", scim.EverythingSearchView.as_view(), name="search"),
    re_path(r"^.*$", scim.NothingHereView.as_view(), name="nothing_here"),
]
