"""The soak's report: the per-second samples as CSV, the self-drawn SVG plot, and the end-of-run summary table.

Owns: what one sample holds (`Sample`, PANE_FIELDS per pane) and its CSV row (`csv_header`, `Sample.row`), the
least-squares RSS slope (`slope_per_minute`), the plot (`render_svg`: page bytes and OS-tagged bytes against
limit x panes; RSS with the warm-up boundary and the fitted line) and the summary (`summary`, a Markdown table
of a `SoakResult`). Sizes in the plot and the summary are in MB (MB = 10^6 bytes).

Invariants: pure: no I/O, nothing kept between calls; the same samples always give the same text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mux.soak.linecheck import LineCheck

if TYPE_CHECKING:
    from mux.soak import SoakResult

__all__ = ["MB", "PANE_FIELDS", "Sample", "csv_header", "render_svg", "slope_per_minute", "summary"]

MB = 1_000_000


# ---------------------------------------------------------------------------------------------- the CSV


def slope_per_minute(ts: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over ts (seconds), per minute. 0 for fewer than two distinct times."""
    n = len(ts)
    if n < 2:
        return 0.0
    mt, my = sum(ts) / n, sum(ys) / n
    var = sum((t - mt) ** 2 for t in ts)
    if var == 0:
        return 0.0
    return sum((t - mt) * (y - my) for t, y in zip(ts, ys, strict=True)) / var * 60.0


PANE_FIELDS = ("bytes", "peak_bytes", "pages", "history_rows", "oversized_live", "oversized_allocated",
               "oversized_freed", "prunes", "reused", "cold_pages", "cold_bytes", "cold_raw_bytes", "bytes_read")


@dataclass(slots=True)
class Sample:
    t: float
    rss: int | None
    tagged: int | None
    accounted: int
    page_bytes: int
    limit_total: int
    panes: list[dict[str, int]]        # per-pane figures: written to the CSV, not kept in `Soak.samples`

    def row(self) -> list[object]:
        out: list[object] = [f"{self.t:.2f}", "" if self.rss is None else self.rss,
                             "" if self.tagged is None else self.tagged, self.accounted, self.page_bytes,
                             self.limit_total]
        for pane in self.panes:
            out.extend(pane[name] for name in PANE_FIELDS)
        return out


def csv_header(panes: int) -> list[str]:
    head = ["t_s", "rss_bytes", "os_tagged_bytes", "accounted_bytes", "page_bytes_total", "limit_bytes_total"]
    for p in range(1, panes + 1):
        head.extend(f"p{p}_{name}" for name in PANE_FIELDS)
    return head


