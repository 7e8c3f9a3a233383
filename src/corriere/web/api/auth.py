"""HTTP Basic for the APIs: the account's username and one of its application passwords."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Request

from corriere.platform.auth.app_passwords import ApiCaller, app_password_authenticate
from corriere.platform.errors import LoginFailedError
from corriere.web.client_ip import client_ip

AnyRequest = Request[Any, Any, Any]

REALM = 'Basic realm="Corriere API", charset="UTF-8"'


def basic_credentials(header: str) -> tuple[str, str]:
    """(username, password) from an `Authorization: Basic …` header, or LoginFailedError."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise LoginFailedError(
            "Credenziali mancanti: usa HTTP Basic con username e password applicativa"
        )
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise LoginFailedError(
            "Intestazione Authorization non valida: attesi username:password in Base64"
        ) from None
    username, colon, password = decoded.partition(":")
    if not colon or not username or not password:
        raise LoginFailedError(
            "Intestazione Authorization non valida: attesi username:password in Base64"
        )
    return username, password


async def api_caller(request: AnyRequest) -> ApiCaller:
    """The account calling, from its credentials (each call records the key's use)."""
    username, password = basic_credentials(request.headers.get("authorization", ""))
    return await app_password_authenticate(
        username=username, secret=password, ip=client_ip(request)
    )
