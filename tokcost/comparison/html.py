"""A Comparison as one self-contained HTML file that leads with the answer.

Order: the Chinese cost card (ranked, findings computed from the data), a table of contents, each
tokenizer's pieces of two sample sentences, the rules of thumb read literally, characters per token,
the Chinese premium, costs per unit of text, what 1 CNY buys, the detail tables, notes, and a footer
(tokcost version, date, command line, catalog hash). Inline CSS, inline SVG and one small inline
script (click a column head to sort); no fonts, images or network references. Every text that comes
from data goes through `html.escape`. Works from 390 px wide (tables scroll inside their box).
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from tokcost.comparison.analysis import Comparison
from tokcost.comparison.card import PER, Card, card_money, cost_card
from tokcost.comparison.markdown import Section, sections
from tokcost.comparison.sources import humanize
from tokcost.pricing.money import show_money

# Marks on white need >= 3:1 contrast (WCAG 1.4.11); tests/test_report_html.py checks every colour.
PALETTE = ("#1f5fa8", "#c0392b", "#2e7d32", "#7b3fa0", "#a15000", "#00796b", "#5d4037", "#ad1457", "#455a64")
LANG_COLOUR = {"zh": "#c0392b", "en": "#1f5fa8", "code": "#2e7d32"}
# Token pieces: light fills under dark text (contrast of the text >= 7:1), told apart by their border too.
PIECES = ("#fde2b8", "#cfe8fc", "#d9f2d0", "#f6d5f0", "#e8e1fb")
CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:16px;color:#1d1d1d;
max-width:1180px}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:36px 0 8px;border-bottom:1px solid #ccc}
h3{font-size:16px;margin:18px 0 6px;overflow-wrap:anywhere}.sub{color:#444;margin:0 0 12px}
.box{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:6px 0;font-size:13px}th,td{border:1px solid #d4d4d4;padding:4px 7px}
th{background:#f1f1f1;text-align:left;cursor:pointer;vertical-align:bottom;min-width:4em}th[aria-sort]::after{content:" \\2195";color:#777}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{color:#444;font-size:13px}.findings{font-size:16px;padding-left:20px}.findings li{margin:4px 0}
#card{background:#fbfaf5;border:2px solid #1d1d1d;border-radius:8px;padding:4px 16px 12px;margin-top:14px}
#card h2{margin-top:8px;border:0}#card table{font-size:14px}#card th{white-space:normal;vertical-align:bottom}
.tag{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;border:1px solid}
.exact{color:#1b5e20;border-color:#1b5e20}.estimate{color:#8a4b00;border-color:#8a4b00}
nav ol{columns:2;font-size:14px;padding-left:22px}
.pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px}
.split{margin:3px 0;line-height:1.9}.split b{display:inline-block;min-width:150px;font-weight:600;font-size:13px}
.tok{display:inline-block;line-height:1.35;padding:0 1px;border:1px solid #8a8a8a;border-radius:3px;margin-right:1px;white-space:pre;font-size:14px}
.panels{display:flex;flex-wrap:wrap;gap:12px}.panels>svg,.panels>figure{flex:0 1 360px;margin:0;width:360px}
.panels svg{width:100%}
figcaption{font-size:13px;min-height:2.9em}svg{max-width:100%;height:auto;background:#fff}
svg text{font:12px system-ui,sans-serif;fill:#1d1d1d}
footer{margin-top:40px;border-top:1px solid #ccc;padding-top:8px;color:#444;font-size:13px;overflow-wrap:anywhere}
@media (max-width:700px){body{padding:10px;font-size:14px}.pair{grid-template-columns:minmax(0,1fr)}nav ol{columns:1}
h1{font-size:21px}.split b{display:block}.wide{display:none}#card{padding:2px 8px 8px}
#card table{font-size:13px}th,td{padding:3px 4px}.findings{font-size:15px}}
"""
SORT_JS = """
document.querySelectorAll("table.sort").forEach(function(t){
 t.querySelectorAll("th").forEach(function(th,i){th.setAttribute("aria-sort","none");th.tabIndex=0;
  function go(){var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),up=th.getAttribute("aria-sort")!=="ascending";
   function v(r){var s=r.cells[i]?r.cells[i].textContent:"",n=parseFloat(s.replace(/[,%+\\u00d7\\u2248~]/g,""));
    return isNaN(n)?s.toLowerCase():n}
   rows.sort(function(x,y){var a=v(x),c=v(y);var d=(typeof a==typeof c)?(a<c?-1:a>c?1:0):(typeof a=="number"?-1:1);
    return up?d:-d});
   t.querySelectorAll("th").forEach(function(h){h.setAttribute("aria-sort","none")});
   th.setAttribute("aria-sort",up?"ascending":"descending");rows.forEach(function(r){b.appendChild(r)})}
  th.addEventListener("click",go);th.addEventListener("keydown",function(e){if(e.key==="Enter")go()})})});
"""


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def _num(x: float) -> str:
    return f"{x:.1f}"


