"""The timeline picture of `make proof`: one lane per run, successes (green)
and failures (red) per second, and vertical markers for each step."""
from xml.sax.saxutils import escape

LANE_H = 120
WIDTH = 900
LEFT = 60
COLORS = {
    "new certificate": "#1f6feb",
    "trust store reloaded": "#8250df",
    "stage switched": "#d4a72c",
    "old certificate deleted": "#57606a",
    "switch refused by verify": "#cf222e",
    "aged": "#aaaaaa",
}


def _color(label):
    for k, c in COLORS.items():
        if label.startswith(k):
            return c
    return "#999999"


def timeline(runs):
    height = 40 + LANE_H * len(runs) + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        '<text x="10" y="20" font-size="14" font-weight="bold">Requests per second through '
        'API Gateway to nginx backends that verify the client certificate</text>',
    ]
    for n, run in enumerate(runs):
        top = 40 + n * LANE_H
        dur = max(1, int(run["end"] - run["start"]) + 1)
        ok = [0] * dur
        bad = [0] * dur
        for t, _, status in run["samples"]:
            i = min(dur - 1, max(0, int(t)))
            (ok if status == 200 else bad)[i] += 1
        peak = max(1, max(a + b for a, b in zip(ok, bad)))
        plot_w = WIDTH - LEFT - 20
        bw = plot_w / dur
        base = top + LANE_H - 30
        scale = (LANE_H - 50) / peak
        out.append(
            f'<text x="10" y="{top + 12}" font-weight="bold">{escape(run["label"])}: '
            f'{run["failures"]} failed of {run["requests"]}, longest outage '
            f'{run["longest_outage_s"]:.1f} s</text>'
        )
        out.append(f'<line x1="{LEFT}" y1="{base}" x2="{LEFT + plot_w}" y2="{base}" stroke="#333"/>')
        for i in range(dur):
            x = LEFT + i * bw
            h_ok, h_bad = ok[i] * scale, bad[i] * scale
            if h_ok:
                out.append(f'<rect x="{x:.1f}" y="{base - h_ok:.1f}" width="{bw * 0.9:.1f}" '
                           f'height="{h_ok:.1f}" fill="#2da44e"/>')
            if h_bad:
                out.append(f'<rect x="{x:.1f}" y="{base - h_ok - h_bad:.1f}" width="{bw * 0.9:.1f}" '
                           f'height="{h_bad:.1f}" fill="#cf222e"/>')
        for s in range(0, dur, 5):
            out.append(f'<text x="{LEFT + s * bw:.1f}" y="{base + 12}" fill="#555">{s}s</text>')
        for k, m in enumerate(run["markers"]):
            x = LEFT + m["t"] * bw
            c = _color(m["label"])
            out.append(f'<line x1="{x:.1f}" y1="{top + 18}" x2="{x:.1f}" y2="{base}" '
                       f'stroke="{c}" stroke-width="2" stroke-dasharray="4,2"/>')
            out.append(f'<text x="{x + 3:.1f}" y="{top + 28 + (k % 4) * 11}" fill="{c}">'
                       f'{escape(m["label"])}</text>')
    y = 40 + LANE_H * len(runs) + 20
    out.append(f'<rect x="{LEFT}" y="{y - 9}" width="10" height="10" fill="#2da44e"/>'
               f'<text x="{LEFT + 14}" y="{y}">succeeded</text>'
               f'<rect x="{LEFT + 90}" y="{y - 9}" width="10" height="10" fill="#cf222e"/>'
               f'<text x="{LEFT + 104}" y="{y}">failed</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
