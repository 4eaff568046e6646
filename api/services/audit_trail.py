"""One worker's audit trail (issue 12): every step on the worker's records — the worker's own
events, enrollments, certificates, hires and subsidy claims — with its actor, oldest first.

The events are those of the append-only :class:`AuditEvent` log; a step is found by the entity it
names (``entity``, ``entity_id``), so the trail needs no copy of the worker id in every payload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from api.errors import Forbidden
from api.services.record_access import Actor, visible_worker
from data.db.models import AuditEvent, Certificate, Enrollment, Hire, SubsidyClaim
from data.db.session import transaction

__all__ = ["AuditView", "worker_trail"]


@dataclass(frozen=True, slots=True)
class AuditView:
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    rule_version: str | None
    message: str
    payload: dict[str, Any]


def _ids(s: Session, column, owner, worker_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(v) for v in s.scalars(select(column).where(owner == worker_id))]


def _about(s: Session, worker_id: str) -> ColumnElement[bool]:
    """The audit events that name the worker or one of the worker's records."""
    owned = {
        "worker": [worker_id],
        "enrollment": _ids(s, Enrollment.id, Enrollment.worker_id, worker_id),
        "certificate": _ids(s, Certificate.id, Certificate.worker_id, worker_id),
        "hire": _ids(s, Hire.id, Hire.worker_id, worker_id),
        "subsidy_claim": _ids(s, SubsidyClaim.id, SubsidyClaim.worker_id, worker_id),
    }
    return or_(
        *(
            and_(AuditEvent.entity == entity, AuditEvent.entity_id.in_(ids))
            for entity, ids in owned.items()
            if ids
        )
    )


def worker_trail(
    engine: Engine, actor: Actor, worker_id: str, *, limit: int = 200, offset: int = 0
) -> tuple[int, list[AuditView]]:
    """(total, one page of events) of the worker's trail, oldest first. Counselors of the
    worker's region and admins covering it; anyone else gets :class:`Forbidden` (a worker
    out of scope: :class:`~api.errors.NotFound`)."""
    if actor.role not in ("counselor", "admin"):
        raise Forbidden("只有就业服务站经办人或管理员可以查看操作记录")
    with transaction(engine) as s:
        visible_worker(s, actor, worker_id)
        where = _about(s, worker_id)
        total = s.scalar(select(func.count()).select_from(AuditEvent).where(where)) or 0
        rows = s.scalars(select(AuditEvent).where(where).order_by(AuditEvent.id).limit(limit).offset(offset))
        return total, [
            AuditView(
                e.id,
                e.at,
                e.actor,
                e.action,
                e.entity,
                e.entity_id,
                e.rule_version,
                str((e.payload or {}).get("message", "")),
                {k: v for k, v in (e.payload or {}).items() if k != "decision"},
            )
            for e in rows
        ]
