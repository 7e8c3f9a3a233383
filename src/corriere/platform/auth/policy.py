"""Password rules, as the panel explains them to the user."""

from __future__ import annotations

import re

from corriere.platform.errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 128
_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"\d"), re.compile(r"[^\w\s]|_"))
COMMON = frozenset(
    {"password123", "qwertyuiop", "1234567890", "passwordpassword", "corriere123", "ciaociao123"}
)


def password_check(password: str, *, username: str = "", email: str = "") -> None:
    """Raise a ValidationError (field `password`) saying what the password lacks."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            f"La password deve avere almeno {MIN_LENGTH} caratteri", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            f"La password può avere al massimo {MAX_LENGTH} caratteri", field="password"
        )
    if password != password.strip():
        raise ValidationError(
            "La password non può iniziare o finire con uno spazio", field="password"
        )
    if sum(1 for c in _CLASSES if c.search(password)) < 3:
        raise ValidationError(
            "La password deve contenere almeno tre tipi di caratteri tra minuscole, maiuscole,"
            " cifre e simboli",
            field="password",
        )
    lowered = password.lower()
    local = email.split("@", 1)[0].lower()
    for personal in (username.lower(), local):
        if len(personal) >= 3 and personal in lowered:
            raise ValidationError(
                "La password non può contenere il tuo username o il tuo indirizzo e-mail",
                field="password",
            )
    if lowered in COMMON or len(set(lowered)) < 5:
        raise ValidationError("Questa password è troppo facile da indovinare", field="password")
