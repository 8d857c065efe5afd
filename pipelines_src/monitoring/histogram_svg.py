"""A feature's reference-versus-current histogram as inline SVG: written by hand, so the
report needs no plotting library in the monitoring image and opens offline."""

from __future__ import annotations

import html

from pipelines_src.monitoring.histograms import FeatureHistogram

WIDTH, HEIGHT = 460, 190
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 24, 62
REFERENCE_COLOUR, CURRENT_COLOUR = "#8c8c8c", "#dd8452"
LABEL_CHARACTERS = 14


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "\u2026"


def histogram_svg(histogram: FeatureHistogram, psi: float) -> str:
    """Paired bars per bin (reference grey, current orange) on a shared share-of-rows axis; each
    bar's tooltip gives its bin and share; bin labels are shortened below the axis."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max(max(histogram.reference, default=0.0), max(histogram.current, default=0.0)) or 1.0
    slot = plot_width / max(len(histogram.bins), 1)
    bar = slot * 0.4
    parts = [
        f'<svg class="histogram" data-feature="{html.escape(histogram.feature)}" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{html.escape(histogram.feature)}: reference and current distribution">',
        f'<text x="{LEFT}" y="14" font-size="12" font-weight="bold">{html.escape(histogram.feature)}'
        f'<tspan font-weight="normal"> (PSI {psi:.3f})</tspan></text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_height}" x2="{LEFT + plot_width}" y2="{TOP + plot_height}" stroke="#444"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" font-size="9" text-anchor="end">{top:.0%}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_height}" font-size="9" text-anchor="end">0%</text>',
    ]
    for index, (name, reference, current) in enumerate(zip(histogram.bins, histogram.reference, histogram.current)):
        x = LEFT + index * slot + slot * 0.1
        for offset, share, colour, source in ((0.0, reference, REFERENCE_COLOUR, "reference"), (bar, current, CURRENT_COLOUR, "current")):
            height = plot_height * share / top
            parts.append(
                f'<rect class="{source}" x="{x + offset:.1f}" y="{TOP + plot_height - height:.1f}" width="{bar:.1f}" '
                f'height="{height:.1f}" fill="{colour}"><title>{html.escape(name)}: {source} {share:.1%}</title></rect>'
            )
        centre = x + bar
        parts.append(
            f'<text x="{centre:.1f}" y="{TOP + plot_height + 10}" font-size="8" text-anchor="end" '
            f'transform="rotate(-40 {centre:.1f} {TOP + plot_height + 10})">{html.escape(_label(name))}</text>'
        )
    parts.append(
        f'<rect x="{WIDTH - 150}" y="5" width="9" height="9" fill="{REFERENCE_COLOUR}"/>'
        f'<text x="{WIDTH - 138}" y="13" font-size="9">reference</text>'
        f'<rect x="{WIDTH - 85}" y="5" width="9" height="9" fill="{CURRENT_COLOUR}"/>'
        f'<text x="{WIDTH - 73}" y="13" font-size="9">current</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
