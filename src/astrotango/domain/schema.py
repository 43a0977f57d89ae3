"""The observation document's JSON Schema, generated from the models and shipped beside them.

Regenerate the shipped file after changing a model::

    python -c "from astrotango.domain import write_observation_schema as w; print(w())"
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from astrotango.domain.observation import Observation

__all__ = [
    "SCHEMA_FILENAME",
    "observation_json_schema",
    "render_observation_schema",
    "shipped_observation_schema",
    "write_observation_schema",
]

SCHEMA_FILENAME = "observation.schema.json"
_SCHEMA_ID = "https://astrotango.invalid/schemas/observation.schema.json"


def observation_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an observation document, as submitted."""
    schema = Observation.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _SCHEMA_ID,
        "description": (
            "An astrotango observation: settings shared by its requests, and the requests "
            "(optical_imaging, radio_tracking, radio_mapping, calibration)."
        ),
        **schema,
    }


def render_observation_schema() -> str:
    """The schema as the shipped file's text (sorted keys, 2-space indent, final newline)."""
    return json.dumps(observation_json_schema(), indent=2, sort_keys=True) + "\n"


def shipped_observation_schema() -> dict[str, Any]:
    """The schema file shipped in the package."""
    text = resources.files("astrotango.domain").joinpath(SCHEMA_FILENAME).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def write_observation_schema(path: Path | None = None) -> Path:
    """Write the generated schema (by default over the shipped file) and return the path."""
    target = path if path is not None else Path(__file__).with_name(SCHEMA_FILENAME)
    target.write_text(render_observation_schema(), encoding="utf-8")
    return target
