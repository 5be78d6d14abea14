"""The what-if scenario pages, mounted under /o/<org>/scenarios/."""

from django.urls import path

from ownership.scenarios import cell_views, views

app_name = "scenarios"


urlpatterns = [
    path("", views.scenario_list, name="list"),
    path("new/", views.scenario_create, name="create"),
    path("<int:scenario_id>/", views.scenario_detail, name="detail"),
    path("<int:scenario_id>/steps/", views.scenario_step_add, name="step_add"),
    path("<int:scenario_id>/steps/<int:position>/remove/", views.scenario_step_remove, name="step_remove"),
    path("<int:scenario_id>/journeys/<int:journey_id>/cells/", cell_views.scenario_cells, name="cells"),
    path("<int:scenario_id>/apply/", views.scenario_apply, name="apply"),
    path("<int:scenario_id>/rebase/", views.scenario_rebase, name="rebase"),
    path("<int:scenario_id>/discard/", views.scenario_discard, name="discard"),
]
