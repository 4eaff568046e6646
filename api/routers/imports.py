"""Bulk upload: a CSV or XLSX file of workers (counselor), programmes (institution), orders
(employer) or institutions (admin), stored all or nothing within the caller's scope."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, UploadFile
from pydantic import BaseModel

from api.deps import EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES, ErrorOut, ServiceError
from api.security import Caller, allow
from api.services.imports import import_file

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


class TooLarge(ServiceError):
    status_code = 413


class ImportOut(BaseModel):
    kind: str
    rows: int
    inserted: int
    updated: int


Kind = Annotated[
    Literal["workers", "programmes", "orders", "institutions"], Path(description="导入的数据类型")
]
Uploader = Annotated[Caller, Depends(allow("admin", "counselor", "institution", "employer"))]


@router.post(
    "/{kind}",
    response_model=ImportOut,
    responses={
        **{k: ERROR_RESPONSES[k] for k in (401, 403, 422)},
        413: {"model": ErrorOut, "description": "文件过大"},
    },
)
def upload(
    kind: Kind,
    caller: Uploader,
    engine: EngineDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> ImportOut:
    """批量导入（CSV：UTF-8 或 GBK；XLSX）：全部通过才入库，每个错误注明行号、字段和原因；
    同一文件重复导入不产生变化。劳动者由就业指导员、培训项目由培训机构、用工订单由用人单位、培训机构由管理员导入，只限本辖区或本单位。"""
    # a sync route: the loaders run in the thread pool, never on the event loop
    content = file.file.read(settings.upload_max_bytes + 1)
    if len(content) > settings.upload_max_bytes:
        raise TooLarge(f"上传的文件过大：不能超过 {settings.upload_max_bytes // 1024} KB")
    result = import_file(engine, caller, kind, file.filename or "", content, secret_key=settings.secret_key)
    return ImportOut(kind=result.kind, rows=result.rows, inserted=result.inserted, updated=result.updated)
