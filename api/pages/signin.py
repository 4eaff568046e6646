"""Sign-in and sign-out pages, one sign-in page per role, over :mod:`api.services.auth` (the
same accounts, tokens, rate limit and revocation as ``/api/v1/auth``)."""

from __future__ import annotations

import contextlib
from typing import Annotated, get_args

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from api.deps import EngineDep, SettingsDep
from api.errors import NotFound, TooManyRequests, Unauthorized
from api.pages.forms import FormResult, parse_form
from api.pages.session import COOKIE, current_caller, set_token
from api.pages.templating import ROLE_HOMES, ROLE_NAMES, render
from api.security import Role
from api.services import auth

router = APIRouter(include_in_schema=False)

ROLES: tuple[Role, ...] = get_args(Role)
#: what each role's sign-in page says it is for
PURPOSES = {
    "worker": "查看为您推荐的培训和工作，报名想学的课程。",
    "counselor": "查找劳动者、查看推荐路径、打印推荐单。",
    "employer": "查看本单位的用工订单和推荐的候选人。",
    "institution": "查看本机构的培训项目、报名和结业情况。",
    "admin": "审核补贴申请、查看风险提示。",
}


class SignInForm(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


def _safe_next(value: str | None, role: Role) -> str:
    # only a path of this site: never "//host" or "https://host"
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return ROLE_HOMES[role]


def _role(role: str) -> Role:
    if role not in ROLES:
        raise NotFound("未找到所请求的地址")
    return role  # type: ignore[return-value]


@router.get("/login", response_class=HTMLResponse)
def choose(request: Request) -> HTMLResponse:
    current_caller(request)
    return render(request, "signin/choose.html", title="登录", roles=ROLES, purposes=PURPOSES)


def _form_page(
    request: Request, role: Role, form: FormResult[SignInForm], next_url: str, error: str = ""
) -> HTMLResponse:
    return render(
        request,
        "signin/form.html",
        title=f"{ROLE_NAMES[role]}登录",
        role=role,
        purpose=PURPOSES[role],
        form=form,
        next_url=next_url,
        error=error,
    )


@router.get("/login/{role}", response_class=HTMLResponse)
def sign_in_page(request: Request, role: str, next: str | None = None) -> HTMLResponse:
    who = _role(role)
    current_caller(request)
    return _form_page(request, who, FormResult(None, {}), _safe_next(next, who))


@router.post("/login/{role}", response_class=HTMLResponse)
def sign_in(
    request: Request,
    role: str,
    engine: EngineDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    who = _role(role)
    target = _safe_next(next, who)
    form = parse_form(SignInForm, {"username": username, "password": password})
    form.typed["password"] = ""  # a password is never sent back
    if form.value is None:
        return _form_page(request, who, form, target)
    address = request.client.host if request.client else "unknown"
    try:
        issued = auth.authenticate(
            engine, form.value.username, form.value.password, address, settings=settings
        )
    except TooManyRequests as exc:
        return _form_page(request, who, form, target, error=exc.message)
    except Unauthorized as exc:
        form.errors["password"] = exc.message
        return _form_page(request, who, form, target)
    if issued.role != who:
        auth.revoke_token(engine, issued.access_token, settings=settings)
        form.errors["username"] = (
            f"该账号是{ROLE_NAMES[issued.role]}账号，请从{ROLE_NAMES[issued.role]}登录入口登录"
        )
        return _form_page(request, who, form, target)
    response = RedirectResponse(target, status_code=303)
    set_token(response, issued.access_token, issued.expires_at, secure=settings.environment == "production")
    return response


@router.post("/logout")
def sign_out(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        with contextlib.suppress(Unauthorized):  # a token already unusable needs no revoking
            auth.revoke_token(engine, token, settings=settings)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
