"""A Comparison as one self-contained HTML file (inline CSS, charts as inline SVG).

No scripts, fonts, images or network references. Every text that comes from data goes through `html.escape`."""
from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from tokcost.comparison.analysis import CIRCLE_TOKENS, Comparison
from tokcost.comparison.markdown import Section, sections, tokens

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac")
WIDTH, LEFT, RIGHT = 1100, 150, 60
CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1160px}
h1{font-size:24px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-size:12px}th,td{border:1px solid #ddd;padding:3px 6px}
th{background:#f4f4f4;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#555;font-style:italic}.panels{display:flex;flex-wrap:wrap;gap:8px}svg{background:#fff}
svg text{font:11px system-ui,sans-serif;fill:#222}
"""


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def _num(x: float) -> str:
    return f"{x:.1f}"


def _ticks(top: float, low: float = 0.0, count: int = 6) -> list[float]:
    raw = (top - low) / count
    step = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(s * step for s in (1, 2, 5, 10) if s * step >= raw)
    return [i * step for i in range(math.ceil(low / step), math.floor(top / step) + 1)]


def bar_chart(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
              refs: Sequence[tuple[float, str]] = ()) -> str:
    """Horizontal grouped bars: one group per category, one bar per series, dashed reference lines."""
    bar, gap, top = 6, 8, 40 + 16 * math.ceil(len(series) / 4)
    group = bar * len(series) + gap
    height = top + group * len(categories) + 30
    vmax = max([v for _, vs in series for v in vs if v is not None] + [r for r, _ in refs] + [1e-9]) * 1.08
    scale = (WIDTH - LEFT - RIGHT) / vmax
    out = [f'<svg width="{WIDTH}" height="{height}" role="img" aria-label="{esc(title)}">',
           f'<text x="0" y="16" style="font-size:14px;font-weight:600">{esc(title)}</text>']
    for i, (name, _) in enumerate(series):
        x, y = LEFT + (i % 4) * 230, 30 + 16 * (i // 4)
        out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                   f'<text x="{x + 14}" y="{y + 9}">{esc(name)}</text>')
    bottom = top + group * len(categories)
    for t in _ticks(vmax):
        x = LEFT + t * scale
        out.append(f'<line x1="{_num(x)}" y1="{top - 4}" x2="{_num(x)}" y2="{bottom}" stroke="#eee"/>'
                   f'<text x="{_num(x)}" y="{bottom + 14}" text-anchor="middle">{t:g}</text>')
    for c, cat in enumerate(categories):
        y0 = top + c * group
        out.append(f'<text x="{LEFT - 6}" y="{y0 + group / 2}" text-anchor="end">{esc(cat)}</text>')
        for i, (name, values) in enumerate(series):
            v = values[c]
            if v is not None:
                out.append(f'<rect x="{LEFT}" y="{y0 + i * bar}" width="{_num(max(v * scale, 0.5))}" '
                           f'height="{bar - 1}" fill="{PALETTE[i % len(PALETTE)]}">'
                           f'<title>{esc(cat)}, {esc(name)}: {v:.3f}</title></rect>')
    for value, label in refs:
        x = LEFT + value * scale
        out.append(f'<line x1="{_num(x)}" y1="{top - 4}" x2="{_num(x)}" y2="{bottom}" stroke="#222" '
                   f'stroke-dasharray="4 3"/><text x="{_num(x + 3)}" y="{top - 6}">{esc(label)}</text>')
    return "\n".join(out + ["</svg>"])


def error_panel(rule: str, categories: Sequence[str], errors: Sequence[float | None], limit: float) -> str:
    """Diverging bars of a rule's mean signed error (%) per tokenizer, zero in the middle."""
    width, left, row, top = 540, 120, 16, 30
    height = top + row * len(categories) + 24
    mid = left + (width - left - 56) / 2
    scale = (width - left - 64) / 2 / limit
    out = [f'<svg width="{width}" height="{height}" role="img" aria-label="{esc(rule)} error">',
           (f'<text x="0" y="16" style="font-size:13px;font-weight:600">'
            f'{esc(rule)}: (predicted - measured) / measured</text>')]
    bottom = top + row * len(categories)
    for t in _ticks(limit, -limit, 4):
        x = mid + t * scale
        stroke = "#888" if t == 0 else "#eee"
        out.append(f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{bottom}" stroke="{stroke}"/>'
                   f'<text x="{_num(x)}" y="{bottom + 14}" text-anchor="middle">{t:+g}%</text>')
    for i, (cat, e) in enumerate(zip(categories, errors, strict=True)):
        y = top + i * row
        out.append(f'<text x="{left - 6}" y="{y + 11}" text-anchor="end">{esc(cat)}</text>')
        if e is None:
            continue
        x, w = (mid, e * scale) if e >= 0 else (mid + e * scale, -e * scale)
        out.append(f'<rect x="{_num(x)}" y="{y + 2}" width="{_num(max(w, 0.5))}" height="{row - 4}" '
                   f'fill="{"#4e79a7" if e >= 0 else "#e15759"}"><title>{esc(cat)}: {e:+.2f}%</title></rect>'
                   f'<text x="{width - 2}" y="{y + 11}" text-anchor="end">{e:+.1f}%</text>')
    return "\n".join(out + ["</svg>"])


def circles_chart(comp: Comparison) -> str:
    """One row per model, one circle per 10,000 tokens 1 CNY buys (a part circle by area for the rest)."""
    per_line, step, r, left = 70, 13, 5, 190
    rows, y = [], 56
    for b in comp.buys:
        n = b.circles
        lines = 1 if n is None else max(1, math.ceil(n / per_line))
        label = tokens(b.tokens) + ("" if b.tokens is None else " tokens")
        rows.append(f'<text x="0" y="{y + 4}" style="font-weight:600">{esc(b.label)}</text>'
                    f'<text x="0" y="{y + 17}" style="fill:#666">{esc(label)}</text>')
        whole = 0 if n is None else int(n)
        for k in range(whole + (1 if n is not None and n - whole > 0.005 else 0)):
            radius = r if k < whole else r * math.sqrt(n - whole)
            cx, cy = left + (k % per_line) * step, y + (k // per_line) * step
            rows.append(f'<circle cx="{cx}" cy="{cy}" r="{radius:.2f}" fill="#f28e2b"/>')
        y += max(lines * step, 24) + 10
    head = (f'<svg width="{WIDTH}" height="{y}" role="img" '
            f'aria-label="tokens 1 CNY buys"><text x="0" y="16" style="font-size:14px;font-weight:600">'
            f'How many tokens does 1 CNY buy? One circle = {CIRCLE_TOKENS:,} tokens</text>'
            f'<text x="0" y="34" style="fill:#555">average of input and output price; USD converted at '
            f'{esc(comp.fx.short())}</text>')
    return "\n".join([head, *rows, "</svg>"])


def table(s: Section) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in s.columns)
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i >= s.numeric else ""}>{esc(v)}</td>'
                                    for i, v in enumerate(row)) + "</tr>" for row in s.rows)
    note = f'<p class="note">{esc(s.note)}</p>' if s.note else ""
    return f"{note}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def charts(comp: Comparison) -> list[str]:
    tok = list(comp.tokenizers)
    out = [bar_chart("Characters per token", tok, [(c.name, [c.ratios(t)["chars_per_token"] for t in tok])
                                                  for c in comp.corpora], [(4.0, "rule: 4 chars (English)")])]
    zh = [c for c in comp.corpora if c.language == "zh"]
    if zh:
        out.append(bar_chart("Chinese characters (han) per token", tok,
                             [(c.name, [c.ratios(t)["han_per_token"] for t in tok]) for c in zh],
                             [(1.45, "rule: 1.45 (000)"), (0.8, "rule: 0.8 (003)")]))
    if comp.fits:
        limit = max([abs(v) for f in comp.fits for v in f.mean_error_pct.values()] + [1.0]) * 1.15
        panels = [error_panel(f.rule, tok, [f.mean_error_pct.get(t) for t in tok], limit) for f in comp.fits]
        out.append('<div class="panels">' + "\n".join(panels) + "</div>")
    if comp.buys:
        out.append(circles_chart(comp))
    return out


def html_report(comp: Comparison) -> str:
    corpora = ", ".join(f"{c.name} ({c.language}, {c.chars:,} chars)" for c in comp.corpora)
    parts = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>tokcost compare</title><style>{CSS}</style></head><body>", "<h1>tokcost compare</h1>",
             (f"<p>{len(comp.corpora)} corpora x {len(comp.tokenizers)} tokenizers, {len(comp.models)} models; "
              f"counted in {comp.seconds:.1f} s. Corpora: {esc(corpora)}.</p>"), "<h2>Charts</h2>", *charts(comp)]
    for s in sections(comp):
        block = f"<h2>{esc(s.title)}</h2>{table(s)}"
        parts.append(f"<details><summary>{esc(s.title)}</summary>{table(s)}</details>" if s.detail else block)
    parts += ["<h2>Notes</h2><ul>", *(f"<li>{esc(n)}</li>" for n in comp.notes), "</ul>"]
    if comp.errors:
        parts += ["<h2>Inputs not counted</h2><ul>",
                  *(f"<li>{esc(e.path)}: {esc(e.message)}</li>" for e in comp.errors), "</ul>"]
    return "\n".join(parts + ["</body></html>\n"])
