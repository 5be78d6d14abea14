"""factory_boy factories for every model; each keeps its rows inside one organization. With them
what tests build again and again: a client logged in as a user, a small matrix named cell by cell."""

import factory
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from cxowner.orgs.models import Membership, Organization
from cxowner.sso.models import Protocol, SingleSignOn, SsoDomain
from cxowner.sso.saml import key_pair_new
from cxowner.sso.secrets import secret_encrypt
from journeys.models import Journey, Stage, Touchpoint
from ownership.models import Assignment, Function, Gap, JourneyOwner, Role, Webhook


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


class SingleSignOnFactory(factory.django.DjangoModelFactory):
    """An organization's OpenID Connect provider; `domains` (a list) are its allowed e-mail domains."""

    class Meta:
        model = SingleSignOn
        skip_postgeneration_save = True

    organization = factory.SubFactory("tests.factories.OrganizationFactory")
    name = factory.Sequence(lambda n: f"Provider {n}")
    issuer = "https://idp.example.com"
    client_id = "cxowner"
    client_secret_encrypted = factory.LazyFunction(lambda: secret_encrypt("client-secret"))

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        """Proven domains (a test of the proof makes its own unproven ones)."""
        for domain in extracted or [f"sso{self.pk}.example.com"]:
            SsoDomain.objects.create(single_sign_on=self, domain=domain, verified_at=timezone.now())


class SamlSingleSignOnFactory(SingleSignOnFactory):
    """An organization's SAML provider: give `saml_metadata_xml` (the provider's); the SP's key pair is made."""

    protocol = Protocol.SAML
    issuer = ""
    client_id = ""
    client_secret_encrypted = ""
    saml_metadata_xml = ""

    class Params:
        keys = factory.LazyFunction(lambda: key_pair_new("cxowner tests"))

    saml_key_encrypted = factory.LazyAttribute(lambda o: secret_encrypt(o.keys[0]))
    saml_certificate = factory.LazyAttribute(lambda o: o.keys[1])


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
    """`owner=role` makes the role its journey manager (ownership's JourneyOwner row)."""

    class Meta:
        model = Journey
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Journey {n}")
    position = factory.Sequence(int)

    @factory.post_generation
    def owner(journey, create, role, **kwargs):
        if create and role is not None:
            JourneyOwner.objects.create(organization_id=journey.organization_id, journey=journey, role=role)


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


class GapFactory(factory.django.DjangoModelFactory):
    """An open gap of a touchpoint, as an audit would record it (no audit run needed)."""

    class Meta:
        model = Gap

    touchpoint = factory.SubFactory(TouchpointFactory)
    organization = factory.LazyAttribute(lambda g: g.touchpoint.organization)
    journey = factory.LazyAttribute(lambda g: g.touchpoint.journey)
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    rule = "unassigned"
    severity = "error"
    finding = factory.LazyAttribute(
        lambda g: {"rule": g.rule, "message": f"{g.touchpoint.name} has no one accountable", "functions": []}
    )
    score = 9
    first_seen_at = factory.LazyFunction(timezone.now)


class WebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Webhook

    organization = factory.SubFactory(OrganizationFactory)
    url = "http://127.0.0.1:9/hook"
    secret = factory.Sequence(lambda n: f"webhook-secret-{n}")


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token made by the service (only its hash is stored); the key is on `token.key`."""

    class Meta:
        model = "orgs.ApiToken"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Integration {n}")
    role = Membership.Role.EDITOR
    expires_at = None
    scope = "api"

    @classmethod
    def _create(cls, model_class, *, organization, name, role, expires_at, scope, **kwargs):
        from cxowner.orgs.services import token_create

        token, key = token_create(organization=organization, name=name, role=role, expires_at=expires_at, scope=scope)
        token.key = key
        return token


def matrix_build(*, organization, touchpoints: int, functions: int = 15, stages: int = 5) -> Journey:
    """One journey of `touchpoints` rows spread over `stages`, with `functions` columns and a
    realistic mix of letters (an A and an R on most rows, gaps on some), for size-independence tests."""
    journey = JourneyFactory(organization=organization)
    stage_rows = [StageFactory(journey=journey, organization=organization, position=i) for i in range(stages)]
    function_rows = Function.objects.bulk_create(
        Function(organization=organization, name=f"Dept {organization.pk}-{i}", position=i) for i in range(functions)
    )
    touchpoint_rows = Touchpoint.objects.bulk_create(
        Touchpoint(
            organization=organization,
            journey=journey,
            stage=stage_rows[i % stages],
            name=f"Touchpoint {i}",
            position=i,
            importance=1 + i % 5,
            out_of_scope=i % 17 == 16,
        )
        for i in range(touchpoints)
    )
    letters = []
    for i, touchpoint in enumerate(touchpoint_rows):
        if i % 7 == 6:
            continue  # unassigned
        accountable = function_rows[i % functions]
        letters.append(Assignment(organization=organization, touchpoint=touchpoint, function=accountable, letter="A"))
        if i % 5:
            responsible = function_rows[(i + 1) % functions]
            letters.append(
                Assignment(organization=organization, touchpoint=touchpoint, function=responsible, letter="R")
            )
        letters.append(
            Assignment(
                organization=organization,
                touchpoint=touchpoint,
                function=function_rows[(i + 2) % functions],
                letter="C",
            )
        )
    Assignment.objects.bulk_create(letters)
    return journey


def client_for(user, client_class: type[Client] = Client) -> Client:
    """A browser client logged in (by session) as `user`; `client_class=APIClient` for the API."""
    client = client_class()
    client.force_login(user)
    return client


def letters_build(organization, cells, *, journey: str = "Store visit", stage: str = "Buy") -> dict:
    """A journey of one stage whose touchpoints carry `cells`: (touchpoint, function, letters) by
    name, e.g. ("Till", "Sales", "AR"). Functions and touchpoints are made in the order they are
    first named, the functions at positions 1, 2, …; letters in the order written.
    -> {lower-case name: the function or touchpoint}, with "journey" and "stage"."""
    made = {"journey": JourneyFactory(organization=organization, name=journey)}
    made["stage"] = StageFactory(journey=made["journey"], name=stage)
    functions = {}
    for touchpoint, function, letters in cells:
        if touchpoint.lower() not in made:
            made[touchpoint.lower()] = TouchpointFactory(stage=made["stage"], name=touchpoint)
        if function not in functions:
            functions[function] = FunctionFactory(organization=organization, name=function, position=len(functions) + 1)
        for letter in letters:
            AssignmentFactory(touchpoint=made[touchpoint.lower()], function=functions[function], letter=letter)
    return made | {name.lower(): row for name, row in functions.items()}
