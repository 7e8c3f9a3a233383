"""One error hierarchy for the whole platform; each front end maps it once.

Every error carries a stable `code` (for APIs and logs) and an Italian message for the panel.
A message with values in it is given as a template and `params` (`"Riga %(row)s"`, `{"row": "3"}`)
so front ends can translate the template; params named `reason…` are messages themselves.
"""

from __future__ import annotations

from typing import Any


class CorriereError(Exception):
    """Base of every error a user or an operator may see."""

    code = "error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        params: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        self.template = message
        self.params = dict(params or {})
        self.message = message % self.params if self.params else message
        super().__init__(self.message)
        self.field = field
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.details:
            data["details"] = self.details
        return data


class ConfigurationError(CorriereError):
    code = "configuration"
    status = 500


class ValidationError(CorriereError):
    code = "invalid"
    status = 422


class NotFoundError(CorriereError):
    code = "not_found"
    status = 404


class ConflictError(CorriereError):
    code = "conflict"
    status = 409


class PermissionDeniedError(CorriereError):
    code = "forbidden"
    status = 403


class InsufficientCreditError(CorriereError):
    code = "insufficient_credit"
    status = 402


# Campaign validation refusals: one class each so APIs can tell them apart.
class EmptyTextError(ValidationError):
    code = "empty_text"


class InvalidCharactersError(ValidationError):
    code = "invalid_characters"


class TextTooLongError(ValidationError):
    code = "text_too_long"


class SenderError(ValidationError):
    code = "invalid_sender"


class ScheduleInPastError(ValidationError):
    code = "schedule_in_past"


class NoValidRecipientError(ValidationError):
    code = "no_valid_recipient"


class TooManyRecipientsError(ValidationError):
    code = "too_many_recipients"


class AccountInactiveError(PermissionDeniedError):
    code = "account_inactive"


class FieldErrors(ValidationError):
    """Several fields wrong at once: `errors` maps each field to its message."""

    code = "invalid_fields"

    def __init__(
        self, errors: dict[str, str], params: dict[str, dict[str, str]] | None = None
    ) -> None:
        self.templates = dict(errors)
        self.field_params = dict(params or {})
        self.errors = {
            name: (text % self.field_params[name]) if name in self.field_params else text
            for name, text in errors.items()
        }
        first = next(iter(self.errors.values()), "Dati non validi")
        super().__init__(first, field=next(iter(errors), None))

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["errors"] = self.errors
        return data


class TooManyAttemptsError(CorriereError):
    code = "too_many_attempts"
    status = 429


class LoginFailedError(CorriereError):
    code = "login_failed"
    status = 401


class AccountNotActivatedError(PermissionDeniedError):
    code = "account_not_activated"

    def __init__(self, message: str, *, account_id: int) -> None:
        super().__init__(message)
        self.account_id = account_id
