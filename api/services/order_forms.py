"""An employer's order form (订单) as the pages post it: what the employer typed, as strings by
field, turned into the JSON API's bodies (:class:`OrderIn`, :class:`OrderPatch`) and written
through the same service (:mod:`api.services.catalogue_writes`: the loaders' checks, the audit
event). Every problem comes back by form field, in Chinese, with nothing stored.

The occupation is typed as people say it — a name of 职业分类大典 2022 ("砌筑工"), a 工种 name, or
a code ("6-29-01-01") — and resolved here against the occupation table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from api.errors import Invalid, NotFound, translate_errors
from api.schemas.writes import OrderIn, OrderPatch
from api.security import Caller
from api.services import catalogue_writes
from data.db.models import Occupation, Order, Region
from data.db.session import transaction

__all__ = [
    "EDIT_FIELDS",
    "ORDER_FIELDS",
    "FormInvalid",
    "OrderForm",
    "OrderFormInvalid",
    "edit_order",
    "order_form_values",
    "post_order",
    "resolve_occupation",
    "service_field_errors",
    "validated_body",
    "validated_with_occupation",
]

#: the new-order form's fields (``occupation``: a name, 工种 or code; ``county``: a 6-digit adcode)
ORDER_FIELDS = (
    "occupation",
    "work_type",
    "head_count",
    "county",
    "wage_min",
    "wage_max",
    "start_date",
    "required_skills",
    "requires_certificate",
    "employer_trains",
)
#: what an edit may change (the JSON API's :class:`OrderPatch`)
EDIT_FIELDS = ("head_count", "wage_min", "wage_max", "start_date", "required_skills")
_BOXES = ("requires_certificate", "employer_trains")
_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
#: the API body's field → the form's
_FORM_FIELD = {"occupation_code": "occupation"}


class FormInvalid(Invalid):
    """Form field → Chinese message (``field_errors``); ``what`` names the form's record."""

    what = "填写的信息"

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__(f"{self.what}有误：" + "；".join(f"{k}：{v}" for k, v in field_errors.items()))
        self.field_errors = field_errors


class OrderFormInvalid(FormInvalid):
    what = "订单信息"


@dataclass(frozen=True, slots=True)
class OrderForm:
    """What an edit page shows besides the typed values: the fixed part of the order."""

    id: str
    occupation: str
    work_type: str | None
    place: str
    status: str
    employer_trains: bool


def resolve_occupation(session: Session, text: str) -> tuple[str | None, str | None, str]:
    """(occupation code, 工种 or ``None``, problem) for what was typed; the problem is ``""``
    when the code was found. A 工种 name resolves to its occupation and is kept as the 工种."""
    typed = text.strip()
    if not typed:
        return None, None, "请填写职业（名称、工种或编码）"
    code = typed.split()[0]
    if _CODE.match(code):
        if session.get(Occupation, code) is None:
            return None, None, f"未知的职业编码 {code}"
        return code, None, ""
    named = list(
        session.scalars(select(Occupation.code).where(Occupation.name == typed).order_by(Occupation.code))
    )
    if len(named) == 1:
        return named[0], None, ""
    rows = session.execute(
        select(Occupation.code, Occupation.name, Occupation.work_types)
        .where(or_(Occupation.name.contains(typed), Occupation.work_types.contains(typed)))
        .order_by(Occupation.code)
    ).all()
    by_work_type = [
        code for code, _name, kinds in rows if typed in {k.strip() for k in (kinds or "").split("|")}
    ]
    if len(by_work_type) == 1:
        return by_work_type[0], typed, ""
    if not rows:
        return None, None, f"未找到职业“{typed}”，请换个说法或填写职业编码"
    near = "、".join(f"{name}（{code}）" for code, name, _k in rows[:5])
    return None, None, f"“{typed}”对应多个职业，请填写其中一个的名称或编码：{near}"


def service_field_errors(exc: Invalid) -> dict[str, str]:
    """A service's refusal by form field (a refusal without fields under ``__all__``)."""
    out: dict[str, str] = {}
    for err in exc.errors or ():
        name = str(err.loc[-1])
        out.setdefault(_FORM_FIELD.get(name, name), err.msg)
    return out or {"__all__": exc.message}


