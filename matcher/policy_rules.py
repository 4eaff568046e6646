"""Eligibility rules of clauses 九 and 十, as pure functions returning :class:`Decision`.

Each function takes frozen records (:mod:`matcher.types`) and one :class:`CityPolicy` version and
says whether the worker is eligible, for how much, which rule decided and which facts it used.
Composite decisions (:func:`decide_training_subsidy`) keep their sub-decisions in ``steps`` and stop
at the first rule that refuses. Living allowance and the certificate-based subsidies are in
:mod:`matcher.policy_claims`.
"""

from __future__ import annotations

from collections.abc import Iterable

from matcher.policy_model import (
    TRAINING_CLAIM_KINDS,
    CityPolicy,
    Decision,
    Fact,
    ScopeRule,
    sorted_groups,
)
from matcher.types import SHORT_LEVEL_NAMES, PastClaim, ProgrammeRecord, WorkerProfile

RULE_SCOPE = "scope"
RULE_CATALOGUE = "catalogue"
RULE_NO_DUPLICATE = "no_duplicate"
RULE_COMPLETION = "completion"
RULE_PAYMENT_BASIS = "payment_basis"
RULE_FEE_CAP = "fee_cap"
RULE_ENTERPRISE_DIRECT = "enterprise_direct"
RULE_TRAINING = "training_subsidy"


def level_name(level: int) -> str:
    """Short Chinese name of a level, e.g. 4 → "中级工"."""
    return SHORT_LEVEL_NAMES.get(level, f"{level}级")


def join_cn(items: Iterable[str]) -> str:
    return "、".join(items)


def make_decision(
    rule: str,
    clause: str,
    policy: CityPolicy,
    eligible: bool,
    reason: str,
    facts: tuple[tuple[str, Fact], ...],
    *,
    amount: int = 0,
    payee: str = "worker",
) -> Decision:
    return Decision(
        rule=rule,
        clause=clause,
        eligible=eligible,
        amount=amount if eligible else 0,
        rule_version=policy.rule_version,
        reason=reason,
        facts=facts,
        payee=payee if eligible else "none",
    )


def composite_refusal(refused: Decision, steps: list[Decision]) -> Decision:
    return Decision(
        rule=refused.rule,
        clause=refused.clause,
        eligible=False,
        amount=0,
        rule_version=refused.rule_version,
        reason=refused.reason,
        payee="none",
        steps=tuple(steps),
    )


def scope_failure(worker: WorkerProfile, scope: ScopeRule, age: int) -> str | None:
    """The first clause 九 scope condition ``worker`` (``age`` when the training starts) fails:
    ``"age"``, ``"employer_kind"`` or ``"groups"``; ``None`` when in scope. :func:`decide_scope`
    explains the answer; the ranking's subsidy amounts (:mod:`matcher.policy_amounts`) use it bare."""
    if not scope.min_age <= age <= scope.max_age:
        return "age"
    kind = worker.employer_kind
    if kind is not None and kind not in scope.employer_kinds:
        return "employer_kind"
    if (
        scope.groups
        and not (worker.groups & scope.groups)
        and kind is None
        and scope.flexible_group not in worker.groups
    ):
        return "groups"
    return None


def same_year_claims(
    past_claims: Iterable[PastClaim], occupation_code: str, level: int, year: int
) -> list[PastClaim]:
    """Training-type claims (training, evaluation, skill upgrade) of one occupation and level in
    ``year``: any of them bars another training subsidy for it (clause 十)."""
    return [
        c
        for c in past_claims
        if c.kind in TRAINING_CLAIM_KINDS
        and c.occupation_code == occupation_code
        and c.level == level
        and c.year == year
    ]


def direct_payable(policy: CityPolicy, employer_kind: str) -> bool:
    """Whether the city pays the training subsidy straight to an employer of ``employer_kind``
    that trains its hire at its own cost (直补企业, clause 九)."""
    rule = policy.enterprise_direct
    return rule.enabled and employer_kind in rule.employer_kinds


