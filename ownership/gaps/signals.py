"""What the gaps announce to the capabilities built on them, which the gaps never import.

Both are sent once the change is committed, so a receiver may hand work to a worker at once
(ownership.automation.receivers e-mails people and calls the webhooks):

- audit_changes_committed(run=AuditRun): a run that opened or resolved gaps, whose notice has
  not gone out yet;
- gap_assigned(gap_id=int): a gap has a new assignee.

gap_commented(comment=GapComment) is sent inside the comment's own transaction instead, so what
it makes (the inbox's mentions and replies, ownership.inbox) is written with the comment or not
at all.
"""

from django.dispatch import Signal

audit_changes_committed = Signal()


gap_assigned = Signal()


gap_commented = Signal()
