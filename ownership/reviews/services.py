"""Review campaigns (ownership attestation): each accountable function confirms its A's, or changes them.

An admin starts a campaign for the organization or one journey, with an end date. The A's on
in-scope touchpoints at that moment are the campaign's items. Each item ends up:

- confirmed: its A was confirmed after the campaign started — through the campaign or anywhere
  else, since every confirmation is the same service (services.assignments_confirm /
  assignment_confirm) and feeds the stale-ownership rule;
- changed: its A is gone (moved to another function, the cell cleared, the journey re-imported)
  or is now carried by another role;
- not yet: neither.

While the campaign is open the outcome is read from the A itself, so an edit in the matrix
editor shows in the campaign at once; closing it writes the outcomes down for the record.
Reminders go out once a day until the end date (ownership.campaign_reminders, run by beat).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cxowner.orgs.history import Change, change_set_record, object_created
from cxowner.orgs.locks import organization_locked, rows_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.versions import versioned_update
from journeys.models import Journey, Touchpoint
from ownership.editor.services import CellChange, assignments_confirm, cells_read, cells_set
from ownership.models import Assignment, Function, ReviewCampaign, ReviewItem, ReviewOutcome, Role
from ownership.reviews.selectors import OUTCOME, campaign_items
from ownership.reviews.signals import campaign_started
from ownership.reviews.tasks import campaign_remind_task

# The campaign's rules keep their place on this module, where the API and the form read them.
from ownership.reviews.validation import NAME_MAX_CHARS as NAME_MAX_CHARS
from ownership.reviews.validation import campaign_fields_check

NOTHING_TO_REVIEW = "Nothing to review: no in-scope touchpoint has an accountable function yet."


CLOSED = "This review campaign is closed: nothing more can be confirmed in it."


class ItemsChanged(Exception):
    """Some A's the reviewer was shown changed meanwhile; nothing was confirmed."""

    def __init__(self, items: list[ReviewItem]):
        self.items = items
        names = ", ".join(item.touchpoint.name for item in items[:5])
        super().__init__(
            f"{len(items)} of the accountabilities shown changed meanwhile ({names}); "
            "look at the list again before confirming."
        )


@dataclass(frozen=True)
class Progress:
    confirmed: int = 0
    changed: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.confirmed + self.changed + self.pending

    @property
    def done_percent(self) -> int:
        """Share of the A's decided (confirmed or changed), rounded down: 100 only when all are."""
        return (self.confirmed + self.changed) * 100 // self.total if self.total else 100


@dataclass
class FunctionReview:
    """One function's part of a campaign: its progress and the people asked."""

    function: Function
    progress: Progress
    holders: list[str] = field(default_factory=list)
    # Some of its A's are carried by no role with an e-mail: the admins are reminded of those.
    admins_asked: bool = False


@dataclass
class HolderReview:
    """One role holder's part of a campaign: the A's their role carried."""

    role: Role
    progress: Progress


# -- reads ----------------------------------------------------------------------------------------
def _progress(counts: Iterable[tuple[str, int]]) -> Progress:
    by_state = dict(counts)
    return Progress(
        confirmed=by_state.get(ReviewOutcome.CONFIRMED, 0),
        changed=by_state.get(ReviewOutcome.CHANGED, 0),
        pending=by_state.get(ReviewOutcome.PENDING, 0),
    )


def campaign_progress(*, campaign: ReviewCampaign) -> Progress:
    rows = ReviewItem.objects.filter(campaign=campaign).annotate(state=OUTCOME).values("state")
    return _progress(rows.annotate(n=Count("id")).values_list("state", "n"))


def campaigns_progress(*, campaigns: Collection[ReviewCampaign]) -> dict[int, Progress]:
    """Progress of many campaigns in one query (the list page)."""
    rows = ReviewItem.objects.filter(campaign__in=campaigns).annotate(state=OUTCOME).values("campaign_id", "state")
    counts: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for campaign_id, state, n in rows.annotate(n=Count("id")).values_list("campaign_id", "state", "n"):
        counts[campaign_id].append((state, n))
    return {campaign.pk: _progress(counts[campaign.pk]) for campaign in campaigns}


def campaign_functions(*, campaign: ReviewCampaign) -> list[FunctionReview]:
    """Every function with A's in the campaign, in the matrix's order, with whom to ask."""
    rows = ReviewItem.objects.filter(campaign=campaign).annotate(state=OUTCOME).values("function_id", "state")
    counts: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for function_id, state, n in rows.annotate(n=Count("id")).values_list("function_id", "state", "n"):
        counts[function_id].append((state, n))
    holders: dict[int, set[str]] = defaultdict(set)
    carried = ReviewItem.objects.filter(campaign=campaign, assignment__role__isnull=False).exclude(
        assignment__role__holder_name=""
    )
    for function_id, holder in (
        carried.values_list("function_id", "assignment__role__holder_name").order_by().distinct()
    ):
        holders[function_id].add(holder)
    nobody = ReviewItem.objects.filter(campaign=campaign).filter(
        Q(assignment__role__isnull=True) | Q(assignment__role__holder_email="")
    )
    admins_asked = set(nobody.values_list("function_id", flat=True).order_by().distinct())
    functions = Function.objects.filter(pk__in=counts).order_by("position", "id")
    return [FunctionReview(f, _progress(counts[f.pk]), sorted(holders[f.pk]), f.pk in admins_asked) for f in functions]