# ---------------------------------------------------------------------------------------------- the plot


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_svg(samples: list[Sample], *, title: str, warmup_s: float, fit: tuple[float, float] | None) -> str:
    """Two panels over time: total page bytes (and OS-tagged bytes) against limit x panes; RSS, with the warm-up
    boundary and the fitted RSS line. `fit` is (slope per second, intercept) of RSS in bytes."""
    width, height = 960, 700
    left, right = 90, 30
    panels = [(70, 330), (410, 670)]
    tmax = max([s.t for s in samples] + [1.0])
    plot_w = width - left - right
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="16">{_esc(title)}</text>']

    def x_of(t: float) -> float:
        return left + plot_w * t / tmax

    def panel(top: int, bottom: int, label: str, series: list[tuple[str, str, str, list[tuple[float, float]]]],
              lo: float, hi: float) -> None:
        if hi <= lo:
            hi = lo + 1
        span = hi - lo

        def y_of(v: float) -> float:
            return bottom - (bottom - top) * (v - lo) / span

        out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{bottom - top}" fill="none" '
                   f'stroke="#888"/>')
        for tick in _nice_ticks(lo, hi):
            y = y_of(tick)
            out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick / MB:g}</text>')
        for tick in _nice_ticks(0, tmax / 60):
            x = x_of(tick * 60)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="#888"/>')
            out.append(f'<text x="{x:.1f}" y="{bottom + 17}" text-anchor="middle">{tick:g}</text>')
        out.append(f'<text x="{left + plot_w / 2}" y="{bottom + 32}" text-anchor="middle">minutes</text>')
        out.append(f'<text x="20" y="{(top + bottom) / 2}" text-anchor="middle" '
                   f'transform="rotate(-90 20 {(top + bottom) / 2})">{_esc(label)}</text>')
        lx = left + 10
        for name, colour, dash, points in series:
            if points:
                path = " ".join(f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in points)
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                           f'{f"stroke-dasharray={chr(34)}{dash}{chr(34)} " if dash else ""}points="{path}"/>')
            out.append(f'<line x1="{lx}" x2="{lx + 24}" y1="{top - 10}" y2="{top - 10}" stroke="{colour}" '
                       f'stroke-width="2"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
            out.append(f'<text x="{lx + 30}" y="{top - 6}">{_esc(name)}</text>')
            lx += 30 + 7 * len(name) + 30

    pages = [(s.t, float(s.page_bytes)) for s in samples]
    tagged = [(s.t, float(s.tagged)) for s in samples if s.tagged is not None]
    limit = [(s.t, float(s.limit_total)) for s in samples]
    hi = max([v for _, v in pages + tagged + limit] + [1.0]) * 1.1
    panel(*panels[0], "page bytes (MB)", [("page bytes, all panes", "#1f6fd1", "", pages),
                                          ("OS-tagged bytes (pages + pool free lists)", "#2ca02c", "", tagged),
                                          ("limit x panes", "#d62728", "6,4", limit)], 0.0, hi)
    rss = [(s.t, float(s.rss)) for s in samples if s.rss is not None]
    series = [("RSS of the soak process", "#7b3fb5", "", rss)]
    if fit is not None:
        fitted = [(t, fit[0] * t + fit[1]) for t in (warmup_s, tmax)]
        series.append(("least-squares fit after warm-up", "#ff7f0e", "6,4", fitted))
    values = [v for _, v in rss] or [0.0]
    lo, hi = min(values), max(values)
    pad = max((hi - lo) * 0.2, 2 * MB)
    panel(*panels[1], "RSS (MB)", series, max(0.0, lo - pad), hi + pad)
    x = x_of(warmup_s)
    out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{panels[1][0]}" y2="{panels[1][1]}" stroke="#999" '
               f'stroke-dasharray="2,3"/>')
    out.append(f'<text x="{x + 4:.1f}" y="{panels[1][0] + 14}" fill="#666">end of warm-up</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------- the summary


def _mb(value: int | float | None) -> str:
    return "n/a" if value is None else f"{value / MB:,.1f} MB"


def summary(result: SoakResult) -> str:
    o = result.options
    s0 = result.samples[0] if result.samples else None
    s1 = result.samples[-1] if result.samples else None
    panes = result.panes
    fig = [sp.figures for sp in panes if sp.figures]
    total = {k: sum(f.get(k, 0) for f in fig) for k in ("oversized_allocated", "oversized_freed", "oversized_live",
                                                         "prunes", "reused", "bytes_read")}
    peak = max(fig, key=lambda f: f["peak_bytes"] / f["limit_bytes"]) if fig else None
    limit = min(o.max_slope_mb, o.max_slope_pct / 100 * result.mean_rss / MB) if result.mean_rss else o.max_slope_mb
    checked = sum(sp.check.checked for sp in panes if sp.check)
    lost = sum(sp.check.lost for sp in panes if sp.check)
    extra = sum(sp.check.extra for sp in panes if sp.check)
    pct = result.slope_mb_per_min / (result.mean_rss / MB) * 100 if result.mean_rss else 0.0
    lines = [
        "",
        "| figure | value |",
        "|---|---:|",
        f"| run time | {result.elapsed:.0f} s ({o.panes} panes {o.cols}x{o.rows}, {o.rate:g} KiB/s each, "
        f"streams of {o.stream_seconds:g} s) |",
        f"| samples | {len(result.samples)} |",
        f"| RSS start / end / after close | {_mb(s0.rss if s0 else None)} / {_mb(s1.rss if s1 else None)} / "
        f"{_mb(result.rss_after_close)} |",
        f"| RSS slope after a warm-up of {result.warmup_s:.0f} s | {result.slope_mb_per_min:+.3f} MB/min "
        f"({pct:+.2f}% of the mean per min) over {result.slope_samples} samples; limit {limit:.3f} MB/min |",
        "| peak page bytes vs limit (worst pane) | " + (
            f"{peak['peak_bytes']:,} vs {peak['limit_bytes']:,} ({peak['peak_bytes'] / peak['limit_bytes']:.2f}x) |"
            if peak else "n/a |"),
        f"| page bytes at end, all panes / limit x panes | {s1.page_bytes if s1 else 0:,} / "
        f"{s1.limit_total if s1 else 0:,} |",
        f"| oversized allocated / freed / live at end | {total['oversized_allocated']:,} / "
        f"{total['oversized_freed']:,} / {total['oversized_live']:,} |",
        f"| prunes / reused in place | {total['prunes']:,} / {total['reused']:,} |",
        f"| accounted == OS-tagged at every sample | "
        f"{len(result.samples) - len(result.mismatched_samples)} of {len(result.samples)} |",
        f"| OS-tagged bytes after close (panes / whole process) | "
        f"{'n/a' if result.tagged_after_close is None else result.tagged_after_close} / "
        f"{'n/a' if result.process_tagged_after_close is None else result.process_tagged_after_close} |",
        f"| PTY bytes read | {total['bytes_read']:,} |",
        f"| committed lines checked / lost / unexpected | {checked:,} / {lost:,} / {extra:,} |",
        "",
        "| pane | runs | bytes read | peak / limit | oversized alloc / freed | prunes / reused | lines in pane | "
        "checked | lost | unexpected | exit |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for sp in panes:
        f = sp.figures
        c = sp.check or LineCheck()
        if not f:
            continue
        lines.append(f"| {sp.index} | {sp.runs} | {f['bytes_read']:,} | {f['peak_bytes']:,} / {f['limit_bytes']:,} | "
                     f"{f['oversized_allocated']:,} / {f['oversized_freed']:,} | {f['prunes']:,} / {f['reused']:,} | "
                     f"{sp.lines_in_pane:,} | {c.checked:,} | {c.lost:,} | {c.extra:,} | {sp.exit_status} |")
    lines.append("")
    lines.append(f"CSV: {result.csv_path}")
    lines.append(f"SVG: {result.svg_path}")
    for note in result.notes:
        lines.append(f"note: {note}")
    for failure in result.failures:
        lines.append(f"FAIL: {failure}")
    lines.append("PASS: every check passed" if result.ok else f"FAILED: {len(result.failures)} check(s)")
    return "\n".join(lines)