def _ticks(top: float, low: float = 0.0, count: int = 5) -> list[float]:
    raw = (top - low) / count
    step = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(s * step for s in (1, 2, 5, 10) if s * step >= raw)
    return [i * step for i in range(math.ceil(low / step), math.floor(top / step) + 1)]


# ---------------------------------------------------------------- charts

def bar_panel(title: str, axis: str, labels: Sequence[str], values: Sequence[float | None], colour: str,
              refs: Sequence[tuple[float, str]] = (), vmax: float | None = None) -> str:
    """One small horizontal bar chart: a bar per label, an x axis with its title and unit."""
    width, left, right, row, top = 380, 132, 44, 15, 40
    height = top + row * len(labels) + 42
    vmax = vmax or max([v for v in values if v is not None] + [r for r, _ in refs] + [1e-9]) * 1.1
    scale = (width - left - right) / vmax
    bottom = top + row * len(labels)
    out = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-label="{esc(title)}"><text x="0" y="15" style="font-size:14px;font-weight:600">{esc(title)}</text>']
    out += _x_axis([(left + t * scale, f"{t:g}", False) for t in _ticks(vmax)], (top - 4, bottom),
                   left + (width - left - right) / 2, axis)
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        out.append(_row_label(left, y, label))
        if v is not None:
            out.append(f'<rect x="{left}" y="{y + 2}" width="{_num(max(v * scale, 0.5))}" height="{row - 4}" '
                       f'fill="{colour}"><title>{esc(label)}: {v:.3f}</title></rect>'
                       f'<text x="{_num(left + v * scale + 3)}" y="{y + 11}" style="font-size:10px">{v:.2f}</text>')
    for value, label in refs:
        x = left + value * scale
        out.append(f'<line x1="{_num(x)}" y1="{top - 6}" x2="{_num(x)}" y2="{bottom}" stroke="#1d1d1d" '
                   f'stroke-dasharray="4 3"/><text x="{_num(x + 3)}" y="{top - 8}" style="font-size:10px">'
                   f'{esc(label)}</text>')
    return "\n".join(out + ["</svg>"])


def _x_axis(ticks: Sequence[tuple[float, str, bool]], span: tuple[float, float], title_x: float | str,
            title: str) -> list[str]:
    """Grid lines with their labels under the plot (a strong line where `strong`), and the axis title."""
    top, bottom = span
    out = [f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{bottom}" stroke="{"#777" if strong else "#e3e3e3"}"/>'
           f'<text x="{_num(x)}" y="{bottom + 14}" text-anchor="middle">{label}</text>' for x, label, strong in ticks]
    out.append(f'<text x="{title_x}" y="{bottom + 32}" text-anchor="middle" style="fill:#444">{esc(title)}</text>')
    return out


def _row_label(left: float, y: float, label: str) -> str:
    return f'<text x="{left - 6}" y="{y + 11}" text-anchor="end">{esc(label)}</text>'


def ratio_panels(comp: Comparison, key: str, corpora: Sequence, axis: str,
                 refs: Sequence[tuple[float, str]] = ()) -> str:
    """Small multiples: one panel per corpus, tokenizers as bars, the same scale across panels."""
    tok = list(comp.tokenizers)
    values = {c.name: [c.ratios(t)[key] for t in tok] for c in corpora}
    vmax = max([v for vs in values.values() for v in vs if v is not None] + [r for r, _ in refs] + [1e-9]) * 1.1
    panels = [bar_panel(c.name, axis, tok, values[c.name], LANG_COLOUR.get(c.language, PALETTE[0]), refs, vmax)
              for c in corpora]
    return '<div class="panels">' + "\n".join(panels) + "</div>"


