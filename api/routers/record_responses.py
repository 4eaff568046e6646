"""The error responses the records routes document (bodies are :class:`api.errors.ErrorOut`)."""

from __future__ import annotations

from typing import Any

from api.errors import ErrorOut

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "未登录或令牌无效"},
    403: {"model": ErrorOut, "description": "无权进行此操作"},
    404: {"model": ErrorOut, "description": "未找到（或不在您的管辖范围内）"},
    409: {"model": ErrorOut, "description": "与现有记录冲突（名额已满、重复、状态已变更）"},
    422: {"model": ErrorOut, "description": "输入有误"},
}
