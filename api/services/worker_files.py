"""Workers' files written by their counselors: register, edit, deactivate, find.

A registration goes through the worker loader's checks (:func:`record_writes.store_one`); the
new worker's ``updated_at`` marks its profile pending, so the next recommendations request
derives it at once (cold start) and the background encoder stores it. Every write appends an
audit event with the counselor as actor and no personal data in its payload.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Engine, delete, or_, select
from sqlalchemy.orm import Session, selectinload

from api.errors import FieldError, Invalid, NotFound
from api.schemas.writes import WorkerHit, WorkerIn, WorkerPatch
from api.security import Caller
from api.services import order_consents
from api.services.login_links import revoke_worker_links
from api.services.record_writes import audit, cell, new_id, store_one
from data import personal
from data.db.base import _now
from data.db.models import Certificate, Occupation, Worker
from data.db.session import transaction
from data.regions import AddressError, parse_address
from matcher.types import GROUPS

__all__ = ["create_worker", "deactivate_worker", "search_workers", "update_worker"]


def create_worker(engine: Engine, caller: Caller, body: WorkerIn, *, secret_key: str) -> str:
    """Register a worker in the caller's region; the new id. Raises :class:`Invalid` (every
    bad field, e.g. a wrong check digit, an address outside Shanxi or outside the caller's
    region, a 身份证号 already registered)."""
    worker_id = new_id("W")
    values = {k: cell(v) for k, v in body.model_dump().items()}
    values["id"] = worker_id
    with transaction(engine) as session:
        store_one(session, "workers", values, secret_key=secret_key)
        home = session.scalar(select(Worker.home_adcode).where(Worker.id == worker_id))
        if not caller.covers(home):
            msg = f"该地址不在您的辖区（{caller.region}）内"
            raise Invalid(
                f"输入有误：home_address：{msg}",
                [FieldError(loc=["body", "home_address"], type="value_error", msg=msg)],
            )
        audit(
            session,
            caller,
            "worker.create",
            "worker",
            worker_id,
            {"home_adcode": home, "fields": sorted(body.model_fields_set)},
        )
    return worker_id


def update_worker(engine: Engine, caller: Caller, worker_id: str, patch: WorkerPatch) -> None:
    """Change the fields given in ``patch``; the profile is derived again on the next request.
    ``certificates`` replaces the certificates typed into the worker's file (those reported by
    an evaluating body or imported with provenance stay). Raises :class:`Invalid` with every bad
    field (nothing is written then), :class:`NotFound`."""
    changes = patch.model_dump(exclude_unset=True)
    nulls = [k for k, v in changes.items() if v is None and k not in ("expected_wage", "desired_city")]
    if nulls:
        errors = [FieldError(loc=["body", k], type="value_error", msg="不能为空") for k in nulls]
        raise Invalid("输入有误：" + "；".join(f"{k}：不能为空" for k in nulls), errors)
    if "desired_occupations" in changes:
        with transaction(engine) as session:
            known = set(
                session.scalars(
                    select(Occupation.code).where(Occupation.code.in_(changes["desired_occupations"]))
                )
            )
        bad = [c for c in changes["desired_occupations"] if c not in known]
        if bad:
            msg = f"未知的职业编码: {'、'.join(bad)}"
            raise Invalid(
                f"输入有误：desired_occupations：{msg}",
                [FieldError(loc=["body", "desired_occupations"], type="value_error", msg=msg)],
            )
    problems = _list_problems(engine, changes)
    if problems:
        raise Invalid("输入有误：" + "；".join(f"{p.loc[1]}：{p.msg}" for p in problems), problems)
    certificates = changes.pop("certificates", None)
    if "desired_city" in changes:
        changes["desired_city_adcode"] = _desired_city(changes.pop("desired_city"))
    with transaction(engine) as session:
        worker = session.get(Worker, worker_id)
        if worker is None:
            raise NotFound(f"未找到劳动者 {worker_id}")
        for key, value in changes.items():
            setattr(worker, key, value)
        if worker.desired_place == "city" and worker.desired_city_adcode is None:
            # the city's box when the change names it, else the choice that needs one
            field = "desired_city" if "desired_city_adcode" in changes else "desired_place"
            msg = (
                "选择“指定城市”须填写求职城市"
                if field == "desired_city"
                else "选择“指定城市”须有求职城市，该劳动者未登记城市"
            )
            raise Invalid(
                f"输入有误：{field}：{msg}", [FieldError(loc=["body", field], type="value_error", msg=msg)]
            )
        if certificates is not None:
            _replace_certificates(session, worker, certificates)
        fields = sorted([*changes, *(["certificates"] if certificates is not None else [])])
        audit(session, caller, "worker.update", "worker", worker_id, {"fields": fields})
        if changes.get("consent_share") is False:
            # no sharing at all: every order's consent ends with it, the contact wiped
            order_consents.withdraw_all(session, caller, worker_id)


def _desired_city(text: str | None) -> str | None:
    """The adcode of the city a worker wants to work in (a Shanxi name or code, as the worker
    loader reads it), ``None`` to clear it; an unknown place is refused by its field."""
    if text is None or not text.strip():
        return None
    try:
        return parse_address(text.strip()).adcode
    except AddressError:
        msg = f"未知的城市: {text.strip()!r}"
        raise Invalid(
            f"输入有误：desired_city：{msg}",
            [FieldError(loc=["body", "desired_city"], type="value_error", msg=msg)],
        ) from None


def _list_problems(engine: Engine, changes: dict) -> list[FieldError]:
    """Groups outside the notice's list, certificates of unknown occupations or years ahead."""
    out: list[FieldError] = []
    for g in changes.get("groups") or []:
        if g not in GROUPS:
            out.append(FieldError(loc=["body", "groups"], type="value_error", msg=f"未知的人员类别: {g}"))
    certs = changes.get("certificates") or []
    if certs:
        with transaction(engine) as session:
            known = set(
                session.scalars(
                    select(Occupation.code).where(Occupation.code.in_({c["occupation_code"] for c in certs}))
                )
            )
        latest = dt.date.today().year + 1
        for c in certs:
            if c["occupation_code"] not in known:
                msg = f"未知的职业编码: {c['occupation_code']}"
            elif c["year"] > latest:
                msg = f"年份不合理: {c['year']}"
            else:
                continue
            out.append(FieldError(loc=["body", "certificates"], type="value_error", msg=msg))
    return out


