"""Schemas of the public catalogue and of worker views. Personal data appears only in masked form."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    adcode: str
    name: str
    level: str
    city_name: str | None
    lat: float
    lon: float


class InstitutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    kind: str
    adcode: str
    status: str
    completion_rate: float | None
    certification_rate: float | None
    employment_rate_6m: float | None


class ProgrammeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    institution_id: str
    title: str
    occupation_code: str
    level: int
    training_type: str
    delivery: str
    adcode: str
    start_date: dt.date
    end_date: dt.date
    hours: int
    seats: int
    seats_left: int
    fee: int
    certificate: str | None


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    employer_name: str
    employer_kind: str
    employer_id: str | None
    occupation_code: str
    head_count: int
    adcode: str
    wage_min: int
    wage_max: int
    start_date: dt.date
    employer_trains: bool
    flags: list[str]
    status: str


class CertificateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    occupation_code: str
    level: int
    year: int


class WorkerSummary(BaseModel):
    """One line of a counselor's worker list (masked)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    name_masked: str | None
    id_number_masked: str
    home_adcode: str
    groups: list[str]
    active: bool


class WorkerOut(BaseModel):
    """A worker: the whole record for the worker and their counselor (身份证号 and phone masked as
    stored), a narrower view for others (see :mod:`api.services.worker_views`)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    id_number_masked: str
    phone_masked: str | None
    name_masked: str | None
    birth_year: int
    gender: str
    education: str
    home_adcode: str
    skills_text: str | None
    work_history: str | None
    desired_occupations: list[str]
    desired_place: str
    max_commute_km: float
    expected_wage: int | None
    entrepreneurship: bool
    groups: list[str]
    consent_share: bool
    active: bool
    certificates: list[CertificateOut]
