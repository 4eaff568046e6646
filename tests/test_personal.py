"""身份证号 (GB 11643) validation and masking; phone validation and masking."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from data import personal
from tests.factories import id_number


def test_known_valid_id_number() -> None:
    assert personal.id_number_problem("11010519491231002X") is None  # the standard's example
    assert personal.id_birth_year("11010519491231002X") == 1949
    assert personal.id_gender("11010519491231002X") == "女"


def test_id_number_problems() -> None:
    assert "18位" in personal.id_number_problem("12345")  # type: ignore[operator]
    assert "出生日期" in personal.id_number_problem(id_number(birth="19901301"))  # type: ignore[operator]
    good = id_number()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert "校验位" in personal.id_number_problem(wrong)  # type: ignore[operator]


@given(st.from_regex(r"\d{3}", fullmatch=True), st.dates(min_value=__import__("datetime").date(1940, 1, 1)))
def test_generated_ids_validate_and_mask(seq: str, birth) -> None:  # type: ignore[no-untyped-def]
    value = id_number("141124", birth.strftime("%Y%m%d"), seq)
    assert personal.id_number_problem(value) is None
    masked = personal.mask_id_number(value)
    assert masked[:3] == value[:3] and masked[-4:] == value[-4:] and masked[3:14] == "*" * 11


def test_hash_is_salted_and_stable() -> None:
    v = id_number()
    assert personal.secret_hash(v, "a") == personal.secret_hash(v.lower(), "a")
    assert personal.secret_hash(v, "a") != personal.secret_hash(v, "b")


def test_phone() -> None:
    assert personal.phone_problem("13812345678") is None
    assert personal.phone_problem("12812345678") is not None
    assert personal.mask_phone("13812345678") == "138****5678"
    assert personal.mask_name("欧阳小明") == "欧***"


def test_views_for_callers_who_do_not_see_the_whole_record() -> None:
    assert personal.name_for_view("张*") == personal.name_for_view("张**") == "张**"
    assert personal.name_for_view("欧***") == "欧**" and personal.name_for_view(None) is None
    assert personal.phone_for_view("138****5678") == "138******78"
    assert personal.phone_for_view(None) is None
    assert personal.id_number_for_view("141***********1234") == "141***************"
