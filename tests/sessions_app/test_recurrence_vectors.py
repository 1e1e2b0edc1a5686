"""The shared recurrence vectors: each schedule must produce exactly the expected instants."""

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from sessions_app import services
from sessions_app.models import Session
from tests.factories import GroupFactory

VECTORS = (
    Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "recurrence_vectors.json"
)
if not VECTORS.exists():  # a checkout that carries its own copy
    VECTORS = Path(__file__).resolve().parents[1] / "data" / "recurrence_vectors.json"
CASES = json.loads(VECTORS.read_text())["cases"]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c["title"] for c in CASES])
def test_recurrence_vector(case):
    group = GroupFactory(timezone=case["timezone"])
    first = datetime.fromisoformat(case["expected_starts"][0])
    # Freeze the clock a day before the case's first session, as the vectors ask.
    with time_machine.travel(first - timedelta(days=1), tick=False):
        schedule = services.schedule_create(
            group=group,
            start=case["start"],
            duration_minutes=60,
            recurrence=case["recurrence"],
        )
        # Every case fits in a year; the default 120-day horizon would cut the longer ones.
        services.sessions_materialize(schedule=schedule, horizon_days=400)
    starts = list(
        Session.objects.filter(schedule=schedule).order_by("start").values_list("start", flat=True)
    )
    expected = [
        datetime.fromisoformat(s.replace("Z", "+00:00")) for s in case["expected_starts_utc"]
    ]
    assert starts == expected
    # And as local wall-clock strings with the zone's offset, like the API shows them.
    local = [s.astimezone(group.tz).isoformat() for s in starts]
    assert local == case["expected_starts"]
