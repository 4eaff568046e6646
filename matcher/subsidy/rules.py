"""The training-subsidy rules of clauses 九 and 十, each a pure function returning a :class:`Step`.

Each takes frozen records and one :class:`CityPolicy` version and says whether it passes, for how
much, and which facts it read. :mod:`matcher.subsidy.estimate` (prospective) and
:mod:`matcher.subsidy.claims` (from registry records) run them in order and stop at the first that
refuses; :mod:`matcher.subsidy.amounts` uses the bare predicates (``scope_failure``,
``same_year_claims``, ``employer_route``) for the ranking.
"""

from __future__ import annotations

from collections.abc import Iterable

from matcher.subsidy.model import Facts, Step, SubsidyDecision
from matcher.subsidy.policy import YEARLY_KINDS, CityPolicy, ScopeRule
from matcher.subsidy.records import EnrollmentFacts, HireFact
from matcher.types import SHORT_LEVEL_NAMES, OrderRecord, PastClaim, ProgrammeRecord, WorkerProfile

RULE_SCOPE = "scope"
RULE_CATALOGUE = "catalogue"
RULE_NO_DUPLICATE = "no_duplicate"
RULE_COMPLETION = "completion"
RULE_PAYMENT_BASIS = "payment_basis"
RULE_FEE_CAP = "fee_cap"
RULE_ENTERPRISE_DIRECT = "enterprise_direct"
RULE_TRAINING = "training_subsidy"

#: Routes of the training subsidy's money (:func:`employer_route`).
TO_WORKER, TO_ENTERPRISE, REFUSED = "worker", "enterprise", "refused"


def level_name(level: int) -> str:
    """Short Chinese name of a level, e.g. 4 → "中级工"."""
    return SHORT_LEVEL_NAMES.get(level, f"{level}级")


def join_cn(items: Iterable[str]) -> str:
    return "、".join(items)


def sorted_groups(groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(groups))


def scope_failure(worker: WorkerProfile, scope: ScopeRule, age: int) -> str | None:
    """The first clause 九 scope condition ``worker`` (``age`` when the training starts) fails:
    ``"age"``, ``"employer_kind"`` or ``"groups"``; ``None`` when in scope."""
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


