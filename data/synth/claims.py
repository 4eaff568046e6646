"""Last year's training records of a synthetic world, with planted subsidy fraud recorded as truth.

The catalogue of :mod:`data.synth.writer` lies in the future (programmes start after the reference
date), so this module adds the year before it: past classes of the catalogue's programmes, the
workers who enrolled and completed them, certificates with numbers and bodies, hires, insurance
and group facts, the claims a counselor would file, and planted fraud (:data:`PATTERNS`), each
recorded in ``truth`` with the subjects a risk scan should name.

Proportions (sample-data assumptions, stated so evaluation can see them): ~12% of workers aged
17–58 trained last year, choosing classes in the city where they live or work, nearer ones far
likelier; ~1.5% of them took a second class later, ~1% an online course alongside (legitimate);
~90% of enrollees complete; ~75% of completers of a certificate course certify within 60 days;
~35% of completers are hired within two months (and are then insured); claims are filed for the
courses the city pays for (and, by mistake, for 5% of the others). Planted cases: two ghost
classes, and each other pattern on ~0.6% of the claims (at least two).

Deterministic: every draw comes from ``stream(seed, CLAIMS)`` and nothing reads the clock. Loaded
by :func:`api.services.synth_claims.load_claims_world` (legitimate claims go through the subsidy
service; planted ones are written as a corrupt clerk or a forged import would).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from data.regions import shanxi_regions
from data.synth.claim_records import Records, Row, city_books, listed, on_day, subsidised
from data.synth.fraud import ghosts, plant
from data.synth.sampling import stream
from matcher.subsidy.places import village_of

CLAIMS = 5  # stream key of this part (1–4 are the catalogue and the workers)
#: Planted fraud patterns and what they leave in the records.
PATTERNS: dict[str, str] = {
    "ghost_class": "a private institution fills a class with fabricated registrations from one village, "
    "and every trainee of its classes completes and certifies",
    "double_enrollment": "one worker in two overlapping offline classes, both claimed",
    "inflated_amount": "a claim's amount raised to three times the standard after filing",
    "phantom_claim": "a claim with no enrollment behind it",
    "over_age": "a 61–70-year-old enrolled and claimed for (the rules refuse it; written around them)",
    "borrowed_identity": "an offline class far from where the worker lives and works",
    "attendance_padding": "a completion recorded for a trainee who never came (no record shows it)",
}
_GRADUATE = ("未升学应届初高中毕业生(农村)", "未升学应届初高中毕业生(城市低保)")
_SOURCE = {
    "脱贫劳动力": "名单导入",
    "防返贫监测对象": "名单导入",
    "就业困难人员": "大数据比对",
    "零就业家庭成员": "大数据比对",
}


@dataclass(frozen=True, slots=True)
class ClaimsWorld:
    """Frames of last year's records, with the columns their loaders take."""

    #: fabricated registrations of the ghost classes (rows of workers.parquet's schema)
    workers: pl.DataFrame
    programmes: pl.DataFrame
    #: ``key`` plus the enrollment columns (completion facts, fee payer, employer order)
    enrollments: pl.DataFrame
    #: the ``certificates`` loader's columns, ``enrollment_key`` for the enrollment
    certificates: pl.DataFrame
    hires: pl.DataFrame
    insurance: pl.DataFrame
    group_facts: pl.DataFrame
    #: claims to file: ``enrollment_key`` or ``certificate`` (number), ``kind``, ``on``; ``direct``
    #: rows are written around the service with ``amount``; ``inflate`` multiplies a filed claim
    claims: pl.DataFrame
    #: one row per planted case: ``case``, ``pattern``, ``subjects`` ("worker:W…", "institution:I…",
    #: "claim-of:<enrollment key>:<kind>" or "phantom-of:<worker>", resolved to "claim:<id>" on load)
    truth: pl.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def _past_classes(rng: np.random.Generator, catalogue: pl.DataFrame, start: dt.date) -> pl.DataFrame:
    """About half of the catalogue's programmes, as classes that ran in the year from ``start``."""
    picked = catalogue.filter(pl.Series(rng.random(catalogue.height) < 0.5))
    offsets = rng.integers(0, 300, picked.height)
    rows = []
    for i, p in enumerate(picked.iter_rows(named=True)):
        first = on_day(start, offsets[i])
        end = on_day(first, (p["end_date"] - p["start_date"]).days)
        rows.append({**p, "id": f"H{i + 1:05d}", "start_date": first, "end_date": end, "seats_left": 0})
    return pl.DataFrame(rows, schema=catalogue.schema)


