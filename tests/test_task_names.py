"""Celery calls a task by its name: beat's schedule, the organizations' PeriodicTasks in the database
and messages already queued name the tasks as they were before the capability packages. Moving a
task to another module must not change its name."""

from cxowner.celery import app

NAMES_CALLED_FROM_OUTSIDE_THE_CODE = {
    "ownership.import_jobs.matrix_import_job_task",
    "ownership.tasks.accepted_risks_reopen_task",
    "ownership.tasks.audit_change_task",
    "ownership.tasks.audit_notify_task",
    "ownership.tasks.audit_run_task",
    "ownership.tasks.audit_runs_resume_task",
    "ownership.tasks.audit_scheduled_task",
    "ownership.tasks.audit_schedules_ensure_task",
    "ownership.tasks.campaign_remind_task",
    "ownership.tasks.campaign_reminders_task",
    "ownership.tasks.gap_assigned_deliver_task",
    "ownership.tasks.jobs_sweep_task",
    "ownership.tasks.live_feed_prune_task",
    "ownership.tasks.sso_members_recheck_task",
    "ownership.tasks.gap_assignee_notify_task",
    "ownership.tasks.inbox_daily_task",
    "ownership.tasks.inbox_mail_task",
    "ownership.tasks.report_mail_task",
    "ownership.tasks.report_mails_due_task",
    "ownership.tasks.report_render_task",
    "ownership.tasks.webhook_deliver_task",
    "ownership.tasks.webhook_event_task",
}


def test_every_task_keeps_the_name_it_is_called_by():
    app.loader.import_default_modules()
    registered = {name for name in app.tasks if name.startswith("ownership.")}
    assert registered == NAMES_CALLED_FROM_OUTSIDE_THE_CODE


def test_beat_calls_only_tasks_that_exist():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled <= set(app.tasks)