def decide_scope(worker: WorkerProfile, policy: CityPolicy, on_year: int) -> Decision:
    """Clause 九: "农民工参加职业技能培训，符合条件的按规定给予职业培训补贴 … 个体工商户用工、
    民办非企业单位用工以及灵活就业农民工，可按规定纳入职业培训补贴范围。"

    ``on_year`` is the year the training starts (age = on_year − birth year).
    """
    scope = policy.scope
    age = on_year - worker.birth_year
    kind = worker.employer_kind
    facts: tuple[tuple[str, Fact], ...] = (
        ("age", age),
        ("min_age", scope.min_age),
        ("max_age", scope.max_age),
        ("groups", sorted_groups(worker.groups)),
        ("employer_kind", kind),
        ("scope_groups", sorted_groups(scope.groups)),
    )
    city = policy.city_name
    failure = scope_failure(worker, scope, age)
    if failure == "age":
        reason = (
            f"{city}职业培训补贴对象年龄为{scope.min_age}至{scope.max_age}周岁，"
            f"您参加培训时{age}岁，不在补贴范围内"
        )
        return make_decision(RULE_SCOPE, "九", policy, False, reason, facts)
    if failure == "employer_kind":
        reason = f"您目前在{kind}就业，不属于{city}职业培训补贴范围"
        return make_decision(RULE_SCOPE, "九", policy, False, reason, facts)
    if failure == "groups":
        reason = f"{city}职业培训补贴面向{join_cn(sorted(scope.groups))}，您的登记信息中没有这些身份"
        return make_decision(RULE_SCOPE, "九", policy, False, reason, facts)
    if kind in ("个体工商户", "民办非企业单位"):
        reason = f"您在{kind}就业，按规定纳入职业培训补贴范围"
    elif scope.flexible_group in worker.groups:
        reason = "您是灵活就业农民工，按规定纳入职业培训补贴范围"
    else:
        reason = "您属于农民工职业培训补贴对象"
    return make_decision(RULE_SCOPE, "九", policy, True, reason, facts)


def decide_catalogue(programme: ProgrammeRecord, policy: CityPolicy) -> Decision:
    """Clause 十: "各市人力资源社会保障部门可商财政部门动态调整职业培训补贴的职业（工种）范围，
    并结合经济发展、培训成本、物价指数等情况调整职业培训补贴标准。"

    The programme's occupation, 工种, level and training type must be in the city's list; the
    amount is the level amount times the training type's percent (rounded half up to whole yuan).
    """
    occ = policy.occupation(programme.occupation_code)
    label = occ.name if occ else (programme.work_type or programme.title)
    lv = level_name(programme.level)
    percent = policy.type_percent(programme.training_type)
    base = occ.amounts.get(programme.level) if occ else None
    facts: tuple[tuple[str, Fact], ...] = (
        ("occupation_code", programme.occupation_code),
        ("work_type", programme.work_type),
        ("level", programme.level),
        ("training_type", programme.training_type),
        ("level_amount", base),
        ("type_percent", percent),
    )
    city = policy.city_name
    if occ is None:
        reason = f"{label}（{programme.occupation_code}）不在{city}职业培训补贴职业（工种）目录内"
        return make_decision(RULE_CATALOGUE, "十", policy, False, reason, facts)
    if occ.work_types and programme.work_type not in occ.work_types:
        shown = programme.work_type or "未注明工种"
        reason = f"{city}只补贴{occ.name}的{join_cn(occ.work_types)}工种，本课程为{shown}"
        return make_decision(RULE_CATALOGUE, "十", policy, False, reason, facts)
    if base is None:
        reason = f"{city}对{occ.name}{lv}不给予职业培训补贴"
        return make_decision(RULE_CATALOGUE, "十", policy, False, reason, facts)
    if percent is None:
        reason = f"{programme.training_type}不在{city}职业培训补贴的培训类型内"
        return make_decision(RULE_CATALOGUE, "十", policy, False, reason, facts)
    amount = (base * percent + 50) // 100
    reason = f"{occ.name}{lv}属于{city}补贴职业（工种），{programme.training_type}补贴标准{amount}元"
    return make_decision(RULE_CATALOGUE, "十", policy, True, reason, facts, amount=amount)


