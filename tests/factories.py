"""factory_boy factories for every model; each keeps its rows inside one organization."""

import factory
from django.contrib.auth import get_user_model

from cxowner.orgs.models import Membership, Organization
from journeys.models import Journey, Stage, Touchpoint
from ownership.models import Assignment, Function, Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.VIEWER


class FunctionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Function

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Function {n}")
    position = factory.Sequence(int)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    function = factory.SubFactory(FunctionFactory)
    organization = factory.SelfAttribute("function.organization")
    title = factory.Sequence(lambda n: f"Role {n}")
    holder_name = "Alex Example"


class JourneyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Journey

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Journey {n}")
    position = factory.Sequence(int)


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    journey = factory.SubFactory(JourneyFactory)
    organization = factory.SelfAttribute("journey.organization")
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(int)


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    stage = factory.SubFactory(StageFactory)
    journey = factory.SelfAttribute("stage.journey")
    organization = factory.SelfAttribute("stage.organization")
    name = factory.Sequence(lambda n: f"Touchpoint {n}")
    position = factory.Sequence(int)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    touchpoint = factory.SubFactory(TouchpointFactory)
    organization = factory.SelfAttribute("touchpoint.organization")
    function = factory.SubFactory(FunctionFactory, organization=factory.SelfAttribute("..organization"))
    letter = "A"
