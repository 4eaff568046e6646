"""The pages' Jinja2 environment: templates under ``api/templates``, filters for money, dates
and rates, and :func:`render`, which every page handler returns through."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

__all__ = ["ROLE_HOMES", "ROLE_NAMES", "TEMPLATE_DIR", "render", "templates"]

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"

templates = Jinja2Templates(directory=TEMPLATE_DIR)


def _yuan(value: int | float | None) -> str:
    if value is None:
        return "—"
    return f"{int(round(value)):,} 元"


def _date(value: dt.date | None) -> str:
    if value is None:
        return "—"
    return f"{value.year}年{value.month}月{value.day}日"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _km(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} 公里" if value >= 10 else f"{value:.1f} 公里"


#: the pages show times in 北京时间; the database holds naive UTC
_BEIJING = dt.timezone(dt.timedelta(hours=8))


def _time(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    local = value.replace(tzinfo=dt.UTC).astimezone(_BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


templates.env.filters["yuan"] = _yuan
templates.env.filters["cntime"] = _time
templates.env.filters["cndate"] = _date
templates.env.filters["percent"] = _percent
templates.env.filters["km"] = _km


ROLE_NAMES = {
    "admin": "管理员",
    "counselor": "就业服务专员",
    "institution": "培训机构",
    "employer": "用人单位",
    "worker": "劳动者",
}
#: where each role's own pages start
ROLE_HOMES = {
    "admin": "/admin",
    "counselor": "/workbench",
    "institution": "/institution",
    "employer": "/employer",
    "worker": "/me",
}


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """``name`` rendered with ``context``; every page gets ``request`` and ``caller`` (the
    signed-in user or ``None``, set by the page's dependency on ``request.state``)."""
    caller = context.setdefault("caller", getattr(request.state, "caller", None))
    context.setdefault("role_names", ROLE_NAMES)
    context.setdefault("caller_home", ROLE_HOMES.get(caller.role, "/") if caller is not None else "/")
    return templates.TemplateResponse(request, name, context, status_code=status_code)
