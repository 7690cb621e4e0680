"""Provincial-level divisions (GB/T 2260 codes), their names and abbreviations: reference data, a leaf module.

The seed loader writes them into `Province`; the ID-number checks and the eligibility engine read them here,
without touching the database or the seed loader.
"""

PROVINCES = [
    ("110000", "北京市", "京"), ("120000", "天津市", "津"), ("130000", "河北省", "冀"),
    ("140000", "山西省", "晋"), ("150000", "内蒙古自治区", "蒙"), ("210000", "辽宁省", "辽"),
    ("220000", "吉林省", "吉"), ("230000", "黑龙江省", "黑"), ("310000", "上海市", "沪"),
    ("320000", "江苏省", "苏"), ("330000", "浙江省", "浙"), ("340000", "安徽省", "皖"),
    ("350000", "福建省", "闽"), ("360000", "江西省", "赣"), ("370000", "山东省", "鲁"),
    ("410000", "河南省", "豫"), ("420000", "湖北省", "鄂"), ("430000", "湖南省", "湘"),
    ("440000", "广东省", "粤"), ("450000", "广西壮族自治区", "桂"), ("460000", "海南省", "琼"),
    ("500000", "重庆市", "渝"), ("510000", "四川省", "川"), ("520000", "贵州省", "贵"),
    ("530000", "云南省", "云"), ("540000", "西藏自治区", "藏"), ("610000", "陕西省", "陕"),
    ("620000", "甘肃省", "甘"), ("630000", "青海省", "青"), ("640000", "宁夏回族自治区", "宁"),
    ("650000", "新疆维吾尔自治区", "新"), ("710000", "台湾省", "台"), ("810000", "香港特别行政区", "港"),
    ("820000", "澳门特别行政区", "澳"),
]

_NAMES = {code: name for code, name, _ in PROVINCES}


def province_name(code: str) -> str:
    """The province's name for its 6-digit code, or the code itself when unknown."""
    return _NAMES.get(code, code)


def province_prefixes() -> set[str]:
    """The first two digits of every provincial-level code."""
    return {code[:2] for code in _NAMES}
