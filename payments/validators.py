"""Validators for invoice details."""

from django.core.exceptions import ValidationError
from stdnum.cn import uscc

# Registration authorities written as letters (GB 32100-2015 table 1: A 中央军委改革和编制办公室, N 农业, Y 其他),
# which python-stdnum does not accept; the rest of the check is stdnum's.
LETTERED_AUTHORITIES = "ANY"


def uscc_check_character(first17: str) -> str:
    """The GB 32100-2015 check character (from python-stdnum)."""
    return uscc.calc_check_digit(first17)


def validate_uscc(value: str) -> None:
    """A unified social credit code (统一社会信用代码), checked by python-stdnum (`stdnum.cn.uscc`); the Chinese
    message says which part is wrong."""
    code = (value or "").strip().upper()
    if code[:1] in LETTERED_AUTHORITIES and len(code) == 18 and code[1:8].isdigit() \
            and all(ch in uscc._alphabet for ch in code[8:]):  # noqa: SLF001
        # stdnum wants 8 leading digits; GB 32100-2015 table 1 also has the authorities A, N and Y.
        if uscc.calc_check_digit(code[:17]) != code[17]:
            raise ValidationError("统一社会信用代码校验位不正确，请核对。", code="uscc_checksum")
        return
    try:
        uscc.validate(code)
    except uscc.InvalidLength:
        raise ValidationError("统一社会信用代码应为18位。", code="uscc_length") from None
    except uscc.InvalidFormat:
        # GB 32100-2015: 8 digits (registration authority, organisation type, region), then the alphabet without
        # I, O, Z, S and V.
        bad = sorted({ch for i, ch in enumerate(code)
                      if not (ch.isdigit() if i < 8 else ch in uscc._alphabet)})  # noqa: SLF001
        raise ValidationError(f"统一社会信用代码含有无效字符：{''.join(bad)}。", code="uscc_charset") from None
    except uscc.InvalidChecksum:
        raise ValidationError("统一社会信用代码校验位不正确，请核对。", code="uscc_checksum") from None
