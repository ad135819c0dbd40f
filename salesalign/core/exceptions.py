"""Domain errors raised by services; views and the API turn them into clear messages."""

from __future__ import annotations


class DomainError(Exception):
    """A request that breaks a business rule. `field` names the input at fault, if any."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class NotAllowed(DomainError):
    """The user may not do this to this object."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field, code="forbidden")
