"""The worker-profile form of the workbench: what a counselor types (strings, as a browser posts
them) turned into the JSON API's :class:`~api.schemas.writes.WorkerPatch` and saved through the
same service as ``PATCH /api/v1/workers/{id}`` (:func:`api.services.worker_files.update_worker`),
with every problem by its form field in Chinese.

The registration form (:mod:`api.services.registration`) shares :data:`PROFILE_FIELDS`; the edit
form adds what only an edit changes: desired occupations and certificates, written the way a
counselor says them —

- desired occupations: names or codes, separated by 、，, or spaces (``砌筑工、6-29-02-01``);
- certificates: one a line, the occupation (name or code), the level (初级工 … 高级技师, 专项职业能力,
  or 五级 … 一级) and the year (``砌筑工 初级工 2020``), or a file's ``code:level:year``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.errors import Invalid, translate_errors
from api.schemas.writes import WorkerPatch
from api.security import Caller
from api.services.worker_files import update_worker
from data.db.models import Occupation, Worker
from data.db.session import transaction
from matcher.types import SHORT_LEVEL_NAMES

__all__ = ["EDIT_FIELDS", "PROFILE_FIELDS", "FormInvalid", "edit_worker", "profile_values"]

#: the profile fields both the registration and the edit form hold, in the worker file's names
PROFILE_FIELDS = (
    "education",
    "skills_text",
    "work_history",
    "desired_place",
    "desired_city",
    "max_commute_km",
    "groups",
    "consent_share",
)
#: the edit form's fields
EDIT_FIELDS = (*PROFILE_FIELDS, "desired_occupations", "certificates", "entrepreneurship")
_BOXES = ("consent_share", "entrepreneurship")

_CODE = re.compile(r"\d-\d{2}-\d{2}-\d{2}")
_SEPARATORS = re.compile(r"[、，,；;\s]+")
_YEAR = re.compile(r"^(\d{4})年?$")
_LEVELS: dict[str, int] = {
    **{name: level for level, name in SHORT_LEVEL_NAMES.items()},
    **{f"{n}级": level for level, n in ((5, "五"), (4, "四"), (3, "三"), (2, "二"), (1, "一"))},
}


class FormInvalid(Invalid):
    """Form field → Chinese message (``field_errors``); nothing was stored."""

    def __init__(self, field_errors: dict[str, str], prefix: str = "输入有误") -> None:
        super().__init__(f"{prefix}：" + "；".join(f"{k}：{v}" for k, v in field_errors.items()))
        self.field_errors = field_errors


def _label(code: str, names: Mapping[str, str]) -> str:
    return f"{names[code]}（{code}）" if code in names else code


def profile_values(session: Session, worker: Worker) -> dict[str, str]:
    """The edit form filled with what the worker's file holds (certificates: the file's own
    history only; those with provenance are not the counselor's to edit)."""
    history = [c for c in worker.certificates if c.source == "worker_file"]
    codes = {*worker.desired_occupations, *(c.occupation_code for c in history)}
    rows = session.execute(select(Occupation.code, Occupation.name).where(Occupation.code.in_(codes)))
    names = {code: name for code, name in rows}
    km = worker.max_commute_km
    return {
        "education": worker.education,
        "skills_text": worker.skills_text or "",
        "work_history": worker.work_history or "",
        "desired_place": worker.desired_place,
        "desired_city": worker.desired_city_adcode or "",
        "max_commute_km": f"{km:g}",
        "groups": "|".join(worker.groups or []),
        "consent_share": "1" if worker.consent_share else "",
        "entrepreneurship": "1" if worker.entrepreneurship else "",
        "desired_occupations": "、".join(_label(c, names) for c in worker.desired_occupations),
        "certificates": "\n".join(
            f"{_label(c.occupation_code, names)} {SHORT_LEVEL_NAMES.get(c.level, c.level)} {c.year}"
            for c in history
        ),
    }


