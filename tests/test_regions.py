"""Shanxi regions from cpca with the 2018–2020 reforms, and the address parser."""

from __future__ import annotations

import pytest

from data.regions import AddressError, parse_address, region, regions_frame, shanxi_regions


def test_every_unit_of_shanxi_is_there() -> None:
    levels = [r.level for r in shanxi_regions()]
    assert levels.count("province") == 1
    assert levels.count("city") == 11
    assert levels.count("county") == 117  # county-level units of Shanxi after the 2018–2020 reforms
    assert all(34.0 < r.lat < 41.0 and 110.0 < r.lon < 115.0 for r in shanxi_regions())
    assert regions_frame().height == 129


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("140227", "140215", "云州区"),
        ("140424", "140405", "屯留区"),
        ("140481", "140406", "潞城区"),
        ("140421", "140404", "上党区"),
        ("140726", "140703", "太谷区"),
        ("140624", "140681", "怀仁市"),
    ],
)
def test_reforms_applied(old: str, new: str, name: str) -> None:
    assert region(new).name == name
    assert region(old).adcode == new  # an old code still resolves
    assert all(r.adcode != old for r in shanxi_regions())


@pytest.mark.parametrize(
    ("text", "adcode"),
    [
        ("山西省吕梁市临县城庄镇", "141124"),
        ("临县", "141124"),
        ("大同县", "140215"),
        ("山西大同市大同县西坪镇", "140215"),
        ("长治市城区", "140403"),
        ("阳泉市城区", "140302"),
        ("洪洞县大槐树镇", "141024"),
        ("太原市", "140100"),
        ("141124", "141124"),
        ("141124000000", "141124"),
    ],
)
def test_parse_address(text: str, adcode: str) -> None:
    assert parse_address(text).adcode == adcode


@pytest.mark.parametrize(
    ("text", "message"), [("城区", "有歧义"), ("北京市朝阳区", "无法识别"), ("", "为空")]
)
def test_parse_address_refuses_clearly(text: str, message: str) -> None:
    with pytest.raises(AddressError, match=message):
        parse_address(text)
