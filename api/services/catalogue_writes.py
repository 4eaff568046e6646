"""Writes of the catalogue by its owners: employers (admin or counselor), an employer's orders,
institutions (admin) and an institution's programmes.

Orders, institutions and programmes go through the loaders' checks (an edit merges the change
into the stored values and is checked again: a wage range, dates, seats); each write appends an
audit event with the caller as actor. The refresher serves the change after its next check.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from api.errors import Conflict, FieldError, Invalid, NotFound
from api.schemas.writes import EmployerIn, InstitutionIn, OrderIn, OrderPatch, ProgrammeIn, ProgrammePatch
from api.security import Caller
from api.services.record_writes import audit, cell, new_id, store_one, stored_values
from data.credit_code import credit_code_problem, employer_id
from data.db.models import Employer, Institution, Order, Programme
from data.db.session import transaction
from data.regions import AddressError, parse_address

__all__ = [
    "close_order",
    "create_employer",
    "create_institution",
    "create_order",
    "create_programme",
    "get_employer",
    "suspend_programme",
    "update_order",
    "update_programme",
]


def _invalid(field: str, msg: str) -> Invalid:
    return Invalid(
        f"输入有误：{field}：{msg}", [FieldError(loc=["body", field], type="value_error", msg=msg)]
    )


def _county_in_scope(caller: Caller, county: str) -> str:
    try:
        place = parse_address(county)
    except AddressError as exc:
        raise _invalid("county", str(exc)) from None
    if not caller.covers(place.adcode):
        raise _invalid("county", f"该地址不在您的辖区（{caller.region}）内")
    return place.adcode


def create_employer(engine: Engine, caller: Caller, body: EmployerIn) -> Employer:
    code = body.credit_code.strip().upper()
    if problem := credit_code_problem(code):
        raise _invalid("credit_code", problem)
    adcode = _county_in_scope(caller, body.county)
    eid = employer_id(body.name, body.kind)
    with transaction(engine) as session:
        if session.get(Employer, eid) is not None:
            raise Conflict(f"用人单位“{body.name}”（{body.kind}）已登记为 {eid}")
        if session.scalar(select(Employer.id).where(Employer.credit_code == code)) is not None:
            raise Conflict(f"统一社会信用代码 {code} 已登记")
        employer = Employer(
            id=eid,
            name=body.name.strip(),
            kind=body.kind,
            credit_code=code,
            adcode=adcode,
            address=body.address,
        )
        session.add(employer)
        audit(session, caller, "employer.create", "employer", eid, {"name": employer.name, "adcode": adcode})
    return employer


def get_employer(engine: Engine, employer_id_: str) -> Employer:
    with transaction(engine) as session:
        employer = session.get(Employer, employer_id_)
    if employer is None:
        raise NotFound(f"未找到用人单位 {employer_id_}")
    return employer


def create_order(engine: Engine, caller: Caller, body: OrderIn, *, secret_key: str) -> str:
    """A new open order of the caller's employer."""
    employer = get_employer(engine, caller.employer_id or "")
    oid = new_id("O")
    values = {k: cell(v) for k, v in body.model_dump().items()}
    values |= {"id": oid, "employer_name": employer.name, "employer_kind": employer.kind, "status": "open"}
    with transaction(engine) as session:
        store_one(session, "orders", values, secret_key=secret_key)
        audit(session, caller, "order.create", "order", oid, body.model_dump(mode="json"))
    return oid


def _edit(
    engine: Engine,
    caller: Caller,
    kind: str,
    row_model: type,
    rid: str,
    changes: dict,
    action: str,
    *,
    secret_key: str,
) -> None:
    with transaction(engine) as session:
        row = session.get(row_model, rid)
        if row is None:
            raise NotFound(f"未找到 {rid}")
        values = stored_values(kind, row) | {k: cell(v) for k, v in changes.items()}
        store_one(session, kind, values, secret_key=secret_key)
        audit(session, caller, action, kind.rstrip("s"), rid, {k: cell(v) for k, v in changes.items()})


def update_order(
    engine: Engine, caller: Caller, order_id: str, patch: OrderPatch, *, secret_key: str
) -> None:
    _edit(
        engine,
        caller,
        "orders",
        Order,
        order_id,
        patch.model_dump(exclude_unset=True),
        "order.update",
        secret_key=secret_key,
    )


def close_order(engine: Engine, caller: Caller, order_id: str, *, secret_key: str) -> None:
    _edit(
        engine, caller, "orders", Order, order_id, {"status": "closed"}, "order.close", secret_key=secret_key
    )


def create_institution(engine: Engine, caller: Caller, body: InstitutionIn, *, secret_key: str) -> str:
    _county_in_scope(caller, body.county)
    iid = new_id("I")
    values = {k: cell(v) for k, v in body.model_dump().items()} | {"id": iid, "status": "active"}
    with transaction(engine) as session:
        store_one(session, "institutions", values, secret_key=secret_key)
        audit(session, caller, "institution.create", "institution", iid, body.model_dump(mode="json"))
    return iid


def create_programme(engine: Engine, caller: Caller, body: ProgrammeIn, *, secret_key: str) -> str:
    """A new programme of the caller's institution; all its seats are free."""
    pid = new_id("P")
    values = {k: cell(v) for k, v in body.model_dump().items()}
    values |= {"id": pid, "institution_id": caller.institution_id, "seats_left": str(body.seats)}
    with transaction(engine) as session:
        store_one(session, "programmes", values, secret_key=secret_key)
        audit(session, caller, "programme.create", "programme", pid, body.model_dump(mode="json"))
    return pid


def update_programme(
    engine: Engine, caller: Caller, programme_id: str, patch: ProgrammePatch, *, secret_key: str
) -> None:
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("seats") is not None and "seats_left" not in changes:
        with transaction(engine) as session:
            row = session.get(Programme, programme_id)
            if row is None:
                raise NotFound(f"未找到培训项目 {programme_id}")
            taken = row.seats - row.seats_left
        if changes["seats"] < taken:
            raise _invalid("seats", f"总名额 {changes['seats']} 少于已被占用的名额 {taken}（已报名的学员）")
        changes["seats_left"] = changes["seats"] - taken
    if changes.get("seats_left") is not None and changes["seats_left"] > changes.get("seats", 10**9):
        raise _invalid("seats_left", "剩余名额不能多于总名额")
    _edit(
        engine,
        caller,
        "programmes",
        Programme,
        programme_id,
        changes,
        "programme.update",
        secret_key=secret_key,
    )


def suspend_programme(engine: Engine, caller: Caller, programme_id: str) -> None:
    with transaction(engine) as session:
        row = session.get(Programme, programme_id)
        if row is None:
            raise NotFound(f"未找到培训项目 {programme_id}")
        row.status = "suspended"
        audit(session, caller, "programme.suspend", "programme", programme_id, {})


def institution_of(engine: Engine, programme_id: str) -> str | None:
    with transaction(engine) as session:
        return session.scalar(select(Programme.institution_id).where(Programme.id == programme_id))


def institution_exists(engine: Engine, institution_id: str) -> bool:
    with transaction(engine) as session:
        return session.get(Institution, institution_id) is not None
