"""Planning ExecuteTask: subtasks per request type, and what a telescope refuses."""

from __future__ import annotations

from typing import Any

import pytest
from tel_rig import CAPELLA, task_spec

from astrotango.control.telescope import SKY_FIELD, StepKind, TaskRefused, plan_task
from astrotango.hardware import EquatorialPointing, parse_instruments

BOTH = parse_instruments(
    '[{"kind": "optical_camera", "name": "cam", "fov_deg": 0.5, "filters": ["g", "r"]},'
    ' {"kind": "radio_receiver", "name": "rx", "beam_deg": 0.6, "band_ghz": [1.0, 2.0]}]'
)
POINT = EquatorialPointing(79.172, 45.998, "Capella")


def plan(request: dict[str, Any], pointing: Any = POINT, element: int = 0) -> Any:
    return plan_task(task_spec(request, element), pointing, BOTH, max_integration_s=60.0)


def test_imaging_exposes_each_frame_in_order_through_its_filter() -> None:
    exposures = [{"filter": "g", "exposure_s": 10, "count": 2}, {"filter": "r", "exposure_s": 5}]
    result = plan({"type": "optical_imaging", "target": CAPELLA, "exposures": exposures})
    assert result.subtask_names == ("slew", "settle", "expose_1", "expose_2", "expose_3", "upload")
    frames = [s.exposure for s in result.steps if s.kind is StepKind.EXPOSE]
    assert [(f.filter, f.exposure_s, f.task.subtask) for f in frames] == [
        ("g", 10, "expose_1"), ("g", 10, "expose_2"), ("r", 5, "expose_3"),
    ]  # fmt: skip
    assert result.instrument == "cam" and result.needs_sky


def test_time_based_imaging_takes_the_passes_that_fit_the_duration() -> None:
    """40 s frames with 5 s readouts in 100 s: two fit (a third would end at 135 s)."""
    result = plan(
        {
            "type": "optical_imaging",
            "target": CAPELLA,
            "exposures": [{"filter": "r", "exposure_s": 40}],
            "timing": {"mode": "time_based", "duration_s": 100},
        }
    )
    assert result.subtask_names[2:] == ("expose_1", "expose_2", "upload")


def test_radio_tracking_is_split_into_integrations_on_the_receiver() -> None:
    result = plan(
        {"type": "radio_tracking", "target": CAPELLA, "frequency_ghz": 1.42, "duration_s": 130}
    )
    assert result.instrument == "rx" and result.frequency_ghz == 1.42
    durations = [s.integration.duration_s for s in result.steps if s.integration is not None]
    assert durations == pytest.approx([130 / 3] * 3)


def test_a_radio_map_element_integrates_its_share_of_the_map() -> None:
    pattern = {"kind": "raster", "width_deg": 2, "height_deg": 2, "rows": 2, "columns": 2}
    request = {
        "type": "radio_mapping", "target": CAPELLA, "pattern": pattern,
        "frequency_ghz": 1.4, "duration_s": 400,
    }  # fmt: skip
    result = plan(request, element=3)
    assert result.subtask_names == ("slew", "settle", "integrate_1", "integrate_2", "upload")
    durations = [s.integration.duration_s for s in result.steps if s.integration is not None]
    assert durations == pytest.approx([50.0, 50.0])  # a quarter of 400 s, in <= 60 s chunks


@pytest.mark.parametrize(
    ("kind", "extra", "names", "pointing", "sky"),
    [
        ("bias", {"count": 2}, ["expose_1", "expose_2", "upload"], None, False),
        ("dark", {"exposure_s": 60}, ["expose_1", "upload"], None, False),
        ("sky_flat", {"filter": "g"}, ["slew", "settle", "expose_1", "upload"], SKY_FIELD, True),
    ],
)
def test_calibrations(
    kind: str, extra: dict[str, Any], names: list[str], pointing: Any, sky: bool
) -> None:
    result = plan({"type": "calibration", "kind": kind, **extra}, pointing=None)
    assert list(result.subtask_names) == names
    assert result.pointing == pointing and result.needs_sky is sky
    first = result.steps[-2].exposure
    assert first is not None and first.image_type == kind.replace("_", " ")


def test_a_filter_the_camera_lacks_is_refused() -> None:
    exposures = [{"filter": "z", "exposure_s": 10}]
    with pytest.raises(TaskRefused, match="filter 'z' is not on cam") as info:
        plan({"type": "optical_imaging", "target": CAPELLA, "exposures": exposures})
    assert info.value.reason == "InstrumentUnavailable"


def test_a_frequency_outside_the_band_is_refused() -> None:
    with pytest.raises(TaskRefused, match="outside the band of rx"):
        plan({"type": "radio_tracking", "target": CAPELLA, "frequency_ghz": 8, "duration_s": 60})
