import datetime as dt

import pytest
from django import forms
from django.core.exceptions import ValidationError

from certification.idcard import (
    age_on,
    mask_id_number,
    parse_id_number,
    validate_id_number,
    validate_mainland_mobile,
)

TODAY = dt.date(2025, 1, 1)


def with_check(first17: str) -> str:
    """Computed here, independently of the code under test: ISO 7064 MOD 11-2."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def test_checksum_helper_agrees_with_the_published_example():
    # GB 11643-1999 annex example.
    assert with_check("11010519491231002") == "11010519491231002X"


@pytest.mark.parametrize(("first17", "kind", "birth", "gender"), [
    ("32010219800101122", "resident", dt.date(1980, 1, 1), "female"),
    ("22010419730101001", "resident", dt.date(1973, 1, 1), "male"),
    ("11010519491231002", "resident", dt.date(1949, 12, 31), "female"),
    ("81000019900615003", "hk", dt.date(1990, 6, 15), "male"),
    ("82000020000229004", "macao", dt.date(2000, 2, 29), "female"),
    ("83000019851111005", "taiwan", dt.date(1985, 11, 11), "male"),
])
def test_valid_numbers(first17, kind, birth, gender):
    info = parse_id_number(with_check(first17), today=TODAY)
    assert (info.kind, info.birth_date, info.gender, info.region_code) == (kind, birth, gender, first17[:6])
    assert info.number == with_check(first17)


def test_lower_case_x_and_spaces_are_accepted():
    number = with_check("11010519491231002")
    assert parse_id_number(" " + number.lower()[:6] + " " + number.lower()[6:], today=TODAY).number == number


@pytest.mark.parametrize(("value", "code", "words"), [
    ("3201021980010112", "id_length", "长度应为18位，当前为16位"),
    ("3201021980010112345", "id_length", "当前为19位"),
    ("32010219800101A234", "id_characters", "前17位必须是数字"),
    (with_check("32010219800230123"), "id_birth_date", "出生日期“19800230”不是有效日期"),
    (with_check("32010219801301123"), "id_birth_date", "不是有效日期"),
    (with_check("32010220250102123"), "id_birth_date", "晚于今天"),
    (with_check("32010218991231123"), "id_birth_date", "早于1900年"),
    (with_check("99010219800101123"), "id_region", "地区码“990102”无效"),
    (with_check("00010219800101123"), "id_region", "前两位“00”"),
    (with_check("81123419800101123"), "id_region", "810000、820000或830000"),
    (with_check("84000019800101123"), "id_region", "地区码"),
])
def test_invalid_numbers_say_exactly_what_is_wrong(value, code, words):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(value, today=TODAY)
    assert exc.value.code == code
    assert words in exc.value.messages[0]


def test_wrong_check_digit():
    good = with_check("32010219800101123")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        parse_id_number(bad, today=TODAY)
    assert exc.value.code == "id_checksum"
    assert "校验位" in exc.value.messages[0]


def test_birth_date_today_is_not_in_the_future():
    assert parse_id_number(with_check("32010220250101123"), today=TODAY).birth_date == TODAY


@pytest.mark.parametrize(("birth", "on", "age"), [
    (dt.date(1973, 1, 1), dt.date(2023, 1, 1), 50),  # the birthday itself counts
    (dt.date(1973, 1, 2), dt.date(2023, 1, 1), 49),
    (dt.date(1972, 12, 31), dt.date(2023, 1, 1), 50),
    (dt.date(2000, 2, 29), dt.date(2021, 2, 28), 20),
    (dt.date(2000, 2, 29), dt.date(2021, 3, 1), 21),
    (dt.date(2000, 2, 29), dt.date(2024, 2, 29), 24),
])
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age


def test_mask_keeps_first_and_last_four():
    assert mask_id_number("320102198001011234") == "3201**********1234"
    assert mask_id_number("32010219800101123x") == "3201**********123X"
    assert mask_id_number("") == ""


@pytest.mark.parametrize(("value", "ok"), [
    ("13812345678", True), ("19912345678", True), ("138 1234 5678", True), ("+8613812345678", True),
    ("12812345678", False), ("1381234567", False), ("138123456789", False), ("23812345678", False),
    ("1381234567a", False),
])
def test_mainland_mobile(value, ok):
    if ok:
        validate_mainland_mobile(value)
    else:
        with pytest.raises(ValidationError, match="手机号码应为11位数字"):
            validate_mainland_mobile(value)


def test_validators_plug_into_django_forms():
    class Form(forms.Form):
        id_number = forms.CharField(validators=[validate_id_number])
        mobile = forms.CharField(validators=[validate_mainland_mobile])

    form = Form({"id_number": "320102198001011230", "mobile": "10000000000"})
    assert not form.is_valid()
    assert "校验位" in form.errors["id_number"][0]
    assert "手机号码" in form.errors["mobile"][0]
    assert Form({"id_number": with_check("32010219800101123"), "mobile": "13812345678"}).is_valid()
