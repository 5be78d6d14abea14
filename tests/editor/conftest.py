"""The matrix the editor's view tests edit (test_api_matrix sets up a larger one of its own)."""

import pytest

from tests.factories import FunctionFactory, JourneyFactory, StageFactory, TouchpointFactory


@pytest.fixture
def matrix(organization):
    """A journey of one stage with two touchpoints (Sales person, Cashier) and two functions (Sales, Finance)."""
    journey = JourneyFactory(organization=organization, name="Store visit")
    stage = StageFactory(journey=journey, organization=organization, name="Buy", position=1)
    first = TouchpointFactory(stage=stage, journey=journey, organization=organization, name="Sales person", position=1)
    second = TouchpointFactory(stage=stage, journey=journey, organization=organization, name="Cashier", position=2)
    sales = FunctionFactory(organization=organization, name="Sales", position=1)
    finance = FunctionFactory(organization=organization, name="Finance", position=2)
    return {"journey": journey, "stage": stage, "first": first, "second": second, "sales": sales, "finance": finance}


@pytest.fixture
def one_stage_journey(organization):
    """one_stage_journey(journey, stage, touchpoints, functions) -> {"journey", "touchpoints", "functions"}:
    a journey of `organization` with one stage, the touchpoints named in this order and the functions named."""

    def build(journey_name: str, stage_name: str, touchpoints: list[str], functions: tuple[str, ...]) -> dict:
        journey = JourneyFactory(organization=organization, name=journey_name)
        stage = StageFactory(journey=journey, organization=organization, name=stage_name)
        return {
            "journey": journey,
            "touchpoints": [
                TouchpointFactory(stage=stage, journey=journey, organization=organization, name=name, position=i)
                for i, name in enumerate(touchpoints)
            ],
            "functions": [FunctionFactory(organization=organization, name=name) for name in functions],
        }

    return build
