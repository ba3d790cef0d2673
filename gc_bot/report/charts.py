"""Chart geometry for the reports: plain numbers the templates draw as inline SVG."""

from __future__ import annotations

from dataclasses import dataclass

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
TOTAL_COLOUR = "#222222"
MAX_SERIES = len(PALETTE)


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    points: str  # "x,y x,y ..." for an SVG polyline
    last: int
    width: float = 2.0


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    bottom: int
    top: int
    maximum: int
    series: tuple[Series, ...]
    labels: tuple[tuple[float, str], ...]  # x position, text


def line_chart(
    named: dict[str, list[int | None]], total: list[int], days: list[str], width: int = 1000
) -> LineChart:
    """Findings per run: the total and the principles with the most findings lately."""
    height, left, right, top, bottom = 240, 44, 48, 16, 206
    maximum = max([1, *total, *(v for values in named.values() for v in values if v is not None)])
    step = (width - left - right) / max(1, len(total) - 1)

    def polyline(values: list[int | None]) -> str:
        return " ".join(
            f"{left + i * step:.1f},{bottom - (bottom - top) * v / maximum:.1f}"
            for i, v in enumerate(values)
            if v is not None
        )

    shown = [n for n in named if any(named[n])]  # a principle that never found anything: no line
    ranked = sorted(shown, key=lambda n: (-_latest(named[n]), -max(v or 0 for v in named[n]), n))
    ranked = ranked[:MAX_SERIES]
    series = [
        Series("all findings", TOTAL_COLOUR, polyline(list(total)), total[-1] if total else 0, 3.0)
    ]
    series += [
        Series(name, PALETTE[i], polyline(named[name]), _latest(named[name]))
        for i, name in enumerate(ranked)
    ]
    every = max(1, len(days) // 6)
    labels = tuple((left + i * step, day) for i, day in enumerate(days) if i % every == 0)
    return LineChart(width, height, left, bottom, top, maximum, tuple(series), labels)


def _latest(values: list[int | None]) -> int:
    known = [v for v in values if v is not None]
    return known[-1] if known else 0


@dataclass(frozen=True)
class Bar:
    principle: str
    accepted: float  # widths in pixels
    rejected: float
    pending: float
    label: str


def acceptance_bars(rows: list[tuple[str, int, int, int]], width: int = 360) -> tuple[Bar, ...]:
    """One stacked bar per principle (accepted, rejected, pending), scaled to the largest."""
    most = max([1, *(a + r + p for _, a, r, p in rows)])
    bars = []
    for principle, accepted, rejected, pending in rows:
        decided = accepted + rejected
        rate = f"{accepted / decided:.0%} of {decided}" if decided else f"{pending} waiting"
        bars.append(
            Bar(
                principle,
                width * accepted / most,
                width * rejected / most,
                width * pending / most,
                rate,
            )
        )
    return tuple(bars)
