"""Identity numbers and mobile numbers.

Mainland resident ID numbers follow GB 11643-1999: 6-digit region code, 8-digit birth date, 3-digit
sequence (the last of which is odd for men, even for women) and an ISO 7064 MOD 11-2 check character, which
python-stdnum computes (`stdnum.cn.ric`). Residence permits for Hong Kong, Macao and Taiwan residents use the
same layout with the region codes 810000, 820000 and 830000; stdnum does not know them, so the region check
(and the Chinese message saying exactly what is wrong) stays here. Mobile numbers are checked with
`phonenumbers` (region CN).
"""

import datetime as dt
import functools
import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from stdnum.cn import ric

from .provinces import province_prefixes


class IdentityKind(models.TextChoices):
    RESIDENT = "resident", "居民身份证"
    HK = "hk", "港澳居民居住证（香港）"
    MACAO = "macao", "港澳居民居住证（澳门）"
    TAIWAN = "taiwan", "台湾居民居住证"


PERMIT_PREFIXES = {"810000": IdentityKind.HK, "820000": IdentityKind.MACAO, "830000": IdentityKind.TAIWAN}

EARLIEST_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class IdentityInfo:
    number: str
    birth_date: dt.date
    gender: str  # "male" | "female"
    region_code: str  # the first 6 digits
    kind: str  # IdentityKind


def id_check_char(first17: str) -> str:
    """The 18th character for the given first 17 digits (ISO 7064 MOD 11-2, from python-stdnum)."""
    return ric.calc_check_digit(first17 + "0")  # stdnum takes the whole number and ignores its last character


@functools.cache  # a fixed table: built once, not once per number checked (a bulk import checks thousands)
def _mainland_province_prefixes() -> frozenset[str]:
    # 81/82 are Hong Kong and Macao: their people carry permits (810000/820000), never resident IDs.
    return frozenset(province_prefixes() - {"81", "82"})


def normalize_id_number(value) -> str:
    return re.sub(r"\s+", "", str(value or "")).upper()


def parse_id_number(value, *, today: dt.date | None = None) -> IdentityInfo:
    """Check an ID or residence-permit number and return what it says.

    Raises ValidationError with a message naming exactly what is wrong (长度, 字符, 地区码, 出生日期, 校验位).
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(f"证件号码长度应为18位，当前为{len(number)}位。", code="id_length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("证件号码前17位必须是数字，第18位为数字或字母X。", code="id_characters")

    region = number[:6]
    kind = PERMIT_PREFIXES.get(region)
    if kind is None:
        if number[:2] in {"81", "82", "83"}:
            raise ValidationError(
                f"地区码“{region}”无效：港澳台居民居住证号码前6位应为810000、820000或830000。", code="id_region")
        if number[:2] not in _mainland_province_prefixes():
            raise ValidationError(f"地区码“{region}”无效：前两位“{number[:2]}”不是省级行政区划代码。",
                                  code="id_region")
        kind = IdentityKind.RESIDENT

    raw_birth = number[6:14]
    try:
        birth_date = dt.date(int(raw_birth[:4]), int(raw_birth[4:6]), int(raw_birth[6:]))
    except ValueError:
        raise ValidationError(f"出生日期“{raw_birth}”不是有效日期。", code="id_birth_date") from None
    today = today or timezone.localdate()
    if birth_date > today:
        raise ValidationError(f"出生日期“{raw_birth}”晚于今天。", code="id_birth_date")
    if birth_date.year < EARLIEST_BIRTH_YEAR:
        raise ValidationError(f"出生日期“{raw_birth}”早于{EARLIEST_BIRTH_YEAR}年，请核对。", code="id_birth_date")

    if id_check_char(number[:17]) != number[17]:
        raise ValidationError("校验位（第18位）与前17位不符，请逐位核对号码。", code="id_checksum")

    gender = "male" if int(number[16]) % 2 else "female"
    return IdentityInfo(number=number, birth_date=birth_date, gender=gender, region_code=region, kind=kind)


def validate_id_number(value) -> None:
    """Django validator: `validators=[validate_id_number]`."""
    parse_id_number(value)


def age_on(birth_date: dt.date, on_date: dt.date) -> int:
    """Full years of age on `on_date`; the birthday itself counts (born 1973-01-01 is 50 on 2023-01-01).

    Someone born on 29 February becomes a year older on 1 March in common years.
    """
    return on_date.year - birth_date.year - ((on_date.month, on_date.day) < (birth_date.month, birth_date.day))


def mask_id_number(value) -> str:
    """Keep the first 4 and last 4 characters: 3201**********1234."""
    number = normalize_id_number(value)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def normalize_mobile(value) -> str:
    number = re.sub(r"[\s-]+", "", str(value or ""))
    return number[3:] if number.startswith("+86") else number


def validate_mainland_mobile(value) -> None:
    """Django validator for a mainland mobile number (11 digits), checked against `phonenumbers`' CN plan."""
    number = normalize_mobile(value)
    # Digits only: phonenumbers would read letters as a keypad ("1381234567a" → …2).
    valid = number.isdigit() and len(number) == 11
    if valid:
        try:
            parsed = phonenumbers.parse(number, "CN")
        except phonenumbers.NumberParseException:
            valid = False
        else:
            valid = phonenumbers.is_valid_number_for_region(parsed, "CN") and phonenumbers.number_type(parsed) in (
                phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not valid:
        raise ValidationError("手机号码应为11位数字，以13至19开头，例如13812345678。", code="mobile")
