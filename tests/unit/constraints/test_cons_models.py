"""One model per constraint type: defaults, units, the physical range; garbage never passes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrotango.domain.constraints import (
    CONSTRAINT_MODELS,
    BatteryConstraint,
    ConstraintType,
    WeatherQuantity,
    build_constraint,
)


@pytest.mark.parametrize(
    ("kind", "good", "bad", "threshold"),
    [
        ("battery", 55.0, 12.0, "min_value"),
        ("storage", 200.0, 3.0, "min_value"),
        ("camera_temperature", -20.0, 5.0, "max_value"),
        ("sun_altitude", -30.0, -5.0, "max_value"),
        ("mount_sun_separation", 90.0, 10.0, "min_value"),
    ],
)
def test_type_defaults(kind: str, good: float, bad: float, threshold: str) -> None:
    model = build_constraint(kind)
    assert model(good).ok
    check = model(bad)
    assert not check.ok and check.threshold == threshold and check.value == bad
    assert threshold.split("_")[0] in check.reason


def test_every_type_has_one_model() -> None:
    assert set(CONSTRAINT_MODELS) == set(ConstraintType)


@pytest.mark.parametrize(
    ("attribute", "quantity", "unit"),
    [
        ("windSpeed", "wind_speed", "m/s"),
        ("cloudCover", "cloud_cover", "%"),
        ("rain", "rain", "mm/h"),
        ("barometer", "other", ""),
    ],
)
def test_weather_quantity_from_attribute(attribute: str, quantity: str, unit: str) -> None:
    model = build_constraint("weather_sensor", max_value=10.0, sensor_attribute=attribute)
    assert model.quantity == quantity == WeatherQuantity.from_attribute(attribute)
    assert model.unit_name() == unit


@pytest.mark.parametrize(
    "raw", [math.nan, math.inf, -math.inf, "12", None, [1.0], -1.0, 101.0, 1e300, object()]
)
def test_garbage_is_never_ok(raw: object) -> None:
    check = BatteryConstraint(min_value=None, max_value=None)(raw)
    assert not check.ok and check.threshold == "garbage" and check.value is None


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(), st.none()))
def test_wind_garbage_or_limit_decides(raw: object) -> None:
    model = build_constraint("weather_sensor", max_value=15.0, sensor_attribute="windSpeed")
    check = model(raw)
    usable = isinstance(raw, float) and math.isfinite(raw) and 0.0 <= raw <= 120.0
    assert check.ok == (usable and raw <= 15.0)
    if not usable:
        assert check.threshold == "garbage"


@pytest.mark.parametrize(
    ("kind", "kwargs", "field"),
    [
        ("snow", {}, "constraint_type"),
        ("battery", {"min_value": 50.0, "max_value": 10.0}, "min_value"),
    ],
)
def test_bad_configuration_names_the_field(kind: str, kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        build_constraint(kind, **kwargs)


def test_nan_limit_keeps_the_default() -> None:
    assert build_constraint("battery", math.nan).min_value == 30.0
    assert build_constraint("battery", 40.0).min_value == 40.0
