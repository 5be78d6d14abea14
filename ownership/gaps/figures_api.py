"""The figures for integrations: `GET /api/v1/orgs/{org}/gaps/figures/` answers what the
dashboard, the report and the journeys page show (ownership.gaps.figures, docs/figures.md) — of
the organization, one journey (`?journey=`) or one stage (`?stage=`), with their change over
`?period=` days (7, 30 or 90; 30 by default).

Coverage is a share and a whole percent, both null when no touchpoint is in scope; a change's
`then` is null where there is no earlier figure (an organization younger than the period).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from cxowner.orgs.api.base import MAX_ID
from journeys.models import Journey, Stage
from ownership.gaps.figures import (
    DEFAULT_PERIOD,
    PERIODS,
    Coverage,
    Figure,
    Figures,
    GapFigures,
    PlaceFigures,
    figures_read,
)


class CoverageSerializer(serializers.Serializer):
    in_scope = serializers.IntegerField(help_text="In-scope touchpoints.")
    covered = serializers.IntegerField(help_text="Of which with exactly one A and at least one R.")
    share = serializers.FloatField(allow_null=True, help_text="covered ÷ in_scope; null when nothing is in scope.")
    percent = serializers.IntegerField(allow_null=True, help_text="The share in whole percent, as the pages show it.")


class FigureSerializer(serializers.Serializer):
    now = serializers.IntegerField(allow_null=True)
    then = serializers.IntegerField(allow_null=True, help_text="Null: no earlier figure.")
    change = serializers.IntegerField(allow_null=True)


def _counts(**kwargs) -> serializers.DictField:
    return serializers.DictField(child=serializers.IntegerField(), **kwargs)


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    coverage = CoverageSerializer()
    open_gaps = serializers.IntegerField(help_text="Open gaps, accepted risks apart.")
    by_severity = _counts()
    accepted_risks = serializers.IntegerField()
    handoff_gaps = serializers.IntegerField()
    change = FigureSerializer(allow_null=True, help_text="Its open gaps now and at the start of the period.")


class FunctionGapsSerializer(serializers.Serializer):
    function = serializers.IntegerField()
    name = serializers.CharField()
    by_severity = _counts()
    total = serializers.IntegerField()


class ChangeSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateField(help_text="The day compared with: its figures are those at its end.")
    earlier = serializers.BooleanField(help_text="False: the organization is younger than the period.")
    coverage = FigureSerializer(help_text="In percent.")
    open_gaps = FigureSerializer()
    errors = FigureSerializer()
    accepted_risks = FigureSerializer()
    resolved = FigureSerializer(help_text="Resolved in the period, and in the period before it.")


class FiguresSerializer(serializers.Serializer):
    journey = serializers.IntegerField(allow_null=True)
    stage = serializers.IntegerField(allow_null=True)
    coverage = CoverageSerializer()
    open_gaps = serializers.IntegerField(help_text="Open gaps, accepted risks apart.")
    by_severity = _counts()
    by_rule = _counts(help_text="Rules with open gaps only.")
    accepted_risks = serializers.IntegerField()
    handoff_gaps = serializers.IntegerField()
    by_function = FunctionGapsSerializer(many=True, help_text="A gap naming two functions counts for each.")
    journeys = PlaceSerializer(many=True, help_text="Worst first: most errors, lowest coverage, most open gaps.")
    stages = PlaceSerializer(many=True, help_text="A journey's (or the one) stage's figures, in order.")
    change = ChangeSerializer()


FIGURES_PARAMETERS = [
    OpenApiParameter("journey", int, description="The figures of this journey."),
    OpenApiParameter("stage", int, description="The figures of this stage."),
    OpenApiParameter("period", int, enum=list(PERIODS), description="Days of the change (30 by default)."),
]


def _coverage(coverage: Coverage) -> dict:
    share = coverage.share
    return {"in_scope": coverage.in_scope, "covered": coverage.covered, "share": share, "percent": coverage.percent}


def _figure(figure: Figure) -> dict:
    return {"now": figure.now, "then": figure.then, "change": figure.change}


def _gaps(gaps: GapFigures) -> dict:
    return {
        "open_gaps": gaps.total,
        "by_severity": dict(gaps.by_severity),
        "accepted_risks": gaps.accepted_risks,
        "handoff_gaps": gaps.handoff_gaps,
    }


def _place(place: PlaceFigures) -> dict:
    change = None if place.change is None else _figure(place.change)
    return {
        "id": place.id,
        "name": place.name,
        "coverage": _coverage(place.coverage),
        **_gaps(place.gaps),
        "change": change,
    }


def figures_data(figures: Figures) -> dict:
    """The figures as the API answers them (FiguresSerializer's shape)."""
    change = figures.change
    return {
        "journey": figures.journey.pk if figures.journey is not None else None,
        "stage": figures.stage.pk if figures.stage is not None else None,
        "coverage": _coverage(figures.coverage),
        **_gaps(figures.gaps),
        "by_rule": dict(figures.gaps.rules_most_first()),
        "by_function": [
            {"function": row.id, "name": row.name, "by_severity": dict(row.by_severity), "total": row.total}
            for row in figures.by_function
        ],
        "journeys": [_place(place) for place in figures.journeys_worst_first],
        "stages": [_place(place) for place in figures.stages],
        "change": {
            "days": change.days,
            "since": change.since,
            "earlier": change.earlier,
            **{
                name: _figure(getattr(change, name))
                for name in ("coverage", "open_gaps", "errors", "accepted_risks", "resolved")
            },
        },
    }


def _id(params, name: str) -> int | None:
    if name not in params:
        return None
    field = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    try:
        return field.run_validation(params[name])
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from None


def figures_answer(*, organization, params) -> dict:
    """The figures asked for by the query `params`: 400 for a value that is not an id or a period,
    404 for another organization's journey or stage."""
    journey_id, stage_id = _id(params, "journey"), _id(params, "stage")
    days = DEFAULT_PERIOD
    if "period" in params:
        field = serializers.ChoiceField(choices=list(PERIODS))
        try:
            days = int(field.run_validation(params["period"]))
        except (serializers.ValidationError, ValueError) as error:
            detail = getattr(error, "detail", ["Not a period."])
            raise serializers.ValidationError({"period": detail}) from None
    journey = stage = None
    if stage_id is not None:
        stages = Stage.objects.filter(organization=organization)
        if journey_id is not None:
            stages = stages.filter(journey_id=journey_id)
        stage = get_object_or_404(stages, pk=stage_id)
    elif journey_id is not None:
        journey = get_object_or_404(Journey, organization=organization, pk=journey_id)
    figures = figures_read(organization=organization, journey=journey, stage=stage, days=days)
    return FiguresSerializer(figures_data(figures)).data
