"""A worker's consent to share their contact with one order's employer, and the reveal it allows.

- :func:`give` — the worker (or their in-scope counselor, recorded as acting on the worker's
  behalf) consents to give one open order's employer their name and phone. The contact given is
  checked against the record: the phone's salted hash must be the registered one and the name's
  masked form the registered masked name, so a consent can only carry the worker's own contact.
  The worker must have consented to share their (masked) profile with employers at all.
- :func:`withdraw` — ends the consent at once and wipes the contact from the row;
  :func:`withdraw_all` does so for every order when the worker withdraws their general consent.
- :func:`reveal_contacts` — the order's own employer, reading the order's candidates, gets the
  name and phone in full of the candidates whose consent to *this* order stands at the moment of
  the request (read from the database, never from a snapshot); every reveal leaves an audit event
  with the employer as actor. Everyone else, and every other order, keeps the masked view.

The audit payloads hold the order id and whether a counselor acted, never the contact itself.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.errors import Conflict, FieldError, Invalid, NotFound
from api.schemas.recommend import CandidatesOut
from api.security import Caller
from api.services.record_writes import audit
from data.db.base import _now
from data.db.models import Order, OrderConsent, Worker
from data.db.session import transaction
from data.personal import mask_name, phone_problem, secret_hash

__all__ = ["give", "reveal_contacts", "withdraw", "withdraw_all"]


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(
        f"输入有误：{field}：{message}", [FieldError(loc=["body", field], type="value_error", msg=message)]
    )


def _order(s: Session, order_id: str) -> Order:
    order = s.get(Order, order_id)
    if order is None:
        raise NotFound(f"未找到用工订单 {order_id}")
    return order


def _check_contact(worker: Worker, name: str, phone: str, secret_key: str) -> tuple[str, str]:
    name, phone = name.strip(), phone.strip()
    if (problem := phone_problem(phone)) is not None:
        raise _invalid("phone", problem)
    if worker.phone_hash is None:
        raise _invalid("phone", "该劳动者未登记手机号，请先由就业指导员登记后再同意提供联系方式")
    if secret_hash(phone, secret_key) != worker.phone_hash:
        raise _invalid("phone", "手机号与登记的不一致")
    if not name or worker.name_masked is None or mask_name(name) != worker.name_masked:
        raise _invalid("name", "姓名与登记的不一致")
    return name, phone


def give(
    engine: Engine,
    caller: Caller,
    worker_id: str,
    order_id: str,
    *,
    name: str,
    phone: str,
    secret_key: str,
) -> OrderConsent:
    """Store (or renew) the consent of ``worker_id`` to give ``order_id``'s employer ``name`` and
    ``phone``. The caller's scope over the worker is checked by the route's dependency. Raises
    :class:`NotFound` (unknown order), :class:`Conflict` (closed order, no general consent, a
    deactivated worker) or :class:`Invalid` (a contact that is not the registered one)."""
    with transaction(engine) as s:
        worker = s.get(Worker, worker_id, with_for_update=True)
        if worker is None:
            raise NotFound(f"未找到劳动者 {worker_id}")
        order = _order(s, order_id)
        if order.status != "open":
            raise Conflict(f"用工订单 {order_id} 已关闭，不能同意向其提供联系方式")
        if not worker.active:
            raise Conflict(f"劳动者 {worker_id} 已停用")
        if not worker.consent_share:
            raise Conflict("请先同意向用人单位共享求职信息，再同意向该订单的用人单位提供联系方式")
        name, phone = _check_contact(worker, name, phone, secret_key)
        row = s.scalar(
            select(OrderConsent).where(OrderConsent.worker_id == worker_id, OrderConsent.order_id == order_id)
        )
        if row is None:
            row = OrderConsent(worker_id=worker_id, order_id=order_id)
            s.add(row)
        on_behalf = caller.role != "worker"
        row.contact_name, row.contact_phone = name, phone
        row.given_by, row.on_behalf, row.given_at = caller.username, on_behalf, _now()
        row.withdrawn_at = row.withdrawn_by = None
        audit(
            s,
            caller,
            "order_consent.given",
            "worker",
            worker_id,
            {"order_id": order_id, "on_behalf": on_behalf, "employer_id": order.employer_id},
        )
        s.flush()
        s.expunge(row)
        return row


def _end(s: Session, caller: Caller, row: OrderConsent) -> None:
    row.contact_name = row.contact_phone = None
    row.withdrawn_at, row.withdrawn_by = _now(), caller.username
    audit(
        s,
        caller,
        "order_consent.withdrawn",
        "worker",
        row.worker_id,
        {"order_id": row.order_id, "on_behalf": caller.role != "worker"},
    )


def withdraw(engine: Engine, caller: Caller, worker_id: str, order_id: str) -> bool:
    """End the consent of ``worker_id`` to ``order_id`` at once (the contact is wiped). True when
    one stood; withdrawing again changes nothing. Unknown order: :class:`NotFound`."""
    with transaction(engine) as s:
        _order(s, order_id)
        row = s.scalar(
            select(OrderConsent)
            .where(
                OrderConsent.worker_id == worker_id,
                OrderConsent.order_id == order_id,
                OrderConsent.withdrawn_at.is_(None),
            )
            .with_for_update()
        )
        if row is None:
            return False
        _end(s, caller, row)
        return True


def withdraw_all(s: Session, caller: Caller, worker_id: str) -> int:
    """In the caller's transaction: end every standing order consent of ``worker_id`` (when the
    worker withdraws their general consent). The number ended."""
    rows = list(
        s.scalars(
            select(OrderConsent)
            .where(OrderConsent.worker_id == worker_id, OrderConsent.withdrawn_at.is_(None))
            .with_for_update()
        )
    )
    for row in rows:
        _end(s, caller, row)
    return len(rows)


def reveal_contacts(engine: Engine, caller: Caller, order_id: str, out: CandidatesOut) -> CandidatesOut:
    """``out`` with the full name and phone of the candidates who consented to ``order_id``, when
    ``caller`` is the order's own employer (each reveal audited); otherwise ``out`` unchanged."""
    if caller.role != "employer" or not out.candidates:
        return out
    ids = [c.worker_id for c in out.candidates]
    with transaction(engine) as s:
        order = s.get(Order, order_id)
        if order is None or order.employer_id is None or order.employer_id != caller.employer_id:
            return out
        found = s.execute(
            select(OrderConsent.worker_id, OrderConsent.contact_name, OrderConsent.contact_phone)
            .join(Worker, Worker.id == OrderConsent.worker_id)
            .where(
                OrderConsent.order_id == order_id,
                OrderConsent.worker_id.in_(ids),
                OrderConsent.withdrawn_at.is_(None),
                Worker.consent_share,
                Worker.active,
            )
        ).all()
        contacts = {w: (n, p) for w, n, p in found if n and p}
        for worker_id in sorted(contacts):
            audit(s, caller, "contact.revealed", "worker", worker_id, {"order_id": order_id})
    if not contacts:
        return out
    candidates = [
        c.model_copy(
            update={"name": contacts[c.worker_id][0], "phone": contacts[c.worker_id][1], "contact": True}
        )
        if c.worker_id in contacts
        else c
        for c in out.candidates
    ]
    return out.model_copy(update={"candidates": candidates})