def error_panel(rule: str, categories: Sequence[str], errors: Sequence[float | None], limit: float) -> str:
    """Diverging bars of a rule's mean signed error (%) per tokenizer, zero in the middle."""
    width, left, row, top = 380, 120, 15, 30
    height = top + row * len(categories) + 42
    mid = left + (width - left - 50) / 2
    scale = (width - left - 56) / 2 / limit
    out = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-label="{esc(rule)} error"><text x="0" y="16" style="font-size:13px;font-weight:600">'
           f'{esc(rule)}</text>']
    bottom = top + row * len(categories)
    out += _x_axis([(mid + t * scale, f"{t:+g}%", t == 0) for t in _ticks(limit, -limit, 4)], (top, bottom),
                   _num(mid), "% error of predicted tokens (< 0: too few)")
    for i, (cat, e) in enumerate(zip(categories, errors, strict=True)):
        y = top + i * row
        out.append(_row_label(left, y, cat))
        if e is None:
            continue
        x, w = (mid, e * scale) if e >= 0 else (mid + e * scale, -e * scale)
        out.append(f'<rect x="{_num(x)}" y="{y + 2}" width="{_num(max(w, 0.5))}" height="{row - 4}" '
                   f'fill="{PALETTE[0] if e >= 0 else PALETTE[1]}"><title>{esc(cat)}: {e:+.2f}%</title></rect>'
                   f'<text x="{width - 2}" y="{y + 11}" text-anchor="end">{e:+.0f}%</text>')
    return "\n".join(out + ["</svg>"])


def circles_chart(card: Card) -> str:
    """One row per model, one circle per 10,000 Chinese characters 1 CNY buys (a part circle by area)."""
    per_line, step, r, left, width = 40, 13, 5, 170, 700
    rows, y = [], 44
    for row in sorted(card.rows, key=lambda x: -(x.han_per_cny or 10 ** 12)):
        n = None if row.han_per_cny is None else row.han_per_cny / PER
        lines = 1 if n is None else max(1, math.ceil(min(n, 400) / per_line))
        label = "free" if n is None else f"{row.han_per_cny:,} characters"
        rows.append(f'<text x="0" y="{y + 4}" style="font-weight:600">{esc(row.name)}'
                    f'{"" if row.count_kind == "exact" else " (estimate)"}</text>'
                    f'<text x="0" y="{y + 18}" style="fill:#444">{esc(label)}</text>')
        shown = 0.0 if n is None else min(n, 400.0)
        whole = int(shown)
        for k in range(whole + (1 if shown - whole > 0.005 else 0)):
            radius = r if k < whole else r * math.sqrt(shown - whole)
            cx, cy = left + (k % per_line) * step, y + (k // per_line) * step
            rows.append(f'<circle cx="{cx}" cy="{cy}" r="{radius:.2f}" fill="{PALETTE[4]}"/>')
        if n is not None and n > 400:
            rows.append(f'<text x="{left}" y="{y + lines * step + 6}" style="fill:#444">… {n:,.0f} circles in all'
                        f'</text>')
            lines += 1
        y += max(lines * step, 26) + 10
    head = (f'<svg viewBox="0 0 {width} {y}" width="{width}" height="{y}" role="img" '
            f'aria-label="Chinese characters 1 CNY buys"><text x="0" y="16" style="font-size:14px;font-weight:600">'
            f'Chinese characters 1 CNY buys: one circle = {PER:,} characters</text>'
            f'<text x="0" y="32" style="fill:#444">input price, counted with each model\'s tokenizer</text>')
    return "\n".join([head, *rows, "</svg>"])


# ---------------------------------------------------------------- tables

_NUMBER = re.compile(r"[-+≈~]?\s?[\d,.]+(%|×| [A-Z]{3})?( \([^)]*\))?|–|free|[\d,.]+–[\d,.]+")


def table(s: Section, sort: bool = True) -> str:
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in s.columns)
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i >= s.numeric and _NUMBER.fullmatch(str(v)) else ""}>'
                                    f'{esc(humanize(str(v)))}</td>'
                                    for i, v in enumerate(row)) + "</tr>" for row in s.rows)
    note = f'<p class="note">{esc(s.note)}</p>' if s.note else ""
    cls = ' class="sort"' if sort else ""
    return f'{note}<div class="box"><table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def card_html(card: Card | None, comp: Comparison) -> str:
    if card is None:
        return ('<section id="card"><h2>Chinese cost card</h2><p>No Chinese text was measured: add a Chinese '
                'corpus (--corpus all) or a Chinese file to rank models by their cost for Chinese.</p></section>')
    out = "input price only" if not card.output_ratio else f"output tokens = input × {card.output_ratio}"
    rows = []
    for i, r in enumerate(card.rows, 1):
        band = "" if r.zh_band is None else f' title="band over today\'s chat-LLM tokenizers: {esc(show_money(r.zh_band, rounded=True))}"'
        approx = "" if r.count_kind == "exact" else "≈ "
        rows.append(f'<tr><td class=n>{i}</td><td><b>{esc(r.name)}</b> <span class="tag {esc(r.count_kind)}">'
                    f'{esc(r.count_kind)}</span><span class="wide note"> {esc(r.vendor)}</span></td>'
                    f'<td class="wide note">{esc(r.tokenizer)}</td>'
                    f'<td class=n{band}>{approx}{esc(card_money(r.zh))}</td>'
                    f'<td class="n wide">{"–" if r.en is None else approx + esc(card_money(r.en))}</td>'
                    f'<td class=n>{"free" if r.han_per_cny is None else f"{r.han_per_cny:,}"}</td></tr>')
    head = "".join(f'<th scope="col"{c}>{h}</th>' for h, c in
                   (("#", ""), ("model", ""), ("tokenizer", ' class="wide"'), (f"per {PER:,} Chinese characters", ""),
                    (f"per {PER:,} English words", ' class="wide"'), ("Chinese characters per 1 CNY", "")))
    findings = "".join(f"<li>{esc(f)}</li>" for f in card.findings)
    return (f'<section id="card"><h2>Chinese cost card: what {PER:,} characters of Chinese cost</h2>'
            f'<ul class="findings">{findings}</ul>'
            f'<div class="box"><table class="sort"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            f'</table></div><p class="note">Ranked by the cost of {card.han:,} Chinese characters of real text '
            f'({esc(", ".join(card.zh_corpora))}) and {card.words:,} English words ({esc(", ".join(card.en_corpora))}), '
            f'each model counting with its own tokenizer; {esc(out)}; prices in {esc(comp.currency)}, USD at '
            f'{esc(comp.fx.short())}. <span class="tag exact">exact</span> = the vendor\'s tokenizer; '
            f'<span class="tag estimate">estimate</span> = a proxy tokenizer (≈; hover for the band). '
            f'Click a column head to sort.</p></section>')