def campaign_holders(*, campaign: ReviewCampaign) -> list[HolderReview]:
    """Every named holder of a role that carried A's when the campaign started, with their progress."""
    rows = (
        ReviewItem.objects.filter(campaign=campaign, role__isnull=False)
        .exclude(role__holder_name="")
        .annotate(state=OUTCOME)
        .values("role_id", "state")
    )
    counts: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for role_id, state, n in rows.annotate(n=Count("id")).values_list("role_id", "state", "n"):
        counts[role_id].append((state, n))
    roles = Role.objects.filter(pk__in=counts).select_related("function").order_by("function__position", "title")
    return [HolderReview(role, _progress(counts[role.pk])) for role in roles]


# -- writes ---------------------------------------------------------------------------------------
@transaction.atomic
def campaign_start(
    *,
    organization: Organization,
    name: str,
    ends_on: date | None,
    journey: Journey | None = None,
    started_by=None,
    today: date,
) -> ReviewCampaign:
    """Ask every function to confirm its A's (of the organization, or of one journey) by `ends_on`."""
    name = campaign_fields_check(organization=organization, name=name, ends_on=ends_on, journey=journey, today=today)
    _none_running(organization=organization, journey=journey)
    rows = _accountable_rows(organization=organization, journey=journey)
    campaign = ReviewCampaign.objects.create(
        organization=organization,
        journey=journey,
        name=name,
        started_at=timezone.now(),
        started_by=started_by if getattr(started_by, "pk", None) else None,
        ends_on=ends_on,
    )
    ReviewItem.objects.bulk_create(
        ReviewItem(
            campaign=campaign, organization=organization, assignment_id=pk, touchpoint_id=t, function_id=f, role_id=r
        )
        for pk, t, f, r in rows
    )
    change_set_record(
        organization_id=organization.pk,
        kind="reviewcampaign.start",
        summary=f"Review campaign “{name}” started: {len(rows)} accountabilities to confirm by {ends_on:%Y-%m-%d}",
        changes=[object_created(campaign)],
        journey_id=journey.pk if journey else None,
    )
    campaign_started.send(sender=ReviewCampaign, campaign=campaign)
    # The first round of reminders is the invitation to review: sent as soon as it is committed.
    transaction.on_commit(lambda: campaign_remind_task.delay(campaign.pk))
    return campaign


def _none_running(*, organization: Organization, journey: Journey | None) -> None:
    """Refuse a second open campaign over the same scope."""
    # Two admins starting the same campaign at once: the second one sees the first.
    organization_locked(organization.pk)
    running = ReviewCampaign.objects.filter(organization=organization, journey=journey, status="open").first()
    if running is not None:
        scope = f"the journey “{journey.name}”" if journey else "the whole organization"
        raise ValidationError(f"“{running.name}” already reviews {scope}; close it before starting another.")


def _accountable_rows(*, organization: Organization, journey: Journey | None) -> list[tuple[int, int, int, int | None]]:
    """The in-scope A's to review, as (assignment, touchpoint, function, role) ids; refused if none."""
    accountable = Assignment.objects.filter(organization=organization, letter="A", touchpoint__out_of_scope=False)
    if journey is not None:
        accountable = accountable.filter(touchpoint__journey=journey)
    rows = list(accountable.values_list("pk", "touchpoint_id", "function_id", "role_id"))
    if not rows:
        raise ValidationError(NOTHING_TO_REVIEW)
    return rows


def _open(campaign: ReviewCampaign) -> None:
    if campaign.status != ReviewCampaign.Status.OPEN:
        raise ValidationError(CLOSED)


@transaction.atomic
def campaign_confirm(
    *, campaign: ReviewCampaign, item_ids: Collection[int], user=None, at: datetime | None = None, summary: str = ""
) -> int:
    """Confirm these A's of the campaign, all or none; the number newly confirmed.

    An A changed since the reviewer saw it (moved, re-carried) refuses the whole confirmation
    (ItemsChanged): the reviewer vouches for what they saw, not for what replaced it. A's
    confirmed meanwhile by someone else are simply left confirmed.
    """
    _open(campaign)
    item_ids = set(item_ids)
    # Lock the touchpoints as a cell edit does, so the A's cannot be moved while they are confirmed.
    touchpoints = ReviewItem.objects.filter(campaign=campaign, pk__in=item_ids).values("touchpoint_id")
    list(rows_locked(Touchpoint.objects.filter(pk__in=touchpoints), no_key=True).values_list("pk", flat=True))
    items = list(campaign_items(campaign=campaign).filter(pk__in=item_ids))
    if len(items) != len(item_ids):
        raise ValidationError("Some of these accountabilities are not part of this review campaign.")
    changed = [item for item in items if item.state == ReviewOutcome.CHANGED]
    if changed:
        raise ItemsChanged(changed)
    pending = [item for item in items if item.state == ReviewOutcome.PENDING]
    if not pending:
        return 0
    if not summary:
        item = pending[0]
        summary = (
            f"{item.function.name}'s accountability for {item.touchpoint.name} confirmed in “{campaign.name}”"
            if len(pending) == 1
            else f"{len(pending)} accountabilities confirmed in “{campaign.name}”"
        )
    confirmed = assignments_confirm(
        organization=campaign.organization,
        assignment_ids=[item.assignment_id for item in pending],
        summary=summary,
        user=user if getattr(user, "pk", None) else None,
        at=at,
    )
    return len(confirmed)


