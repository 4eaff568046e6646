"""Who is signed in to the pages: the bearer token of :mod:`api.services.auth` kept in an HttpOnly,
SameSite=Strict cookie (so no script reads it and no other site's form sends it), verified on
every request exactly as the JSON API verifies the ``Authorization`` header.

``page_caller(*roles)`` is the pages' dependency: a request without a valid token is sent to the
role's sign-in page (303, the page it wanted kept in ``next``); a signed-in caller of another
role gets a 403 page in Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.errors import ServiceError, Unauthorized
from api.pages.templating import ROLE_NAMES, render
from api.security import Caller, Role
from api.services import auth

__all__ = ["COOKIE", "PageForbidden", "SignInRequired", "install_page_handlers", "page_caller", "set_token"]

COOKIE = "sb_token"


class SignInRequired(Exception):
    def __init__(self, role: Role, next_url: str) -> None:
        self.role = role
        self.next_url = next_url


class PageForbidden(Exception):
    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = roles


def current_caller(request: Request) -> Caller | None:
    """The caller of the request's cookie, or ``None`` (no cookie, or a token that is expired,
    revoked or malformed)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        caller = auth.verify(request.app.state.engine, token, settings=request.app.state.settings)
    except Unauthorized:
        return None
    request.state.caller = caller
    return caller


def page_caller(*roles: Role) -> Callable[[Request], Caller]:
    """A dependency: the signed-in :class:`Caller` of one of ``roles``."""

    def dependency(request: Request) -> Caller:
        caller = current_caller(request)
        if caller is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(roles[0], target)
        if caller.role not in roles:
            raise PageForbidden(roles)
        return caller

    return dependency


def set_token(response: Response, token: str, expires_at: dt.datetime, *, secure: bool) -> None:
    seconds = max(0, int((expires_at - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds()))
    response.set_cookie(
        COOKIE, token, max_age=seconds, httponly=True, samesite="strict", secure=secure, path="/"
    )


#: the JSON API's paths: their errors stay JSON
_API_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs")


def install_page_handlers(app: FastAPI) -> None:
    """Sign-in redirects and 403 pages; a domain error (404, 422, 503 …) of a page answers an
    HTML page with its Chinese message, while the JSON API keeps its JSON bodies. Call after
    :func:`api.errors.install_error_handlers`."""
    json_handler = app.exception_handlers[ServiceError]

    async def service_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        if request.url.path.startswith(_API_PREFIXES):
            return await json_handler(request, exc)  # type: ignore[no-any-return,misc]
        current_caller(request)
        return render(
            request, "problem.html", status_code=exc.status_code, title="无法显示", message=exc.message
        )

    async def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(f"/login/{exc.role}?next={quote(exc.next_url, safe='')}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, PageForbidden)
        names = "、".join(ROLE_NAMES[r] for r in exc.roles)
        current_caller(request)
        return render(
            request, "problem.html", status_code=403, title="无权访问", message=f"此页面仅限{names}使用。"
        )

    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(PageForbidden, forbidden)
