"""Submission against the telescopes: fields tiled for the camera that can take them, and
requests no capable telescope can observe in their window refused, naming the request."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sched_rig import ROOT, TELESCOPES, example, single_target

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake
from astrotango.control.observation.records import task_spec
from astrotango.control.scheduler import schedulable_tasks
from astrotango.control.scheduler.submission import SubmissionCheck
from astrotango.domain import Unobservable
from astrotango.store import Store, open_store

SUBMITTED = datetime.fromisoformat("2026-12-15T17:30:00+00:00")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


def intake(
    store: Store, at: datetime = SUBMITTED, telescopes: str = json.dumps(TELESCOPES)
) -> ObservationIntake:
    return ObservationIntake(
        store, clock=ManualClock(at), planning=SubmissionCheck.from_json(telescopes)
    )


def sample_telescopes() -> str:
    config = json.loads((ROOT / "tango-db" / "scheduler.json").read_text())
    [scheduler] = config["servers"]["AstroScheduler"]["1"]["Scheduler"].values()
    return "".join(scheduler["properties"]["Telescopes"])


def mosaic(filter_name: str, width_deg: float, height_deg: float) -> dict[str, Any]:
    document = copy.deepcopy(example("m31_mosaic"))
    request = document["requests"][0]
    request["exposures"] = [{"filter": filter_name, "exposure_s": 60, "count": 1}]
    request["field"] = {"width_deg": width_deg, "height_deg": height_deg, "overlap": 0.1}
    document["iterations"] = 1
    document.pop("monitoring", None)
    return document


@pytest.mark.parametrize(
    ("filter_name", "size", "tiles", "fov"),
    [
        ("z", (2.9, 2.0), 6, 1.2),  # only t1's 1.2 deg camera has z: was 12 tiles at 1 deg
        ("Halpha", (0.6, 0.5), 9, 0.25),  # only t2's 0.25 deg camera: was 1 task at 1 deg
    ],
)
def test_a_field_is_tiled_for_the_camera_that_can_take_it(
    store: Store, filter_name: str, size: tuple[float, float], tiles: int, fov: float
) -> None:
    obs = intake(store).submit(json.dumps(mosaic(filter_name, *size)))
    records = store.tasks_of_observation(obs)
    assert len(records) == tiles
    specs = [task_spec(r) for r in records]
    assert {s.tile_fov_deg for s in specs} == {fov}
    planned = schedulable_tasks(specs, at=SUBMITTED, site_lat_deg=28.76, fov_deg=1.0)
    assert {t.fov_need_deg for t in planned} == {fov}, "a telescope needs the tile's field"


def jupiter_at_dusk() -> dict[str, Any]:
    document = example("jupiter_outreach")
    document["window"] = {"start": "2026-12-15T19:00:00Z", "end": "2026-12-15T23:00:00Z"}
    document["requests"][0]["timing"]["start_at"] = "2026-12-15T20:30:00Z"
    return document


def test_a_target_never_up_in_its_window_is_refused_naming_the_request(store: Store) -> None:
    """Jupiter was below -30 deg all window and accepted silently."""
    with pytest.raises(Unobservable) as refused:
        intake(store).submit(json.dumps(jupiter_at_dusk()))
    assert refused.value.fields == ("requests.0",), "M42 (request 1) is fine"
    assert "never observable" in str(refused.value)
    assert "altitude" in str(refused.value), str(refused.value)
    assert store.list_observations() == [], "nothing is half-stored"


def test_check_visibility_false_accepts_it(store: Store) -> None:
    document = jupiter_at_dusk()
    document["requests"][0]["check_visibility"] = False
    obs = intake(store).submit(json.dumps(document))
    assert len(store.tasks_of_observation(obs)) == 5


def test_a_target_submitted_after_it_set_is_refused(store: Store) -> None:
    document = single_target(
        "capella", 79.17, 45.99, window=("2026-12-15T20:00:00Z", "2026-12-16T07:00:00Z")
    )
    intake(store).submit(json.dumps(document))  # up most of the night: fine
    late = SUBMITTED + timedelta(hours=13)  # 06:30: Capella has set (and the sky is bright)
    with pytest.raises(Unobservable, match=r"requests\.0: never observable"):
        intake(store, late).submit(json.dumps({**document, "name": "too late"}))


def test_a_request_no_telescope_can_take_is_refused(store: Store) -> None:
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["exposures"] = [{"filter": "Y", "exposure_s": 60, "count": 1}]
    with pytest.raises(Unobservable, match="no telescope has an optical camera with filter Y"):
        intake(store).submit(json.dumps(document))


def test_every_sample_observation_is_accepted_by_the_sample_telescopes(store: Store) -> None:
    telescopes = sample_telescopes()
    samples = ROOT / "src" / "astrotango" / "samples"
    night = json.loads((samples / "night.json").read_text())
    for entry in night["submissions"]:
        document = json.loads((samples / entry["document"]).read_text())
        at = datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))
        intake(store, at, telescopes).submit(json.dumps(document))


@pytest.mark.parametrize(
    ("filter_name", "readout_s"),
    [("z", 8.0), ("Halpha", 20.0), ("r", 20.0)],  # t1 only, t2 only, either: the slower
)
def test_an_estimate_uses_the_readout_of_the_telescopes_that_can_take_it(
    store: Store, filter_name: str, readout_s: float
) -> None:
    """t2 reads out in 20 s, the estimates assumed 5 s: t2 tasks took about 2x their plan."""
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["exposures"] = [{"filter": filter_name, "exposure_s": 30, "count": 10}]
    obs = intake(store, telescopes=sample_telescopes()).submit(json.dumps(document))
    [task] = store.tasks_of_observation(obs)
    slew, settle = 60.0, {8.0: 3.0, 20.0: 8.0}[readout_s]
    assert task.duration_s == pytest.approx(slew + settle + 10 * (30 + readout_s))


def test_the_warm_up_asks_the_telescopes_and_stores_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The controller answers one visibility question as it starts (the first submission
    cold took 1.0 s unloaded and over 3 s, a client's timeout, on a loaded machine)."""
    asked: list[int] = []
    check = SubmissionCheck.from_json(sample_telescopes())
    refusals = check.refusals
    monkeypatch.setattr(
        check, "refusals", lambda o, t, now: asked.append(len(t)) or refusals(o, t, now)
    )
    ObservationIntake(store, clock=ManualClock(SUBMITTED), planning=check).warm_up()
    assert asked and asked[0] > 0, "the visibility of real tasks was computed"
    assert sum(store.count_by_status().values()) == 0, "nothing stored"
    ObservationIntake(store, clock=ManualClock(SUBMITTED)).warm_up()  # no telescopes: nothing
