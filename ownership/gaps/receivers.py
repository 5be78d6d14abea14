"""What the gaps do when the matrix changes (cxowner.orgs.signals.matrix_changed), connected in
OwnershipConfig.ready: first the live gap state is brought up to date inside the write's
transaction, then, once it commits, an audit is asked for (when AUDIT_ON_CHANGE is on)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from cxowner.orgs.signals import MatrixScope, matrix_changed
from ownership.gaps.audit_requests import audit_after_change
from ownership.gaps.live import gaps_refresh


@receiver(matrix_changed, dispatch_uid="ownership.gaps_refresh")
def _gaps_on_matrix_change(sender, organization_id: int, scope: MatrixScope | None = None, **kwargs) -> None:
    # A sender that does not say what it touched gets the safe answer: everything.
    gaps_refresh(organization_id=organization_id, scope=scope or MatrixScope.of("change", organization_wide=True))


@receiver(matrix_changed, dispatch_uid="ownership.audit_after_change")
def _audit_on_matrix_change(sender, organization_id: int, **kwargs) -> None:
    if settings.AUDIT_ON_CHANGE:
        # robust: a broker that is down must not turn a saved edit into an error page.
        transaction.on_commit(lambda: audit_after_change(organization_id=organization_id), robust=True)
