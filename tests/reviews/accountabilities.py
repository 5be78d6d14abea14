"""The accountabilities a review campaign goes through, built for the campaign tests."""

from tests.factories import AssignmentFactory, FunctionFactory, JourneyFactory, StageFactory, TouchpointFactory


def store_visit(organization, touchpoints: list[str]) -> dict:
    """Sales and Customer Service, and a journey "Store visit" of one stage "Buy" with these
    touchpoints, in this order, each with Sales accountable."""
    sales = FunctionFactory(organization=organization, name="Sales")
    service = FunctionFactory(organization=organization, name="Customer Service")
    journey = JourneyFactory(organization=organization, name="Store visit")
    stage = StageFactory(journey=journey, name="Buy")
    built = [TouchpointFactory(stage=stage, name=name) for name in touchpoints]
    for touchpoint in built:
        AssignmentFactory(touchpoint=touchpoint, function=sales)
    return {"sales": sales, "service": service, "journey": journey, "touchpoints": built}


def shelves(stage, function, count: int) -> None:
    """`count` more touchpoints of `stage`, "Shelf 0" on, each with `function` accountable: a long list."""
    for n in range(count):
        AssignmentFactory(touchpoint=TouchpointFactory(stage=stage, name=f"Shelf {n}"), function=function)
