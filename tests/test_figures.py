"""The topic page's build-time SVG figures: pure functions from model data to markup.

Each figure must be well-formed, carry a text alternative (an SVG named by its <title> and
<desc>, and a visually hidden table of the data drawn), never rely on colour alone, stay bounded
on big topics and be deterministic (the render cache keys pages by their context).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from briefgen import figures
from briefgen import model as m

SVG = "{http://www.w3.org/2000/svg}"


def actor(ident: str, name: str | None = None, kind: str = "person") -> m.Actor:
    return m.Actor(ident, name or ident.replace("-", " ").title(), kind, "", None, (), "", (), f"content/actors/{ident}.yaml")


def claim(ident: str, by: str | None = "a", about: tuple[str, ...] = ("b",), via: tuple[str, ...] = (),
          status: str = "reported", source_via: tuple[str, ...] = ()) -> m.Claim:
    source = m.Source("art", "B2", "quote", source_via, ("t",))
    return m.Claim(ident, f"Statement {ident}.", by, via, about, status, (), (), (source,), (by,) if by else (), ("outlet",), "x.yaml")


def event(day: dt.date, *actors: str, text: str = "Something happens.") -> m.Event:
    return m.Event(day, text, actors, ("art",), day.isoformat())


def article(slug: str, published: dt.date | None, title: str = "An article") -> m.Article:
    return m.Article(slug, title, "Outlet", "https://example.org/a", "", published, "en", "Summary.", ("t",), (),
                     (), (), (), (), f"content/articles/{slug}.md", "")


def parse(markup: str) -> ET.Element:
    """The whole figure is well-formed XML (HTML around an SVG), so a parser finds every slip."""
    return ET.fromstring(str(markup))


def svg_of(fig: ET.Element) -> ET.Element:
    svg = fig.find(f"{SVG}svg")
    assert svg is not None, "the figure holds an inline SVG"
    return svg


def hidden_rows(fig: ET.Element) -> list[list[str]]:
    wrapper = fig.find("div")
    assert wrapper is not None and wrapper.get("class") == "visually-hidden"
    table = wrapper.find("table")
    assert table is not None and table.find("caption") is not None
    return [["".join(td.itertext()) for td in tr.findall("td")] for tr in table.iter("tr") if tr.findall("td")]


def assert_text_alternative(fig: ET.Element) -> ET.Element:
    svg = svg_of(fig)
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None and title.get("id") == title_id and title.text
    assert desc is not None and desc.get("id") == desc_id and desc.text
    assert fig.find("figcaption") is not None
    assert "style" not in str(ET.tostring(fig)), "no style attributes: the CSP forbids them"
    return svg


# --- claim-status mix ---


def test_status_mix_names_every_status_in_words_and_counts():
    claims = [claim("c1", status="confirmed"), claim("c2", status="reported"), claim("c3", status="reported"),
              claim("c4", status="disputed")]
    fig = parse(figures.status_mix("topic", claims))
    svg = assert_text_alternative(fig)
    assert svg.find(f"{SVG}desc").text == "4 claims: 1 confirmed, 0 corroborated, 2 reported, 1 disputed, 0 refuted."
    labels = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    for status in m.STATUSES:  # status by icon and word, never colour alone
        assert any(label.endswith(status.capitalize()) and label[0] in "✔✚●⚠✖" for label in labels)
    assert hidden_rows(fig) == [["Confirmed", "1"], ["Corroborated", "0"], ["Reported", "2"], ["Disputed", "1"],
                                ["Refuted", "0"]]
    bars = {g.get("class").split()[-1]: g.find(f"{SVG}rect[@class='fig-bar']") for g in svg.iter(f"{SVG}g")}
    assert bars["fig-status-corroborated"] is None
    assert float(bars["fig-status-reported"].get("width")) == 2 * float(bars["fig-status-confirmed"].get("width"))


def test_status_mix_of_no_claims_is_nothing():
    assert figures.status_mix("topic", []) == ""


# --- timeline ---


def test_timeline_numbers_events_in_date_order_and_lists_them():
    events = [event(dt.date(2023, 9, 13), text="Kim meets Putin."), event(dt.date(2023, 11, 21), text="Launch."),
              event(dt.date(2023, 11, 23), text="Reuters reports.")]
    fig = parse(figures.timeline("t", events, {"art": article("art", dt.date(2023, 11, 23), "Seoul says")}))
    svg = assert_text_alternative(fig)
    assert svg.get("width") == "100%" and svg.get("viewBox") is None, "percent layout: text never shrinks"
    markers = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "fig-marker-label"]
    assert [t.text for t in markers] == ["1", "2", "3"]
    assert hidden_rows(fig) == [["13 September 2023", "Event 1: Kim meets Putin."],
                                ["21 November 2023", "Event 2: Launch."],
                                ["23 November 2023", "Event 3: Reuters reports."],
                                ["23 November 2023", "Article published: Seoul says"]]
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "fig-label"]
    assert labels == ["Sep 2023", "Oct", "Nov"]
    # Events two days apart would overlap: the later one moves up a lane.
    circles = svg.findall(f".//{SVG}circle")
    assert circles[1].get("cy") != circles[2].get("cy")
    assert circles[0].get("cy") == circles[1].get("cy")


def test_timeline_positions_stay_inside_the_figure():
    events = [event(dt.date(2020, 1, 1)), event(dt.date(2024, 12, 31))]
    svg = svg_of(parse(figures.timeline("t", events, {})))
    xs = [float(v[:-1]) for el in svg.iter() for k, v in el.attrib.items() if k in ("x", "x1", "x2", "cx") and v.endswith("%")]
    assert xs and min(xs) >= 2 and max(xs) <= 98
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "fig-label"]
    assert labels == ["2020", "2021", "2022", "2023", "2024"], "over a year, the axis is in years"


def test_timeline_of_a_single_day_is_one_month():
    svg = svg_of(parse(figures.timeline("t", [event(dt.date(2023, 11, 21))], {})))
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "fig-label"] == ["Nov 2023"]


def test_a_crowded_timeline_becomes_a_histogram_and_stays_small():
    start = dt.date(2019, 1, 1)
    events = [event(start + dt.timedelta(days=i)) for i in range(2000)]  # 2019 to mid-2024
    arts = {f"a{i}": article(f"a{i}", start + dt.timedelta(days=i)) for i in range(1500)}
    markup = figures.timeline("t", events, arts)
    fig = parse(markup)
    svg = svg_of(fig)
    assert not [t for t in svg.iter(f"{SVG}text") if t.get("class") == "fig-marker-label"]
    assert len(svg.findall(f".//{SVG}rect")) == 6 + 5, "one bar per year for events, one per year for articles"
    rows = hidden_rows(fig)
    assert ["2019", "365 events"] in rows and ["2019", "365 articles published"] in rows
    assert len(markup) < 20_000
    assert "count the events" in "".join(fig.find("figcaption").itertext())


def test_events_on_the_same_day_beyond_a_few_lanes_become_a_histogram():
    events = [event(dt.date(2023, 5, 1)) for _ in range(figures.MAX_LANES + 1)]
    svg = svg_of(parse(figures.timeline("t", events, {})))
    assert not [t for t in svg.iter(f"{SVG}text") if t.get("class") == "fig-marker-label"]


def test_timeline_with_nothing_dated_is_nothing():
    assert figures.timeline("t", [], {"a": article("a", None)}) == ""


# --- actor network ---


ACTORS = {a.id: a for a in (actor("nis", "National Intelligence Service", "agency"), actor("yoo", "Yoo Sang-bum"),
                            actor("reuters", "Reuters", "media"), actor("russia", "Russia", "state"),
                            actor("nk", "North Korea", "state"), actor("kim", "Kim Jong Un"),
                            actor("lonely", "Nobody Links Me"))}
RANKED = (("nk", 9), ("russia", 7), ("nis", 4), ("kim", 3), ("yoo", 2), ("reuters", 2), ("lonely", 1))


def network(claims, events=(), ranked=RANKED, actors=ACTORS) -> ET.Element:
    return parse(figures.actor_network("topic", ranked, actors, list(claims), list(events)))


def test_network_draws_claims_about_relays_and_shared_events():
    fig = network([claim("c1", by="nis", about=("russia", "nk", "nis"), via=("yoo", "reuters"))],
                  [event(dt.date(2023, 9, 13), "kim", "russia", "nk")])
    svg = assert_text_alternative(fig)
    assert sorted(hidden_rows(fig)) == sorted([
        ["National Intelligence Service", "makes claims about", "Russia", "1"],
        ["National Intelligence Service", "makes claims about", "North Korea", "1"],
        ["National Intelligence Service", "relays claims to", "Yoo Sang-bum", "1"],
        ["Yoo Sang-bum", "relays claims to", "Reuters", "1"],
        ["Kim Jong Un", "appears in events with", "North Korea", "1"],
        ["Kim Jong Un", "appears in events with", "Russia", "1"],
        ["North Korea", "appears in events with", "Russia", "1"],
    ]), "no self-link (a claim about its own author)"
    kinds = [e.get("class") for e in svg.iter() if "fig-edge" in (e.get("class") or "")]
    assert kinds.count("fig-edge fig-edge-about") == 2 and kinds.count("fig-edge fig-edge-relays") == 2
    assert kinds.count("fig-edge fig-edge-together") == 3
    # Kinds differ by line style (solid, dashed, dotted in style.css) and arrowheads, not colour alone.
    markers = {mk.get("id") for mk in svg.iter(f"{SVG}marker")}
    assert markers == {"fig-network-topic-about", "fig-network-topic-relays"}
    names = {"".join(t.itertext()).replace("Service", " Service").split()[0] for t in svg.iter(f"{SVG}text")}
    assert "Nobody" not in names, "an actor linked to nobody is left out"


def test_network_labels_wrap_and_are_escaped():
    actors = {**ACTORS, "nis": actor("nis", "Bureau <of> Truly & Remarkably Long Names", "agency")}
    fig = network([claim("c1", by="nis", about=("nk",))], actors=actors)
    label = next(t for t in svg_of(fig).iter(f"{SVG}text") if "Bureau" in "".join(t.itertext()))
    lines = [span.text for span in label.findall(f"{SVG}tspan")]
    # above or below its node (two nodes: top and bottom) a label has the figure's width
    assert lines == ["Bureau <of> Truly &", "Remarkably Long Names"]


LONG = "United States Cybersecurity and Infrastructure Security Administration"


@pytest.mark.parametrize("name, width, most, lines", [
    ("Russia", 14, 3, ["Russia"]),
    ("National Intelligence Service", 14, 3, ["National", "Intelligence", "Service"]),
    ("National Intelligence Service", 28, 2, ["National Intelligence", "Service"]),
    (LONG, 14, 3, ["United States", "Cybersecurity", "and Infrastru…"]),
    (LONG, 28, 2, ["United States Cybersecurity", "and Infrastructure Security…"]),
    ("Bureau of Truly Remarkably Long Names", 14, 3, ["Bureau of", "Truly", "Remarkably…"]),
    ("Bundesverfassungsgerichtspräsident", 14, 3, ["Bundesverfass…"]),
    ("A Bundesverfassungsgerichtspräsident B", 14, 3, ["A", "Bundesverfass…"]),
])
def test_network_label_wraps_and_marks_what_it_leaves_out(name, width, most, lines):
    assert figures._wrap(name, width, most) == lines


def test_network_never_clips_a_long_name_without_a_sign():
    actors = {**ACTORS, "nis": actor("nis", LONG, "agency"), "russia": actor("russia", LONG + " of Russia", "state")}
    fig = network([claim("c1", by="nis", about=("russia", "nk", "kim", "yoo"))], actors=actors)
    svg = svg_of(fig)
    for node in svg.iter(f"{SVG}g"):
        name = node.find(f"{SVG}title").text
        lines = [span.text for span in node.find(f"{SVG}text").findall(f"{SVG}tspan")]
        assert len(lines) <= 3 and all(len(line) <= 28 for line in lines), lines
        shown = " ".join(lines)
        assert shown == name or (shown.endswith("…") and name.startswith(shown[:-1].rstrip())), (name, lines)
    titles = {g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g")}
    assert {LONG, LONG + " of Russia"} <= titles, "the full name is the node's <title>"
    assert [LONG, "makes claims about", LONG + " of Russia", "1"] in hidden_rows(fig), "and in the text alternative"


def test_network_keeps_the_actors_who_figure_most():
    many = {f"x{i}": actor(f"x{i}") for i in range(40)}
    ranked = tuple((f"x{i}", 100 - i) for i in range(40))
    claims = [claim(f"c{i}", by=f"x{i}", about=(f"x{(i + 1) % 40}",)) for i in range(40)]
    fig = network(claims, ranked=ranked, actors=many)
    circles = svg_of(fig).findall(f".//{SVG}circle")
    assert len(circles) == figures.NETWORK_LIMIT
    shown = {r[0] for r in hidden_rows(fig)} | {r[2] for r in hidden_rows(fig)}
    assert shown <= {f"X{i}" for i in range(figures.NETWORK_LIMIT)}


def test_a_dense_network_draws_only_the_strongest_links():
    many = {f"x{i}": actor(f"x{i}") for i in range(12)}
    ranked = tuple((f"x{i}", 50 - i) for i in range(12))
    claims = [claim(f"c{i}-{j}", by=f"x{i}", about=(f"x{j}",)) for i in range(12) for j in range(12) if i != j]
    claims += [claim("again", by="x3", about=("x7",))]  # the one link made twice
    fig = network(claims, ranked=ranked, actors=many)
    svg = svg_of(fig)
    edges = [e for e in svg.iter() if "fig-edge" in (e.get("class") or "")]
    assert len(edges) == figures.EDGE_LIMIT == len(hidden_rows(fig))
    assert f"The {figures.EDGE_LIMIT} strongest of 132 links are drawn." in svg.find(f"{SVG}desc").text
    assert ["X3", "makes claims about", "X7", "2"] in hidden_rows(fig), "the strongest link is kept"
    widths = sorted({float(e.get("stroke-width")) for e in edges})
    assert widths == [1.5, 4.5], "stroke width grows with the number of claims"


def test_network_without_links_is_nothing():
    assert figures.actor_network("t", RANKED, ACTORS, [claim("c", by=None)], []) == ""
    assert figures.actor_network("t", (), ACTORS, [], []) == ""


def test_opposite_claims_curve_apart():
    fig = network([claim("c1", by="nis", about=("russia",)), claim("c2", by="russia", about=("nis",))])
    paths = [p.get("d") for p in svg_of(fig).iter(f"{SVG}path") if "fig-edge" in (p.get("class") or "")]
    assert len(paths) == 2 and paths[0] != paths[1]
    controls = {re.search(r"Q(\S+ \S+)", d).group(1) for d in paths}
    assert len(controls) == 2, "a->b and b->a bend to different sides"


# --- every figure ---


@pytest.mark.parametrize("make", [
    lambda: figures.status_mix("a-b", [claim("c")]),
    lambda: figures.timeline("a-b", [event(dt.date(2023, 1, 2))], {}),
    lambda: figures.actor_network("a-b", RANKED, ACTORS, [claim("c", by="nis", about=("nk",))], []),
])
def test_figures_are_deterministic_and_their_ids_are_scoped(make):
    first, second = make(), make()
    assert first == second
    ids = re.findall(r'\bid="([^"]+)"', str(first))
    assert ids and all(i.startswith("fig-") and "a-b" in i for i in ids)
    assert len(ids) == len(set(ids))
