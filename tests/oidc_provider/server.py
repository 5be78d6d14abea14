"""Run the tests' identity provider: python -m tests.oidc_provider.server PORT FOLDER."""

import os
import sys


def main() -> None:
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.environ["OIDC_PROVIDER_DIR"] = folder
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", verbosity=0)
    run("127.0.0.1", port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
