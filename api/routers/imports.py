"""Bulk upload: a CSV or XLSX file of workers (counselor), programmes (institution), orders
(employer), institutions (admin) or an institution's training ledger, stored all or nothing within
the caller's scope; a refused file's errors as JSON (default) or as a spreadsheet."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, Query, Response, UploadFile
from pydantic import BaseModel

from api.deps import ClockDep, EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES, ErrorOut, Invalid, ServiceError
from api.security import Caller, allow
from api.services.exports import MEDIA_TYPES
from api.services.imports import errors_xlsx, import_file

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


class TooLarge(ServiceError):
    status_code = 413


class ImportOut(BaseModel):
    kind: str
    rows: int
    inserted: int
    updated: int


Kind = Annotated[
    Literal["workers", "programmes", "orders", "institutions", "ledger"], Path(description="导入的数据类型")
]
ErrorsAs = Annotated[
    Literal["json", "xlsx"],
    Query(
        alias="errors", description="文件有误时错误清单的形式：json（默认）或 xlsx（行号、字段、错误说明）"
    ),
]
Uploader = Annotated[Caller, Depends(allow("admin", "counselor", "institution", "employer"))]


@router.post(
    "/{kind}",
    response_model=ImportOut,
    responses={
        **{k: ERROR_RESPONSES[k] for k in (401, 403)},
        422: {
            "model": ErrorOut,
            "description": "文件有误，未导入任何数据（errors=xlsx 时为错误清单的 XLSX 文件）",
            "content": {MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}}},
        },
        413: {"model": ErrorOut, "description": "文件过大"},
    },
)
def upload(
    kind: Kind,
    caller: Uploader,
    engine: EngineDep,
    settings: SettingsDep,
    clock: ClockDep,
    file: Annotated[UploadFile, File()],
    errors_as: ErrorsAs = "json",
) -> ImportOut | Response:
    """批量导入（CSV：UTF-8 或 GBK；XLSX）：全部通过才入库，每个错误注明行号、字段和原因；
    同一文件重复导入不产生变化。劳动者由就业指导员、培训项目由培训机构、用工订单由用人单位、培训机构由管理员导入，只限本辖区或本单位；
    培训台账（ledger：学员的报名、结业、证书）由培训机构导入，只限本机构的培训项目。
    errors=xlsx 时，文件有误的 422 回答为错误清单的 XLSX 文件（行号、字段、错误说明）。"""
    # a sync route: the loaders run in the thread pool, never on the event loop
    content = file.file.read(settings.upload_max_bytes + 1)
    if len(content) > settings.upload_max_bytes:
        raise TooLarge(f"上传的文件过大：不能超过 {settings.upload_max_bytes // 1024} KB")
    try:
        result = import_file(
            engine,
            caller,
            kind,
            file.filename or "",
            content,
            secret_key=settings.secret_key,
            today=clock(),
        )
    except Invalid as exc:
        if errors_as != "xlsx" or not exc.errors:
            raise
        headers = {"Content-Disposition": f'attachment; filename="{kind}-errors.xlsx"'}
        return Response(errors_xlsx(exc.errors), 422, media_type=MEDIA_TYPES["xlsx"], headers=headers)
    return ImportOut(kind=result.kind, rows=result.rows, inserted=result.inserted, updated=result.updated)
