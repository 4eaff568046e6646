"""Per-city policy files: versions by date, clear errors, decisions that follow the file.

Clause 十: "各市人力资源社会保障部门可商财政部门动态调整职业培训补贴的职业（工种）范围，并结合经济
发展、培训成本、物价指数等情况调整职业培训补贴标准。"
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.commands.policy import COMMANDS as POLICY_COMMANDS
from data.policy_loader import (
    DEFAULT_POLICY_DIR,
    PolicyFileError,
    PolicyNotFound,
    available_cities,
    load_city_policy,
    load_policy_file,
    load_policy_for_adcode,
)
from matcher.policy import PolicyNotInForce, city_code_of, estimate_support
from tests.subsidy_factories import programme_record, worker_record

TAIYUAN = DEFAULT_POLICY_DIR / "1401-taiyuan.toml"


def test_shipped_cities_load_and_say_they_are_examples() -> None:
    assert {"1401", "1411"} <= set(available_cities())
    for city in ("1401", "1411"):
        book = load_city_policy(city)
        assert book.versions and all(v.example for v in book.versions)
        assert "示例" in book.versions[0].note
    for path in DEFAULT_POLICY_DIR.glob("*.toml"):
        assert "EXAMPLE VALUES" in path.read_text(encoding="utf-8")


def test_version_is_chosen_by_programme_start_date() -> None:
    """The version in force on the programme's start date applies; before the first, none does."""
    book = load_city_policy("1401")
    assert book.at(dt.date(2024, 12, 31)).rule_version == "1401/2024.1"
    assert book.at(dt.date(2025, 1, 1)).rule_version == "1401/2025.1"
    with pytest.raises(PolicyNotInForce, match="2024-03-01"):
        book.at(dt.date(2024, 2, 1))
    assert book.find(dt.date(2023, 1, 1)) is None


def test_county_adcode_maps_to_its_city() -> None:
    assert city_code_of("141124") == "1411"
    assert city_code_of("140105001") == "1401"
    assert load_policy_for_adcode("141124").city_name == "吕梁市"
    with pytest.raises(ValueError):
        city_code_of("14")
    with pytest.raises(PolicyNotFound, match="9999"):
        load_city_policy("9999")


def _copy(tmp_path: Path, name: str = "1401-taiyuan.toml") -> Path:
    target = tmp_path / name
    shutil.copy(TAIYUAN, target)
    return target


def test_editing_the_city_file_changes_the_decision_without_code_change(tmp_path: Path) -> None:
    worker, programme = worker_record(), programme_record(fee=3000)
    path = _copy(tmp_path)
    before = estimate_support(worker, programme, load_city_policy("1401", tmp_path).at(programme.start_date))
    assert before.training_subsidy == 1200

    text = path.read_text(encoding="utf-8").replace('"初级工" = 1200', '"初级工" = 1888', 1)
    path.write_text(text, encoding="utf-8")
    after = estimate_support(worker, programme, load_city_policy("1401", tmp_path).at(programme.start_date))
    assert after.training_subsidy == 1888
    assert after.net_cost == 3000 - 1888

    # Dropping the occupation from the list refuses the subsidy.
    text = text.replace('code = "6-29-01-01"\nname = "砌筑工"\n', 'code = "6-29-01-04"\nname = "钢筋工"\n', 1)
    path.write_text(text, encoding="utf-8")
    gone = estimate_support(worker, programme, load_city_policy("1401", tmp_path).at(programme.start_date))
    assert gone.training_subsidy == 0 and gone.payee == "none"
    assert "不在太原市职业培训补贴职业（工种）目录内" in gone.reasons[0]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("per_day = 50", "per_day = -5", r'1401-taiyuan.toml: version "2024.1": living_allowance.per_day: '),
        ("per_day = 50", "per_dya = 50", r'version "2024.1": living_allowance.per_dya: unknown field'),
        ('"零就业家庭成员",', '"零就业家庭",', r"living_allowance.groups: unknown value '零就业家庭'"),
        ('"初级工" = 1200', '"初级" = 1200', r"default_amounts.初级: unknown level"),
        ('code = "6-29-01-01"', 'code = "62901"', r"occupations\[0\].code: expected an occupation code"),
        ("effective_from = 2025-01-01", "effective_from = 2024-03-01", r"both start on 2024-03-01"),
        ('pay_on = "certification"', 'pay_on = "later"', r'certification.pay_on: expected "completion"'),
        ('city_code = "1401"', 'city_code = "1411"', r"city_code: 1411 does not match the file name"),
        ("example = true", 'example = "yes"', r"1401-taiyuan.toml: example: expected true or false"),
        ("effective_from = 2024-03-01", 'effective_from = "March"', r"effective_from: expected a date"),
    ],
)
def test_bad_file_gives_an_error_naming_file_version_and_field(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyFileError, match=expected):
        load_policy_file(path)


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "1411-x.toml"
    path.write_text('city_code = "1411"\n[[versions]\n', encoding="utf-8")
    with pytest.raises(PolicyFileError, match=r"1411-x.toml: not valid TOML: .*line 2"):
        load_policy_file(path)


def test_missing_required_table_is_named(tmp_path: Path) -> None:
    path = tmp_path / "1411-x.toml"
    path.write_text(
        'city_code = "1411"\ncity_name = "吕梁市"\nexample = true\n'
        '[[versions]]\nversion = "v1"\neffective_from = 2024-01-01\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyFileError, match=r'version "v1": training_types: required field is missing'):
        load_policy_file(path)


def test_policy_check_command(tmp_path: Path) -> None:
    (command,) = POLICY_COMMANDS
    runner = CliRunner()
    ok = runner.invoke(command, ["check", str(TAIYUAN)])
    assert ok.exit_code == 0, ok.output
    assert "1401/2024.1" in ok.output and "1401/2025.1" in ok.output and "示例" in ok.output

    bad = _copy(tmp_path)
    bad.write_text(bad.read_text(encoding="utf-8").replace("cap = 1500", "cap = 1.5"), encoding="utf-8")
    result = runner.invoke(command, ["check", str(bad)])
    assert result.exit_code == 1
    assert 'version "2024.1": living_allowance.cap: expected a whole number' in result.output


def test_every_policy_field_is_documented() -> None:
    """data/policy/README.md names every field a version may hold (a new field must be documented)."""
    from data.policy_loader import _VERSION_KEYS

    readme = (DEFAULT_POLICY_DIR / "README.md").read_text(encoding="utf-8")
    missing = sorted(k for k in _VERSION_KEYS if f"`{k}`" not in readme and f"versions.{k}]" not in readme)
    assert missing == []


def test_public_surface_of_the_policy_module() -> None:
    import matcher.policy as policy

    assert policy.__all__ == sorted(policy.__all__)
    assert all(hasattr(policy, name) for name in policy.__all__)