def _replace_certificates(session: Session, worker: Worker, certificates: list[dict]) -> None:
    """The worker file's certificate history becomes ``certificates`` (one per occupation and
    level); certificates with provenance (registry, import) stay as they are."""
    session.execute(
        delete(Certificate).where(Certificate.worker_id == worker.id, Certificate.source == "worker_file")
    )
    seen: set[tuple[str, int]] = set()
    for c in certificates:
        key = (c["occupation_code"], c["level"])
        if key in seen:
            continue
        seen.add(key)
        session.add(
            Certificate(
                worker_id=worker.id,
                occupation_code=c["occupation_code"],
                level=c["level"],
                year=c["year"],
                source="worker_file",
            )
        )
    # the profile is derived from the worker row's stamp: a change of certificates alone must move it
    worker.updated_at = _now()


def deactivate_worker(engine: Engine, caller: Caller, worker_id: str) -> None:
    """Keep the file, stop recommending the worker or offering them as a candidate; the worker's
    live one-time sign-in links are revoked."""
    with transaction(engine) as session:
        worker = session.get(Worker, worker_id)
        if worker is None:
            raise NotFound(f"未找到劳动者 {worker_id}")
        worker.active = False
        audit(session, caller, "worker.deactivate", "worker", worker_id, {})
        revoke_worker_links(session, caller.username, worker_id)


_DIGITS = re.compile(r"^\d{4}$")


def search_workers(engine: Engine, region: str, q: str, *, secret_key: str, limit: int = 50) -> list[Worker]:
    """Workers of ``region`` matching ``q``: a whole 身份证号 or phone (by its salted hash), the
    last 4 digits of either (their masked forms keep them), a name (only its masked form is
    stored: surname and length), or part of the home address (village, town)."""
    q = q.strip()
    conditions = []
    upper = q.upper()
    if personal.id_number_problem(upper) is None:
        conditions.append(Worker.id_number_hash == personal.secret_hash(upper, secret_key))
    elif personal.phone_problem(q) is None:
        conditions.append(Worker.phone_hash == personal.secret_hash(q, secret_key))
    elif _DIGITS.match(q) or re.fullmatch(r"\d{3}[\dX]", upper):
        conditions.append(Worker.id_number_masked.endswith(upper))
        conditions.append(Worker.phone_masked.endswith(q))
    else:
        if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", q):
            conditions.append(Worker.name_masked == personal.mask_name(q))
        conditions.append(Worker.home_address.contains(q, autoescape=True))
    stmt = (
        select(Worker)
        .where(Worker.home_adcode.startswith(region), or_(*conditions))
        .options(selectinload(Worker.certificates))
        .order_by(Worker.id)
        .limit(limit)
    )
    with transaction(engine) as session:
        return list(session.scalars(stmt))


def hit(w: Worker) -> WorkerHit:
    return WorkerHit(
        id=w.id,
        name_masked=personal.name_for_view(w.name_masked),
        id_number_masked=w.id_number_masked,
        phone_masked=w.phone_masked,
        home_adcode=w.home_adcode,
        home_address=w.home_address,
        active=w.active,
    )
