"""Server-rendered SVG charts for staff (no JavaScript, no CDN): horizontal bars with their numbers written out, so
the chart reads without colour and screen readers get a title and a text equivalent."""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

ROW = 26
LABEL_W = 110
BAR_W = 300
VALUE_W = 130


def bar_chart(*, title: str, rows: list[tuple[str, float | Decimal, str]], max_value=None, css_id: str = "") -> str:
    """rows: (label, value, text shown after the bar). Bars scale to `max_value` (default: the largest value)."""
    top = max_value if max_value is not None else max([float(v) for _, v, _ in rows] or [0])
    top = float(top) or 1.0
    height = ROW * max(len(rows), 1) + 8
    width = LABEL_W + BAR_W + VALUE_W
    bars = format_html_join(
        "", '<g transform="translate(0,{})"><text x="{}" y="17" text-anchor="end">{}</text>'
            '<rect x="{}" y="4" width="{}" height="16" rx="2" class="bar-fill"></rect>'
            '<text x="{}" y="17">{}</text></g>',
        ((i * ROW + 4, LABEL_W - 6, label, LABEL_W, f"{BAR_W * float(value) / top:.1f}",
          LABEL_W + 6 + BAR_W * float(value) / top, text) for i, (label, value, text) in enumerate(rows)))
    return format_html(
        '<figure class="svg-chart"{}><figcaption>{}</figcaption>'
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'width="{}" font-size="13">'
        '<title>{}</title>{}</svg></figure>',
        mark_safe(f' id="{css_id}"') if css_id else "", title, title, width, height, width, title, bars)


def distribution_chart(dist: dict) -> str:
    rows = [(label, n, f"{n} 人") for label, n in dist["bins"]]
    if dist["absent"]:
        rows.append(("缺考/缺席", dist["absent"], f"{dist['absent']} 人"))
    return bar_chart(title=f"{dist['label']}得分分布（共 {dist['total']} 人）", rows=rows,
                     css_id=f"chart-{dist['stage']}")


def pass_rate_chart(title: str, rows: list[dict], css_id: str) -> str:
    return bar_chart(title=title, max_value=100, css_id=css_id,
                     rows=[(r["label"], r["rate"], f"{r['rate']}%（{r['passed']}/{r['total']}）") for r in rows])
