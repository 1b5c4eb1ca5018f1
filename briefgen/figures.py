"""Build-time figures: model data -> inline SVG, readable without JavaScript, in print and aloud.

Every figure is a pure function returning a ``<figure>`` as Markup (empty when there is nothing
to draw). Each carries its own text alternative: the SVG is ``role="img"`` named by its
``<title>`` and ``<desc>``, and a visually hidden table beside it holds the data drawn.
Presentation comes from classes styled in the theme's style.css (no ``style`` attributes: the
pages' Content-Security-Policy forbids them), so the figures follow the dark scheme and print.

Layouts are computed here, deterministically, so a figure's markup changes only when its data
does: the render cache keys pages by their context, figures included.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter
from typing import Iterable, Mapping, Sequence

from markupsafe import Markup, escape

from . import model as m
from .vocabulary import STATUS_ICONS
from .words import counted

NETWORK_LIMIT = 12
"""The actor network shows at most this many actors, those who figure most and have a link ..."""
EDGE_LIMIT = 24
"""... and at most this many links, the strongest: more is a hairball nobody can read."""
NUMBERED_EVENTS = 24
"""Up to this many events the timeline draws one numbered marker per event; beyond, a histogram."""
MAX_LANES = 5
"""Markers closer than a safe distance stack in lanes; more lanes than this and it is a histogram."""
PUBLICATION_TICKS = 60
"""Up to this many articles the timeline draws one tick per publication; beyond, a histogram."""


def _figure(kind: str, ident: str, svg: str, table: str, caption: str) -> Markup:
    return Markup(f'<figure class="figure figure-{kind}" id="fig-{kind}-{escape(ident)}">\n{svg}\n{table}\n'
                  f'<figcaption>{caption}</figcaption>\n</figure>\n')


def _svg_open(fid: str, cls: str, title: str, desc: str, *, width: str, height: int, viewbox: str = "") -> str:
    box = f' viewBox="{viewbox}"' if viewbox else ""
    return (f'<svg class="fig {cls}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"{box} '
            f'role="img" aria-labelledby="{fid}-t {fid}-d">'
            f'<title id="{fid}-t">{escape(title)}</title><desc id="{fid}-d">{escape(desc)}</desc>')


def _table(caption: str, head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    # The wrapper hides the table: a table grows to its content whatever width it is given.
    return (f'<div class="visually-hidden"><table><caption>{escape(caption)}</caption>'
            f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>")


def _n(value: float) -> str:
    """A coordinate: short and stable (no float noise in the output)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


# --- claim-status mix ------------------------------------------------------------------------

def status_mix(ident: str, claims: Sequence[m.Claim]) -> Markup:
    """How a topic's claims stand: one labelled bar per status (icon, word, count)."""
    if not claims:
        return Markup("")
    counts = Counter(c.status for c in claims)
    fid = f"fig-status-{ident}"
    row, bar_x, bar_w = 30, 132, 150
    height = row * len(m.STATUSES) + 4
    most = max(counts.values())
    parts = []
    for i, status in enumerate(m.STATUSES):
        y = i * row + 4
        n = counts.get(status, 0)
        w = bar_w * n / most if most else 0
        parts.append(
            f'<g class="fig-status-row fig-status-{status}">'
            f'<text class="fig-label" x="0" y="{y + 17}">{STATUS_ICONS[status]} {status.capitalize()}</text>'
            f'<rect class="fig-track" x="{bar_x}" y="{y + 4}" width="{bar_w}" height="18" rx="2"/>'
            + (f'<rect class="fig-bar" x="{bar_x}" y="{y + 4}" width="{_n(w)}" height="18" rx="2"/>' if n else "")
            + f'<text class="fig-value" x="{_n(bar_x + bar_w + 8)}" y="{y + 17}">{n}</text></g>'
        )
    mix = ", ".join(f"{counts.get(s, 0)} {s}" for s in m.STATUSES)
    svg = (_svg_open(fid, "fig-status", "Claims by status", f"{counted(len(claims), 'claim')}: {mix}.",
                     width=str(bar_x + bar_w + 36), height=height, viewbox=f"0 0 {bar_x + bar_w + 36} {height}")
           + "".join(parts) + "</svg>")
    table = _table("Claims by status", ("Status", "Claims"), ((s.capitalize(), counts.get(s, 0)) for s in m.STATUSES))
    return _figure("status", ident, svg, table, f"Status of the {counted(len(claims), 'claim')} on this topic.")


