"""Single sign-on's settings (cxowner/sso/, docs/sso-scim.md), imported by cxowner/settings.py."""

import os

from cxowner.env import envint

# The key client secrets and refresh tokens are encrypted with; empty: derived from SECRET_KEY
# (set it to rotate SECRET_KEY without entering every secret again).
SSO_SECRET_KEY = os.environ.get("SSO_SECRET_KEY", "")
# How long a request to an identity provider may take, how long its discovery document is kept,
# and how far its clock may be off when an ID token's times are checked.
SSO_HTTP_TIMEOUT_SECONDS = envint("SSO_HTTP_TIMEOUT_SECONDS", 10)
SSO_DISCOVERY_CACHE_SECONDS = envint("SSO_DISCOVERY_CACHE_SECONDS", 3600)
SSO_CLOCK_SKEW_SECONDS = envint("SSO_CLOCK_SKEW_SECONDS", 60)
# How often an "SSO only" organization's provider is asked whether it still accepts each member
# (ownership/provisioning/revocations.py), and how many refusals at once, when they are most of
# the answers, are held as the provider's own change rather than taken as departures.
SSO_RECHECK_SECONDS = envint("SSO_RECHECK_SECONDS", 900)
SSO_RECHECK_HOLD_AT = envint("SSO_RECHECK_HOLD_AT", 3)
# The DNS server ("host:port") that proves an organization owns an e-mail domain (cxowner/sso/domains.py);
# empty: the system's resolver. Checks per organization per PASSWORD_RESET_WINDOW_SECONDS.
SSO_DNS_SERVER = os.environ.get("SSO_DNS_SERVER", "")
SSO_DOMAIN_CHECKS_PER_ORGANIZATION = envint("SSO_DOMAIN_CHECKS_PER_ORGANIZATION", 30)
# Look-ups of an e-mail's provider on the log-in page, per client address per PASSWORD_RESET_WINDOW_SECONDS.
SSO_FIND_PER_ADDRESS = envint("SSO_FIND_PER_ADDRESS", 30)
