"""Why a single sign-on was refused, in words the person signing in can act on."""


class SsoRefused(Exception):
    """The sign-in is refused; the message is shown on the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
