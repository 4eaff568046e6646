"""The answers as response models (:mod:`api.schemas.recommend`) — what the API returns and the
CLI's ``--json`` prints — and as Chinese text for the terminal. Personal data stays masked."""

from __future__ import annotations

from typing import Any

from api.schemas.recommend import (
    CandidateOut,
    CandidatesOut,
    PathwayOut,
    Reason,
    RecommendationOut,
    WhyNotOut,
)
from matcher.candidates import OrderCandidates, WorkerCandidate
from matcher.features import FEATURE_LABELS
from matcher.pathways import Pathway, Recommendation
from matcher.whynot import WhyNot

__all__ = [
    "FEATURE_NAMES",
    "KIND_NAMES",
    "candidates_out",
    "candidates_text",
    "pathway_out",
    "recommendation_dict",
    "recommendation_out",
    "recommendation_text",
    "why_not_dict",
    "why_not_out",
    "why_not_text",
]

KIND_NAMES = {
    "job": "直接就业",
    "train_then_job": "先培训后就业",
    "train": "技能培训",
    "start_up": "创业培训",
}
FEATURE_NAMES = FEATURE_LABELS


def _round(d: Any) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in d.items()}


def pathway_out(p: Pathway) -> PathwayOut:
    return PathwayOut(
        kind=p.kind,  # type: ignore[arg-type]
        kind_name=KIND_NAMES[p.kind],
        programme_id=p.programme_id,
        order_id=p.order_id,
        score=round(p.score, 4),
        explanation=p.explanation,
        reasons=list(p.reasons),
        distance_km=p.distance_km,
        ready_date=p.ready_date,
        training_subsidy=p.training_subsidy,
        living_allowance=p.living_allowance,
        net_cost=p.net_cost,
        payee=p.payee,  # type: ignore[arg-type]
        policy_reasons=list(p.policy_reasons),
        features=_round(p.features),
        contributions=_round(p.contributions),
        rank=p.rank,
        match=p.match,
        top_features=list(p.top_features),
        programme_start=p.programme_start,
        programme_end=p.programme_end,
        job_start=p.job_start,
        wait_days=p.wait_days,
        programme_km=p.programme_km,
        order_km=p.order_km,
        funded_by=p.funded_by,
        subsidised=p.subsidised,
        promoted_from=p.promoted_from,
        upfront=p.upfront,
        refund=p.refund,
        employer_cost=p.employer_cost,
        paid_on=p.paid_on,  # type: ignore[arg-type]
        living_days=p.living_days,
        day_count=p.day_count,  # type: ignore[arg-type]
        programme_hours=p.programme_hours,
        hours_per_day=p.hours_per_day,
    )


def recommendation_out(rec: Recommendation) -> RecommendationOut:
    return RecommendationOut(
        worker_id=rec.worker_id,
        status=rec.status,  # type: ignore[arg-type]
        message=rec.message,
        pathways=[pathway_out(p) for p in rec.pathways],
        notes=list(rec.notes),
    )


def recommendation_text(rec: Recommendation) -> str:
    notes = [f"说明：{n}" for n in rec.notes]
    if rec.status != "ok":
        return "\n".join([f"劳动者 {rec.worker_id}：{rec.message}", *notes])
    lines = [f"劳动者 {rec.worker_id} 的推荐路径（共{len(rec.pathways)}条）："]
    for n, p in enumerate(rec.pathways, 1):
        ids = " → ".join(i for i in (p.programme_id, p.order_id) if i)
        lines.append(f"{n:>2}. 【{KIND_NAMES[p.kind]}】{ids}  匹配度 {p.match}分")
        lines.append(f"    {p.explanation}")
        lines.append(f"    主要因素：{'、'.join(FEATURE_NAMES[k] for k in p.top_features)}")
    return "\n".join([*lines, *notes])


def _candidate_out(c: WorkerCandidate) -> CandidateOut:
    m = c.masked
    return CandidateOut(
        worker_id=c.worker_id,
        kind=c.kind,  # type: ignore[arg-type]
        score=round(c.score, 4),
        programme_id=c.programme_id,
        ready_date=c.ready_date,
        distance_km=c.distance_km,
        explanation=c.explanation,
        contributions=_round(c.contributions),
        name=m.name_masked if m else None,
        phone=m.phone_masked if m else None,
        age=m.age if m else None,
        education=m.education if m else None,
        area=m.area if m else None,
    )


def candidates_out(res: OrderCandidates) -> CandidatesOut:
    return CandidatesOut(
        order_id=res.order_id,
        status=res.status,
        message=res.message,
        candidates=[_candidate_out(c) for c in res.candidates],
    )


def candidates_text(res: OrderCandidates) -> str:
    if res.status != "ok":
        return f"订单 {res.order_id}：{res.message}"
    lines = [
        f"订单 {res.order_id} 的候选人（共{len(res.candidates)}人，仅含同意共享信息者，个人信息已脱敏）："
    ]
    for n, c in enumerate(res.candidates, 1):
        m = c.masked
        who = (
            " ".join(str(x) for x in (m.name_masked, m.phone_masked, f"{m.age}岁", m.education, m.area) if x)
            if m
            else ""
        )
        kind = "可直接上岗" if c.kind == "direct" else f"培训后可上岗（{c.ready_date.isoformat()}）"
        lines.append(f"{n:>2}. {c.worker_id} {who}  {kind}  得分 {c.score:.2f}")
        lines.append(f"    {c.explanation}")
    return "\n".join(lines)


def why_not_out(w: WhyNot) -> WhyNotOut:
    return WhyNotOut(
        item_id=w.item_id,
        item_kind=w.item_kind,  # type: ignore[arg-type]
        passed=w.passed,
        exclusions=[Reason(code=e.code, text=e.text) for e in w.exclusions],
        notes=[Reason(code=e.code, text=e.text) for e in w.notes],
        pathway_kind=w.pathway_kind,
        score_if_passed=round(w.score_if_passed, 4),
        contributions=_round(w.contributions),
        text=w.text,
        match=w.match,
        rank=w.standing.rank if w.standing else None,
        shown=w.standing.shown if w.standing else None,
        lost_to=w.standing.rival_label if w.standing and w.standing.rival else None,
        gaps={f: round(v, 2) for f, v in w.standing.gaps} if w.standing else {},
    )


def why_not_text(w: WhyNot) -> str:
    return f"{w.item_id}：{w.text}"


def recommendation_dict(rec: Recommendation) -> dict[str, Any]:
    """The HTTP body of a recommendation as plain data (the response model, dumped as JSON is)."""
    return recommendation_out(rec).model_dump(mode="json")


def why_not_dict(w: WhyNot) -> dict[str, Any]:
    """The HTTP body of a why-not answer as plain data."""
    return why_not_out(w).model_dump(mode="json")
