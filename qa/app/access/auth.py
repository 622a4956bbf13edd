"""Accounts from ``QA_AUTH``, shared by the login page and the HTTP APIs.

``QA_AUTH`` is ``user:password`` or a comma-separated list ``alice:pw1,bob:pw2``
(a password may hold ``:`` but not ``,``). Empty: no login, and everyone is the
anonymous user ``""``.
"""

from __future__ import annotations

import base64
import binascii
import hmac


class AuthConfigError(ValueError):
    """``QA_AUTH`` is malformed."""


def parse_accounts(spec: str) -> dict[str, str]:
    """user -> password from ``QA_AUTH``; empty when the login is off."""
    accounts: dict[str, str] = {}
    for entry in (e.strip() for e in spec.split(",")):
        if not entry:
            continue
        user, sep, password = entry.partition(":")
        if not sep or not user.strip() or not password:
            raise AuthConfigError(
                f"QA_AUTH entry {entry.split(':')[0]!r} is not of the form user:password"
            )
        if user.strip() in accounts:
            raise AuthConfigError(f"QA_AUTH names the user {user.strip()!r} twice")
        accounts[user.strip()] = password
    return accounts


def check_password(accounts: dict[str, str], user: str, password: str) -> bool:
    """True when ``user`` exists and ``password`` is theirs (constant-time compare)."""
    expected = accounts.get(user)
    return expected is not None and hmac.compare_digest(expected.encode(), password.encode())


def user_from_authorization(accounts: dict[str, str], header: str | None) -> str | None:
    """The user an ``Authorization`` header proves, or None.

    ``Bearer user:password`` (the API key is the ``QA_AUTH`` entry) or HTTP Basic.
    With no accounts configured everyone is the anonymous user ``""``.
    """
    if not accounts:
        return ""
    scheme, _, credentials = (header or "").strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        pair = credentials
    elif scheme.lower() == "basic":
        try:
            pair = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
    else:
        return None
    user, _, password = pair.partition(":")
    return user if check_password(accounts, user, password) else None
