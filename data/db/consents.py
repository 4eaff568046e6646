"""Storage of a worker's consent to share their contact with one order's employer (migration 0007).

:class:`OrderConsent` — one row per (worker, order). While it stands (``withdrawn_at`` is None)
it holds the name and phone the worker agreed to give that order's employer, checked against the
worker's registered phone hash and masked name when given; the order's employer then sees them in
full among the order's candidates. Withdrawal wipes the contact at once and keeps the row (who,
when); the audit log keeps every consent, withdrawal and reveal with its actor.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.db.base import Base, _now


class OrderConsent(Base):
    __tablename__ = "order_consents"
    __table_args__ = (UniqueConstraint("worker_id", "order_id", name="uq_order_consent"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    #: the contact as the worker gave it for this order; None once withdrawn
    contact_name: Mapped[str | None] = mapped_column(String(32))
    contact_phone: Mapped[str | None] = mapped_column(String(11))
    #: the username that gave the consent, and whether a counselor gave it on the worker's behalf
    given_by: Mapped[str] = mapped_column(String(64))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    given_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
