"""Row building for worker files: personal-data checks, home place, lists, certificates, past claims."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from data import personal
from data.db.models import Occupation, Worker
from data.regions import AddressError, parse_address
from data.tabular import RowError
from matcher.types import GROUPS

#: Certificates and claims typed into a worker file are history: no number, body or date.
_HISTORY = "worker_file"


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").replace("｜", "|").split("|") if p.strip()]


def _triples(
    value: str | None, line: int, field: str, codes: set[str], errors: list[RowError]
) -> list[tuple]:
    """Parse "code:level:year|..." into (code, level, year) tuples, reporting bad parts."""
    out = []
    for part in _split(value):
        bits = part.replace("：", ":").split(":")
        if len(bits) != 3 or not bits[1].isdigit() or not bits[2].isdigit():
            errors.append(RowError(line, field, f"格式应为 职业编码:等级:年份，实际为 {part!r}"))
            continue
        code, level, year = bits[0], int(bits[1]), int(bits[2])
        if code not in codes:
            errors.append(RowError(line, field, f"未知的职业编码: {code}"))
        elif not 0 <= level <= 5:
            errors.append(RowError(line, field, f"等级应为0–5，实际为 {level}"))
        elif not 1990 <= year <= dt.date.today().year + 1:
            errors.append(RowError(line, field, f"年份不合理: {year}"))
        else:
            out.append((code, level, year))
    return out


def _place(value: str | None, cache: dict[str, tuple | None]) -> tuple | None:
    if value is None:
        return None
    if value not in cache:
        try:
            r = parse_address(value)
            cache[value] = (r.adcode, r.lat, r.lon, r.level)
        except AddressError:
            cache[value] = None
    return cache[value]


def worker_rows(session: Session, typed: pl.DataFrame, errors: list[RowError], secret: str) -> list[dict]:
    codes = set(session.scalars(select(Occupation.code)))
    places: dict[str, tuple | None] = {}
    hashes: dict[str, tuple[str, int]] = {}
    rows = []
    for r in typed.iter_rows(named=True):
        line = r["_line"]
        idn = (r["id_number"] or "").strip().upper()
        problem = personal.id_number_problem(idn) if idn else None
        id_hash = None
        if problem:
            errors.append(RowError(line, "id_number", problem))
        elif idn:
            id_hash = personal.secret_hash(idn, secret)
            if id_hash in hashes:
                errors.append(
                    RowError(line, "id_number", f"身份证号在文件中重复（见第{hashes[id_hash][1]}行）")
                )
            hashes[id_hash] = (r["id"], line)
            if r["birth_year"] is not None and r["birth_year"] != personal.id_birth_year(idn):
                errors.append(RowError(line, "birth_year", "出生年份与身份证号不一致"))
            if r["gender"] is not None and r["gender"] != personal.id_gender(idn):
                errors.append(RowError(line, "gender", "性别与身份证号不一致"))
        phone = r["phone"]
        if phone is not None and (p := personal.phone_problem(phone)):
            errors.append(RowError(line, "phone", p))
            phone = None
        home_text = r["home_adcode"] or r["home_address"]
        home = _place(home_text, places)
        if home_text is None:
            errors.append(RowError(line, "home_adcode", "户籍/居住地（home_adcode 或 home_address）不能为空"))
        elif home is None or home[3] != "county":
            field = "home_adcode" if r["home_adcode"] else "home_address"
            errors.append(RowError(line, field, f"未知或不到县级的山西地址: {home_text!r}"))
        desired_city = _place(r["desired_city"], places)
        if r["desired_city"] is not None and desired_city is None:
            errors.append(RowError(line, "desired_city", f"未知的城市: {r['desired_city']!r}"))
        if r["desired_place"] == "city" and r["desired_city"] is None:
            errors.append(RowError(line, "desired_city", "求职地点为指定城市时必须填写城市"))
        desired = _split(r["desired_occupations"])
        for code in desired:
            if code not in codes:
                errors.append(RowError(line, "desired_occupations", f"未知的职业编码: {code}"))
        groups = _split(r["groups"])
        for g in groups:
            if g not in GROUPS:
                errors.append(RowError(line, "groups", f"未知的人员类别: {g}"))
        certs = _triples(r["certificates"], line, "certificates", codes, errors)
        claims = _triples(r["claimed_subsidies"], line, "claimed_subsidies", codes, errors)
        if errors and len(errors) > 10_000:  # a hopeless file: stop collecting
            break
        if home is None or id_hash is None:
            continue
        lat = r["home_lat"] if r["home_lat"] is not None else home[1]
        lon = r["home_lon"] if r["home_lon"] is not None else home[2]
        rows.append(
            {
                "id": r["id"],
                "id_number_hash": id_hash,
                "id_number_masked": personal.mask_id_number(idn),
                "phone_hash": personal.secret_hash(phone, secret) if phone else None,
                "phone_masked": personal.mask_phone(phone) if phone else None,
                "name_masked": personal.mask_name(r["name"]) if r["name"] else None,
                "birth_year": personal.id_birth_year(idn),
                "gender": personal.id_gender(idn),
                "education": r["education"],
                "home_adcode": home[0],
                "home_address": r["home_address"],
                "home_lat": lat,
                "home_lon": lon,
                "current_adcode": r["current_adcode"],
                "skills_text": r["skills_text"] or "",
                "work_history": r["work_history"] or "",
                "desired_occupations": desired,
                "desired_place": r["desired_place"],
                "desired_city_adcode": desired_city[0] if desired_city else None,
                "max_commute_km": r["max_commute_km"],
                "expected_wage": r["expected_wage"],
                "entrepreneurship": r["entrepreneurship"],
                "groups": groups,
                "consent_share": r["consent_share"],
                "_certificates": [
                    {"worker_id": r["id"], "occupation_code": c, "level": lv, "year": y, "source": _HISTORY}
                    for c, lv, y in certs
                ],
                "_claims": [
                    {
                        "worker_id": r["id"],
                        "kind": "training",
                        "counts_as_training": True,
                        "occupation_code": c,
                        "level": lv,
                        "duplicate_key": c,
                        "event_year": y,
                        "event_date": dt.date(y, 12, 31),
                        "claim_date": dt.date(y, 12, 31),
                        "history": True,
                        "amount": 0,
                        "payee": "worker",
                        "status": "发放",
                        "city": home[0][:4],
                        "rule_version": "imported-history",
                    }
                    for c, lv, y in claims
                ],
            }
        )
    _check_registered_elsewhere(session, hashes, errors)
    return rows


def _check_registered_elsewhere(
    session: Session, hashes: dict[str, tuple[str, int]], errors: list[RowError]
) -> None:
    """A 身份证号 already stored under another worker id is an error (one person, one record)."""
    items = list(hashes.items())
    for start in range(0, len(items), 20_000):
        chunk = dict(items[start : start + 20_000])
        stmt = select(Worker.id_number_hash, Worker.id).where(Worker.id_number_hash.in_(list(chunk)))
        for h, wid in session.execute(stmt):
            if chunk[h][0] != wid:
                errors.append(RowError(chunk[h][1], "id_number", f"该身份证号已登记为劳动者 {wid}"))