# --- timeline --------------------------------------------------------------------------------

def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _add_months(d: dt.date, n: int) -> dt.date:
    """The first of the month n months after d's; the calendar's last day past year 9999."""
    y, mo = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, mo + 1, 1) if d.year + y <= dt.MAXYEAR else dt.date.max


def _segments(lo: dt.date, hi: dt.date) -> list[tuple[dt.date, dt.date, str]]:
    """Calendar segments covering [lo, hi]: months for up to a year, else years (labels thinned)."""
    months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    if months <= 12:
        out = []
        start = _month_start(lo)
        for i in range(months):
            a, b = _add_months(start, i), _add_months(start, i + 1)
            label = f"{a:%b %Y}" if i == 0 or a.month == 1 else f"{a:%b}"
            out.append((a, b, label))
        return out
    years = hi.year - lo.year + 1
    every = max(1, math.ceil(years / 8))
    return [(dt.date(y, 1, 1), _add_months(dt.date(y, 1, 1), 12), str(y) if (y - lo.year) % every == 0 else "")
            for y in range(lo.year, hi.year + 1)]


def _segment_of(segments: Sequence[tuple[dt.date, dt.date, str]], d: dt.date) -> int:
    return next(k for k, (a, b, _) in enumerate(segments) if a <= d < b or d == b == dt.date.max)


def _period(segment: tuple[dt.date, dt.date, str]) -> str:
    a, b, _ = segment
    return f"{a:%B %Y}" if b == _add_months(a, 1) else str(a.year)


def _when(e: m.Event) -> str:
    return f"{e.shown}, {e.time}" if e.time else e.shown