def make_claims_world(frames: dict[str, pl.DataFrame], *, seed: int, reference_date: dt.date) -> ClaimsWorld:
    """Last year's records for the world in ``frames`` (as :func:`data.synth.generate` returns it)."""
    rng = stream(seed, CLAIMS)
    rec = Records(rng)
    workers = frames["workers"]
    past = _past_classes(rng, frames["programmes"], reference_date - dt.timedelta(days=365))
    classes = list(past.iter_rows(named=True))
    by_id = {p["id"]: p for p in classes}
    by_city: dict[str, list[Row]] = {}
    for p in classes:
        by_city.setdefault(p["county"][:4], []).append(p)
    ages = reference_date.year - workers["birth_year"].to_numpy()
    eligible = workers.filter(pl.Series((ages >= 17) & (ages <= 58)))

    # ordinary trainees, in the city where they live or work
    trainees = eligible.filter(pl.Series(rng.random(eligible.height) < 0.12))
    for w in trainees.iter_rows(named=True):
        city = (
            by_city.get((w["current_adcode"] or w["home_adcode"])[:4])
            or by_city.get(w["home_adcode"][:4])
            or classes
        )
        age = reference_date.year - w["birth_year"]
        options = [
            p for p in city if (p["min_age"] or 0) <= age <= (p["max_age"] or 200)
        ]  # the institution checks
        if not options:
            continue
        first = rec.nearby(options, w)
        rec.enroll(w, first, completed=rng.random() < 0.9)
        if rng.random() < 0.015:
            later = [p for p in options if p["start_date"] > first["end_date"]]
            if later:
                rec.enroll(w, rec.pick(later))
        elif rng.random() < 0.01 and first["delivery"] != "线上":  # an online course alongside: legitimate
            online = [
                p
                for p in classes
                if p["delivery"] == "线上" and p["start_date"] <= first["end_date"] <= p["end_date"]
            ]
            if online:
                rec.enroll(w, rec.pick(online))

    # planted: ghost classes — a private institution fills a class with fabricated registrations
    # from one village and reports every trainee of every class completed and certified
    private = set(frames["institutions"].filter(pl.col("kind") == "民办培训机构")["id"].to_list())
    taken = np.sort(np.array([int(str(x)[:17]) for x in workers["id_number"].to_list()], dtype=np.int64))
    ghost_institutions: list[str] = []
    ghost_workers: list[Row] = []
    offline_private = [p for p in classes if p["institution_id"] in private and p["delivery"] != "线上"]
    for n in range(2):
        prog = rec.pick(offline_private) if offline_private else None
        if prog is None or prog["institution_id"] in ghost_institutions:
            continue
        local = [
            w
            for w in eligible.iter_rows(named=True)
            if w["home_adcode"][:4] == prog["county"][:4] and village_of(w["home_address"])
        ]
        if not local:
            continue
        made = ghosts(rng, rec.pick(local), 8, taken)
        taken = np.sort(
            np.concatenate([taken, np.array([int(str(g["id_number"])[:17]) for g in made], dtype=np.int64)])
        )
        ghost_workers += made
        ghost_institutions.append(prog["institution_id"])
        for g in made:
            rec.enroll(g, prog)
        rec.case(f"ghost-{n + 1}", "ghost_class", f"institution:{prog['institution_id']}")
    for e in rec.enrollments:
        p = by_id[e["programme_id"]]
        if p["institution_id"] in ghost_institutions:
            e.update(status="结业", completed=True, completed_on=p["end_date"], hours_attended=p["hours"])

    certificates, hires, insurance = _outcomes(
        rec, by_id, ghost_institutions, frames["orders"], reference_date
    )
    group_facts = _group_facts(workers)

    # the claims a counselor files: for what the city pays for (and, by mistake, 5% of the rest);
    # where the city pays on certification, the training claim waits for the certificate
    books = city_books()
    living = {f["worker_id"] for f in group_facts}
    issued = {c["enrollment_key"]: c["issued_on"] for c in certificates}
    for e in rec.enrollments:
        if not e["completed"]:
            continue
        p = by_id[e["programme_id"]]
        on = max(
            on_day(e["completed_on"], int(rng.integers(3, 40))),
            on_day(issued.get(e["key"], p["end_date"]), 3),
        )
        if on >= reference_date or not (subsidised(p, bool(e["certified"]), books) or rng.random() < 0.05):
            continue
        rec.claim("training", on, enrollment_key=e["key"])
        if e["worker_id"] in living:
            rec.claim("living", on, enrollment_key=e["key"])
    for c in certificates:
        on = on_day(c["issued_on"], int(rng.integers(3, 30)))
        if on < reference_date and (listed(by_id[c["programme_id"]], books) or rng.random() < 0.05):
            rec.claim("certification", on, certificate=c["number"])

    plant(rec, workers, eligible, trainees, classes, by_id, ghost_institutions, books, reference_date)
    rec.claims = [c for c in rec.claims if c["on"] < reference_date]  # filed by now
    claims = pl.DataFrame(
        rec.claims,
        schema={
            "enrollment_key": pl.Int64,
            "certificate": pl.Utf8,
            "kind": pl.Utf8,
            "on": pl.Date,
            "direct": pl.Boolean,
            "amount": pl.Int64,
            "inflate": pl.Int64,
            "worker_id": pl.Utf8,
            "programme_id": pl.Utf8,
        },
    )
    return ClaimsWorld(
        workers=pl.DataFrame(ghost_workers, schema=workers.schema),
        programmes=past,
        enrollments=pl.DataFrame(rec.enrollments),
        certificates=pl.DataFrame(certificates),
        hires=pl.DataFrame(hires),
        insurance=pl.DataFrame(insurance),
        group_facts=pl.DataFrame(group_facts),
        claims=claims,
        truth=pl.DataFrame(
            rec.truth, schema={"case": pl.Utf8, "pattern": pl.Utf8, "subjects": pl.List(pl.Utf8)}
        ),
        counts={
            "workers": workers.height + len(ghost_workers),
            "past_classes": past.height,
            "enrollments": len(rec.enrollments),
            "claims": len(rec.claims),
        },
    )


