"""Attribute configuration of the shipped tango-db/: units, alarm limits, archive criteria.

Every sensor reading, constraint value and telescope position must reach an operator with a
unit and alarm limits, and every measured value must reach HDB++ with archive criteria, once
``tango-db/`` is loaded. Each has one source: intrinsic units in the device classes (or, for a
constraint, the unit of the quantity its model judges), site-tunable limits and archive
criteria in ``tango-db/`` (a constraint's alarm limits are its gate limits, ``MinValue`` and
``MaxValue``). This checks the JSON against the device classes' declared attributes; no Tango.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from astrotango.devices.controller import ObservationController
from astrotango.devices.host_telemetry import HostTelemetry
from astrotango.devices.telescope import Telescope
from astrotango.devices.weather import WeatherStation
from astrotango.domain.constraints import ConstraintType, build_constraint
from astrotango.simulation.sensors import HOST_SENSORS, WEATHER_SENSORS, attribute_name

ROOT = Path(__file__).resolve().parents[3]
FOLDERS = [ROOT / "tango-db", ROOT / "tango-db" / "indi", ROOT / "tango-db" / "alpaca"]
#: Class -> the attributes that must carry a unit and alarm limits.
MEASURED: dict[str, tuple[str, ...]] = {
    "WeatherStation": tuple(attribute_name(s) for s in WEATHER_SENSORS),
    "HostTelemetry": tuple(attribute_name(s) for s in HOST_SENSORS),
    "Telescope": ("ra", "dec", "alt", "az", "focusPosition", "focuserTemperature"),
}
CLASSES: dict[str, Any] = {
    "WeatherStation": WeatherStation,
    "HostTelemetry": HostTelemetry,
    "Telescope": Telescope,
    "ObservationController": ObservationController,
}
ALARMS = ("min_alarm", "max_alarm")
ARCHIVE = ("archive_abs_change", "archive_rel_change", "archive_period")
COUNTS = [n for n in vars(ObservationController) if n.endswith("Count")]


def devices(folder: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(class, device, config) of every device the folder's files declare."""
    found = []
    for path in sorted(folder.glob("*.json")):
        for instances in json.loads(path.read_text())["servers"].values():
            for classes in instances.values():
                for cls, members in classes.items():
                    found += [(cls, name, config) for name, config in members.items()]
    return found


def code_option(cls: str, attribute: str, option: str) -> Any:
    """What the device class declares for ``attribute`` (its ``attribute(...)`` keywords)."""
    return getattr(CLASSES[cls], attribute)._kwargs.get(option)


def db_option(config: dict[str, Any], attribute: str, option: str) -> str | None:
    values = config.get("attribute_properties", {}).get(attribute, {}).get(option)
    return None if values is None else "".join(values)


def test_the_measured_attributes_exist_on_their_classes() -> None:
    for cls, attributes in MEASURED.items():
        for attribute in attributes:
            assert code_option(cls, attribute, "name") == attribute, f"{cls}.{attribute}"
    assert len(COUNTS) == 8


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_reading_and_position_has_one_unit_and_alarm_limits(folder: Path) -> None:
    checked = 0
    for cls, device, config in devices(folder):
        for attribute in MEASURED.get(cls, ()):
            where = f"{folder.name}: {device}/{attribute}"
            in_code, in_db = (
                code_option(cls, attribute, "unit"),
                db_option(config, attribute, "unit"),
            )
            assert bool(in_code) != bool(in_db), f"{where}: a unit, in code or tango-db, once"
            limits = [db_option(config, attribute, o) for o in ALARMS]
            assert any(v is not None for v in limits), f"{where}: no alarm limits"
            low, high = (float(v) if v is not None else math.nan for v in limits)
            assert not low >= high, f"{where}: min_alarm must be below max_alarm"
            for side in ("min", "max"):
                warning = db_option(config, attribute, f"{side}_warning")
                if warning is not None:
                    alarm = low if side == "min" else high
                    inside = float(warning) >= alarm if side == "min" else float(warning) <= alarm
                    assert math.isnan(alarm) or inside, f"{where}: warning beyond the alarm"
            checked += 1
    assert checked >= 9 + 4 * 6, "weather, host and four telescopes"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_measured_value_has_archive_criteria(folder: Path) -> None:
    for cls, device, config in devices(folder):
        wanted: tuple[str, ...] = MEASURED.get(cls, ())
        if cls == "Telescope":
            wanted += ("heartbeat",)
        elif cls == "ObservationController":
            wanted = tuple(COUNTS)
        elif cls == "OperationalConstraint":
            wanted = ("value",)
        for attribute in wanted:
            in_db = [db_option(config, attribute, o) for o in ARCHIVE]
            in_code = [code_option(cls, attribute, o) for o in ARCHIVE] if cls in CLASSES else []
            assert any(v is not None for v in in_db + in_code), f"{device}/{attribute}"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_the_heartbeat_is_archived_a_row_a_minute_not_every_beat(folder: Path) -> None:
    telescopes = [(d, c) for cls, d, c in devices(folder) if cls == "Telescope"]
    assert telescopes
    for device, config in telescopes:
        period_ms = float(db_option(config, "heartbeat", "archive_period") or "inf")
        step_s = float(db_option(config, "heartbeat", "archive_abs_change") or "0")
        beat_s = float("".join(config.get("properties", {}).get("HeartbeatPeriod", ["10"])))
        assert period_ms >= 60_000, f"{device}: heartbeat archived more than once a minute"
        assert step_s > 60 * beat_s, f"{device}: the change criterion passes every beat"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_constraint_value_has_a_unit_and_alarm_limits_from_its_model(folder: Path) -> None:
    constraints = [(d, c) for cls, d, c in devices(folder) if cls == "OperationalConstraint"]
    assert len(constraints) >= 10
    for device, config in constraints:
        props = config.get("properties", {})

        def first(name: str, default: str, props: dict[str, Any] = props) -> str:
            return "".join(props.get(name, [default]))

        model = build_constraint(
            ConstraintType(first("ConstraintType", "weather_sensor")),
            float(first("MinValue", "nan")),
            float(first("MaxValue", "nan")),
            sensor_attribute=first("SensorAttribute", ""),
        )
        assert model.unit_name(), f"{device}: the value's unit comes from the model"
        assert (model.min_value, model.max_value) != (None, None), f"{device}: no limits"
        assert db_option(config, "value", "unit") is None, f"{device}: unit set twice"
        for option in ALARMS:
            assert db_option(config, "value", option) is None, f"{device}: {option} set twice"