def timeline(ident: str, events: Sequence[m.Event], articles: Mapping[str, m.Article]) -> Markup:
    """Events (numbered as in the topic's event list) and article publications on a calendar axis.

    Positions are percentages of the figure's width and text is in pixels, so the figure fills
    any screen from a phone to a desktop without its labels shrinking.
    """
    published = sorted((a.published, slug) for slug, a in articles.items() if a.published)
    dates = [e.date for e in events] + [d for d, _ in published]
    if not dates:
        return Markup("")
    segments = _segments(min(dates), max(dates))
    start, end = segments[0][0], segments[-1][1]
    span = (end - start).days
    left, width = 2.0, 96.0

    def x(d: dt.date) -> float:
        return left + width * (d - start).days / span

    fid = f"fig-timeline-{ident}"
    parts: list[str] = []
    lane_h, top = 26, 16
    lanes: list[float] = []
    placed = []
    for i, e in enumerate(events[:NUMBERED_EVENTS + 1], 1):
        at = x(e.date)
        lane = next((k for k, last in enumerate(lanes) if at - last >= 7), len(lanes))
        if lane == len(lanes):
            lanes.append(at)
        lanes[lane] = at
        placed.append((i, e, at, lane))
    # One numbered marker per event while they fit in a few lanes; else a histogram.
    numbered = len(events) <= NUMBERED_EVENTS and len(lanes) <= MAX_LANES
    if numbered:
        n_lanes = max(1, len(lanes))
        axis = top + n_lanes * lane_h + 10
        for i, e, at, lane in placed:
            cy = axis - 20 - lane * lane_h
            parts.append(
                f'<g class="fig-event"><line class="fig-stem" x1="{_n(at)}%" x2="{_n(at)}%" y1="{cy}" y2="{axis}"/>'
                f'<circle class="fig-marker" cx="{_n(at)}%" cy="{cy}" r="10"/>'
                f'<text class="fig-marker-label" x="{_n(at)}%" y="{cy + 4}" text-anchor="middle">{i}</text></g>'
            )
    else:
        per = Counter(_segment_of(segments, e.date) for e in events)
        most = max(per.values())
        bars_h = 70
        axis = top + bars_h + 10
        for k, n in sorted(per.items()):
            a, b, _ = segments[k]
            x0, x1 = x(a), x(b)
            h = bars_h * n / most
            parts.append(
                f'<g class="fig-event"><rect class="fig-bar" x="{_n(x0 + 0.3)}%" y="{_n(axis - h)}" '
                f'width="{_n(max(x1 - x0 - 0.6, 0.4))}%" height="{_n(h)}"/>'
                + (f'<text class="fig-value" x="{_n((x0 + x1) / 2)}%" y="{_n(axis - h - 4)}" text-anchor="middle">{n}</text>'
                   if x1 - x0 >= 6 else "") + "</g>"
            )
    axis_parts = [f'<line class="fig-axis" x1="{_n(left)}%" x2="{_n(left + width)}%" y1="{axis}" y2="{axis}"/>']
    for a, b, label in segments:
        axis_parts.append(f'<line class="fig-tick" x1="{_n(x(a))}%" x2="{_n(x(a))}%" y1="{axis - 5}" y2="{axis + 24}"/>')
        if label:
            axis_parts.append(f'<text class="fig-label" x="{_n((x(a) + x(b)) / 2)}%" y="{axis + 38}" '
                              f'text-anchor="middle">{escape(label)}</text>')
    axis_parts.append(f'<line class="fig-tick" x1="{_n(x(end))}%" x2="{_n(x(end))}%" y1="{axis - 5}" y2="{axis + 24}"/>')
    many_published = len(published) > PUBLICATION_TICKS
    if many_published:
        per_pub = Counter(_segment_of(segments, d) for d, _ in published)
        most_pub = max(per_pub.values())
        for k, n in sorted(per_pub.items()):
            a, b, _ = segments[k]
            axis_parts.append(f'<rect class="fig-publication-bar" x="{_n(x(a) + 0.3)}%" y="{axis + 4}" '
                              f'width="{_n(max(x(b) - x(a) - 0.6, 0.4))}%" height="{_n(max(16 * n / most_pub, 1))}"/>')
    else:
        for d, _ in published:
            axis_parts.append(f'<line class="fig-publication" x1="{_n(x(d))}%" x2="{_n(x(d))}%" y1="{axis + 4}" y2="{axis + 20}"/>')
    height = axis + 48
    # an event dated 2022-06 sits at 1 June 2022 and is named as written, "June 2022"
    ends = sorted([(e.date, _when(e)) for e in events] + [(d, _date(d)) for d, _ in published])
    desc = (f"{counted(len(events), 'event')} and {counted(len(published), 'article')} published, "
            f"from {ends[0][1]} to {ends[-1][1]}.")
    svg = (_svg_open(fid, "fig-timeline", "Timeline", desc, width="100%", height=height)
           + "".join(axis_parts) + "".join(parts) + "</svg>")
    if numbered:
        rows = [(_when(e), f"Event {i}: {e.text}") for i, e in enumerate(events, 1)]
    else:
        rows = [(_period(segments[k]), counted(n, "event")) for k, n in sorted(per.items())]
    if many_published:
        rows += [(_period(segments[k]), f"{counted(n, 'article')} published") for k, n in sorted(per_pub.items())]
    else:
        rows += [(_date(d), f"Article published: {articles[slug].title}") for d, slug in published]
    table = _table("Timeline", ("Date", "What happened"), rows)
    parts_said = []
    if events:
        parts_said.append("numbered circles are the events listed below" if numbered
                          else "bars above the axis count the events in each period")
    if published:
        parts_said.append("bars under the axis count the source articles published in each period" if many_published
                          else "ticks under the axis mark when source articles were published")
    caption = "; ".join(parts_said).capitalize() + "."
    return _figure("timeline", ident, svg, table, caption)


# --- actor network ---------------------------------------------------------------------------

def _edges(claims: Sequence[m.Claim], events: Sequence[m.Event]) -> dict[str, Counter]:
    """Three kinds of link: claims about (directed), relays (directed), together in an event."""
    about: Counter = Counter()
    relays: Counter = Counter()
    together: Counter = Counter()
    for c in claims:
        if not c.by:
            continue
        for a in dict.fromkeys(c.about):
            if a != c.by:
                about[(c.by, a)] += 1
        chains = {(c.by, *c.via), *((c.by, *s.via) for s in c.sources)}
        for pair in {p for chain in chains for p in zip(chain, chain[1:]) if p[0] != p[1]}:
            relays[pair] += 1
    for e in events:
        ids = sorted(set(e.actors))
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                together[(a, b)] += 1
    return {"about": about, "relays": relays, "together": together}


