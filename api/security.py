"""Who may call what: the bearer-token dependency every protected route declares.

``allow(*roles)`` is a FastAPI dependency factory: it reads ``Authorization: Bearer <token>``,
verifies the token against the database (:func:`api.services.auth.verify`: signature, expiry,
revocation, account active) and answers

- 401 (Chinese message, ``WWW-Authenticate: Bearer``) for a missing, malformed, expired or revoked
  token;
- 403 when the caller's role is not one of ``roles``.

Scope (which objects of its region a caller may see) is checked by the dependencies of
:mod:`api.scopes`; an object out of scope answers 404 so its existence does not leak. The
OpenAPI document declares the scheme (``HTTPBearer``) on every route that takes one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Forbidden, Unauthorized
from api.services.auth import ROLES, Caller, Role, verify

__all__ = ["ROLES", "Caller", "Role", "allow", "bearer_scheme"]

#: the security scheme of the OpenAPI document; a missing or non-Bearer header reads as None
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="POST /api/v1/auth/login 取得的访问令牌：Authorization: Bearer <access_token>",
)

_ROLE_NAMES = {
    "admin": "管理员",
    "counselor": "就业指导员",
    "institution": "培训机构",
    "employer": "用人单位",
    "worker": "劳动者",
}


def allow(*roles: Role) -> Callable[..., Caller]:
    """A dependency that returns the :class:`Caller` when it holds a valid token and one of
    ``roles`` (401 / 403 otherwise, see the module docstring)."""
    allowed = frozenset(roles)
    unknown = allowed - set(ROLES)
    if not allowed or unknown:
        raise ValueError(f"allow() needs roles among {ROLES}, got {roles}")

    def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> Caller:
        if credentials is None:
            raise Unauthorized("请先登录：请求头应带 Authorization: Bearer <令牌>")
        who = verify(request.app.state.engine, credentials.credentials, settings=request.app.state.settings)
        if who.role not in allowed:
            names = "、".join(_ROLE_NAMES[r] for r in ROLES if r in allowed)
            raise Forbidden(f"无权访问：此功能仅限{names}")
        request.state.caller = who
        return who

    caller.roles = allowed  # type: ignore[attr-defined]  # read by the route × role matrix test
    return caller