def pieces_html(comp: Comparison) -> str:
    from tokcost.comparison.samples import split_samples

    samples = split_samples(list(comp.tokenizers))
    cols = []
    for s in samples:
        lines = []
        for sp in s.splits:
            toks = "".join(f'<span class="tok" style="background:{PIECES[i % len(PIECES)]}">{esc(p)}</span>'
                           for i, p in enumerate(sp.pieces))
            lines.append(f'<div class="split"><b>{esc(sp.tokenizer)} · {len(sp.pieces)}</b>{toks}</div>')
        label = "Chinese" if s.language == "zh" else "English"
        cols.append(f'<div><h3>{label}: “{esc(s.text)}”</h3>{"".join(lines)}</div>')
    return ('<section id="pieces"><h2>How each tokenizer splits a sentence</h2><p class="note">Each coloured '
            'box is one token; the number is the token count. &lt;E9 BE&gt; is part of a character (its bytes). '
            'Sorted by the Chinese sentence\'s count.</p>' f'<div class="pair">{"".join(cols)}</div></section>')


def _section(key: str, title: str, body: str) -> str:
    return f'<section id="{key}"><h2>{esc(title)}</h2>{body}</section>'


TOC = (("card", "Chinese cost card"), ("pieces", "How each tokenizer splits a sentence"),
       ("rules", "The rules of thumb, read literally"), ("ratios", "Characters per token"),
       ("premium", "The Chinese premium"), ("costs", "Cost per unit of text"), ("buys", "What 1 CNY buys"),
       ("data", "All measurements"), ("notes", "Notes"))


def _by_key(comp: Comparison) -> dict[str, Section]:
    return {s.key: s for s in sections(comp)}


