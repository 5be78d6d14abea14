"""What single sign-on costs the log-in page in queries: the look-up is one query past its brake,
and the SSO-only gate adds two to a password log-in (the user, their organizations' providers)."""

from tests.factories import SingleSignOnFactory, UserFactory


def test_looking_up_an_emails_provider_is_one_query_past_the_brake(client, django_assert_max_num_queries):
    SingleSignOnFactory(domains=["acme.test"])

    # On SQLite the brake's counter is the database cache (five statements); on Redis none.
    with django_assert_max_num_queries(6):
        answer = client.post("/accounts/sso/find/", {"email": "x@acme.test"}, HTTP_HX_REQUEST="true")

    assert "Sign in with" in answer.content.decode()


def test_a_password_log_in_pays_two_queries_for_the_sso_only_gate(client, django_assert_max_num_queries):
    user = UserFactory()

    # Django's own log-in is nine: the user, the session (4 with savepoints), last_login, the session again.
    with django_assert_max_num_queries(11):
        answer = client.post("/accounts/login/", {"username": user.username, "password": "correct horse battery"})

    assert answer.status_code == 302
