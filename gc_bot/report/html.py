"""`gc-bot report --format html`: one self-contained page, charts as inline SVG.

Nothing is fetched when it is viewed (no script, font, stylesheet or image from elsewhere; a
Content-Security-Policy says so), so it can be attached to a run or mailed as it is.
"""

from __future__ import annotations

from gc_bot.report.charts import acceptance_bars, line_chart
from gc_bot.report.markdown import grade_scale, trend_text
from gc_bot.report.overview import WEIGHTS, Overview
from gc_bot.report.templates import environment


def render_html(overview: Overview) -> str:
    named = {p.principle: overview.trend(p.principle) for p in overview.principles}
    chart = line_chart(
        {k: v for k, v in named.items() if any(x is not None for x in v)},
        [run.findings for run in overview.runs],
        [run.day for run in overview.runs],
    )
    decided = [
        (r.principle, r.accepted, r.rejected, r.pending) for r in overview.principles if r.proposed
    ]
    return (
        environment(html=True)
        .get_template("report.html.j2")
        .render(
            o=overview,
            chart=chart,
            bars=acceptance_bars(decided),
            trends={p: trend_text(values) for p, values in named.items()},
            weights=WEIGHTS,
            scale=grade_scale(),
        )
    )