class _Occupations:
    """Occupation names and codes of the catalogue, looked up once per form."""

    def __init__(self, session: Session) -> None:
        self.by_code: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        for code, name in session.execute(select(Occupation.code, Occupation.name)):
            self.by_code[code] = name
            self.by_name.setdefault(name, []).append(code)

    def resolve(self, text: str) -> tuple[str | None, str]:
        """(code, "") for a code or an unambiguous name, else (None, the Chinese problem)."""
        found = _CODE.search(text)
        if found:
            code = found.group(0)
            return (code, "") if code in self.by_code else (None, f"未知的职业编码: {code}")
        codes = self.by_name.get(text.strip(), [])
        if len(codes) == 1:
            return codes[0], ""
        if codes:
            return None, f"有{len(codes)}个职业叫“{text}”，请写职业编码：{'、'.join(codes)}"
        return None, f"职业分类大典中没有“{text}”，请写大典中的职业名称或编码"


def _wishes(text: str, occupations: _Occupations) -> tuple[list[str], str]:
    codes: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        code, problem = occupations.resolve(part)
        if problem:
            return [], problem
        if code not in codes:
            codes.append(code)  # type: ignore[arg-type]
    return codes, ""


def _certificate(line: str, occupations: _Occupations) -> tuple[dict[str, object] | None, str]:
    bits = line.replace("：", ":").split(":")
    if len(bits) == 3 and bits[1].strip().isdigit():
        occupation, level_text, year_text = (b.strip() for b in bits)
        level: int | None = int(level_text)
    else:
        words = [w for w in re.split(r"[\s，,]+", line.strip()) if w]
        level = next((_LEVELS[w] for w in words if w in _LEVELS), None)
        year_text = next((w for w in words if _YEAR.match(w)), "")
        occupation = " ".join(w for w in words if w not in _LEVELS and w != year_text)
    if not occupation:
        return None, f"“{line}”缺少职业名称或编码"
    code, problem = occupations.resolve(occupation)
    if problem:
        return None, problem
    if level is None:
        return None, f"“{line}”缺少等级（初级工、中级工、高级工、技师、高级技师或专项职业能力）"
    year = _YEAR.match(year_text.strip())
    if year is None:
        return None, f"“{line}”缺少取得证书的年份（如 2020）"
    return {"occupation_code": code, "level": level, "year": int(year.group(1))}, ""


def _patch(typed: Mapping[str, str], occupations: _Occupations) -> WorkerPatch:
    errors: dict[str, str] = {}
    body: dict[str, object] = {k: typed.get(k, "").strip() for k in ("education", "desired_place")}
    body["skills_text"] = typed.get("skills_text", "").strip()
    body["work_history"] = typed.get("work_history", "").strip()
    body["desired_city"] = typed.get("desired_city", "").strip() or None
    body["max_commute_km"] = typed.get("max_commute_km", "").strip() or None
    body["groups"] = [g for g in typed.get("groups", "").split("|") if g]
    for box in _BOXES:
        body[box] = bool(typed.get(box))
    body["desired_occupations"], problem = _wishes(typed.get("desired_occupations", ""), occupations)
    if problem:
        errors["desired_occupations"] = problem
    certificates = []
    for line in typed.get("certificates", "").splitlines():
        if line.strip():
            cert, problem = _certificate(line, occupations)
            if problem:
                errors.setdefault("certificates", problem)
            else:
                certificates.append(cert)
    body["certificates"] = certificates
    try:
        patch = WorkerPatch.model_validate(body)
    except ValidationError as exc:
        for err in translate_errors([dict(e) for e in exc.errors()]):
            where = str(err.loc[0]) if err.loc else "__all__"
            errors.setdefault(where, err.msg)
        raise FormInvalid(errors) from None
    if errors:
        raise FormInvalid(errors)
    return patch


def edit_worker(engine: Engine, caller: Caller, worker_id: str, typed: Mapping[str, str]) -> None:
    """Save the edit form ``typed`` (strings by :data:`EDIT_FIELDS`; ``groups`` "|"-separated)
    for ``caller`` through :func:`update_worker`. Raises :class:`FormInvalid` with every problem
    by its field; nothing is stored then."""
    with transaction(engine) as session:
        occupations = _Occupations(session)
    patch = _patch(typed, occupations)
    try:
        update_worker(engine, caller, worker_id, patch)
    except Invalid as exc:
        if not exc.errors:
            raise
        errors: dict[str, str] = {}
        for err in exc.errors:
            errors.setdefault(str(err.loc[-1]), err.msg)
        raise FormInvalid(errors) from None
