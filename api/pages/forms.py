"""Forms and filter bars of the pages: what the user typed, checked by a pydantic model, with a
Chinese message per field (the messages of :mod:`api.errors`) shown next to it and the typed
values kept, so a page re-renders the form as the user left it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError
from starlette.requests import Request

from api.errors import translate_errors
from api.schemas.common import IsoDate

__all__ = ["Blank", "FormResult", "OptionalDate", "parse_form", "posted_fields"]

M = TypeVar("M", bound=BaseModel)


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


#: an optional input where an empty box means "not given"
Blank = BeforeValidator(_blank_to_none)
#: an optional ``YYYY-MM-DD`` date (empty: not given)
OptionalDate = Annotated[IsoDate | None, BeforeValidator(_blank_to_none)]


@dataclass
class FormResult(Generic[M]):
    """``value``: the checked model, or ``None`` when a field is wrong; ``errors``: field name →
    Chinese message; ``typed``: what the user typed, field by field (to fill the form again)."""

    value: M | None
    typed: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def parse_form(
    model: type[M], data: Mapping[str, str], fields: tuple[str, ...] | None = None
) -> FormResult[M]:
    """Check ``data`` (query parameters or a posted form) against ``model``; an empty box takes
    the field's default."""
    names = fields or tuple(model.model_fields)
    typed = {name: str(data.get(name, "")) for name in names}
    try:
        given = {k: v for k, v in typed.items() if k in model.model_fields and v.strip()}
        return FormResult(model.model_validate(given), typed)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in translate_errors([dict(e) for e in exc.errors()]):
            where = str(err.loc[0]) if err.loc else "__all__"
            # an empty box is "missing" to pydantic; on a form it is a box to fill in
            errors.setdefault(where, "请填写此项" if err.type == "missing" else err.msg)
        return FormResult(None, typed, errors)


async def posted_fields(request: Request, fields: Iterable[str]) -> dict[str, str]:
    """The posted form's ``fields`` as typed (a missing one as "")."""
    posted = await request.form()
    return {k: str(posted.get(k) or "") for k in fields}
