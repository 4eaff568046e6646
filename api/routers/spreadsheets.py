"""What the export routes share: the ``format`` query, the documented answer and the download
(the file itself is :func:`api.services.exports.spreadsheet`'s)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import Query, Response
from pydantic import BaseModel

from api.services.exports import MEDIA_TYPES, spreadsheet

#: the most rows one export holds
EXPORT_LIMIT = 100_000
ExportFormat = Annotated[Literal["csv", "xlsx"], Query(alias="format", description="csv 或 xlsx")]
SPREADSHEET: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, MEDIA_TYPES["xlsx"]: {}}, "description": "电子表格"}
}


def download(rows: Sequence[BaseModel], columns: Sequence[str], fmt: str, name: str) -> Response:
    """``rows`` (response models) as the spreadsheet file ``name.fmt`` (see api.services.exports)."""
    body = spreadsheet(rows, columns, fmt)  # type: ignore[arg-type]
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)
