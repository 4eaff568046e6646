"""统一社会信用代码 (GB 32100): published codes pass, a changed character or check fails."""

from __future__ import annotations

import pytest

from data.credit_code import credit_code_check_char, credit_code_problem, employer_id


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110108551385082Q", "91440300708461136T"])
def test_published_codes_pass(code: str) -> None:
    assert credit_code_problem(code) is None
    assert credit_code_problem(code.lower()) is None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y44", "统一社会信用代码校验位错误"),
        ("91350100M000100Y4", "统一社会信用代码应为18位"),
        ("91350100M0001O0Y43", "统一社会信用代码含有不允许的字符（第3至8位应为数字，且不含 I、O、S、V、Z）"),
        ("913501A0M000100Y43", "统一社会信用代码含有不允许的字符（第3至8位应为数字，且不含 I、O、S、V、Z）"),
    ],
)
def test_bad_codes_say_why(code: str, problem: str) -> None:
    assert credit_code_problem(code) == problem


def test_check_char_and_stable_ids() -> None:
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert employer_id("太原建工集团", "企业") == employer_id(" 太原建工集团 ", "企业")
    assert employer_id("太原建工集团", "企业") != employer_id("太原建工集团", "个体工商户")
    assert employer_id("太原建工集团", "企业").startswith("E") and len(employer_id("x", "企业")) == 11
