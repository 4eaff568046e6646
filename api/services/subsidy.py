"""Subsidy claims: submit, review, approve or reject, pay (申请 → 审核 → 通过/驳回 → 发放).

A claim names the worker, its kind and one record (an enrollment, or a certificate); the money is
decided on the registry's records (:mod:`api.services.claim_facts`), never on what the caller says.

Paying twice is refused by the rules for a clear answer, and *held* by the database, even when two
claims arrive at the same moment: ``uq_claim_once_per_year`` (clause 十: one training or
skill-upgrade subsidy per worker, 职业（工种）, level and year of the subsidised event),
``uq_claim_once_per_enrollment``, ``uq_claim_once_per_certificate``, and the primary key of
``living_allowance_days`` (no day paid twice). State changes are compare-and-set, so two payers
cannot both pay. Separation of duties: the submitter cannot review; neither the submitter nor a
reviewer can pay. Every attempt — accepted, refused, each state change — writes an append-only
:class:`AuditEvent` with the actor, the inputs and the policy version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.services.claim_facts import ClaimContext, ClaimInputError, gather
from api.services.claim_outcomes import (
    DUPLICATE_MESSAGE,
    TRANSITIONS,
    ClaimOutcome,
    accepted,
    check_actor,
    duty_conflict,
    fact_id,
    refused,
    split_payment,
    violated_index,
)
from api.services.policy_versions import register_use
from data.db.models import AuditEvent, LivingAllowanceDay, Occupation, SubsidyClaim
from data.db.session import transaction
from data.policy_loader import PolicyFileError, PolicyNotFound, load_city_policy
from matcher.subsidy import (
    KIND_NAMES,
    YEARLY_KINDS,
    CityPolicy,
    CityPolicyBook,
    PolicyNotInForce,
    SubsidyDecision,
    decide_claim,
)
from matcher.subsidy.rules import duplicate_key, level_name

PolicySource = Callable[[str], CityPolicyBook]


class SubsidyService:
    """Claims against one database. ``policies`` maps a city code to its policy book (default: the
    TOML files in ``policy_dir`` or ``data/policy``, read on each call); ``clock`` gives today."""

    def __init__(
        self,
        engine: Engine,
        policies: PolicySource | None = None,
        *,
        policy_dir: Path | None = None,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.engine = engine
        self.policies: PolicySource = policies or (lambda city: load_city_policy(city, policy_dir))
        self.clock = clock

    # -- submission -------------------------------------------------------------------------

    def submit(
        self,
        *,
        worker_id: str,
        kind: str,
        actor: str,
        enrollment_id: int | None = None,
        certificate_id: int | None = None,
        on: dt.date | None = None,
    ) -> ClaimOutcome:
        """File a claim of ``kind`` (training, living: name the enrollment; certification,
        skill_upgrade: name the certificate) on ``on`` (default today) by ``actor``.

        An eligible claim is stored in state 申请; a refusal — by the rules or by the database —
        stores nothing. Both write an audit event. Raises :class:`ClaimInputError` for unknown or
        mismatched records, a blank actor, or a date after today.
        """
        actor = check_actor(actor)
        today = self.clock()
        day = on or today
        if day > today:
            raise ClaimInputError(f"申领日期{day.isoformat()}晚于今天{today.isoformat()}")
        inputs: dict[str, object] = {"kind": kind, "claim_date": day.isoformat()}
        try:
            with transaction(self.engine) as s:
                ctx = gather(
                    s,
                    kind=kind,
                    worker_id=worker_id,
                    on=day,
                    enrollment_id=enrollment_id,
                    certificate_id=certificate_id,
                )
                inputs.update(ctx.inputs())
                policy = self.policy_for(ctx, actor)
                if isinstance(policy, str):
                    self._audit(s, actor, "subsidy_claim.refused", "worker", worker_id, None, inputs, policy)
                    return ClaimOutcome(False, policy)
                decision = decide_claim(kind, ctx.records, policy, day)
                if not decision.eligible:
                    self._audit(
                        s,
                        actor,
                        "subsidy_claim.refused",
                        "worker",
                        worker_id,
                        policy.rule_version,
                        inputs,
                        decision.reason,
                        decision,
                    )
                    return refused(decision)
                claim = self._store(s, ctx, policy, decision, day, actor)
                message = f"已受理{KIND_NAMES[kind]}申请，金额{decision.amount}元：{decision.reason}"
                self._audit(
                    s,
                    actor,
                    "subsidy_claim.submitted",
                    "subsidy_claim",
                    str(claim.id),
                    policy.rule_version,
                    inputs,
                    message,
                    decision,
                )
                return accepted(message, claim, decision)
        except IntegrityError as exc:
            which = violated_index(exc)
            if which is None:
                raise
        return self._refuse_by_database(which, worker_id, inputs, actor)

    def _store(
        self, s: Session, ctx: ClaimContext, policy: CityPolicy, d: SubsidyDecision, day: dt.date, actor: str
    ) -> SubsidyClaim:
        assert d.event_date is not None
        claim = SubsidyClaim(
            worker_id=ctx.records.worker.id,
            enrollment_id=ctx.enrollment_id,
            programme_id=ctx.programme_id,
            certificate_id=ctx.certificate_id,
            kind=ctx.kind,
            counts_as_training=ctx.kind in YEARLY_KINDS,
            occupation_code=ctx.occupation_code,
            work_type=ctx.work_type,
            level=ctx.level,
            duplicate_key=duplicate_key(policy, ctx.occupation_code, ctx.work_type),
            event_date=d.event_date,
            event_year=d.event_date.year,
            claim_date=day,
            amount=d.amount,
            payee=d.payee,
            payee_name=d.payee_name,
            status="申请",
            city=ctx.city,
            rule_version=d.rule_version,
            policy_hash=d.policy_hash,
            hire_id=fact_id(d.fact("hire_id")),
            group_fact_id=fact_id(d.fact("group_fact_id")),
            insurance_fact_id=fact_id(d.fact("insurance_fact_id")) if ctx.kind == "skill_upgrade" else None,
            days=d.living_days if ctx.kind == "living" else None,
            submitted_by=actor,
        )
        s.add(claim)
        s.flush()  # the unique indexes answer here, inside this transaction
        if d.covered_days:
            s.add_all(
                LivingAllowanceDay(worker_id=claim.worker_id, day=day_, claim_id=claim.id)
                for day_ in d.covered_days
            )
            s.flush()
        return claim

    def _refuse_by_database(
        self, which: str, worker_id: str, inputs: dict[str, object], actor: str
    ) -> ClaimOutcome:
        """Answer a claim the database refused, and log the refusal in a fresh transaction (the
        claim's own transaction was rolled back)."""
        with transaction(self.engine) as s:
            if which == "year":
                code = str(inputs["occupation_code"])
                occupation = s.get(Occupation, code)
                what = f"{occupation.name if occupation else code}{level_name(int(str(inputs['level'])))}"
                message = f"{DUPLICATE_MESSAGE}：该劳动者同一年度已有{what}的补贴申领"
            elif which == "certificate":
                message = "该证书已有同类补贴申领，每张证书只能申领一次"
            elif which == "days":
                message = "培训期间的部分日期已由另一申领发放生活费补贴，同一天不重复发放，请重新提交"
            else:
                message = "该培训报名已有同类补贴申领，不能重复申领"
            rule = {
                "year": "no_duplicate",
                "certificate": "once_per_certificate",
                "days": "once_per_day",
            }.get(which, "once_per_enrollment")
            self._audit(
                s,
                actor,
                "subsidy_claim.refused",
                "worker",
                worker_id,
                None,
                {**inputs, "refused_by": f"database:{rule}"},
                message,
            )
        return ClaimOutcome(False, message, rule=rule)

    # -- review -----------------------------------------------------------------------------

    def advance(self, claim_id: int, to_status: str, *, actor: str, note: str = "") -> ClaimOutcome:
        """Move a claim to ``to_status`` along :data:`TRANSITIONS`, by ``actor``.

        Separation of duties: the submitter cannot review (审核, 通过, 驳回); the submitter and the
        reviewers cannot pay (发放). Approval (通过) re-runs the rules on today's records and is
        refused when they no longer hold. Rejection (驳回) needs a ``note`` and frees the claim's
        days and its place in the unique indexes. A concurrent change wins over this one (the
        update is compare-and-set). Every attempt writes an audit event.
        """
        actor = check_actor(actor)
        with transaction(self.engine) as s:
            claim = s.scalars(
                select(SubsidyClaim).where(SubsidyClaim.id == claim_id).with_for_update()
            ).first()
            if claim is None:
                raise ClaimInputError(f"未找到补贴申领 {claim_id}")
            inputs: dict[str, object] = {"from": claim.status, "to": to_status, "note": note}
            if to_status not in TRANSITIONS.get(claim.status, ()):
                return self._refuse_change(
                    s, claim, actor, inputs, f"补贴申领状态不能从“{claim.status}”变更为“{to_status}”"
                )
            duty = duty_conflict(claim, to_status, actor)
            if duty:
                return self._refuse_change(s, claim, actor, inputs, duty)
            if to_status == "驳回" and not note.strip():
                return self._refuse_change(s, claim, actor, inputs, "驳回补贴申领须注明理由")
            decision = None
            amount = claim.amount
            if to_status == "通过":
                ctx = gather(
                    s,
                    kind=claim.kind,
                    worker_id=claim.worker_id,
                    on=claim.claim_date,
                    enrollment_id=claim.enrollment_id,
                    certificate_id=claim.certificate_id,
                    exclude_claim_id=claim.id,
                )
                inputs.update(ctx.inputs())
                policy = self.policy_for(ctx, actor)
                if isinstance(policy, str):
                    return self._refuse_change(s, claim, actor, inputs, policy)
                decision = decide_claim(claim.kind, ctx.records, policy, claim.claim_date)
                if not decision.eligible:
                    return self._refuse_change(
                        s, claim, actor, inputs, f"不能审核通过：{decision.reason}", decision
                    )
                inputs["amount_before"] = claim.amount
                amount = min(claim.amount, decision.amount)
            column = {"审核": "reviewed_by", "通过": "approved_by", "驳回": "approved_by", "发放": "paid_by"}[
                to_status
            ]
            changed = s.execute(  # type: ignore[attr-defined]  # an UPDATE's CursorResult
                update(SubsidyClaim)
                .where(SubsidyClaim.id == claim.id, SubsidyClaim.status == claim.status)
                .values(status=to_status, amount=amount, **{column: actor})
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed != 1:
                s.refresh(claim)
                return self._refuse_change(
                    s, claim, actor, inputs, f"补贴申领已被他人变更为“{claim.status}”，本次操作未执行"
                )
            if to_status == "驳回":
                s.execute(delete(LivingAllowanceDay).where(LivingAllowanceDay.claim_id == claim.id))
            s.refresh(claim)
            message = f"补贴申领{claim.id}已变更为“{to_status}”" + (f"：{note}" if note else "")
            version = decision.rule_version if decision else claim.rule_version
            self._audit(
                s,
                actor,
                f"subsidy_claim.{to_status}",
                "subsidy_claim",
                str(claim.id),
                version,
                inputs,
                message,
                decision,
            )
            return ClaimOutcome(
                True,
                message,
                claim.id,
                claim.status,
                claim.amount,
                claim.payee,
                decision.rule if decision else None,
                claim.rule_version,
                decision,
                *split_payment(claim),
            )

    def _refuse_change(
        self,
        s: Session,
        claim: SubsidyClaim,
        actor: str,
        inputs: dict[str, object],
        message: str,
        decision: SubsidyDecision | None = None,
    ) -> ClaimOutcome:
        version = decision.rule_version if decision else claim.rule_version
        self._audit(
            s,
            actor,
            "subsidy_claim.change_refused",
            "subsidy_claim",
            str(claim.id),
            version,
            inputs,
            message,
            decision,
        )
        return ClaimOutcome(
            False,
            message,
            claim.id,
            claim.status,
            claim.amount,
            claim.payee,
            decision.rule if decision else None,
            claim.rule_version,
            decision,
        )

    # -- helpers ----------------------------------------------------------------------------

    def policy_for(self, ctx: ClaimContext, actor: str) -> CityPolicy | str:
        """The policy version in force on the claim's policy day (the course's start, or the
        certificate's issue), checked against the version's recorded content; or a Chinese
        message saying why there is none."""
        day = ctx.policy_day
        try:
            policy = self.policies(ctx.city).at(day)
        except PolicyNotFound:
            return f"城市{ctx.city}尚未配置职业培训补贴政策"
        except PolicyNotInForce:
            return f"{day.isoformat()}时城市{ctx.city}没有有效的补贴政策版本"
        except PolicyFileError as exc:
            return f"城市{ctx.city}的补贴政策配置有误，请联系管理员（{exc}）"
        changed = register_use(self.engine, policy, actor)
        return changed if changed is not None else policy

    def redecide(self, s: Session, claim: SubsidyClaim) -> SubsidyDecision:
        """The decision the rules give today on a stored claim's records (the risk scan's check).
        A claim whose records are missing gets a refusal naming them."""
        try:
            ctx = gather(
                s,
                kind=claim.kind,
                worker_id=claim.worker_id,
                on=claim.claim_date,
                enrollment_id=claim.enrollment_id,
                certificate_id=claim.certificate_id,
                exclude_claim_id=claim.id,
            )
        except ClaimInputError as exc:
            return SubsidyDecision(
                kind=claim.kind,
                rule="registry",
                clause="十二",
                reason=str(exc),
                rule_version=claim.rule_version or "",
            )
        policy = self.policy_for(ctx, "risk-scan")
        if isinstance(policy, str):
            return SubsidyDecision(
                kind=claim.kind,
                rule="policy",
                clause="十",
                reason=policy,
                rule_version=claim.rule_version or "",
            )
        return decide_claim(claim.kind, ctx.records, policy, claim.claim_date)

    @staticmethod
    def _audit(
        s: Session,
        actor: str,
        action: str,
        entity: str,
        entity_id: str,
        rule_version: str | None,
        inputs: dict[str, object],
        message: str,
        decision: SubsidyDecision | None = None,
    ) -> None:
        payload: dict[str, object] = {"inputs": inputs, "message": message}
        if decision is not None:
            payload["decision"] = decision.as_dict()
        s.add(
            AuditEvent(
                actor=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                rule_version=rule_version,
                payload=payload,
            )
        )
