"""The ownership pages, mounted under /o/<org>/."""

from django.urls import path

from . import gap_views, gaps_export_views, history_views, import_views, views

app_name = "ownership"

urlpatterns = [
    path("gaps/", views.gap_list, name="gaps"),
    path("gaps/mine/", gap_views.my_gaps, name="my_gaps"),
    path("gaps.csv", gaps_export_views.gaps_export, {"fmt": "csv"}, name="gaps_csv"),
    path("gaps.xlsx", gaps_export_views.gaps_export, {"fmt": "xlsx"}, name="gaps_xlsx"),
    path("gaps/<int:gap_id>/", gap_views.gap_detail, name="gap"),
    path("gaps/<int:gap_id>/assign/", gap_views.gap_assign, name="gap_assign"),
    path("gaps/<int:gap_id>/acknowledge/", gap_views.gap_acknowledge, name="gap_acknowledge"),
    path("gaps/<int:gap_id>/accept-risk/", gap_views.gap_accept_risk, name="gap_accept_risk"),
    path("gaps/<int:gap_id>/reopen/", gap_views.gap_reopen, name="gap_reopen"),
    path("gaps/<int:gap_id>/comments/", gap_views.gap_comment, name="gap_comment"),
    path("functions/", views.function_list, name="functions"),
    path("functions/new/", views.function_add, name="function_add"),
    path("functions/roles/new/", views.role_add, name="role_add"),
    path("audits/", views.audit_list, name="audits"),
    path("activity/", history_views.activity, name="activity"),
    path("activity.csv", history_views.activity_csv, name="activity_csv"),
    path("activity/<int:change_set_id>/", history_views.change_set_detail, name="change_set"),
    path("audits/run/", views.audit_run, name="audit_run"),
    path("import/", import_views.import_export, name="import"),
    path("import/preview/", import_views.import_preview, name="import_preview"),
    path("import/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/template.csv", import_views.import_template, {"fmt": "csv"}, name="import_template_csv"),
    path("import/template.xlsx", import_views.import_template, {"fmt": "xlsx"}, name="import_template_xlsx"),
    path("import/jobs/<int:job_id>/", import_views.import_job, name="import_job"),
    path("import/jobs/<int:job_id>/run/", import_views.import_job_run, name="import_job_run"),
    path("export.csv", import_views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", import_views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/invitations/<int:invitation_id>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("tokens/new/", views.token_add, name="token_add"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
