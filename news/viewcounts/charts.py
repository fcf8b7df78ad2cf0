"""Small server-rendered SVG charts for the editors' statistics (no scripts, no external files)."""

from django.utils.html import format_html, format_html_join


def bar_chart(points, *, width=640, height=180, label=""):
    """An SVG bar chart of ``points`` [(date, value)], with the largest value and dates marked."""
    points = list(points)
    if not points:
        return ""
    top = max((value for _day, value in points), default=0) or 1
    left, bottom, right, upper = 36, 22, 8, 14
    plot_w, plot_h = width - left - right, height - bottom - upper
    step = plot_w / len(points)
    bar_w = max(step * 0.7, 1)
    bars = []
    for index, (day, value) in enumerate(points):
        bar_h = plot_h * value / top
        x = left + index * step + (step - bar_w) / 2
        y = upper + plot_h - bar_h
        bars.append((f"{x:.1f}", f"{y:.1f}", f"{bar_w:.1f}", f"{bar_h:.1f}", f"{day:%m-%d}: {value}"))
    # format_html escapes its arguments into strings first, so dates are formatted here.
    first, last = f"{points[0][0]:%m-%d}", f"{points[-1][0]:%m-%d}"
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>'
        '<text x="{}" y="{}" text-anchor="end" fill="#555">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" fill="#555">0</text>'
        "{}"
        '<text x="{}" y="{}" fill="#555">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" fill="#555">{}</text>'
        "</svg>",
        label,
        width,
        height,
        width,
        height,
        left,
        upper + plot_h,
        width - right,
        upper + plot_h,
        left - 4,
        upper + 8,
        top,
        left - 4,
        upper + plot_h,
        format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#b3121b"><title>{}</title></rect>',
            bars,
        ),
        left,
        height - 6,
        first,
        width - right,
        height - 6,
        last,
    )
