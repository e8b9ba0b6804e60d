"""Charts as SVG drawn by the server: no chart library, nothing from the internet, and a page,
a PDF or a spreadsheet viewer shows them alike."""

from xml.sax.saxutils import escape

WIDTH, HEIGHT = 720, 260
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 40, 28, 36
BAR_COLOR = "#1565c0"  # the console's blue: 5.9:1 on white


def bar_chart(values: list[int], labels: list[str], title: str, description: str) -> str:
    """Vertical bars, one per value, labelled below, the count above each bar that has one.
    `title` and `description` are read by screen readers (role="img")."""
    top = max(values, default=0) or 1
    plot_width = WIDTH - MARGIN_LEFT - 8
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    step = plot_width / max(len(values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="chart-title chart-desc" font-family="sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
        f'<text x="{MARGIN_LEFT}" y="20" font-size="15" font-weight="bold" fill="#1a1a1a">{escape(title)}</text>',
        f'<line x1="{MARGIN_LEFT}" y1="{HEIGHT - MARGIN_BOTTOM}" x2="{WIDTH - 8}" y2="{HEIGHT - MARGIN_BOTTOM}" stroke="#555"/>',
    ]
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        x = MARGIN_LEFT + index * step
        height = plot_height * value / top
        y = HEIGHT - MARGIN_BOTTOM - height
        parts.append(
            f'<rect class="bar" data-value="{value}" x="{x + step * 0.15:.1f}" y="{y:.1f}" '
            f'width="{step * 0.7:.1f}" height="{height:.1f}" fill="{BAR_COLOR}"/>'
        )
        if value:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="#1a1a1a">{value}</text>')
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle" fill="#333">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
