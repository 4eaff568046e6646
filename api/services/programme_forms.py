"""An institution's programme form (培训项目) as the pages post it: what the institution typed, as
strings by field, turned into the JSON API's bodies (:class:`ProgrammeIn`, :class:`ProgrammePatch`)
and written through the same service (:mod:`api.services.catalogue_writes`: the loaders' checks,
the audit event). Every problem comes back by form field, in Chinese, with nothing stored.

The occupation is typed as on the order form (a name, a 工种 or a code) and resolved the same way
(:func:`api.services.order_forms.resolve_occupation`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.errors import Invalid, NotFound
from api.schemas.writes import ProgrammeIn, ProgrammePatch
from api.security import Caller
from api.services import catalogue_writes
from api.services.order_forms import (
    FormInvalid,
    service_field_errors,
    validated_body,
    validated_with_occupation,
)
from data.db.models import Occupation, Programme
from matcher.types import SHORT_LEVEL_NAMES

__all__ = [
    "NEW_FIELDS",
    "EDIT_FIELDS",
    "ProgrammeForm",
    "ProgrammeFormInvalid",
    "edit_programme",
    "post_programme",
    "programme_form_values",
]

#: the new-programme form's fields (``occupation``: a name, 工种 or code; ``county``: an adcode,
#: empty for the institution's own place)
NEW_FIELDS = (
    "title",
    "occupation",
    "work_type",
    "level",
    "training_type",
    "delivery",
    "county",
    "start_date",
    "end_date",
    "hours",
    "seats",
    "fee",
    "certificate",
    "description",
)
#: what an edit may change (the JSON API's :class:`ProgrammePatch`; the seats left follow the
#: seats, less those the enrollments took)
EDIT_FIELDS = ("seats", "start_date", "end_date")


class ProgrammeFormInvalid(FormInvalid):
    what = "培训项目信息"


@dataclass(frozen=True, slots=True)
class ProgrammeForm:
    """What an edit page shows besides the typed values: the fixed part of the programme."""

    id: str
    title: str
    occupation: str
    level: str
    seats_taken: int
    status: str


def post_programme(engine: Engine, caller: Caller, form: Mapping[str, str], *, secret_key: str) -> str:
    """A new programme of the caller's institution from ``form`` (strings by :data:`NEW_FIELDS`);
    returns its id. Raises :class:`ProgrammeFormInvalid`."""
    typed = {k: (form.get(k) or "").strip() for k in NEW_FIELDS}
    given: dict[str, object] = {k: v for k, v in typed.items() if v and k != "occupation"}
    body, errors = validated_with_occupation(engine, ProgrammeIn, typed, given)
    if errors or body is None:
        raise ProgrammeFormInvalid(errors)
    assert isinstance(body, ProgrammeIn)
    try:
        return catalogue_writes.create_programme(engine, caller, body, secret_key=secret_key)
    except Invalid as exc:
        raise ProgrammeFormInvalid(service_field_errors(exc)) from None


def edit_programme(
    engine: Engine, caller: Caller, programme_id: str, form: Mapping[str, str], *, secret_key: str
) -> None:
    """Change the caller's own programme from ``form`` (strings by :data:`EDIT_FIELDS`; an empty
    box is refused, not cleared). Raises :class:`ProgrammeFormInvalid`."""
    typed = {k: (form.get(k) or "").strip() for k in EDIT_FIELDS}
    missing = {k: "请填写此项" for k in EDIT_FIELDS if not typed[k]}
    patch, errors = validated_body(ProgrammePatch, {k: v for k, v in typed.items() if v})
    errors = missing | errors
    if errors or patch is None:
        raise ProgrammeFormInvalid(errors)
    assert isinstance(patch, ProgrammePatch)
    try:
        catalogue_writes.update_programme(engine, caller, programme_id, patch, secret_key=secret_key)
    except Invalid as exc:
        raise ProgrammeFormInvalid(service_field_errors(exc)) from None


def programme_form_values(
    session: Session, institution_id: str, programme_id: str
) -> tuple[ProgrammeForm, dict[str, str]]:
    """The institution's own programme as its edit form shows it: (the fixed part, the editable
    values as typed strings). Another institution's programme answers :class:`NotFound`."""
    row = session.get(Programme, programme_id)
    if row is None or row.institution_id != institution_id:
        raise NotFound(f"未找到培训项目 {programme_id}")
    occupation = session.get(Occupation, row.occupation_code)
    fixed = ProgrammeForm(
        row.id,
        row.title,
        f"{occupation.name if occupation else row.occupation_code}（{row.occupation_code}）",
        SHORT_LEVEL_NAMES.get(row.level, str(row.level)),
        row.seats - row.seats_left,
        row.status,
    )
    values = {
        "seats": str(row.seats),
        "start_date": row.start_date.isoformat() if isinstance(row.start_date, dt.date) else "",
        "end_date": row.end_date.isoformat() if isinstance(row.end_date, dt.date) else "",
    }
    return fixed, values