def validated_body(model: type[BaseModel], given: dict[str, object]) -> tuple[object | None, dict[str, str]]:
    """(the API body, ``{}``) or (``None``, form field → Chinese message)."""
    try:
        return model.model_validate(given), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in translate_errors([dict(e) for e in exc.errors()]):
            name = str(err.loc[0]) if err.loc else "__all__"
            errors.setdefault(_FORM_FIELD.get(name, name), "请填写此项" if err.type == "missing" else err.msg)
        return None, errors


def validated_with_occupation(
    engine: Engine, model: type[BaseModel], typed: Mapping[str, str], given: dict[str, object]
) -> tuple[object | None, dict[str, str]]:
    """:func:`validated_body` of ``given`` after the typed occupation (a name, 工种 or code) is
    resolved into ``occupation_code`` (and ``work_type`` when that box is empty); an occupation
    that cannot be resolved is the ``occupation`` box's error."""
    with transaction(engine) as session:
        code, work_type, problem = resolve_occupation(session, typed["occupation"])
    if code is not None:
        given["occupation_code"] = code
        if work_type and not typed["work_type"]:
            given["work_type"] = work_type
    body, errors = validated_body(model, given)
    if problem:
        errors = {"occupation": problem, **{k: v for k, v in errors.items() if k != "occupation"}}
    return body, errors


def post_order(engine: Engine, caller: Caller, form: Mapping[str, str], *, secret_key: str) -> str:
    """A new open order of the caller's employer from ``form`` (strings by :data:`ORDER_FIELDS`;
    a checkbox is any non-empty value); returns its id. Raises :class:`OrderFormInvalid`."""
    typed = {k: (form.get(k) or "").strip() for k in ORDER_FIELDS}
    given: dict[str, object] = {k: v for k, v in typed.items() if v and k not in (*_BOXES, "occupation")}
    given |= {k: bool(typed[k]) for k in _BOXES}
    body, errors = validated_with_occupation(engine, OrderIn, typed, given)
    if errors or body is None:
        raise OrderFormInvalid(errors)
    assert isinstance(body, OrderIn)
    try:
        return catalogue_writes.create_order(engine, caller, body, secret_key=secret_key)
    except Invalid as exc:
        raise OrderFormInvalid(service_field_errors(exc)) from None


def edit_order(
    engine: Engine, caller: Caller, order_id: str, form: Mapping[str, str], *, secret_key: str
) -> None:
    """Change the caller's own order from ``form`` (strings by :data:`EDIT_FIELDS`; an empty box
    is refused, not cleared, except the requirements). Raises :class:`OrderFormInvalid`."""
    typed = {k: (form.get(k) or "").strip() for k in EDIT_FIELDS}
    given: dict[str, object] = {k: v for k, v in typed.items() if v or k == "required_skills"}
    missing = {k: "请填写此项" for k in EDIT_FIELDS if k != "required_skills" and not typed[k]}
    patch, errors = validated_body(OrderPatch, given)
    errors = missing | errors
    if errors or patch is None:
        raise OrderFormInvalid(errors)
    assert isinstance(patch, OrderPatch)
    try:
        catalogue_writes.update_order(engine, caller, order_id, patch, secret_key=secret_key)
    except Invalid as exc:
        raise OrderFormInvalid(service_field_errors(exc)) from None


def order_form_values(session: Session, employer_id: str, order_id: str) -> tuple[OrderForm, dict[str, str]]:
    """The employer's own order as its edit form shows it: (the fixed part, the editable values
    as typed strings). Another employer's order answers :class:`NotFound`."""
    order = session.get(Order, order_id)
    if order is None or order.employer_id != employer_id:
        raise NotFound(f"未找到用工订单 {order_id}")
    occupation = session.get(Occupation, order.occupation_code)
    region = session.get(Region, order.adcode)
    place = order.adcode
    if region is not None:
        place = (
            region.name
            if not region.city_name or region.city_name == region.name
            else f"{region.city_name}{region.name}"
        )
    fixed = OrderForm(
        order.id,
        f"{occupation.name if occupation else order.occupation_code}（{order.occupation_code}）",
        order.work_type,
        place,
        order.status,
        bool(order.employer_trains),
    )
    values = {
        "head_count": str(order.head_count),
        "wage_min": str(order.wage_min),
        "wage_max": str(order.wage_max),
        "start_date": order.start_date.isoformat() if isinstance(order.start_date, dt.date) else "",
        "required_skills": order.required_skills or "",
    }
    return fixed, values
