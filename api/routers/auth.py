"""Sign-in: a bearer token for a name and password, sign-out, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import BearerDep, CallerDep, EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES, ErrorOut
from api.schemas.auth import LoginIn, MeOut, TokenOut
from api.services import auth

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=TokenOut,
    responses={
        401: ERROR_RESPONSES[401],
        422: ERROR_RESPONSES[422],
        429: {"model": ErrorOut, "description": "登录失败次数过多"},
    },
)
def login(body: LoginIn, request: Request, engine: EngineDep, settings: SettingsDep) -> TokenOut:
    """用户名和密码登录，取得访问令牌（有效期见 expires_at；同一账号或同一地址失败次数过多时暂时拒绝）。"""
    address = request.client.host if request.client else "unknown"
    issued = auth.authenticate(engine, body.username, body.password, address, settings=settings)
    return TokenOut(access_token=issued.access_token, expires_at=issued.expires_at, role=issued.role)


@router.post("/logout", status_code=204, responses={401: ERROR_RESPONSES[401]})
def logout(_caller: CallerDep, bearer: BearerDep, engine: EngineDep, settings: SettingsDep) -> Response:
    """退出登录：本令牌立即失效。"""
    assert bearer is not None  # the caller dependency refused a request without one
    auth.revoke_token(engine, bearer.credentials, settings=settings)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, responses={401: ERROR_RESPONSES[401]})
def me(caller: CallerDep) -> MeOut:
    """当前登录的账号：角色、可见的行政区划范围及所代表的机构、单位或劳动者。"""
    return MeOut(
        username=caller.username,
        role=caller.role,
        region=caller.region,
        institution_id=caller.institution_id,
        employer_id=caller.employer_id,
        worker_id=caller.worker_id,
    )
