"""A counselor registers a worker from what the worker says (issue 14's workbench): the same
validation and storage as a worker file (:func:`data.loaders.load_frame` of one row: 身份证号
checksum, phone, a county-level Shanxi address, groups), in one transaction, plus the rules of a
signed-in counselor — the home must lie in the counselor's region, and a 身份证号 already
registered is refused instead of silently updated. Errors come back per form field, in Chinese.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine, select

from api.security import Caller
from api.services.profile_form import PROFILE_FIELDS, FormInvalid
from data import personal
from data.db.models import AuditEvent, Worker
from data.db.session import transaction
from data.loaders import load_frame
from data.regions import AddressError, parse_address
from data.tabular import ValidationFailed

__all__ = ["REGISTRATION_FIELDS", "Registered", "RegistrationInvalid", "register_worker"]

#: the form's fields, as the worker file's columns (docs/formats.md): who the worker is, then
#: the profile fields the edit form shares
REGISTRATION_FIELDS = ("name", "id_number", "phone", "home_address", *PROFILE_FIELDS)


@dataclass(frozen=True, slots=True)
class Registered:
    worker_id: str


class RegistrationInvalid(FormInvalid):
    """Field name → Chinese message (``field_errors``)."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__(field_errors, prefix="登记信息有误")


def register_worker(
    engine: Engine, caller: Caller, form: Mapping[str, str], *, secret_key: str
) -> Registered:
    """Store a new worker from ``form`` (strings by :data:`REGISTRATION_FIELDS`; ``groups``
    "|"-separated) for ``caller``, a counselor. Raises :class:`RegistrationInvalid` with every
    problem by field; nothing is stored then."""
    values = {k: (form.get(k) or "").strip() for k in REGISTRATION_FIELDS}
    problems: dict[str, str] = {}
    for required, label in (("name", "姓名"), ("id_number", "身份证号"), ("home_address", "户籍地址")):
        if not values[required]:
            problems[required] = f"请填写{label}"
    if values["home_address"]:
        try:
            home = parse_address(values["home_address"])
        except AddressError as exc:
            problems["home_address"] = str(exc)
        else:
            if home.level != "county":
                problems["home_address"] = "请写到县（市、区），如：吕梁市临县城庄镇"
            elif not caller.covers(home.adcode):
                problems["home_address"] = "该地址不在您负责的地区，请由户籍地的就业服务站登记"
    idn = values["id_number"].upper()
    if idn and (problem := personal.id_number_problem(idn)):
        problems["id_number"] = problem
    elif idn:
        with transaction(engine) as s:
            taken = s.scalar(
                select(Worker.id).where(Worker.id_number_hash == personal.secret_hash(idn, secret_key))
            )
        if taken is not None:
            problems["id_number"] = "该身份证号已登记，请用身份证号后四位查找"
    worker_id = f"W{secrets.token_hex(5).upper()}"
    row: dict[str, list[str | None]] = {k: [v or None] for k, v in values.items()}
    row["id"] = [worker_id]
    row["consent_share"] = ["是" if values["consent_share"] else "否"]
    frame = pl.DataFrame(row, schema={k: pl.Utf8 for k in row})
    if values["phone"] and (problem := personal.phone_problem(values["phone"])):
        problems["phone"] = problem
    if problems:
        raise RegistrationInvalid(problems)
    try:
        load_frame(engine, "workers", frame, source="工作台登记", secret_key=secret_key)
    except ValidationFailed as exc:
        raise RegistrationInvalid({_field(e.field): e.message for e in reversed(exc.errors)}) from None
    with transaction(engine) as s:
        s.add(
            AuditEvent(
                actor=caller.username,
                action="worker.registered",
                entity="worker",
                entity_id=worker_id,
                payload={"source": "workbench"},
            )
        )
    return Registered(worker_id)


def _field(column: str) -> str:
    return "home_address" if column == "home_adcode" else column
