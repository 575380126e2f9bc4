"""CSRF protection of the page's forms: a session cookie and a token derived from it.

Every page sets a random session cookie (``HttpOnly``, ``SameSite=Strict``); every form holds
``HMAC(server secret, session)`` in a hidden field. A POST is accepted only when the field
matches the cookie it was derived from. Another site can neither read the cookie nor compute
the token (the secret never leaves the server process), so it cannot forge a form post, even
if another program on this computer sets cookies for ``127.0.0.1``.

Examples
--------
>>> guard = CsrfGuard(secret=b"k" * 32)
>>> token = guard.token("session-1")
>>> guard.valid("session-1", token), guard.valid("session-2", token), guard.valid("", "")
(True, False, False)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["COOKIE", "FIELD", "CsrfGuard"]

#: Name of the session cookie and of the hidden form field.
COOKIE = "scoreaudit_session"
FIELD = "csrf_token"


class CsrfGuard:
    """Issue and check form tokens bound to a session cookie.

    Parameters
    ----------
    secret : bytes, optional
        Key of the HMAC; a fresh random key by default (tokens die with the server).
    """

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    @staticmethod
    def new_session() -> str:
        """A new random session id (URL-safe text)."""
        return secrets.token_urlsafe(24)

    def token(self, session: str) -> str:
        """The form token of ``session``."""
        return hmac.new(self._secret, session.encode("utf-8"), hashlib.sha256).hexdigest()

    def valid(self, session: str | None, token: str | None) -> bool:
        """Whether ``token`` is the token of ``session`` (constant-time comparison)."""
        if not session or not token:
            return False
        return hmac.compare_digest(self.token(session), str(token))