def decide_no_duplicate(
    past_claims: Iterable[PastClaim],
    occupation_code: str,
    level: int,
    year: int,
    policy: CityPolicy,
    *,
    label: str = "",
) -> Decision:
    """Clause 十: "同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保职工技能提升补贴）。"

    ``past_claims`` are the worker's claims that were not rejected. Training, evaluation and
    skill-upgrade claims count; living allowance does not.
    """
    same = same_year_claims(past_claims, occupation_code, level, year)
    facts: tuple[tuple[str, Fact], ...] = (
        ("occupation_code", occupation_code),
        ("level", level),
        ("claim_year", year),
        ("same_year_claims", len(same)),
        ("same_year_claim_kinds", tuple(sorted({c.kind for c in same}))),
    )
    what = f"{label or occupation_code}{level_name(level)}"
    if same:
        reason = f"您{year}年已申领过{what}的培训补贴，同一年度同一职业（工种）的同一等级不可重复申领"
        return make_decision(RULE_NO_DUPLICATE, "十", policy, False, reason, facts)
    reason = f"您{year}年尚未申领过{what}的培训补贴"
    return make_decision(RULE_NO_DUPLICATE, "十", policy, True, reason, facts)


def decide_payment_basis(
    amount: int,
    policy: CityPolicy,
    *,
    completed: bool | None,
    certified: bool | None,
    awards_certificate: bool,
) -> Decision:
    """Clause 十: "鼓励农民工培训后参加职业技能评价，对取得职业资格证书或职业技能等级证书的，
    按规定落实补贴政策。"

    ``completed``/``certified`` are ``None`` for a prospective estimate, in which case a programme
    that awards a certificate is assumed to lead to one (the reason says so).
    """
    rule = policy.certification
    facts: tuple[tuple[str, Fact], ...] = (
        ("pay_on", rule.pay_on),
        ("completed", completed),
        ("certified", certified),
        ("awards_certificate", awards_certificate),
        ("uncertified_percent", rule.uncertified_percent),
    )
    if completed is False:
        reason = "尚未结业，结业后方可申领职业培训补贴"
        return make_decision(RULE_COMPLETION, "十", policy, False, reason, facts)
    if rule.pay_on == "completion":
        reason = "培训结业后即可申领职业培训补贴"
        return make_decision(RULE_PAYMENT_BASIS, "十", policy, True, reason, facts, amount=amount)
    expects_certificate = certified if certified is not None else awards_certificate
    if expects_certificate:
        reason = "取得职业资格证书或职业技能等级证书后发放职业培训补贴"
        return make_decision(RULE_PAYMENT_BASIS, "十", policy, True, reason, facts, amount=amount)
    paid = (amount * rule.uncertified_percent + 50) // 100
    if paid <= 0:
        why = "本课程不颁发证书" if certified is None else "未取得职业资格证书或职业技能等级证书"
        reason = f"{policy.city_name}职业培训补贴在取得证书后发放，{why}，不能享受"
        return make_decision(RULE_PAYMENT_BASIS, "十", policy, False, reason, facts)
    why = "本课程不颁发证书" if certified is None else "未取得证书"
    reason = f"{why}，按规定发放补贴标准的{rule.uncertified_percent}%，即{paid}元"
    return make_decision(RULE_PAYMENT_BASIS, "十", policy, True, reason, facts, amount=paid)


