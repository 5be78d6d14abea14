# Joins the features built side by side in one stop (role holders, fixes, settings, report
# mail, campaigns, scenarios): no operations of its own.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ownership", "0010_role_holder_member"),
        ("ownership", "0011_gap_fixes_leftovers"),
        ("ownership", "0011_report_mail"),
        ("ownership", "0010_review_campaigns"),
        ("ownership", "0010_scenarios"),
    ]

    operations = []
