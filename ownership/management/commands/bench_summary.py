"""Print every target the benchmarks of this run checked: the last step of `make bench`.

`bench_summary [--forget]`: the rows each bench command recorded (see _targets), in the order they
were measured, with PASS or MISS and the database they ran on. --forget empties the record instead,
as `make bench` does before its first command.
"""

from django.core.management.base import BaseCommand

from ownership.management.commands._targets import forget, recorded, table


class Command(BaseCommand):
    help = "Print the targets the benchmarks of this run checked, with PASS or MISS."

    def add_arguments(self, parser):
        parser.add_argument("--forget", action="store_true", help="empty the record of the last run")

    def handle(self, *args, **options):
        if options.get("forget"):
            forget()
            return
        verdicts = recorded()
        if not verdicts:
            self.stdout.write("No benchmark recorded a target yet: run make bench.")
            return
        missed = sum(not verdict.passed for verdict in verdicts)
        self.stdout.write(f"\nEvery target of this run ({len(verdicts)} rows, {missed} missed):\n")
        self.stdout.write(table(verdicts, with_database=True) + "\n")
