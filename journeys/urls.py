"""The journeys pages, mounted under /o/<org>/journeys/."""

from django.urls import path

from . import views

app_name = "journeys"

urlpatterns = [
    path("", views.journey_list, name="list"),
    path("new/", views.journey_create, name="create"),
    path("<int:journey_id>/", views.matrix, name="matrix"),
    path("<int:journey_id>/map/", views.journey_map, name="map"),
    path("<int:journey_id>/cells/", views.cell_set, name="cell"),
    path("<int:journey_id>/undo/", views.undo, name="undo"),
    path("<int:journey_id>/owner/", views.owner_set, name="owner"),
    path("<int:journey_id>/stages/", views.stage_create, name="stage_create"),
    path("<int:journey_id>/stages/<int:stage_id>/rename/", views.stage_rename, name="stage_rename"),
    path("<int:journey_id>/stages/<int:stage_id>/move/", views.stage_move, name="stage_move"),
    path("<int:journey_id>/stages/<int:stage_id>/delete/", views.stage_delete, name="stage_delete"),
    path("<int:journey_id>/stages/<int:stage_id>/touchpoints/", views.touchpoint_create, name="touchpoint_create"),
    path("<int:journey_id>/touchpoints/<int:touchpoint_id>/", views.touchpoint_edit, name="touchpoint_edit"),
    path("<int:journey_id>/touchpoints/<int:touchpoint_id>/move/", views.touchpoint_move, name="touchpoint_move"),
    path(
        "<int:journey_id>/touchpoints/<int:touchpoint_id>/confirm/", views.touchpoint_confirm, name="touchpoint_confirm"
    ),
    path("<int:journey_id>/touchpoints/<int:touchpoint_id>/delete/", views.touchpoint_delete, name="touchpoint_delete"),
    path(
        "<int:journey_id>/touchpoints/<int:touchpoint_id>/accountable/<int:assignment_id>/",
        views.accountable_role,
        name="accountable_role",
    ),
]
