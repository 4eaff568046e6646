"""Per-city policy files: versions by date, errors that name file, version and field in Chinese,
checks of meaning (the catalogue, the notice's groups and scope, the ceiling), content hashes.

Clause 十: "各市人力资源社会保障部门可商财政部门动态调整职业培训补贴的职业（工种）范围，并结合经济
发展、培训成本、物价指数等情况调整职业培训补贴标准。" Clause 九 fixes who the living allowance and the
training subsidy are for; a city file may not change that silently.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from api.commands.policy import COMMANDS as POLICY_COMMANDS
from api.services.policy_versions import changed_versions, register_use
from api.settings import get_settings
from data.policy_loader import (
    DEFAULT_POLICY_DIR,
    PolicyFileError,
    PolicyNotFound,
    available_cities,
    load_city_policy,
    load_policy_file,
    load_policy_for_adcode,
)
from matcher.subsidy import PolicyNotInForce, city_code_of, estimate_support
from tests.subsidy_factories import programme_record, worker_record

TAIYUAN = DEFAULT_POLICY_DIR / "1401-taiyuan.toml"
LIVING_GROUPS_LINE = """groups = ["脱贫劳动力", "防返贫监测对象", "就业困难人员", "零就业家庭成员",
          "未升学应届初高中毕业生(农村)", "未升学应届初高中毕业生(城市低保)"]"""


def test_shipped_cities_load_pass_the_meaning_checks_and_say_they_are_examples() -> None:
    assert set(available_cities()) == {f"14{i:02d}" for i in range(1, 12)}
    for city in available_cities():
        book = load_city_policy(city)  # form and meaning checked on load
        assert book.versions and all(v.example for v in book.versions)
        assert all(len(v.content_hash) == 64 for v in book.versions)
    for path in DEFAULT_POLICY_DIR.glob("*.toml"):
        assert "EXAMPLE VALUES" in path.read_text(encoding="utf-8")


def test_version_is_chosen_by_programme_start_date() -> None:
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


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_editing_the_city_file_changes_the_decision_and_its_hash(tmp_path: Path) -> None:
    """太原's 初级工 amount 1200 → 1888 changes the next estimate (3000 − 1888 = 1112 to pay) and
    the version's content hash; a comment does not change the hash."""
    worker, programme = worker_record(), programme_record(fee=3000)
    path = _copy(tmp_path)
    before = load_city_policy("1401", tmp_path).at(programme.start_date)
    assert estimate_support(worker, programme, before).training_subsidy == 1200
    _edit(path, "# Validate after editing", "# 注释不影响内容哈希\n# Validate after editing")
    assert load_city_policy("1401", tmp_path).at(programme.start_date).content_hash == before.content_hash
    _edit(path, '"初级工" = 1200', '"初级工" = 1888')
    after = load_city_policy("1401", tmp_path).at(programme.start_date)
    d = estimate_support(worker, programme, after)
    assert (d.training_subsidy, d.net_cost) == (1888, 1112)
    assert after.content_hash != before.content_hash


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "per_day = 50",
            "per_day = -5",
            'version "2024.1": living_allowance.per_day: 应为不小于0的整数，实际为 int -5',
        ),
        ("per_day = 50", "per_dya = 50", 'version "2024.1": living_allowance.per_dya: 未知的字段'),
        ('"零就业家庭成员",', '"零就业家庭",', "living_allowance.groups: 未知的取值 '零就业家庭'"),
        ('"初级工" = 1200', '"初级" = 1200', "default_amounts.初级: 未知的等级"),
        ('code = "6-29-01-01"', 'code = "62901"', r"occupations\[0\].code: 应为职业编码"),
        ("effective_from = 2025-01-01", "effective_from = 2024-03-01", "都从2024-03-01起施行"),
        ('pay_on = "certification"', 'pay_on = "later"', "certification.pay_on: 取值 'later' 不在允许范围内"),
        ('day_count = "training_days"', 'day_count = "weeks"', "living_allowance.day_count: 取值 'weeks'"),
        ('city_code = "1401"', 'city_code = "1411"', "city_code: 城市代码1411与文件名不符"),
        ("example = true", 'example = "yes"', "1401-taiyuan.toml: example: 应为 true 或 false"),
        ("effective_from = 2024-03-01", 'effective_from = "March"', "effective_from: 应为日期"),
        ("amount_ceiling = 5000", "amount_ceiling = 0", "amount_ceiling: 应为1至100000之间的整数"),
    ],
)
def test_bad_form_gives_an_error_naming_file_version_and_field(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = _copy(tmp_path)
    _edit(path, old, new)
    with pytest.raises(PolicyFileError, match=expected.replace('version "', '版本 "')):
        load_policy_file(path)


#: The wrong files of the audit (issue 13): each is refused with file, version, field and reason.
WRONG_MEANING = [
    pytest.param(
        LIVING_GROUPS_LINE,
        LIVING_GROUPS_LINE.replace('"零就业家庭成员",', '"零就业家庭成员", "返乡农民工",'),
        "living_allowance.groups",
        "返乡农民工不是通知第九条规定的生活费补贴对象",
        id="living-groups-widened",
    ),
    pytest.param(
        LIVING_GROUPS_LINE,
        LIVING_GROUPS_LINE.replace('"防返贫监测对象", ', ""),
        "living_allowance.groups",
        "缺少通知第九条规定的生活费补贴对象：防返贫监测对象",
        id="living-groups-narrowed",
    ),
    pytest.param(
        'employer_kinds = ["企业", "个体工商户", "民办非企业单位"]',
        'employer_kinds = ["企业", "民办非企业单位"]',
        "scope.employer_kinds",
        "通知第九条将个体工商户用工纳入职业培训补贴范围，不能删去",
        id="scope-drops-individual-businesses",
    ),
    pytest.param(
        "groups = []   # empty: every registered 农民工",
        'groups = ["脱贫劳动力"]',
        "scope.groups",
        "不能只限定部分人员类别",
        id="scope-limited-to-groups",
    ),
    pytest.param(
        'code = "6-29-01-01"',
        'code = "6-29-01-99"',
        r"occupations\[0\].code",
        "职业编码 6-29-01-99 不在职业分类大典（2022年版）中",
        id="unknown-occupation-code",
    ),
    pytest.param(
        'name = "砌筑工"',
        'name = "钢筋工"',
        r"occupations\[0\].name",
        "在职业分类大典中名为“砌筑工”",
        id="wrong-name",
    ),
    pytest.param(
        'work_types = ["育婴员"]',
        'work_types = ["育婴师"]',
        r"occupations\[3\].work_types",
        "“育婴师”不是婴幼儿发展引导员的工种（大典所列：育婴员）",
        id="misspelt-work-type",
    ),
    pytest.param(
        '"初级工" = 1200',
        '"初级工" = 999999999',
        "default_amounts.初级工",
        "金额999999999元超过本版本设定的上限 amount_ceiling = 5000元",
        id="amount-above-ceiling",
    ),
    pytest.param(
        "cap = 1500",
        "cap = 150000",
        "living_allowance.cap",
        "金额150000元超过本版本设定的上限",
        id="allowance-cap-above-ceiling",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "reason"), WRONG_MEANING)
def test_wrong_meaning_is_refused_by_the_loader_and_the_check(
    tmp_path: Path, old: str, new: str, field: str, reason: str
) -> None:
    """九/十: the file loads only if it means what the notice and the catalogue allow;
    ``skillbridge policy check`` exits 1 naming file, version, field and a Chinese reason."""
    path = _copy(tmp_path)
    _edit(path, old, new)
    with pytest.raises(PolicyFileError, match=f'^1401-taiyuan.toml: 版本 "2024.1": {field}: .*{reason}'):
        load_policy_file(path)
    (command,) = POLICY_COMMANDS
    result = CliRunner().invoke(command, ["check", "--no-db", str(path)])
    assert result.exit_code == 1
    assert (
        '错误：1401-taiyuan.toml: 版本 "2024.1": ' in result.output and reason.split("（")[0] in result.output
    )


def test_a_stated_override_lets_a_city_depart_and_is_printed(tmp_path: Path) -> None:
    """九 "可按规定": a city may add a group when it says why; the check prints the reason."""
    path = _copy(tmp_path)
    _edit(
        path,
        LIVING_GROUPS_LINE,
        LIVING_GROUPS_LINE.replace('"零就业家庭成员",', '"零就业家庭成员", "返乡农民工",')
        + '\noverride = "市政府2024年第3号文件将返乡农民工纳入生活费补贴（示例）"',
    )
    book = load_policy_file(path)
    assert "返乡农民工" in book.versions[0].living.groups
    (command,) = POLICY_COMMANDS
    result = CliRunner().invoke(command, ["check", "--no-db", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "偏离通知第九条之处已说明（living_allowance.override）：市政府2024年第3号文件将返乡农民工纳入生活费补贴（示例）"
        in (result.output)
    )


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "1411-x.toml"
    path.write_text('city_code = "1411"\n[[versions]\n', encoding="utf-8")
    with pytest.raises(PolicyFileError, match=r"1411-x.toml: 不是有效的 TOML：.*line 2"):
        load_policy_file(path)


def test_missing_required_table_is_named(tmp_path: Path) -> None:
    path = tmp_path / "1411-x.toml"
    path.write_text(
        'city_code = "1411"\ncity_name = "吕梁市"\nexample = true\n'
        '[[versions]]\nversion = "v1"\neffective_from = 2024-01-01\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyFileError, match=r'版本 "v1": training_types: 缺少必填字段'):
        load_policy_file(path)


def test_policy_check_command_summarises_in_chinese() -> None:
    (command,) = POLICY_COMMANDS
    ok = CliRunner().invoke(command, ["check", "--no-db", str(TAIYUAN)])
    assert ok.exit_code == 0, ok.output
    assert "1401/2024.1  自2024-03-01起施行" in ok.output and "1401/2025.1" in ok.output
    assert (
        "按实际培训天数" in ok.output
        and "职业（工种）按工种区分" in ok.output
        and "金额上限5000元" in ok.output
    )
    assert "示例" in ok.output and ok.output.rstrip().endswith("通过")


def test_a_used_version_cannot_be_edited_in_place(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version's content hash is recorded when a decision first uses it; afterwards the file with
    that version edited in place is refused (decisions and the check), a new version is not."""
    path = _copy(tmp_path)
    used = load_policy_file(path).versions[0]
    assert register_use(engine, used, "clerk") is None
    assert register_use(engine, used, "clerk") is None  # the same content again: fine
    _edit(path, '"初级工" = 1200', '"初级工" = 1300')
    edited = load_policy_file(path)
    message = register_use(engine, edited.versions[0], "clerk")
    assert (
        message is not None and "政策版本 1401/2024.1 已被补贴决定使用" in message and "另立新版本" in message
    )
    (error,) = changed_versions(engine, edited)
    assert (error.file, error.version, error.field) == ("1401-taiyuan.toml", "2024.1", "content_hash")
    monkeypatch.setenv("SKILLBRIDGE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        (command,) = POLICY_COMMANDS
        result = CliRunner().invoke(command, ["check", str(path)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert (
        '错误：1401-taiyuan.toml: 版本 "2024.1": content_hash: 政策版本 1401/2024.1 已被补贴决定使用'
        in result.output
    )


def test_every_policy_field_is_documented() -> None:
    """data/policy/README.md names every field a version may hold (a new field must be documented)."""
    from data.policy_loader import _VERSION_KEYS

    readme = (DEFAULT_POLICY_DIR / "README.md").read_text(encoding="utf-8")
    missing = sorted(k for k in _VERSION_KEYS if f"`{k}`" not in readme and f"versions.{k}]" not in readme)
    assert missing == []
    for field in ("day_count", "graduate_months", "sources", "override", "window_days", "claim_days"):
        assert f"`{field}`" in readme, field
