"""Settings from the environment: each helper returns the default when the variable is unset
and stops the process at start-up on a value it cannot read, rather than misbehaving later."""

import os

from django.core.exceptions import ImproperlyConfigured

# pytest sets PYTEST_VERSION before anything is imported: tests talk plain HTTP.
TESTING = "PYTEST_VERSION" in os.environ


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None
    if not number > 0:
        raise ImproperlyConfigured(f"{name} must be a positive number, not {value!r}")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envrate(name: str, default: str | None) -> str | None:
    """A DRF throttle rate such as "60/min"; "off" (or empty) disables that throttle."""
    value = os.environ.get(name, default)
    if value is None or value.strip().lower() in {"", "off", "none"}:
        return None
    count, _, period = value.partition("/")
    if not count.strip().isdigit() or period.strip()[:1] not in {"s", "m", "h", "d"}:
        raise ImproperlyConfigured(f"{name} must look like 60/min, not {value!r}")
    return value.strip()
