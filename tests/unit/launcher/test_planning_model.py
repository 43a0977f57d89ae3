"""The Scheduler's telescope model agrees with the telescopes it models (tango-db/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


def devices(path: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for instances in json.loads(path.read_text())["servers"].values():
        for classes in instances.values():
            for members in classes.values():
                for name, device in members.items():
                    out[name] = {k: "".join(v) for k, v in device.get("properties", {}).items()}
    return out


@pytest.mark.parametrize("variant", ["", "indi", "alpaca"])
def test_the_scheduler_model_matches_every_telescope(variant: str) -> None:
    folder = ROOT / "tango-db" / variant
    scheduler = devices(folder / "scheduler.json")["astro/scheduler/1"]
    telescopes = devices(folder / "telescopes.json")
    for entry in json.loads(scheduler["Telescopes"]):
        props = telescopes[entry["id"]]
        instruments = json.loads(props["Instruments"])
        cameras = [i for i in instruments if i["kind"] == "optical_camera"]
        if cameras:
            [camera] = cameras
            assert entry["fov_deg"] == camera["fov_deg"], entry["id"]
            assert sorted(entry["filters"]) == sorted(camera["filters"]), entry["id"]
        simulated = json.loads(props.get("SimulatorParameters", "{}") or "{}")
        for key in ("min_altitude_deg", "readout_s", "settle_s"):
            if key in simulated and (key != "readout_s" or cameras):
                assert entry.get(key) == simulated[key], f"{entry['id']} {key}"