def campaign_confirm_function(
    *,
    campaign: ReviewCampaign,
    function: Function,
    user=None,
    seen: Collection[int] | None = None,
    role: Role | None = None,
    at: datetime | None = None,
) -> int:
    """ "Confirm all": every A of one function (or of one holder in it) still waiting, in one change set.

    `seen`: the items the reviewer was shown; any of them changed meanwhile refuses it all.
    """
    if function.organization_id != campaign.organization_id:
        raise ValidationError({"function": "The function must belong to this organization."})
    if role is not None and role.function_id != function.pk:
        raise ValidationError({"role": "The role must belong to the function."})
    listed = campaign_items(campaign=campaign, function=function, role=role)
    if seen is not None:
        item_ids = set(seen)
        if not item_ids <= set(listed.values_list("pk", flat=True)):
            raise ValidationError(
                {"items": f"Some of these accountabilities are not {function.name}'s in this review."}
            )
    else:
        item_ids = set(listed.exclude(state=ReviewOutcome.CONFIRMED).values_list("pk", flat=True))
    if not item_ids:
        return 0
    whose = f"{role.holder_name} ({role.title})" if role is not None else function.name
    summary = f"{len(item_ids)} accountabilities of {whose} confirmed in “{campaign.name}”"
    return campaign_confirm(campaign=campaign, item_ids=item_ids, user=user, at=at, summary=summary)


@transaction.atomic
def campaign_item_move(*, campaign: ReviewCampaign, item: ReviewItem, to_function: Function) -> ReviewItem:
    """ "Change one": the A goes to another function, through the matrix's own cell service.

    The letter leaves the reviewed function's cell and joins the other's (its other letters
    stay), refused if either cell changed meanwhile; the item then counts as changed.
    """
    _open(campaign)
    item = campaign_items(campaign=campaign).filter(pk=item.pk).first()
    if item is None:
        raise ValidationError("This accountability is not part of this review campaign.")
    if to_function.organization_id != campaign.organization_id:
        raise ValidationError({"function": "The function must belong to this organization."})
    if to_function.pk == item.function_id:
        raise ValidationError({"function": "Choose another function than the one holding the A now."})
    if item.state == ReviewOutcome.CHANGED:
        raise ItemsChanged([item])
    cells = [(item.touchpoint_id, item.function_id), (item.touchpoint_id, to_function.pk)]
    current = cells_read(organization=campaign.organization, cells=cells)
    giving, taking = current[cells[0]], current[cells[1]]
    cells_set(
        organization=campaign.organization,
        changes=[
            CellChange(item.touchpoint_id, item.function_id, giving - {"A"}, expected=giving),
            CellChange(item.touchpoint_id, to_function.pk, taking | {"A"}, expected=taking),
        ],
    )
    item.refresh_from_db()
    return item


@transaction.atomic
def campaign_close(*, campaign: ReviewCampaign, version: int | None) -> ReviewCampaign:
    """End the campaign if it is still at `version`, and write each A's outcome down as it stands."""
    _open(campaign)
    campaign = versioned_update(
        campaign,
        version=version,
        where={"status": ReviewCampaign.Status.OPEN},
        refuse=_open,
        status=ReviewCampaign.Status.CLOSED,
        closed_at=timezone.now(),
    )
    progress = campaign_progress(campaign=campaign)
    items = ReviewItem.objects.filter(campaign=campaign)
    for outcome in (ReviewOutcome.CHANGED, ReviewOutcome.CONFIRMED):
        decided = items.filter(outcome="").annotate(state=OUTCOME).filter(state=outcome).values_list("pk", flat=True)
        ReviewItem.objects.filter(pk__in=list(decided)).update(outcome=outcome)
    items.filter(outcome="").update(outcome=ReviewOutcome.PENDING)
    outcome_text = f"{progress.confirmed} confirmed, {progress.changed} changed, {progress.pending} not reviewed"
    change_set_record(
        organization_id=campaign.organization_id,
        kind="reviewcampaign.close",
        summary=f"Review campaign “{campaign.name}” closed: {outcome_text}",
        changes=[
            Change("reviewcampaign", campaign.pk, "status", ReviewCampaign.Status.OPEN, ReviewCampaign.Status.CLOSED),
            Change("reviewcampaign", campaign.pk, "outcome", None, outcome_text),
        ],
        journey_id=campaign.journey_id,
    )
    return campaign
