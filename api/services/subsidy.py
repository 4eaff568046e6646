"""Subsidy claims: submit, review, approve or reject, pay (申请 → 审核 → 通过/驳回 → 发放).

The no-duplicate rule of clause 十 ("同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保
职工技能提升补贴）") is checked by the rules for a clear answer, and *held* by the database: the
partial unique index ``uq_claim_once_per_year`` refuses a second live claim even when two arrive at
the same moment, and this service turns that refusal into a plain answer. Every decision —
accepted, refused, each state change — writes an append-only :class:`AuditEvent` with its inputs
and the rule version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.services.claim_facts import ClaimFacts, ClaimInputError, gather_facts
from data.db.models import AuditEvent, Occupation, SubsidyClaim
from data.db.session import transaction
from data.policy_loader import PolicyFileError, PolicyNotFound, load_city_policy
from matcher.policy_claims import decide_claim
from matcher.policy_model import (
    CLAIM_KINDS,
    TRAINING_CLAIM_KINDS,
    CityPolicy,
    CityPolicyBook,
    Decision,
    PolicyNotInForce,
)
from matcher.policy_rules import level_name

#: Allowed state changes of a claim.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "申请": ("审核", "驳回"),
    "审核": ("通过", "驳回"),
    "通过": ("发放",),
    "驳回": (),
    "发放": (),
}
KIND_NAMES: dict[str, str] = {
    "training": "职业培训补贴",
    "certification": "职业技能评价补贴",
    "skill_upgrade": "技能提升补贴",
    "living": "生活费补贴",
}
DUPLICATE_MESSAGE = "同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保职工技能提升补贴）"

PolicySource = Callable[[str], CityPolicyBook]


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    """The answer to a submission or a state change. ``message`` is plain Chinese."""

    accepted: bool
    message: str
    claim_id: int | None = None
    status: str | None = None
    amount: int = 0
    payee: str = "none"
    rule: str | None = None
    rule_version: str | None = None
    decision: Decision | None = None


class SubsidyService:
    """Claims against one database. ``policies`` maps a city code to its policy book (default:
    the TOML files in ``policy_dir`` or ``data/policy``, read on each call)."""

    def __init__(
        self, engine: Engine, policies: PolicySource | None = None, *, policy_dir: Path | None = None
    ) -> None:
        self.engine = engine
        self.policies: PolicySource = policies or (lambda city: load_city_policy(city, policy_dir))

    # -- submission -------------------------------------------------------------------------

    def submit(
        self,
        *,
        worker_id: str,
        kind: str,
        claim_date: dt.date,
        enrollment_id: int | None = None,
        occupation_code: str | None = None,
        level: int | None = None,
        actor: str = "system",
    ) -> ClaimOutcome:
        """File a claim of ``kind`` (training, certification, skill_upgrade, living) on ``claim_date``.

        The rules decide from registry facts; an eligible claim is stored in state 申请. A refusal —
        by the rules or by the database's no-duplicate index — stores no claim; both write an audit
        event. Raises :class:`ClaimInputError` for unknown or mismatched records.
        """
        if kind not in CLAIM_KINDS:
            raise ClaimInputError(f"未知的补贴类型 {kind!r}")
        inputs: dict[str, object] = {"kind": kind, "claim_date": claim_date.isoformat()}
        try:
            with transaction(self.engine) as s:
                facts = gather_facts(
                    s,
                    worker_id=worker_id,
                    kind=kind,
                    claim_year=claim_date.year,
                    enrollment_id=enrollment_id,
                    occupation_code=occupation_code,
                    level=level,
                )
                inputs.update(facts.inputs())
                policy = self.policy_for(facts, claim_date)
                if isinstance(policy, str):
                    self._audit(s, actor, "subsidy_claim.refused", "worker", worker_id, None, inputs, policy)
                    return ClaimOutcome(False, policy)
                decision = self.decide(kind, facts, policy, claim_date.year)
                if not decision.eligible:
                    self._audit(
                        s,
                        actor,
                        "subsidy_claim.refused",
                        "worker",
                        worker_id,
                        decision.rule_version,
                        inputs,
                        decision.reason,
                        decision,
                    )
                    return _refused(decision)
                claim = SubsidyClaim(
                    worker_id=worker_id,
                    enrollment_id=enrollment_id,
                    programme_id=facts.programme.id if facts.programme else None,
                    kind=kind,
                    counts_as_training=kind in TRAINING_CLAIM_KINDS,
                    occupation_code=facts.occupation_code,
                    work_type=facts.work_type,
                    level=facts.level,
                    claim_year=claim_date.year,
                    claim_date=claim_date,
                    amount=decision.amount,
                    payee=decision.payee,
                    payee_name=facts.payee_name if decision.payee == "enterprise" else None,
                    status="申请",
                    city=facts.city,
                    rule_version=decision.rule_version,
                )
                s.add(claim)
                s.flush()  # the unique indexes answer here, inside this transaction
                message = f"已受理{KIND_NAMES[kind]}申请，金额{decision.amount}元：{decision.reason}"
                self._audit(
                    s,
                    actor,
                    "subsidy_claim.submitted",
                    "subsidy_claim",
                    str(claim.id),
                    decision.rule_version,
                    inputs,
                    message,
                    decision,
                )
                return ClaimOutcome(
                    True,
                    message,
                    claim.id,
                    claim.status,
                    decision.amount,
                    decision.payee,
                    decision.rule,
                    decision.rule_version,
                    decision,
                )
        except IntegrityError as exc:
            which = _violated_index(exc)
            if which is None:
                raise
        return self._refuse_duplicate(which, worker_id, inputs, actor)

    def _refuse_duplicate(
        self, which: str, worker_id: str, inputs: dict[str, object], actor: str
    ) -> ClaimOutcome:
        """Answer a claim the database refused, and log the refusal in a fresh transaction (the
        claim's own transaction was rolled back)."""
        rule = "no_duplicate" if which == "year" else "once_per_enrollment"
        with transaction(self.engine) as s:
            if which == "year":
                code, year = str(inputs["occupation_code"]), str(inputs["claim_date"])[:4]
                occupation = s.get(Occupation, code)
                what = f"{occupation.name if occupation else code}{level_name(int(str(inputs['level'])))}"
                message = f"{DUPLICATE_MESSAGE}：该劳动者{year}年已有{what}的补贴申领"
            else:
                message = "该培训报名已有同类补贴申领，不能重复申领"
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

    def advance(
        self, claim_id: int, to_status: str, *, actor: str, note: str = "", on: dt.date | None = None
    ) -> ClaimOutcome:
        """Move a claim to ``to_status`` along :data:`TRANSITIONS`.

        Approval (通过) re-runs the rules on today's registry facts and is refused when they no
        longer hold (the reviewer then rejects with a note). Rejection (驳回) needs a ``note``; a
        rejected claim no longer blocks a new one. Every attempt writes an audit event.
        """
        with transaction(self.engine) as s:
            claim = s.scalars(
                select(SubsidyClaim).where(SubsidyClaim.id == claim_id).with_for_update()
            ).first()
            if claim is None:
                raise ClaimInputError(f"未找到补贴申领 {claim_id}")
            inputs: dict[str, object] = {"from": claim.status, "to": to_status, "note": note}
            if to_status not in TRANSITIONS.get(claim.status, ()):
                message = f"补贴申领状态不能从“{claim.status}”变更为“{to_status}”"
                return self._refuse_change(s, claim, actor, inputs, message)
            if to_status == "驳回" and not note.strip():
                return self._refuse_change(s, claim, actor, inputs, "驳回补贴申领须注明理由")
            decision = None
            if to_status == "通过":
                facts = gather_facts(
                    s,
                    worker_id=claim.worker_id,
                    kind=claim.kind,
                    claim_year=claim.claim_year,
                    enrollment_id=claim.enrollment_id,
                    occupation_code=claim.occupation_code,
                    level=claim.level,
                    exclude_claim_id=claim.id,
                )
                inputs.update(facts.inputs())
                policy = self.policy_for(facts, claim.claim_date)
                if isinstance(policy, str):
                    return self._refuse_change(s, claim, actor, inputs, policy)
                decision = self.decide(claim.kind, facts, policy, claim.claim_year)
                if not decision.eligible:
                    message = f"不能审核通过：{decision.reason}"
                    return self._refuse_change(s, claim, actor, inputs, message, decision)
                inputs["amount_before"] = claim.amount
                claim.amount = min(claim.amount, decision.amount)
            claim.status = to_status
            message = f"补贴申领{claim.id}已变更为“{to_status}”" + (f"：{note}" if note else "")
            self._audit(
                s,
                actor,
                f"subsidy_claim.{to_status}",
                "subsidy_claim",
                str(claim.id),
                decision.rule_version if decision else claim.rule_version,
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
            )

    def _refuse_change(
        self,
        s: Session,
        claim: SubsidyClaim,
        actor: str,
        inputs: dict[str, object],
        message: str,
        decision: Decision | None = None,
    ) -> ClaimOutcome:
        self._audit(
            s,
            actor,
            "subsidy_claim.change_refused",
            "subsidy_claim",
            str(claim.id),
            decision.rule_version if decision else claim.rule_version,
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

    def policy_for(self, facts: ClaimFacts, claim_date: dt.date) -> CityPolicy | str:
        """The policy version in force on the programme's start date (the claim date when there is
        no programme), or a Chinese message saying why there is none."""
        day = facts.programme.start_date if facts.programme else claim_date
        try:
            return self.policies(facts.city).at(day)
        except PolicyNotFound:
            return f"城市{facts.city}尚未配置职业培训补贴政策"
        except PolicyNotInForce:
            return f"{day.isoformat()}时城市{facts.city}没有有效的补贴政策版本"
        except PolicyFileError as exc:
            return f"城市{facts.city}的补贴政策配置有误，请联系管理员（{exc}）"

    @staticmethod
    def decide(kind: str, facts: ClaimFacts, policy: CityPolicy, claim_year: int) -> Decision:
        return decide_claim(
            kind,
            facts.worker,
            policy,
            occupation_code=facts.occupation_code,
            level=facts.level,
            claim_year=claim_year,
            programme=facts.programme,
            completed=facts.completed,
            certified=facts.certified,
            employer_trains=facts.employer_trains,
            employer_kind=facts.employer_kind,
        )

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
        decision: Decision | None = None,
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


def _refused(decision: Decision) -> ClaimOutcome:
    return ClaimOutcome(
        False, decision.reason, rule=decision.rule, rule_version=decision.rule_version, decision=decision
    )


def _violated_index(exc: IntegrityError) -> str | None:
    """Which claim uniqueness rule the database enforced: "year", "enrollment" or None (another error).

    PostgreSQL names the index; SQLite lists its columns.
    """
    text = str(exc.orig)
    if "uq_claim_once_per_year" in text or "subsidy_claims.claim_year" in text:
        return "year"
    if "uq_claim_once_per_enrollment" in text or "subsidy_claims.enrollment_id, subsidy_claims.kind" in text:
        return "enrollment"
    return None
