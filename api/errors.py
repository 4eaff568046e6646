"""The service's errors, one handler per kind, every body in one shape.

Domain code raises :class:`NotFound` (404), :class:`Invalid` (422), :class:`Forbidden` (403),
:class:`Unauthorized` (401), :class:`Conflict` (409), :class:`TooManyRequests` (429) or
:class:`NotReady` (503); request
validation failures (422) are translated into Chinese with their machine-readable field path
kept. Any other exception becomes a JSON 500 carrying the request id, logged once with its
traceback, and the connection stays open (see :mod:`api.observability`).

Every error body is :class:`ErrorOut`: ``{"detail": "<Chinese message>", "request_id": "…",
"errors": [{"loc": [...], "type": "...", "msg": "<Chinese>"}]}`` (``errors`` only for 422).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.observability import current_request_id

log = logging.getLogger("skillbridge.http")

__all__ = [
    "ERROR_RESPONSES",
    "Conflict",
    "ErrorOut",
    "FieldError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "NotReady",
    "ServiceError",
    "TooManyRequests",
    "Unauthorized",
    "install_error_handlers",
    "translate_errors",
]


class FieldError(BaseModel):
    """One invalid input: where (``loc``, e.g. ``["query", "top"]`` or ``["body", "skills_text"]``),
    what kind (``type``, pydantic's error type) and a Chinese message."""

    loc: list[str | int]
    type: str
    msg: str


class ErrorOut(BaseModel):
    detail: str
    request_id: str | None = None
    errors: list[FieldError] | None = None


class ServiceError(Exception):
    """Base of the domain errors; ``message`` is user-facing Chinese."""

    status_code = 500

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(ServiceError, LookupError):
    status_code = 404


class Invalid(ServiceError, ValueError):
    status_code = 422


class Forbidden(ServiceError):
    status_code = 403


class Unauthorized(ServiceError):
    status_code = 401


class Conflict(ServiceError):
    status_code = 409


class TooManyRequests(ServiceError):
    """429; ``retry_after`` seconds go into the ``Retry-After`` header."""

    status_code = 429

    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotReady(ServiceError):
    """503; ``retry_after`` seconds go into the ``Retry-After`` header."""

    status_code = 503

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


#: the error responses a route may document: ``responses=ERROR_RESPONSES`` (or a subset)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "未登录或登录已失效"},
    403: {"model": ErrorOut, "description": "无权访问"},
    404: {"model": ErrorOut, "description": "未找到"},
    409: {"model": ErrorOut, "description": "与已有记录冲突"},
    422: {"model": ErrorOut, "description": "输入有误"},
    503: {"model": ErrorOut, "description": "服务正在准备数据"},
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_ECHO = 64


def safe_echo(value: object) -> str:
    """A caller's value as it may appear in a message: control characters replaced, at most
    :data:`_MAX_ECHO` characters."""
    text = _CONTROL.sub("�", str(value))
    return text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "…"


_FIELD_NAMES = {
    "query": "查询参数",
    "path": "路径参数",
    "body": "请求内容",
    "header": "请求头",
    "cookie": "Cookie",
}


def _message(err: dict[str, Any]) -> str:
    """Chinese text for one pydantic error (``type`` and ``ctx`` as pydantic gives them)."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages: dict[str, str] = {
        "missing": "缺少此项",
        "string_type": "应为文字",
        "string_too_short": "长度不能少于{min_length}个字符",
        "string_too_long": "长度不能超过{max_length}个字符",
        "string_pattern_mismatch": "格式不正确",
        "int_type": "应为整数",
        "int_parsing": "应为整数",
        "int_from_float": "应为整数",
        "float_type": "应为数字",
        "float_parsing": "应为数字",
        "bool_type": "应为是或否（true/false）",
        "bool_parsing": "应为是或否（true/false）",
        "greater_than": "应大于{gt}",
        "greater_than_equal": "不能小于{ge}",
        "less_than": "应小于{lt}",
        "less_than_equal": "不能大于{le}",
        "date_type": "应为日期，格式 YYYY-MM-DD",
        "date_parsing": "应为日期，格式 YYYY-MM-DD",
        "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
        "date_from_datetime_inexact": "应为日期，不含时间",
        "datetime_parsing": "应为日期时间，格式 YYYY-MM-DDTHH:MM:SS",
        "literal_error": "取值应为 {expected} 之一",
        "enum": "取值应为 {expected} 之一",
        "list_type": "应为列表",
        "dict_type": "应为对象",
        "model_type": "应为对象",
        "json_invalid": "不是有效的 JSON",
        "too_short": "至少需要{min_length}项",
        "too_long": "最多{max_length}项",
        "extra_forbidden": "不接受此项",
        "value_error": "{error}",
        "assertion_error": "{error}",
        "uuid_parsing": "格式不正确",
        "url_parsing": "不是有效的网址",
    }
    template = messages.get(kind)
    if template is None:
        return "输入无效"
    try:
        text = template.format(**{k: safe_echo(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        text = "输入无效"
    # a value_error raised by our own validators already speaks Chinese; strip pydantic's prefix
    return text.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def translate_errors(errors: list[dict[str, Any]]) -> list[FieldError]:
    """pydantic's errors → :class:`FieldError` with Chinese messages and the same ``loc``."""
    out = []
    for err in errors:
        loc = [x if isinstance(x, int) else safe_echo(x) for x in err.get("loc", ())]
        out.append(FieldError(loc=loc, type=str(err.get("type", "invalid")), msg=_message(err)))
    return out


def _summary(errors: list[FieldError]) -> str:
    parts = []
    for e in errors[:5]:
        where = [str(x) for x in e.loc]
        if where and where[0] in _FIELD_NAMES:
            head = _FIELD_NAMES[where[0]]
            where = where[1:]
        else:
            head = "字段"
        parts.append(f"{head} {'.'.join(where) or '（整体）'}：{e.msg}")
    more = f"，另有{len(errors) - 5}处" if len(errors) > 5 else ""
    return "输入有误：" + "；".join(parts) + more


def _body(detail: str, errors: list[FieldError] | None = None) -> dict[str, Any]:
    return ErrorOut(detail=detail, request_id=current_request_id(), errors=errors).model_dump(
        exclude_none=True
    )


_HTTP_DETAIL = {
    400: "请求无效",
    401: "请先登录",
    403: "无权访问",
    404: "未找到所请求的地址",
    405: "不支持此请求方法",
    406: "无法提供所请求的格式",
    413: "上传的内容过大",
    415: "不支持的内容类型",
    429: "请求过于频繁，请稍后再试",
}


def install_error_handlers(app: FastAPI) -> None:
    """One handler per kind: domain errors, request validation, and HTTP errors of the router."""

    async def service_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServiceError)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, NotReady) else None
        if isinstance(exc, Unauthorized):
            headers = {"WWW-Authenticate": "Bearer"}
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(_body(exc.message, exc.errors), status_code=exc.status_code, headers=headers)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = translate_errors(list(exc.errors()))
        return JSONResponse(_body(_summary(errors), errors), status_code=422)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
        detail = detail or _HTTP_DETAIL.get(exc.status_code, "请求无法完成")
        return JSONResponse(_body(detail), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    async def pool_exhausted(_request: Request, exc: Exception) -> JSONResponse:
        # every database connection is in use for longer than the pool waits: the service is
        # overloaded, which the client can retry, not a fault of the request
        log.warning("database connection pool exhausted: answering 503")
        return JSONResponse(_body("服务繁忙，请稍后再试"), status_code=503, headers={"Retry-After": "1"})

    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(PoolTimeout, pool_exhausted)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
