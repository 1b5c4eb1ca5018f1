"""Events: in date order on every page, one entry per event id, partial dates as written.

tests/fixtures/valid/events/ has three articles reporting one explosion under the event id
``pipeline-blast``, events written out of date order, two on one day told apart by their time,
two on another day told apart by their articles' dates, and the partial dates ``2022-06`` and
``2022``. The expected order is written out below, as a reader sees it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from briefgen.build import build
from briefgen.errors import BuildFailed
from html_tree import Element, parse_html

PROJECT = Path(__file__).resolve().parent / "fixtures" / "valid" / "events"
TODAY = dt.date(2025, 6, 1)

ALL_EVENTS = [
    "2022 The pipeline is idle all year. Source: Third report",
    "June 2022 Divers survey the pipeline. Source: Second report",
    "26 September 2022, 02:03 An explosion hits the pipeline. (Navy) Sources: First report; Second report; Third report",
    "26 September 2022, 19:03 A second explosion hits the pipeline. Source: Second report",
    "27 September 2022 Investigators reach the site. Source: First report",
    "27 September 2022 A leak is seen from the air. Source: Third report",
]


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    return build(PROJECT, None, today=TODAY, index_search=False, parallel=False).files


def events_of(site: dict[str, bytes], path: str) -> list[str]:
    tree: Element = parse_html(site[path])
    return [li.text for li in tree.find("section", **{"aria-labelledby": "events-h"}).find("ol").find_all("li")] \
        if path != "topics/blast/index.html" else [li.text for li in tree.find("ol", cls="timeline").find_all("li")]


def test_timeline_lists_each_event_once_in_date_order(site):
    assert events_of(site, "timeline/index.html") == ALL_EVENTS


def test_topic_lists_each_event_once_in_date_order(site):
    assert events_of(site, "topics/blast/index.html") == ALL_EVENTS


def test_article_lists_its_events_in_date_order_with_every_source(site):
    assert events_of(site, "articles/a-first/index.html") == [ALL_EVENTS[2], ALL_EVENTS[4]]
    assert events_of(site, "articles/z-third/index.html") == [ALL_EVENTS[0], ALL_EVENTS[2], ALL_EVENTS[5]]


def test_partial_dates_are_marked_up_as_written(site):
    html = site["timeline/index.html"].decode()
    assert '<time datetime="2022">2022</time>' in html
    assert '<time datetime="2022-06">June 2022</time>' in html
    assert '<time datetime="2022-09-26T02:03">26 September 2022, 02:03</time>' in html


def test_timeline_figure_names_partial_dates_as_written(site):
    figure = parse_html(site["topics/blast/index.html"]).find("figure", id="fig-timeline-blast")
    rows = [tuple(td.text for td in tr.find_all("td")) for tr in figure.find_all("tr")]
    assert ("2022", "Event 1: The pipeline is idle all year.") in rows
    assert ("June 2022", "Event 2: Divers survey the pipeline.") in rows
    assert "from 2022 to 30 September 2022." in site["topics/blast/index.html"].decode()


def test_briefing_json_keeps_dates_as_written(site):
    data = site["briefing.json"].decode()
    assert '"date": "2022-06"' in data and '"id": "pipeline-blast"' in data and '"time": "02:03"' in data


def copy_project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(PROJECT, tmp_path / "project"))


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_conflicting_reports_keep_the_first_published_and_warn_naming_both(tmp_path):
    project = copy_project(tmp_path)
    first = project / "content/articles/a-first.md"
    first.write_text(first.read_text().replace("published: 2022-09-27", "published: 2022-10-05"))
    notes = project / "content/articles/a-first.yaml"
    notes.write_text(notes.read_text().replace("text: An explosion hits the pipeline.", "text: A blast hits the pipeline."))
    result = build(project, None, today=TODAY, index_search=False, parallel=False)
    [warning] = [d for d in result.warnings if d.code == "event-conflict"]
    winner = project / "content/articles/m-second.yaml"
    assert (warning.file, warning.line) == ("content/articles/a-first.yaml", line_of(notes, "A blast"))
    assert f"content/articles/m-second.yaml:{line_of(winner, 'An explosion')}" in warning.message
    assert "An explosion hits the pipeline. (Navy) Sources: Second report; Third report; First report" in \
        " ".join(events_of(result.files, "timeline/index.html"))
    with pytest.raises(BuildFailed):
        build(project, None, today=TODAY, index_search=False, parallel=False, strict=True)


@pytest.mark.parametrize("written, future", [("2026", True), ("2025-07", True), ("2025", False), ("2025-06", False),
                                             ("2025-06-02", True), ("2025-06-01", False)])
def test_future_date_of_a_period_is_its_first_day(tmp_path, written, future):
    project = copy_project(tmp_path)
    notes = project / "content/articles/m-second.yaml"
    notes.write_text(notes.read_text().replace("date: 2022-06", f"date: {written}"))
    result = build(project, None, today=TODAY, index_search=False, parallel=False)
    found = [d.message for d in result.warnings if d.code == "future-date"]
    assert found == ([f"events[2].date: {written} is in the future"] if future else [])


@pytest.mark.parametrize("file, old, new, message", [
    ("m-second.yaml", "date: 2022-06", "date: 2022-13", "events[2].date: '2022-13' is not a date"),
    ("m-second.yaml", "date: 2022-06", "date: 2022-02-30",
     "events[2].date: '2022-02-30' is not a day of the calendar: February 2022 has 28 days"),
    ("m-second.yaml", 'time: "19:03"', 'time: "7pm"', "events[0].time: '7pm' is not a time of day"),
    ("m-second.yaml", "date: 2022-06", "date: 2022-06\n    time: '10:00'",
     "events[2].time: a time of day needs a full date, not 2022-06"),
    ("m-second.md", "published: 2022-09-28", "published: 2022-09", "published: '2022-09' is not a date"),
])
def test_bad_event_dates_and_times_are_errors(tmp_path, file, old, new, message):
    project = copy_project(tmp_path)
    path = project / "content/articles" / file
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(BuildFailed) as failed:
        build(project, None, today=TODAY, index_search=False, parallel=False)
    assert message in [d.message for d in failed.value.diagnostics]
