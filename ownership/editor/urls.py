"""The journeys' pages, mounted under /o/<org>/journeys/ with the `journeys` URL names: the
portfolio list, a new journey, and the matrix editor and journey map of each journey.

They live here, not in the journeys app, because the editor edits ownership (RACI letters,
gaps): journeys must not import ownership, while ownership builds on journeys.
"""

from django.urls import path

from journeys.views import journey_create
from ownership.editor import portfolio_views as portfolio
from ownership.editor import structure_views as structure
from ownership.editor import views as matrix
from ownership.history import views as history

app_name = "journeys"


touchpoint = "<int:journey_id>/touchpoints/<int:touchpoint_id>/"


urlpatterns = [
    path("", portfolio.journey_list, name="list"),
    path("live/", portfolio.journey_list_live, name="list_live"),
    path("new/", journey_create, name="create"),
    path("<int:journey_id>/", matrix.matrix, name="matrix"),
    path("<int:journey_id>/map/", matrix.journey_map, name="map"),
    path("<int:journey_id>/activity/", history.journey_activity, name="activity"),
    path(touchpoint + "history/", history.touchpoint_changes, name="touchpoint_history"),
    path("<int:journey_id>/cells/", matrix.cell_set, name="cell"),
    path("<int:journey_id>/live-rows/", matrix.matrix_live_rows, name="live_rows"),
    path("<int:journey_id>/cells/batch/", matrix.cells_batch, name="cells_batch"),
    path("<int:journey_id>/undo/", matrix.undo, name="undo"),
    path("<int:journey_id>/redo/", matrix.redo, name="redo"),
    path("<int:journey_id>/owner/", structure.owner_set, name="owner"),
    path("<int:journey_id>/stages/", structure.stage_create, name="stage_create"),
    path("<int:journey_id>/stages/<int:stage_id>/rows/", matrix.matrix_rows, name="rows"),
    path("<int:journey_id>/stages/<int:stage_id>/rename/", structure.stage_rename, name="stage_rename"),
    path("<int:journey_id>/stages/<int:stage_id>/move/", structure.stage_move, name="stage_move"),
    path("<int:journey_id>/stages/<int:stage_id>/delete/", structure.stage_delete, name="stage_delete"),
    path("<int:journey_id>/stages/<int:stage_id>/touchpoints/", structure.touchpoint_create, name="touchpoint_create"),
    path(touchpoint, structure.touchpoint_edit, name="touchpoint_edit"),
    path(f"{touchpoint}move/", structure.touchpoint_move, name="touchpoint_move"),
    path(f"{touchpoint}confirm/", structure.touchpoint_confirm, name="touchpoint_confirm"),
    path(f"{touchpoint}delete/", structure.touchpoint_delete, name="touchpoint_delete"),
    path(
        f"{touchpoint}accountable/<int:assignment_id>/",
        structure.accountable_role,
        name="accountable_role",
    ),
]