def decide_enterprise_direct(amount: int, policy: CityPolicy, employer_kind: str) -> Decision:
    """Clause 九: "对于企业吸纳农民工就业，直接组织其培训且承担培训成本的，可按规定将培训补贴直补企业。" """
    rule = policy.enterprise_direct
    facts: tuple[tuple[str, Fact], ...] = (
        ("employer_trains", True),
        ("employer_kind", employer_kind),
        ("direct_enabled", rule.enabled),
        ("direct_employer_kinds", tuple(sorted(rule.employer_kinds))),
    )
    if direct_payable(policy, employer_kind):
        reason = (
            f"用人单位吸纳您就业并直接组织培训、承担培训成本，职业培训补贴{amount}元直补企业，"
            "您无需承担培训费用"
        )
        return make_decision(
            RULE_ENTERPRISE_DIRECT, "九", policy, True, reason, facts, amount=amount, payee="enterprise"
        )
    reason = f"用人单位承担培训成本，您无需缴费；按{policy.city_name}规定，该培训补贴不直补{employer_kind}"
    return make_decision(RULE_ENTERPRISE_DIRECT, "九", policy, False, reason, facts)


def decide_training_subsidy(
    worker: WorkerProfile,
    programme: ProgrammeRecord,
    policy: CityPolicy,
    *,
    claim_year: int,
    completed: bool | None = None,
    certified: bool | None = None,
    employer_trains: bool = False,
    employer_kind: str = "企业",
) -> Decision:
    """职业培训补贴 for ``worker`` on ``programme`` (clauses 九 and 十).

    Runs, in order: scope, the city's catalogue, no-duplicate in ``claim_year``, payment basis
    (completion/certification), the fee cap, and — when the employer trains at its own cost —
    direct payment to the enterprise. Returns the composite decision with all steps.
    """
    steps: list[Decision] = []
    scope = decide_scope(worker, policy, programme.start_date.year)
    steps.append(scope)
    if not scope.eligible:
        return composite_refusal(scope, steps)
    catalogue = decide_catalogue(programme, policy)
    steps.append(catalogue)
    if not catalogue.eligible:
        return composite_refusal(catalogue, steps)
    occ = policy.occupation(programme.occupation_code)
    label = occ.name if occ else programme.occupation_code
    dup = decide_no_duplicate(
        worker.past_claims, programme.occupation_code, programme.level, claim_year, policy, label=label
    )
    steps.append(dup)
    if not dup.eligible:
        return composite_refusal(dup, steps)
    basis = decide_payment_basis(
        catalogue.amount,
        policy,
        completed=completed,
        certified=certified,
        awards_certificate=programme.certificate is not None,
    )
    steps.append(basis)
    if not basis.eligible:
        return composite_refusal(basis, steps)
    amount = basis.amount
    if policy.cap_at_fee and amount > programme.fee:
        amount = programme.fee
        steps.append(
            make_decision(
                RULE_FEE_CAP,
                "十",
                policy,
                True,
                f"补贴不超过实际培训费{programme.fee}元",
                (("fee", programme.fee), ("uncapped_amount", basis.amount)),
                amount=amount,
            )
        )
    payee = "worker"
    if employer_trains:
        direct = decide_enterprise_direct(amount, policy, employer_kind)
        steps.append(direct)
        if not direct.eligible:
            return composite_refusal(direct, steps)
        payee = "enterprise"
        reason = direct.reason
    elif amount == 0:
        payee = "none"
        reason = "本课程免费参加（培训费0元），属于补贴性职业培训"
    else:
        reason = f"属于{policy.city_name}补贴职业（工种），可享职业培训补贴{amount}元"
        if certified is None and policy.certification.pay_on == "certification" and programme.certificate:
            reason += "（取得证书后发放）"
    return Decision(
        rule=RULE_TRAINING,
        clause="九",
        eligible=True,
        amount=amount,
        rule_version=policy.rule_version,
        reason=reason,
        facts=(("programme_id", programme.id), ("fee", programme.fee)),
        payee=payee,
        steps=tuple(steps),
    )
