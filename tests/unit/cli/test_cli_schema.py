from __future__ import annotations

import json

from typer.testing import CliRunner

from astrotango.cli import app
from astrotango.domain import shipped_observation_schema


def test_schema_prints_the_shipped_json_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == shipped_observation_schema()
    assert "requests" in printed["properties"]
