"""The case page's propagation chart: a case's evidence per hour (per day past three days),
stacked by source type with replies apart, drawn as inline SVG on the real demo server."""

from __future__ import annotations

import re

from alerts.web.charts import propagation_chart
from alerts.web.views import SOURCE_LABELS
from tests.alerts.web.conftest import Demo, api_client
from tests.factories import make_scored


def test_items_per_hour_by_source_with_replies_apart() -> None:
    items = [
        make_scored(1, source_type="weibo", published_at="2026-11-20T08:10:00+08:00"),
        make_scored(2, source_type="weibo", published_at="2026-11-20T08:50:00+08:00"),
        make_scored(3, source_type="forum", published_at="2026-11-20T10:05:00+08:00"),
        make_scored(4, parent_id="item-3", published_at="2026-11-20T10:30:00+08:00"),
    ]
    chart = propagation_chart(items, SOURCE_LABELS)
    assert chart is not None and chart.total == 4 and "每小时" in chart.title
    assert [label for _, label in chart.x_labels] == ["20日08时", "20日09时", "20日10时"]
    assert {label: n for _, label, n in chart.legend} == {"论坛": 1, "微博": 2, "跟帖/回复": 1}
    assert propagation_chart([], SOURCE_LABELS) is None


def test_a_long_spread_is_drawn_per_day() -> None:
    items = [
        make_scored(1, published_at="2026-11-01T08:00:00+08:00"),
        make_scored(2, published_at="2026-11-20T08:00:00+08:00"),
    ]
    chart = propagation_chart(items, SOURCE_LABELS)
    assert chart is not None and "每日" in chart.title and len(chart.x_labels) <= 11
    assert chart.x_labels[0][1] == "11-01" and chart.x_labels[-1][1] == "11-20"


def test_the_case_page_draws_how_the_event_spread(server, demo: Demo) -> None:
    client, _ = api_client(server, demo.users["monitor"])
    page = client.get(f"/cases/{demo.workflow_case}")
    assert page.status_code == 200
    panel = page.text.split("传播过程", 1)[1].split("</section>", 1)[0]
    assert "<svg" in panel and re.search(r"<rect x=", panel), "bars are drawn"
    assert "<script" not in panel
