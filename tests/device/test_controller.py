"""ObservationController with a client in another process: submit, read, cancel, resubmit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import tango
from sched_rig import example
from tango.test_context import DeviceTestContext

from astrotango.control_model import AdminMode
from astrotango.devices.controller import ObservationController

OBSERVATION_EDGE = "observation"


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tango.DeviceProxy]:
    url = f"sqlite:///{tmp_path_factory.mktemp('ctl') / 'store.db'}"
    properties = {"StoreUrl": url, "SimulationStart": "2026-12-15T12:00:00Z", "ClockScale": 1.0001}
    with DeviceTestContext(
        ObservationController, process=True, properties=properties, timeout=60
    ) as proxy:
        proxy.adminMode = AdminMode.ONLINE
        yield proxy


def transitions(log: Any, entity_id: str) -> list[dict[str, Any]]:
    return [
        json.loads(v)
        for n, v in log.seen
        if n == "lasttransition" and v != "{}" and json.loads(v)["id"] == entity_id
    ]


def test_submit_stores_announces_and_counts(device: tango.DeviceProxy, events: Any) -> None:
    log = events(device, "lastTransition", "pendingCount")
    before = device.pendingCount
    observation_id = device.SubmitObservation(json.dumps(example("m31_mosaic")))
    log.wait_for(lambda n, v: n == "lasttransition" and observation_id in v)
    [created] = transitions(log, observation_id)
    assert (created["from"], created["to"], created["actor"]) == (None, "pending", "user")
    log.wait_for(lambda n, v: n == "pendingcount" and v == before + 1)
    view = json.loads(device.GetObservation(observation_id))
    assert view["status"] == "pending" and view["tasks"]
    assert all(t["status"] == "pending" for t in view["tasks"])
    assert view["document"]["name"] == example("m31_mosaic")["name"]
    listed = json.loads(device.ListObservations(json.dumps({"status": "pending"})))
    assert observation_id in [o["id"] for o in listed]
    assert any(o["id"] == observation_id for o in json.loads(device.activeObservations))


@pytest.mark.parametrize(
    ("mutate", "reason", "field"),
    [
        (lambda d: d["requests"][0]["target"].update(dec_deg=95), "ValidationError", "dec_deg"),
        (lambda d: d.update(queue="outreach"), "PolicyViolation", "data_policy"),
        (lambda d: d.pop("requests"), "ValidationError", "requests"),
    ],
)
def test_a_bad_document_is_refused_naming_the_field_and_nothing_is_stored(
    device: tango.DeviceProxy, mutate: Any, reason: str, field: str
) -> None:
    document = example("m31_mosaic")
    mutate(document)
    total = len(json.loads(device.ListObservations(json.dumps({"limit": 1000}))))
    with pytest.raises(tango.DevFailed) as info:
        device.SubmitObservation(json.dumps(document))
    assert info.value.args[0].reason == f"AstroTango_{reason}"
    assert field in info.value.args[0].desc
    assert len(json.loads(device.ListObservations(json.dumps({"limit": 1000})))) == total


def test_cancel_ends_the_observation_and_its_tasks(device: tango.DeviceProxy, events: Any) -> None:
    log = events(device, "lastTransition")
    observation_id = device.SubmitObservation(json.dumps(example("calibration_night")))
    device.CancelObservation(observation_id)
    log.wait_for(lambda n, v: n == "lasttransition" and '"to": "aborted"' in v)
    view = json.loads(device.GetObservation(observation_id))
    assert view["status"] == "aborted"
    assert {t["status"] for t in view["tasks"]} == {"canceled"}
    assert [h["to_status"] for h in view["history"]] == ["pending", "aborted"]
    with pytest.raises(tango.DevFailed) as info:
        device.AbortObservation(observation_id)
    assert info.value.args[0].reason == "AstroTango_IllegalTransition"
    again = device.ResubmitObservation(observation_id)
    assert again != observation_id
    assert json.loads(device.GetObservation(again))["status"] == "pending"


def test_reads_refuse_bad_input_clearly(device: tango.DeviceProxy) -> None:
    with pytest.raises(tango.DevFailed, match="obs-nope"):
        device.GetObservation("obs-nope")
    with pytest.raises(tango.DevFailed, match="status"):
        device.ListObservations(json.dumps({"status": "sleeping"}))
    with pytest.raises(tango.DevFailed, match="colour"):
        device.ListObservations(json.dumps({"colour": "red"}))
