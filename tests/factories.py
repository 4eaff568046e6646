"""Small valid input frames for loader and API tests (strings, as a CSV file would give)."""

from __future__ import annotations

import polars as pl

from data.personal import id_check_char


def id_number(county: str = "141124", birth: str = "19900101", seq: str = "123") -> str:
    first17 = county + birth + seq
    return first17 + id_check_char(first17)


def institutions() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["I1", "I2"],
            "name": ["临县职业技能培训学校", "太原市建筑技工学校"],
            "kind": ["民办培训机构", "技工院校"],
            "county": ["临县", "山西省太原市小店区"],
            "completion_rate": ["0.92", "0.88"],
        }
    )


def programmes() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["P1", "P2"],
            "institution_id": ["I1", "I2"],
            "title": ["砌筑工（初级）就业技能培训", "焊工中级技能提升"],
            "occupation_code": ["6-29-01-01", "6-18-02-04"],
            "level": ["五级", "4"],
            "training_type": ["就业技能培训", "岗位技能提升培训"],
            "delivery": ["线下", "混合"],
            "start_date": ["2027-01-05", "2027-02-01"],
            "end_date": ["2027-01-25", "2027-03-15"],
            "hours": ["120", "200"],
            "seats": ["40", "30"],
            "seats_left": ["12", "30"],
            "fee": ["1500", "2800"],
        }
    )


def orders() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["O1"],
            "employer_name": ["山西晋建建筑工程有限公司"],
            "employer_kind": ["企业"],
            "occupation_code": ["6-29-01-01"],
            "head_count": ["20"],
            "county": ["太原市小店区"],
            "wage_min": ["6000"],
            "wage_max": ["8000"],
            "start_date": ["2027-03-01"],
            "description": ["招聘砌筑工20名，限男性，包吃住"],
        }
    )


def workers() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["W1", "W2"],
            "id_number": [id_number(), id_number("140105", "19850615", "224")],
            "phone": ["13812345678", None],
            "name": ["张三", "李四"],
            "education": ["初中", "高中/中专/技校"],
            "home_address": ["山西省吕梁市临县城庄镇", "小店区"],
            "skills_text": ["在工地干过十年瓦工，会贴砖", "会开三轮车"],
            "desired_occupations": ["6-29-01-01", None],
            "groups": ["脱贫劳动力|返乡农民工", None],
            "certificates": ["6-29-01-01:5:2020", None],
            "claimed_subsidies": ["6-29-01-01:5:2020", None],
            "consent_share": ["是", "否"],
        }
    )
