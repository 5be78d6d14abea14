"""A member the "SSO only" organization's provider no longer accepts leaves: the provider is asked
with the refresh token it gave at sign-in, against the tests' real provider on loopback."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from cxowner.orgs.models import ChangeSet, Membership
from cxowner.sso.models import SsoIdentity
from cxowner.sso.recheck import ProviderAsker, Verdict
from cxowner.sso.secrets import secret_decrypt, secret_encrypt
from ownership.models import AuditRun, InboxItem, Role
from ownership.provisioning.revocations import sso_members_recheck
from ownership.tasks import sso_members_recheck_task
from tests.factories import (
    MembershipFactory,
    UserFactory,
)
from tests.provisioning.test_leavers import held_role, vacant_gaps  # noqa: F401  (a fixture and its gaps)


@pytest.fixture
def sso_only(sso):
    sso.sso_only = True
    sso.save()
    return sso


@pytest.fixture
def admin(sso):
    return MembershipFactory(organization=sso.organization, role="admin", user=UserFactory(username="lead")).user


def signed_in_member(sso, oidc_provider, sign_in, client, email: str, role=None) -> dict:
    """A member who signed in through the provider in `client`, holding `role` if given."""
    membership = MembershipFactory(organization=sso.organization, user__email=email, user__username=email)
    person = oidc_provider.user_add(email=email)
    assert sign_in(sso, person, browser=client).status_code == 302
    if role is not None:
        Role.objects.filter(pk=role.pk).update(holder_member=membership, holder_name=email, holder_email=email)
    return person


def test_sign_in_asks_for_offline_access_where_the_provider_offers_it(client, sso):
    start = client.get(f"/accounts/sso/{sso.pk}/start/")

    assert "scope=openid+email+profile+offline_access" in start["Location"]


def test_the_provider_s_refresh_token_is_kept_encrypted(sso, oidc_provider, sign_in, client):
    signed_in_member(sso, oidc_provider, sign_in, client, "ana@acme.test")

    stored = SsoIdentity.objects.get(user__email="ana@acme.test").refresh_token_encrypted
    assert stored and secret_decrypt(stored) and secret_decrypt(stored) not in stored


def test_done_when_a_member_the_provider_disabled_leaves_and_their_role_shows_its_gaps(
    sso_only,
    oidc_provider,
    sign_in,
    client,
    admin,
    held_role,  # noqa: F811
):
    person = signed_in_member(sso_only, oidc_provider, sign_in, client, "ines@acme.test", role=held_role)
    organization = sso_only.organization
    assert client.get(f"/o/{organization.slug}/").status_code == 200
    audits_before = AuditRun.objects.count()

    oidc_provider.user_deactivate(person)
    sso_members_recheck_task()

    assert client.get(f"/o/{organization.slug}/").status_code in (302, 404)
    assert not Membership.objects.filter(organization=organization, user__email="ines@acme.test").exists()
    assert Role.objects.get(pk=held_role.pk).is_vacant
    assert vacant_gaps(organization).count() == 1 and AuditRun.objects.count() == audits_before
    vacated = ChangeSet.objects.filter(organization=organization, kind="role.update").first()
    assert vacated.actor_label == "Acme ID (SSO)"
    assert InboxItem.objects.filter(organization=organization, recipient=admin, kind="vacated").exists()


def test_a_member_the_provider_still_accepts_stays_and_their_token_is_renewed(
    sso_only, oidc_provider, sign_in, client, admin
):
    signed_in_member(sso_only, oidc_provider, sign_in, client, "kim@acme.test")
    before = secret_decrypt(SsoIdentity.objects.get(user__email="kim@acme.test").refresh_token_encrypted)

    recheck = sso_members_recheck(single_sign_on=sso_only, surface="task")

    assert recheck.accepted == 1 and not recheck.left
    identity = SsoIdentity.objects.get(user__email="kim@acme.test")
    assert secret_decrypt(identity.refresh_token_encrypted) != before and identity.rechecked_at is not None
    assert Membership.objects.filter(organization=sso_only.organization, user=identity.user).exists()


def test_the_leaver_s_account_is_closed_when_they_belong_to_no_other_organization(
    sso_only, oidc_provider, sign_in, client, admin
):
    person = signed_in_member(sso_only, oidc_provider, sign_in, client, "leo@acme.test")
    oidc_provider.user_deactivate(person)

    sso_members_recheck(single_sign_on=sso_only, surface="task")

    identity = SsoIdentity.objects.select_related("user").get(user__email="leo@acme.test")
    assert not identity.user.is_active and identity.refresh_token_encrypted == ""


def test_many_refusals_at_once_are_held_as_the_provider_s_change_not_departures(
    sso_only, oidc_provider, sign_in, client, admin, settings
):
    settings.SSO_RECHECK_HOLD_AT = 2
    people = [signed_in_member(sso_only, oidc_provider, sign_in, client, f"p{n}@acme.test") for n in range(2)]
    for person in people:
        oidc_provider.user_deactivate(person)

    recheck = sso_members_recheck(single_sign_on=sso_only, surface="task")

    assert len(recheck.refused_held) == 2 and not recheck.left
    assert Membership.objects.filter(organization=sso_only.organization).count() == 3
    sso_only.refresh_from_db()
    assert "2 refused at once, so nobody was removed" in sso_only.recheck_summary


def test_a_provider_that_cannot_be_reached_removes_nobody(sso_only, oidc_provider, sign_in, client, admin):
    signed_in_member(sso_only, oidc_provider, sign_in, client, "max@acme.test")
    identity = SsoIdentity.objects.get(user__email="max@acme.test")
    sso_only.issuer = "http://127.0.0.1:9/o"  # nothing listens on the discard port
    sso_only.save()

    recheck = sso_members_recheck(single_sign_on=sso_only, surface="task")

    assert recheck.failure and not recheck.left
    assert Membership.objects.filter(organization=sso_only.organization, user=identity.user).exists()
    sso_only.refresh_from_db()
    assert sso_only.recheck_summary.startswith("The provider could not be asked")


def test_a_provider_refusing_cxowner_s_own_client_removes_nobody(sso_only, oidc_provider, sign_in, client, admin):
    signed_in_member(sso_only, oidc_provider, sign_in, client, "eva@acme.test")
    sso_only.client_secret_encrypted = secret_encrypt("not-the-secret")
    sso_only.save()

    recheck = sso_members_recheck(single_sign_on=sso_only, surface="task")

    assert recheck.unreachable == 1 and not recheck.left


def test_a_member_who_signed_in_without_a_refresh_token_cannot_be_asked(
    sso_only, oidc_provider, sign_in, client, admin
):
    signed_in_member(sso_only, oidc_provider, sign_in, client, "zoe@acme.test")
    SsoIdentity.objects.filter(user__email="zoe@acme.test").update(refresh_token_encrypted="")

    recheck = sso_members_recheck(single_sign_on=sso_only, surface="task")

    assert recheck.uncheckable == 1 and "cannot be asked" in recheck.summary()


def test_organizations_that_allow_passwords_are_not_asked(sso, oidc_provider, sign_in, client, admin):
    person = signed_in_member(sso, oidc_provider, sign_in, client, "ola@acme.test")
    oidc_provider.user_deactivate(person)

    sso_members_recheck_task()

    assert Membership.objects.filter(organization=sso.organization, user__email="ola@acme.test").exists()


def test_the_command_says_what_each_provider_answered(sso_only, oidc_provider, sign_in, client, admin, capsys):
    signed_in_member(sso_only, oidc_provider, sign_in, client, "una@acme.test")

    call_command("sso_recheck", sso_only.organization.slug)

    assert f"{sso_only.organization.slug}: 1 still accepted." in capsys.readouterr().out


def test_the_settings_page_shows_the_last_answer(sso_only, oidc_provider, sign_in, client, admin):
    sso_members_recheck(single_sign_on=sso_only, surface="task")
    client.force_login(admin)

    page = client.get(f"/o/{sso_only.organization.slug}/settings/sso/").content.decode()

    assert "Last asked whether it still accepts the members" in page and "0 still accepted." in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_checks_at_once_do_not_spend_the_same_token(sso_only, oidc_provider, sign_in, client, admin):
    """The provider rotates tokens: the second check must wait for the first's new token, or the
    provider refuses the spent one and the member would read as refused."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (and one writer at a time)")
    signed_in_member(sso_only, oidc_provider, sign_in, client, "ida@acme.test")
    identity = SsoIdentity.objects.get(user__email="ida@acme.test")
    verdicts, askers, together = [], [ProviderAsker(sso_only) for _ in range(2)], threading.Barrier(2)

    def check(asker):
        together.wait(10)
        verdicts.append(asker.ask(identity).verdict)
        connection.close()

    checks = [threading.Thread(target=check, args=(asker,)) for asker in askers]
    for thread in checks:
        thread.start()
    for thread in checks:
        thread.join(30)

    assert verdicts == [Verdict.ACCEPTED, Verdict.ACCEPTED]