def _wrap(text: str, width: int = 14, most: int = 3) -> list[str]:
    """A label in at most ``most`` lines of at most ``width`` characters. What does not fit ends in
    "…", never clipped without a sign: the node's ``<title>`` and the figure's table hold the
    full name ("United States / Cybersecurity / and Infrastru…" at 15px stays inside the figure,
    where "…Administratio" ran off its edge)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most or any(len(line) > width for line in lines):
        kept = list(itertools.takewhile(lambda line: len(line) <= width, lines[:most - 1]))
        rest = " ".join(lines[len(kept):])
        if len(rest) > width:
            cut = rest[:width - 1].rstrip()
            at_space = cut if rest[width - 1] == " " else cut.rsplit(" ", 1)[0] if " " in cut else ""
            rest = (at_space if len(at_space) >= width // 2 else cut) + "\u2026"
        lines = kept + [rest]
    return lines


def _order(nodes: list[str], weight: Counter) -> list[str]:
    """Greedy circular order: each next actor is the one most linked to the last placed."""
    def w(a: str, b: str) -> int:
        return weight.get((a, b), 0) + weight.get((b, a), 0)
    rest = list(nodes)
    order = [max(rest, key=lambda a: (sum(w(a, b) for b in nodes), -nodes.index(a)))]
    rest.remove(order[0])
    while rest:
        nxt = max(rest, key=lambda a: (w(order[-1], a), sum(w(a, b) for b in order), -nodes.index(a)))
        order.append(nxt)
        rest.remove(nxt)
    return order


def actor_network(ident: str, ranked: Sequence[tuple[str, int]], actors: Mapping[str, m.Actor],
                  claims: Sequence[m.Claim], events: Sequence[m.Event]) -> Markup:
    """The actors who figure most, linked by claims about each other, relays and shared events."""
    kinds = _edges(claims, events)
    linked = {a for c in kinds.values() for pair in c for a in pair}
    mentions = dict(ranked)
    shown = set([a for a, _ in ranked if a in linked][:NETWORK_LIMIT])
    directed = [(kind, a, b, n) for kind in ("about", "relays") for (a, b), n in kinds[kind].items()
                if a in shown and b in shown]
    joined = {frozenset((a, b)) for _, a, b, _ in directed}  # a claim or relay already joins them
    undirected = [("together", a, b, n) for (a, b), n in kinds["together"].items()
                  if a in shown and b in shown and frozenset((a, b)) not in joined]
    every = directed + undirected
    rank = {"about": 0, "relays": 1, "together": 2}
    edges = sorted(every, key=lambda e: (-e[3], rank[e[0]], e[1], e[2]))[:EDGE_LIMIT]
    if not edges:
        return Markup("")
    drawn = {a for _, a, b, _ in edges} | {b for _, a, b, _ in edges}
    nodes = [a for a, _ in ranked if a in drawn]
    total: Counter = Counter()
    for _, a, b, n in edges:
        total[(a, b)] += n
    order = _order(nodes, total)
    fid = f"fig-network-{ident}"
    # An ellipse, wider than tall, leaves room for the labels either side.
    w, h, rx, ry = 500, 380, 110, 142
    cx, cy = w / 2, h / 2
    top_mentions = max(mentions.get(a, 1) for a in nodes)
    pos: dict[str, tuple[float, float, float, float]] = {}
    for i, a in enumerate(order):
        angle = -math.pi / 2 + 2 * math.pi * i / len(order)
        size = 5 + 7 * math.sqrt(mentions.get(a, 1) / top_mentions)
        pos[a] = (cx + rx * math.cos(angle), cy + ry * math.sin(angle), size, angle)

    def shorten(x0: float, y0: float, x1: float, y1: float, by: float) -> tuple[float, float]:
        d = math.hypot(x1 - x0, y1 - y0) or 1
        return x1 - (x1 - x0) * by / d, y1 - (y1 - y0) * by / d

    heaviest = max(n for *_, n in edges)
    lines: list[str] = []
    for kind, a, b, n in sorted(edges, key=lambda e: (-rank[e[0]], e[1], e[2])):  # arrows drawn last, on top
        x0, y0, s0, _ = pos[a]
        x1, y1, s1, _ = pos[b]
        width = 1.5 + 3 * (n - 1) / (heaviest - 1) if heaviest > 1 else 1.5
        if kind == "together":
            lines.append(f'<line class="fig-edge fig-edge-together" x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(x1)}" y2="{_n(y1)}" '
                         f'stroke-width="{_n(width)}"/>')
            continue
        # Curve to the right of the direction of travel, so a->b and b->a never overlap.
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        qx, qy = mx + (y1 - y0) * 0.15, my - (x1 - x0) * 0.15
        sx, sy = shorten(qx, qy, x0, y0, s0 + 1)
        ex, ey = shorten(qx, qy, x1, y1, s1 + 4)
        lines.append(f'<path class="fig-edge fig-edge-{kind}" d="M{_n(sx)} {_n(sy)} Q{_n(qx)} {_n(qy)} {_n(ex)} {_n(ey)}" '
                     f'stroke-width="{_n(width)}" marker-end="url(#{fid}-{kind})"/>')
    markers = "".join(
        f'<marker id="{fid}-{kind}" class="fig-arrow fig-arrow-{kind}" viewBox="0 0 10 10" refX="8" refY="5" '
        f'markerWidth="5" markerHeight="5" markerUnits="strokeWidth" orient="auto"><path d="M0 0 L10 5 L0 10 z"/></marker>'
        for kind in ("relays", "about"))
    dots: list[str] = []
    for a in order:
        x, y, size, angle = pos[a]
        cos, sin = math.cos(angle), math.sin(angle)
        lx, ly = x + cos * (size + 6), y + sin * (size + 6)
        anchor = "start" if cos > 0.12 else "end" if cos < -0.12 else "middle"
        # Beside a node a label has ~120px (14 characters at 15px); above or below one, the
        # figure's width but room for two lines only.
        label = _wrap(actors[a].name, 28, 2) if anchor == "middle" else _wrap(actors[a].name)
        line_h = 16
        if anchor == "middle":
            first = ly - 4 - line_h * (len(label) - 1) if sin < 0 else ly + 14
        else:
            first = ly + 5 - line_h * (len(label) - 1) / 2
        spans = "".join(f'<tspan x="{_n(lx)}" y="{_n(first + k * line_h)}">{escape(t)}</tspan>' for k, t in enumerate(label))
        dots.append(f'<g class="fig-node fig-kind-{actors[a].kind}"><title>{escape(actors[a].name)}</title><circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(size)}"/>'
                    f'<text class="fig-label" text-anchor="{anchor}">{spans}</text></g>')
    pruned = f" The {len(edges)} strongest of {len(every)} links are drawn." if len(edges) < len(every) else ""
    desc = (f"The {counted(len(nodes), 'actor')} of this topic who figure most and are linked to another. "
            "Solid arrows run from an actor to those its claims are about; dashed arrows show through whom "
            "a claim was relayed; dotted lines join actors named in the same event. Larger circles figure more often."
            + pruned)
    svg = (_svg_open(fid, "fig-network", "Actor network", desc, width=str(w), height=h, viewbox=f"0 0 {w} {h}")
           + f"<defs>{markers}</defs>" + "".join(lines) + "".join(dots) + "</svg>")
    verbs = {"about": "makes claims about", "relays": "relays claims to", "together": "appears in events with"}
    rows = [(actors[a].name, verbs[kind], actors[b].name, n) for kind, a, b, n in sorted(edges, key=lambda e: (rank[e[0]], e[1], e[2]))]
    table = _table("Links between actors", ("Actor", "Link", "Other actor", "Times"), rows)
    caption = ('<span class="legend"><span class="legend-item legend-about">claims about</span> '
               '<span class="legend-item legend-relays">relayed through</span> '
               '<span class="legend-item legend-together">in the same event</span></span> '
               "Who says what about whom. Circle size shows how often an actor figures.")
    return _figure("network", ident, svg, table, caption)
