"""Accessible charts rendered on the server as inline SVG, no JavaScript.

Each chart is an `<svg role="img" aria-labelledby=...>` with a `<title>` and a `<desc>` that
says what it shows in words, plus a companion HTML `<table>` with the same numbers (the
accessible, copyable form; pages can show it below the chart or behind a <details>). Every
text that goes in is escaped.

    chart = bar_chart(title="Attendance", description="...", labels=[...],
                      series=[Series("Attended", [4, 6, 5])])
    chart.svg, chart.table, chart.html  # SafeStrings for templates
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from sessions_app.models import SessionFeedback

WIDTH, HEIGHT = 640, 280
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 12, 16, 48
# Colour-blind-safe (Okabe-Ito); lines after the first are also dashed, and the data table
# carries the exact numbers, so nothing depends on telling colours apart.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]  # None: no data for that label (a gap)


@dataclass(frozen=True)
class Chart:
    svg: SafeString
    table: SafeString

    @property
    def html(self) -> SafeString:
        """The figure: the SVG and its data table in one <figure>."""
        return format_html('<figure class="chart">{}{}</figure>', self.svg, self.table)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def _fmt(value) -> str:
    if value is None:
        return "no data"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if step * 4 >= value:
            return step * 4
    return float(value)


def _validate(labels: Sequence[str], series: Sequence[Series]) -> None:
    if not series:
        raise ValueError("A chart needs at least one series.")
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(
                f"Series {s.name!r} has {len(s.values)} values for {len(labels)} labels."
            )
        for v in s.values:
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v < 0):
                raise ValueError(f"Series {s.name!r}: values must be numbers >= 0 or None.")


def data_table(
    *, caption: str, labels: Sequence[str], series: Sequence[Series], label_heading: str = ""
) -> SafeString:
    """The numbers behind a chart as an HTML table (one row per label, a column per series)."""
    head = format_html_join("", '<th scope="col">{}</th>', ((s.name,) for s in series))
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (
                label,
                format_html_join("", "<td>{}</td>", ((_fmt(s.values[i]),) for s in series)),
            )
            for i, label in enumerate(labels)
        ),
    )
    return format_html(
        '<table class="chart-data"><caption>{}</caption><thead><tr><th scope="col">{}</th>{}'
        "</tr></thead><tbody>{}</tbody></table>",
        caption,
        label_heading,
        head,
        rows,
    )


def _frame(
    *, chart_id: str, title: str, description: str, y_max: float, labels: Sequence[str]
) -> tuple[list[str], float, float]:
    """Axes, grid lines and x labels; returns the SVG parts, the plot width and height."""
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" class="chart-svg" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for i in range(5):
        value = y_max * i / 4
        y = MARGIN_TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#767676" stroke-width="{1 if i == 0 else 0.5}" aria-hidden="true"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#333" aria-hidden="true">{_fmt(float(value))}</text>'
        )
    slot = plot_w / max(len(labels), 1)
    every = max(1, len(labels) // 12)  # at most ~12 readable x labels
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = MARGIN_LEFT + slot * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="#333" aria-hidden="true">{escape(label)}</text>'
        )
    return parts, plot_w, plot_h


def _legend(series: Sequence[Series]) -> list[str]:
    parts = []
    for k, s in enumerate(series):
        x = MARGIN_LEFT + k * 150
        y = HEIGHT - 14
        colour = COLOURS[k % len(COLOURS)]
        parts.append(
            f'<g aria-hidden="true"><rect x="{x}" y="{y - 9}" width="10" height="10" '
            f'fill="{colour}"/><text x="{x + 14}" y="{y}" font-size="11" fill="#333">'
            f"{escape(s.name)}</text></g>"
        )
    return parts


def bar_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_max: float | None = None,
    label_heading: str = "",
) -> Chart:
    """Grouped bars, one group per label. Each bar has its own <title> (tooltip / screen
    reader text: "series, label: value")."""
    _validate(labels, series)
    top = y_max or _nice_max(max((v for s in series for v in s.values if v is not None), default=0))
    chart_id = f"chart-{_slug(title)}"
    parts, plot_w, plot_h = _frame(
        chart_id=chart_id, title=title, description=description, y_max=top, labels=labels
    )
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.8 / len(series)
    for k, s in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        for i, value in enumerate(s.values):
            if value is None:
                continue
            h = plot_h * min(value, top) / top
            x = MARGIN_LEFT + slot * i + slot * 0.1 + bar_w * k
            y = MARGIN_TOP + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(s.name)}, {escape(labels[i])}: {_fmt(value)}'
                "</title></rect>"
            )
    parts += _legend(series)
    parts.append("</svg>")
    table = data_table(caption=title, labels=labels, series=series, label_heading=label_heading)
    return Chart(svg=mark_safe("".join(parts)), table=table)  # noqa: S308 - every input escaped


def line_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_max: float | None = None,
    label_heading: str = "",
) -> Chart:
    """Lines with a marker per point; a None value breaks the line (no data that week)."""
    _validate(labels, series)
    top = y_max or _nice_max(max((v for s in series for v in s.values if v is not None), default=0))
    chart_id = f"chart-{_slug(title)}"
    parts, plot_w, plot_h = _frame(
        chart_id=chart_id, title=title, description=description, y_max=top, labels=labels
    )
    slot = plot_w / max(len(labels), 1)
    for k, s in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        dash = "" if k == 0 else ' stroke-dasharray="6 3"'
        segment: list[str] = []
        points = []
        for i, value in enumerate(s.values):
            if value is None:
                if len(segment) > 1:
                    points.append(segment)
                segment = []
                continue
            x = MARGIN_LEFT + slot * (i + 0.5)
            y = MARGIN_TOP + plot_h - plot_h * min(value, top) / top
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"><title>'
                f"{escape(s.name)}, {escape(labels[i])}: {_fmt(value)}</title></circle>"
            )
        if len(segment) > 1:
            points.append(segment)
        for segment in points:
            parts.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash} aria-hidden="true"/>'
            )
    parts += _legend(series)
    parts.append("</svg>")
    table = data_table(caption=title, labels=labels, series=series, label_heading=label_heading)
    return Chart(svg=mark_safe("".join(parts)), table=table)  # noqa: S308 - every input escaped


def attendance_charts(series_rows: Sequence[dict], *, tz, group_name: str = "") -> list[Chart]:
    """The dashboard's charts from `selectors.group_attendance_series`: attendance per session,
    and check-in mood per session when any mood data exists. `group_name` goes into the titles
    (and so the SVG ids), so several groups' charts can share a page."""
    suffix = f": {group_name}" if group_name else ""
    labels = [row["start"].astimezone(tz).strftime("%d %b") for row in series_rows]
    charts = [
        bar_chart(
            title=f"Attendance per session{suffix}",
            description=(
                f"Going, attended and no-show counts for the last {len(series_rows)} sessions, "
                "oldest first. The table below has the numbers."
            ),
            labels=labels,
            series=[
                Series("Going", [r["going"] for r in series_rows]),
                Series("Attended", [r["attended"] for r in series_rows]),
                Series("No-show", [r["no_show"] for r in series_rows]),
            ],
            label_heading="Session",
        )
    ]
    if any(r["mood_start"] is not None or r["mood_end"] is not None for r in series_rows):
        charts.append(
            line_chart(
                title=f"Check-in mood per session{suffix}",
                description=(
                    "Average check-in mood from 1 (low) to 5 (good) at the start and the end "
                    "of each session, oldest first. Gaps are sessions without check-ins."
                ),
                labels=labels,
                series=[
                    Series("Start", [r["mood_start"] for r in series_rows]),
                    Series("End", [r["mood_end"] for r in series_rows]),
                ],
                y_max=5,
                label_heading="Session",
            )
        )
    return charts


def feedback_chart(series_rows: Sequence[dict], *, tz, group_name: str = "") -> Chart:
    """The dashboard's feedback chart from `selectors.group_feedback_series`: how many people
    found each session helpful, somewhat, or not really (the table has the numbers)."""
    title = _("Was it helpful? Answers per session")
    if group_name:
        title = f"{title}: {group_name}"
    return bar_chart(
        title=title,
        description=_(
            "Answers of the people who were there, for the sessions of the last 12 weeks that "
            "have any, oldest first. The table has the numbers."
        ),
        labels=[row["start"].astimezone(tz).strftime("%d %b") for row in series_rows],
        series=[
            Series(str(choice.label), [row[choice.value] for row in series_rows])
            for choice in SessionFeedback.Helpful
        ],
        label_heading=_("Session"),
    )
