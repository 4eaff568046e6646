"""The county training ledger of priority groups (培训台账, clause 二): every worker of a region who
belongs to a priority group, at the furthest stage their records show — 未培训, 已报名, 已结业,
已取证, 已就业 — with counts per group and stage. Stages come from the stored records (enrollments,
certificates with provenance, hires), never from what a form says; a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.services.desks import NOT_ENROLLED
from data.db.models import Certificate, Enrollment, Hire, Region, Worker
from matcher.types import GROUPS

__all__ = ["STAGES", "Ledger", "LedgerRow", "ledger", "ledger_xlsx"]

STAGES = ("未培训", "已报名", "已结业", "已取证", "已就业")


@dataclass(frozen=True, slots=True)
class LedgerRow:
    worker_id: str
    name: str | None
    home: str
    groups: tuple[str, ...]
    stage: str


@dataclass(frozen=True, slots=True)
class Ledger:
    region: str
    rows: list[LedgerRow]
    #: (group, stage) → workers, over the whole region before the group and stage filters
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, group: str, stage: str) -> int:
        return self.counts.get((group, stage), 0)


def ledger(
    session: Session, region: str, today: dt.date, *, group: str | None = None, stage: str | None = None
) -> Ledger:
    """The ledger of ``region`` (an adcode prefix) on ``today``; rows filtered by ``group`` and
    ``stage``, by worker id."""
    in_region = Worker.home_adcode.startswith(region)
    workers = [
        (wid, name, home, tuple(groups or ()))
        for wid, name, home, groups in session.execute(
            select(Worker.id, Worker.name_masked, Worker.home_adcode, Worker.groups)
            .where(in_region)
            .order_by(Worker.id)
        )
        if groups
    ]
    reached: dict[str, int] = {}

    def reach(worker_id: str, level: int) -> None:
        reached[worker_id] = max(reached.get(worker_id, 0), level)

    for wid, status, completed, certified in session.execute(
        select(Enrollment.worker_id, Enrollment.status, Enrollment.completed, Enrollment.certified)
        .join(Worker, Worker.id == Enrollment.worker_id)
        .where(in_region, Enrollment.status.not_in(NOT_ENROLLED))
    ):
        reach(wid, 3 if certified else 2 if completed or status == "结业" else 1)
    for (wid,) in session.execute(
        select(Certificate.worker_id)
        .join(Worker, Worker.id == Certificate.worker_id)
        .where(in_region, Certificate.source != "worker_file", Certificate.issued_on <= today)
    ):
        reach(wid, 3)
    for (wid,) in session.execute(
        select(Hire.worker_id)
        .join(Worker, Worker.id == Hire.worker_id)
        .where(in_region, Hire.start_date <= today, or_(Hire.end_date.is_(None), Hire.end_date >= today))
    ):
        reach(wid, 4)
    names = {
        r.adcode: (r.name if not r.city_name or r.city_name == r.name else f"{r.city_name}{r.name}")
        for r in session.scalars(select(Region).where(Region.adcode.in_({w[2] for w in workers})))
    }
    counts: Counter[tuple[str, str]] = Counter()
    rows = []
    for wid, name, home, groups in workers:
        at = STAGES[reached.get(wid, 0)]
        for g in groups:
            counts[(g, at)] += 1
        if (group is None or group in groups) and (stage is None or stage == at):
            rows.append(LedgerRow(wid, name, names.get(home, home), groups, at))
    return Ledger(region, rows, dict(counts))


def ledger_xlsx(book: Ledger) -> bytes:
    """The ledger as an Excel workbook: the rows, and the counts by group and stage."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "台账"
    sheet.append(["劳动者编号", "姓名", "户籍地", "重点群体", "培训就业阶段"])
    for r in book.rows:
        sheet.append([r.worker_id, r.name or "", r.home, "、".join(r.groups), r.stage])
    totals = wb.create_sheet("统计")
    totals.append(["重点群体", *STAGES, "合计"])
    for g in GROUPS:
        line = [book.count(g, s) for s in STAGES]
        if sum(line):
            totals.append([g, *line, sum(line)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