def decide_scope(worker: WorkerProfile, policy: CityPolicy, on_year: int) -> Step:
    """Clause 九: "农民工参加职业技能培训，符合条件的按规定给予职业培训补贴 … 个体工商户用工、
    民办非企业单位用工以及灵活就业农民工，可按规定纳入职业培训补贴范围。"

    ``on_year`` is the year the training starts (age = on_year − birth year).
    """
    scope = policy.scope
    age = on_year - worker.birth_year
    kind = worker.employer_kind
    facts: Facts = (
        ("age", age),
        ("min_age", scope.min_age),
        ("max_age", scope.max_age),
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
        return Step(RULE_SCOPE, "九", False, reason, facts)
    if failure == "employer_kind":
        return Step(RULE_SCOPE, "九", False, f"您目前在{kind}就业，不属于{city}职业培训补贴范围", facts)
    if failure == "groups":
        reason = f"{city}职业培训补贴面向{join_cn(sorted(scope.groups))}，您的登记信息中没有这些身份"
        return Step(RULE_SCOPE, "九", False, reason, facts)
    if kind in ("个体工商户", "民办非企业单位"):
        reason = f"您在{kind}就业，按规定纳入职业培训补贴范围"
    elif scope.flexible_group in worker.groups:
        reason = "您是灵活就业农民工，按规定纳入职业培训补贴范围"
    else:
        reason = "您属于农民工职业培训补贴对象"
    return Step(RULE_SCOPE, "九", True, reason, facts)


def decide_catalogue(programme: ProgrammeRecord, policy: CityPolicy) -> Step:
    """Clause 十: "各市人力资源社会保障部门可商财政部门动态调整职业培训补贴的职业（工种）范围，
    并结合经济发展、培训成本、物价指数等情况调整职业培训补贴标准。"

    The course's occupation, 工种, level and training type must be in the city's list; the amount
    is the level amount times the training type's percent (rounded half up to whole yuan).
    """
    occ = policy.occupation(programme.occupation_code)
    label = occ.name if occ else (programme.work_type or programme.title)
    lv = level_name(programme.level)
    percent = policy.type_percent(programme.training_type)
    base = occ.amounts.get(programme.level) if occ else None
    facts: Facts = (
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
        return Step(RULE_CATALOGUE, "十", False, reason, facts)
    if occ.work_types and programme.work_type not in occ.work_types:
        shown = programme.work_type or "未注明工种"
        reason = f"{city}只补贴{occ.name}的{join_cn(occ.work_types)}工种，本课程为{shown}"
        return Step(RULE_CATALOGUE, "十", False, reason, facts)
    if base is None:
        return Step(RULE_CATALOGUE, "十", False, f"{city}对{occ.name}{lv}不给予职业培训补贴", facts)
    if percent is None:
        reason = f"{programme.training_type}不在{city}职业培训补贴的培训类型内"
        return Step(RULE_CATALOGUE, "十", False, reason, facts)
    amount = (base * percent + 50) // 100
    reason = f"{occ.name}{lv}属于{city}补贴职业（工种），{programme.training_type}补贴标准{amount}元"
    return Step(RULE_CATALOGUE, "十", True, reason, facts, amount)


def duplicate_key(policy: CityPolicy, occupation_code: str, work_type: str | None) -> str:
    """What clause 十's "同一职业（工种）" compares, under the city's reading (``duplicate_by``):
    ``"6-29-01-01"`` or, by 工种, ``"4-10-01-01/育婴员"``. Stored on the claim and held by the
    database's unique index."""
    if policy.duplicate_by == "work_type" and work_type:
        return f"{occupation_code}/{work_type}"
    return occupation_code


def same_year_claims(
    past_claims: Iterable[PastClaim],
    policy: CityPolicy,
    occupation_code: str,
    work_type: str | None,
    level: int,
    year: int,
) -> list[PastClaim]:
    """The worker's training and skill-upgrade claims (clause 十's bracket) of the same 职业（工种）
    and level whose subsidised event fell in ``year``. Read by 工种, a past claim that named no
    工种 counts as the same (the registry cannot tell them apart)."""
    by_type = policy.duplicate_by == "work_type" and work_type
    return [
        c
        for c in past_claims
        if c.kind in YEARLY_KINDS
        and c.occupation_code == occupation_code
        and c.level == level
        and c.year == year
        and (not by_type or c.work_type in (None, work_type))
    ]


def decide_no_duplicate(
    past_claims: Iterable[PastClaim],
    policy: CityPolicy,
    *,
    occupation_code: str,
    work_type: str | None,
    level: int,
    year: int,
    label: str = "",
) -> Step:
    """Clause 十: "同一年度同一职业（工种）的同一等级不可重复申领培训补贴（含参保职工技能提升补贴）。"

    ``year`` is the year of the subsidised event (the course's completion, or the certificate's
    issue for 技能提升补贴), never the date the claim is filed.
    """
    same = same_year_claims(past_claims, policy, occupation_code, work_type, level, year)
    facts: Facts = (
        ("duplicate_key", duplicate_key(policy, occupation_code, work_type)),
        ("duplicate_by", policy.duplicate_by),
        ("event_year", year),
        ("same_year_claims", len(same)),
        ("same_year_claim_kinds", tuple(sorted({c.kind for c in same}))),
    )
    what = f"{label or occupation_code}{level_name(level)}"
    if same:
        reason = f"您{year}年已享受过{what}的培训补贴，同一年度同一职业（工种）的同一等级不可重复申领"
        return Step(RULE_NO_DUPLICATE, "十", False, reason, facts)
    return Step(RULE_NO_DUPLICATE, "十", True, f"您{year}年尚未享受过{what}的培训补贴", facts)


def decide_payment_basis(
    amount: int, policy: CityPolicy, *, certified: bool | None, awards_certificate: bool
) -> Step:
    """Clause 十: "鼓励农民工培训后参加职业技能评价，对取得职业资格证书或职业技能等级证书的，
    按规定落实补贴政策。"

    ``certified`` is None for a prospective estimate: a course that awards a certificate is then
    assumed to lead to one (the decision's condition says so).
    """
    rule = policy.certification
    facts: Facts = (
        ("pay_on", rule.pay_on),
        ("certified", certified),
        ("awards_certificate", awards_certificate),
        ("uncertified_percent", rule.uncertified_percent),
    )
    if rule.pay_on == "completion":
        return Step(RULE_PAYMENT_BASIS, "十", True, "培训结业后即可申领职业培训补贴", facts, amount)
    expects_certificate = certified if certified is not None else awards_certificate
    if expects_certificate:
        reason = "取得职业资格证书或职业技能等级证书后发放职业培训补贴"
        return Step(RULE_PAYMENT_BASIS, "十", True, reason, facts, amount)
    paid = (amount * rule.uncertified_percent + 50) // 100
    why = "本课程不颁发证书" if certified is None else "未取得职业资格证书或职业技能等级证书"
    if paid <= 0:
        reason = f"{policy.city_name}职业培训补贴在取得证书后发放，{why}，不能享受"
        return Step(RULE_PAYMENT_BASIS, "十", False, reason, facts)
    reason = f"{why}，按规定发放补贴标准的{rule.uncertified_percent}%，即{paid}元"
    return Step(RULE_PAYMENT_BASIS, "十", True, reason, facts, paid)


def fee_capped(amount: int, programme: ProgrammeRecord, policy: CityPolicy) -> Step | None:
    """The fee cap's step when it applies (the subsidy never exceeds the fee), else None."""
    if not policy.cap_at_fee or amount <= programme.fee:
        return None
    facts: Facts = (("fee", programme.fee), ("uncapped_amount", amount))
    return Step(RULE_FEE_CAP, "十", True, f"补贴不超过实际培训费{programme.fee}元", facts, programme.fee)


def organised_by_employer(order: OrderRecord, programme: ProgrammeRecord) -> str | None:
    """Why ``programme`` is ``order``'s employer's own training (直接组织其培训), or None: the
    order's occupation must be the programme's, and the programme linked to the order or held at
    the employer's own training centre."""
    if order.occupation_code != programme.occupation_code:
        return None
    if order.programme_id == programme.id:
        return "订单关联的培训项目"
    if programme.institution.owner_employer and programme.institution.owner_employer == order.employer_name:
        return "企业自有培训机构"
    return None


def employer_hire(
    order: OrderRecord, programme: ProgrammeRecord, hires: Iterable[HireFact]
) -> HireFact | None:
    """The recorded hire of the worker by the order's employer that covers the training (it
    starts by the course's end and has not ended before the course starts)."""
    for hire in hires:
        same = hire.order_id == order.id or hire.employer_name == order.employer_name
        if (
            same
            and hire.start_date <= programme.end_date
            and (hire.end_date is None or hire.end_date >= programme.start_date)
        ):
            return hire
    return None


def employer_route(
    policy: CityPolicy,
    programme: ProgrammeRecord,
    order: OrderRecord | None,
    *,
    enrollment: EnrollmentFacts | None = None,
    hires: tuple[HireFact, ...] | None = None,
) -> tuple[str, str, Facts]:
    """Where the training subsidy goes (clause 九's 直补企业): (route, Chinese reason, facts).

    ``route`` is :data:`TO_WORKER`, :data:`TO_ENTERPRISE` or :data:`REFUSED`. Prospective when
    ``enrollment`` is None (the hire and who pays are then conditions of the estimate); a claim
    passes its enrollment (who paid the fee) and the worker's recorded ``hires``.
    """
    trains = order is not None and order.employer_trains
    paid_by = enrollment.fee_payer if enrollment is not None else None
    facts: Facts = (("employer_trains", trains), ("fee_payer", paid_by))
    if order is None or not trains:
        if paid_by == "employer":
            return REFUSED, "培训费用由用人单位承担，但未关联用人单位组织培训的订单，个人不能申领", facts
        return TO_WORKER, "", facts
    how = organised_by_employer(order, programme)
    facts += (
        ("order_id", order.id),
        ("employer_kind", order.employer_kind),
        ("order_occupation", order.occupation_code),
        ("organised_by_employer", how),
    )
    name = order.employer_name
    if how is None:
        why = (
            f"{name}订单的职业与本课程不同"
            if order.occupation_code != programme.occupation_code
            else f"本课程不是{name}组织的培训（既非订单关联项目，也非企业自有培训机构）"
        )
        if paid_by == "employer":
            return REFUSED, f"{why}，不能直补企业；培训费用由企业承担，个人也不能申领", facts
        return TO_WORKER, f"{why}，补贴按个人申领", facts
    if enrollment is not None:
        hire = employer_hire(order, programme, hires or ())
        facts += (("hire_id", hire.id if hire else None),)
        if paid_by == "worker":
            return TO_WORKER, f"培训费用由本人缴纳，补贴发给本人（{name}未承担培训成本）", facts
        if hire is None:
            return REFUSED, f"未查到{name}录用您的记录，不能直补企业", facts
        if paid_by is None:
            return REFUSED, "报名记录未登记培训费用由谁承担，不能直补企业", facts
    rule = policy.enterprise_direct
    if not (rule.enabled and order.employer_kind in rule.employer_kinds):
        rule_text = f"按{policy.city_name}规定，该培训补贴不直补{order.employer_kind}"
        reason = f"用人单位承担培训成本，您无需缴费；{rule_text}"
        return REFUSED, reason, facts
    return (
        TO_ENTERPRISE,
        f"{name}吸纳您就业并直接组织培训、承担培训成本（{how}），职业培训补贴直补企业",
        facts,
    )


def refusal(kind: str, policy: CityPolicy, step: Step, steps: list[Step], **extra: object) -> SubsidyDecision:
    """A refused decision of ``kind``: the refusing ``step``'s rule and reason, the steps taken."""
    return SubsidyDecision(
        kind=kind,
        eligible=False,
        reasons=(step.reason,),
        rule=step.rule,
        clause=step.clause,
        rule_version=policy.rule_version,
        policy_hash=policy.content_hash,
        reason=step.reason,
        steps=tuple(steps),
        **extra,  # type: ignore[arg-type]
    )