def rules_html(comp: Comparison, secs: dict[str, Section]) -> str:
    parts = [table(secs[k]) for k in ("readings", "rule_fit", "rule_error") if k in secs]
    if comp.fits:
        tok = list(comp.tokenizers)
        limit = min(max([abs(v) for f in comp.fits for v in f.mean_error_pct.values()] + [1.0]) * 1.1, 400.0)
        panels = [f'<figure><figcaption><b>{esc(f.rule)}</b>: {esc(f.source)}</figcaption>'
                  + error_panel(f.rule, tok, [max(-limit, min(limit, f.mean_error_pct[t]))
                                               if t in f.mean_error_pct else None for t in tok], limit)
                  + "</figure>" for f in comp.fits]
        parts.append('<div class="panels">' + "\n".join(panels) + "</div>")
    return _section("rules", "The rules of thumb, read literally", "".join(parts) or "<p>No rule applies.</p>")


def ratios_html(comp: Comparison, secs: dict[str, Section]) -> str:
    parts = [ratio_panels(comp, "chars_per_token", comp.corpora, "characters per token",
                          [(4.0, "4 (English rule)")])]
    zh = [c for c in comp.corpora if c.language == "zh"]
    if zh:
        parts.append("<h3>Chinese characters per token</h3>")
        parts.append(ratio_panels(comp, "han_per_token", zh, "Chinese characters per token",
                                  [(1.45, "1.45"), (0.8, "0.8")]))
    parts += [table(secs[k]) for k in ("chars_per_token", "han_per_token") if k in secs]
    return _section("ratios", "Characters per token", "".join(parts))


def html_report(comp: Comparison, command: str | None = None) -> str:
    from tokcost import __version__
    from tokcost.comparison.sources import catalog_hash

    card = cost_card(comp)
    secs = _by_key(comp)
    toc = "".join(f'<li><a href="#{k}">{esc(t)}</a></li>' for k, t in TOC)
    corpora = ", ".join(f"{c.name} ({c.language}, {c.chars:,} chars)" for c in comp.corpora)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [card_html(card, comp), f'<nav aria-label="contents"><h2>Contents</h2><ol>{toc}</ol></nav>',
            pieces_html(comp), rules_html(comp, secs), ratios_html(comp, secs),
            _section("premium", "The Chinese premium", "".join(table(secs[k]) for k in ("premium", "premium_cost")
                                                                 if k in secs) or "<p>No parallel corpora.</p>"),
            _section("costs", "Cost per unit of text", table(secs["unit_costs"]) if "unit_costs" in secs else
                     "<p>No models priced.</p>"),
            _section("buys", "What 1 CNY buys", (circles_chart(card) if card else "")
                     + (table(secs["one_cny"]) if "one_cny" in secs else "")),
            _section("data", "All measurements", "".join(
                f"<details><summary>{esc(s.title)}</summary>{table(s)}</details>"
                for s in secs.values() if s.detail or s.key == "costs")),
            _section("notes", "Notes", "<ul>" + "".join(f"<li>{esc(humanize(n))}</li>" for n in comp.notes)
                     + "</ul>")]
    if comp.errors:
        body.append(_section("errors", "Inputs not counted", "<ul>" + "".join(
            f"<li>{esc(e.path)}: {esc(e.message)}</li>" for e in comp.errors) + "</ul>"))
    footer = (f"<footer>tokcost {esc(__version__)} · {esc(now)} · catalog sha256 {esc(catalog_hash()[:16])} · "
              f"{len(comp.corpora)} corpora × {len(comp.tokenizers)} tokenizers, {len(comp.models)} models, "
              f"counted in {comp.seconds:.1f} s<br>command: <code>{esc(command or 'tokcost.compare() (Python API)')}"
              f"</code><br>corpora: {esc(corpora)}</footer>")
    return "\n".join(['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
                      '<meta name="viewport" content="width=device-width, initial-scale=1">',
                      f"<title>tokcost: Chinese cost card and tokenizer report</title><style>{CSS}</style></head><body>",
                      "<header><h1>Which model costs least for Chinese text?</h1>"
                      '<p class="sub">tokcost compare: real tokenizers on real text, priced from the dated '
                      "documents. The answer first; how it was measured below.</p></header>",
                      *body, footer, f"<script>{SORT_JS}</script>", "</body></html>\n"])
