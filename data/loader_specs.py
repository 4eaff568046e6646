"""Column specs of the four loader file kinds (see docs/formats.md for the user-facing table)."""

from __future__ import annotations

from dataclasses import dataclass

from data.db.models import Base, Institution, Order, Programme, Worker
from data.fields import Field
from matcher.types import (
    DELIVERIES,
    EDUCATION_ORDER,
    EMPLOYER_KINDS,
    INSTITUTION_KINDS,
    LEVEL_NAMES,
    SHORT_LEVEL_NAMES,
    TRAINING_TYPES,
)

#: Level words a person may type → the level number stored.
LEVEL_WORDS: dict[str, str] = {
    **{name: str(n) for n, name in LEVEL_NAMES.items()},
    **{name: str(n) for n, name in SHORT_LEVEL_NAMES.items()},
    **{name.split("/")[0]: str(n) for n, name in LEVEL_NAMES.items()},
}

ID_PATTERN = r"^[A-Za-z0-9_-]{1,16}$"
RATE = {"kind": "float", "minimum": 0.0, "maximum": 1.0}


@dataclass(frozen=True, slots=True)
class Spec:
    model: type[Base]
    fields: tuple[Field, ...]


_AGE = (Field("min_age", "int", minimum=16, maximum=70), Field("max_age", "int", minimum=16, maximum=70))

KINDS: dict[str, Spec] = {
    "institutions": Spec(
        Institution,
        (
            Field("id", required=True, pattern=ID_PATTERN),
            Field("name", required=True),
            Field("kind", required=True, choices=INSTITUTION_KINDS),
            Field("county", required=True),
            Field("address"),
            Field("lat", "float", minimum=34.0, maximum=41.0),
            Field("lon", "float", minimum=110.0, maximum=115.0),
            Field("status", choices=("active", "suspended"), default="active"),
            Field("completion_rate", **RATE),  # type: ignore[arg-type]
            Field("certification_rate", **RATE),  # type: ignore[arg-type]
            Field("employment_rate_6m", **RATE),  # type: ignore[arg-type]
        ),
    ),
    "programmes": Spec(
        Programme,
        (
            Field("id", required=True, pattern=ID_PATTERN),
            Field("institution_id", required=True),
            Field("title", required=True),
            Field("occupation_code", required=True),
            Field("work_type"),
            Field("level", "int", required=True, minimum=0, maximum=5),
            Field("training_type", required=True, choices=TRAINING_TYPES),
            Field("delivery", required=True, choices=DELIVERIES),
            Field("county"),
            Field("lat", "float", minimum=34.0, maximum=41.0),
            Field("lon", "float", minimum=110.0, maximum=115.0),
            Field("start_date", "date", required=True),
            Field("end_date", "date", required=True),
            Field("hours", "int", required=True, minimum=1, maximum=5000),
            Field("seats", "int", required=True, minimum=0),
            Field("seats_left", "int", minimum=0),
            Field("fee", "int", required=True, minimum=0),
            Field("certificate"),
            *_AGE,
            Field("min_education", choices=EDUCATION_ORDER),
            Field("description", default=""),
            Field("employer_funded", "bool", default=False),
        ),
    ),
    "orders": Spec(
        Order,
        (
            Field("id", required=True, pattern=ID_PATTERN),
            Field("employer_name", required=True),
            Field("employer_kind", required=True, choices=EMPLOYER_KINDS),
            Field("occupation_code", required=True),
            Field("work_type"),
            Field("head_count", "int", required=True, minimum=1),
            Field("county", required=True),
            Field("lat", "float", minimum=34.0, maximum=41.0),
            Field("lon", "float", minimum=110.0, maximum=115.0),
            Field("wage_min", "int", required=True, minimum=0),
            Field("wage_max", "int", required=True, minimum=0),
            Field("start_date", "date", required=True),
            Field("required_level", "int", minimum=0, maximum=5),
            Field("requires_certificate", "bool", default=False),
            Field("required_skills", default=""),
            *_AGE,
            Field("employer_trains", "bool", default=False),
            Field("programme_id"),
            Field("description", default=""),
            Field("priority", "int", default=0, minimum=0, maximum=10),
            Field("status", choices=("open", "closed"), default="open"),
        ),
    ),
    "workers": Spec(
        Worker,
        (
            Field("id", required=True, pattern=ID_PATTERN),
            Field("id_number", required=True),
            Field("phone"),
            Field("name"),
            Field("birth_year", "int", minimum=1940, maximum=2012),
            Field("gender", choices=("男", "女")),
            Field("education", required=True, choices=EDUCATION_ORDER),
            Field("home_adcode"),
            Field("home_address"),
            Field("home_lat", "float", minimum=34.0, maximum=41.0),
            Field("home_lon", "float", minimum=110.0, maximum=115.0),
            Field("current_adcode"),
            Field("skills_text", default=""),
            Field("work_history", default=""),
            Field("desired_occupations"),
            Field("desired_place", choices=("local", "city", "anywhere"), default="local"),
            Field("desired_city"),
            Field("max_commute_km", "float", default=30.0, minimum=0.0, maximum=3000.0),
            Field("expected_wage", "int", minimum=0, maximum=100000),
            Field("entrepreneurship", "bool", default=False),
            Field("groups"),
            Field("consent_share", "bool", default=False),
            Field("certificates"),
            Field("claimed_subsidies"),
        ),
    ),
}
