"""The ownership pages, mounted under /o/<org>/ by cxowner.urls: the organization's dashboard, the
journeys (their matrix editor, in the `journeys` names), the what-if scenarios (`scenarios`) and
every other page in the `ownership` names."""

from django.urls import include, path

from ownership.automation import settings_views
from ownership.dashboard import views as dashboard_views
from ownership.editor import revert_views
from ownership.fixes import views as fix_views
from ownership.gaps import export_views as gaps_export_views
from ownership.gaps import list_views as gap_list_views
from ownership.gaps import views as gap_views
from ownership.history import views as history_views
from ownership.imports import views as import_views
from ownership.inbox import views as inbox_views
from ownership.members import views as members_views
from ownership.reports import views as report_views
from ownership.reviews import views as campaign_views
from ownership.structure import views as function_views

pages = [
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/bell/", inbox_views.inbox_bell, name="inbox_bell"),
    path("inbox/read-all/", inbox_views.inbox_read_all, name="inbox_read_all"),
    path("inbox/settings/", inbox_views.inbox_preference, name="inbox_preference"),
    path("inbox/<int:item_id>/open/", inbox_views.inbox_open, name="inbox_open"),
    path("inbox/<int:item_id>/read/", inbox_views.inbox_read, name="inbox_read"),
    path("gaps/", gap_list_views.gap_list, name="gaps"),
    path("gaps/live/", gap_list_views.gap_list_live, name="gaps_live"),
    path("gaps/bulk/", gap_list_views.gap_bulk, name="gaps_bulk"),
    path("gaps/mine/", gap_views.my_gaps, name="my_gaps"),
    path("gaps.csv", gaps_export_views.gaps_export, {"fmt": "csv"}, name="gaps_csv"),
    path("gaps.xlsx", gaps_export_views.gaps_export, {"fmt": "xlsx"}, name="gaps_xlsx"),
    path("gaps/<int:gap_id>/", gap_views.gap_detail, name="gap"),
    path("gaps/<int:gap_id>/live/", gap_views.gap_detail_live, name="gap_live"),
    path("gaps/<int:gap_id>/assign/", gap_views.gap_assign, name="gap_assign"),
    path("gaps/<int:gap_id>/acknowledge/", gap_views.gap_acknowledge, name="gap_acknowledge"),
    path("gaps/<int:gap_id>/accept-risk/", gap_views.gap_accept_risk, name="gap_accept_risk"),
    path("gaps/<int:gap_id>/reopen/", gap_views.gap_reopen, name="gap_reopen"),
    path("gaps/<int:gap_id>/comments/", gap_views.gap_comment, name="gap_comment"),
    path(
        "gaps/<int:gap_id>/comments/<int:comment_id>/delete/", gap_views.gap_comment_delete, name="gap_comment_delete"
    ),
    path("gaps/<int:gap_id>/fix/", fix_views.gap_fix, name="gap_fix"),
    path("functions/", function_views.function_list, name="functions"),
    path("functions/new/", function_views.function_add, name="function_add"),
    path("functions/roles/new/", function_views.role_add, name="role_add"),
    path("functions/<int:function_id>/rename/", function_views.function_rename, name="function_rename"),
    path("functions/<int:function_id>/move/", function_views.function_move, name="function_move"),
    path("functions/<int:function_id>/merge/", function_views.function_merge_view, name="function_merge"),
    path("functions/<int:function_id>/delete/", function_views.function_delete, name="function_delete"),
    path("functions/roles/<int:role_id>/", function_views.role_edit, name="role_edit"),
    path("functions/roles/<int:role_id>/delete/", function_views.role_delete, name="role_delete"),
    path("reviews/", campaign_views.campaign_list, name="campaigns"),
    path("reviews/<int:campaign_id>/", campaign_views.campaign_detail, name="campaign"),
    path("reviews/<int:campaign_id>/close/", campaign_views.campaign_close, name="campaign_close"),
    path(
        "reviews/<int:campaign_id>/functions/<int:function_id>/",
        campaign_views.campaign_function,
        name="campaign_function",
    ),
    path(
        "reviews/<int:campaign_id>/functions/<int:function_id>/confirm/",
        campaign_views.campaign_confirm,
        name="campaign_confirm",
    ),
    path(
        "reviews/<int:campaign_id>/items/<int:item_id>/move/", campaign_views.campaign_item_move, name="campaign_move"
    ),
    path("audits/", gap_views.audit_list, name="audits"),
    path("report/", report_views.report_page, name="report"),
    path("report.pdf", report_views.report_pdf_download, name="report_pdf"),
    path("report/jobs/<int:job_id>/", report_views.report_job, name="report_job"),
    path("report/jobs/<int:job_id>/pdf/", report_views.report_job_download, name="report_job_pdf"),
    path("report/mail/", report_views.report_mail_settings, name="report_mail"),
    path("activity/", history_views.activity, name="activity"),
    path("activity.csv", history_views.activity_csv, name="activity_csv"),
    path("activity/<int:change_set_id>/", history_views.change_set_detail, name="change_set"),
    path("activity/<int:change_set_id>/revert/", revert_views.change_set_revert_page, name="change_set_revert"),
    path("audits/run/", gap_views.audit_run, name="audit_run"),
    path("import/", import_views.import_export, name="import"),
    path("import/preview/", import_views.import_preview, name="import_preview"),
    path("import/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/template.csv", import_views.import_template, {"fmt": "csv"}, name="import_template_csv"),
    path("import/template.xlsx", import_views.import_template, {"fmt": "xlsx"}, name="import_template_xlsx"),
    path("import/jobs/<int:job_id>/", import_views.import_job, name="import_job"),
    path("import/jobs/<int:job_id>/run/", import_views.import_job_run, name="import_job_run"),
    path("export.csv", import_views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", import_views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("members/", members_views.members, name="members"),
    path("members/invite/", members_views.member_invite, name="member_invite"),
    path(
        "members/invitations/<int:invitation_id>/withdraw/",
        members_views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("members/<int:member_id>/role/", members_views.member_role, name="member_role"),
    path("members/<int:member_id>/remove/", members_views.member_remove, name="member_remove"),
    path("tokens/new/", members_views.token_add, name="token_add"),
    path("scim-groups/<int:group_id>/", members_views.scim_group_map, name="scim_group_map"),
    path("tokens/<int:token_id>/revoke/", members_views.token_revoke, name="token_revoke"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/thresholds/", settings_views.settings_thresholds, name="settings_thresholds"),
    path("settings/schedule/", settings_views.settings_schedule, name="settings_schedule"),
    path("settings/schedule/preview/", settings_views.schedule_preview_partial, name="schedule_preview"),
    path("settings/webhooks/", settings_views.webhook_add, name="webhook_add"),
    path("settings/webhooks/<int:webhook_id>/active/", settings_views.webhook_toggle, name="webhook_toggle"),
    path("settings/webhooks/<int:webhook_id>/delete/", settings_views.webhook_remove, name="webhook_delete"),
    path("settings/webhooks/<int:webhook_id>/test/", settings_views.webhook_test, name="webhook_test"),
    path("settings/webhooks/<int:webhook_id>/rotate/", settings_views.webhook_rotate, name="webhook_rotate"),
]

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/live/", dashboard_views.dashboard_live, name="dashboard_live"),
    path("journeys/", include("ownership.editor.urls")),
    path("scenarios/", include("ownership.scenarios.urls")),
    path("", include((pages, "ownership"))),
]