def _outcomes(
    rec: Records, by_id: dict[str, Row], ghosts: list[str], orders: pl.DataFrame, reference_date: dt.date
) -> tuple[list[Row], list[Row], list[Row]]:
    """Certificates (with numbers and bodies), hires by orders of the course's occupation, and the
    hired workers' insurance."""
    rng = rec.rng
    bodies = {r.adcode[:4]: f"{r.name}职业技能鉴定中心" for r in shanxi_regions() if r.level == "city"}
    by_occupation: dict[str, list[Row]] = {}
    for o in orders.iter_rows(named=True):
        by_occupation.setdefault(o["occupation_code"], []).append(o)
    certificates: list[Row] = []
    hires: list[Row] = []
    insured: dict[str, Row] = {}
    for e in rec.enrollments:
        p = by_id[e["programme_id"]]
        if not e["completed"]:
            continue
        if p["certificate"] and (p["institution_id"] in ghosts or rng.random() < 0.75):
            issued = on_day(p["end_date"], int(rng.integers(7, 60)))
            if issued < reference_date:
                e["certified"] = True
                city = str(p["county"])[:4]
                certificates.append(
                    {
                        "worker_id": e["worker_id"],
                        "number": f"S{city}{issued:%y}{len(certificates) + 1:08d}",
                        "issuing_body": bodies.get(city, "山西省职业技能鉴定中心"),
                        "occupation_code": p["occupation_code"],
                        "work_type": p["work_type"],
                        "level": p["level"],
                        "issued_on": issued,
                        "enrollment_key": e["key"],
                        "programme_id": p["id"],
                    }
                )
        options = by_occupation.get(str(p["occupation_code"]))
        if options and rng.random() < 0.35:
            o = rec.pick(options)
            start = on_day(p["end_date"], int(rng.integers(5, 60)))
            if start < reference_date:
                hires.append(
                    {
                        "worker_id": e["worker_id"],
                        "order_id": o["id"],
                        "employer_name": o["employer_name"],
                        "employer_kind": o["employer_kind"],
                        "start_date": start,
                        "end_date": None,
                        "monthly_wage": int((o["wage_min"] + o["wage_max"]) // 2),
                    }
                )
                insured.setdefault(
                    str(e["worker_id"]),
                    {
                        "worker_id": e["worker_id"],
                        "status": "参保",
                        "months": int(rng.integers(12, 72)),
                        "as_of": on_day(reference_date, -30),
                        "source": "大数据比对",
                    },
                )
    return certificates, hires, list(insured.values())


def _group_facts(workers: pl.DataFrame) -> list[Row]:
    """Registered groups as facts: the poverty lists (名单导入), employment-office matching
    (大数据比对), and the 应届 cohorts with the graduation year their education implies."""
    out: list[Row] = []
    for w in workers.iter_rows(named=True):
        for g in (w["groups"] or "").split("|"):
            if g in _SOURCE:
                out.append(
                    {
                        "worker_id": w["id"],
                        "group": g,
                        "source": _SOURCE[g],
                        "effective_from": dt.date(2021, 1, 1),
                        "graduation_year": None,
                    }
                )
            elif g in _GRADUATE:
                year = w["birth_year"] + (15 if w["education"] in ("小学及以下", "初中") else 18)
                out.append(
                    {
                        "worker_id": w["id"],
                        "group": g,
                        "source": "名单导入",
                        "effective_from": dt.date(year, 7, 1),
                        "graduation_year": year,
                    }
                )
    return out
