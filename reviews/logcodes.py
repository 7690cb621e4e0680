"""Audit codes of the eligibility review and portfolio scoring, with their display labels."""

LABELS = {
    "reviews.eligibility.returned": "资格审查退回修改",
    "reviews.eligibility.expired": "逾期未修改，资格审查不合格",
}
