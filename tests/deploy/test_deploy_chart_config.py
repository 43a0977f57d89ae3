"""The Helm chart's device configuration matches the project's tango-db/ (no helm needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from astrotango.launcher import load_servers

ROOT = Path(__file__).resolve().parents[2]
TANGO_DB = ROOT / "tango-db"
CHART = ROOT / "charts" / "astrotango"
CHART_CONFIG = CHART / "config"
REFRESH = "run tools/sync-chart-config.sh to refresh charts/astrotango/config/ from tango-db/"


def chart_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    return values


def test_chart_config_is_a_byte_identical_copy_of_tango_db() -> None:
    source = {p.name: p.read_bytes() for p in sorted(TANGO_DB.glob("*.json"))}
    copy = {p.name: p.read_bytes() for p in sorted(CHART_CONFIG.glob("*.json"))}
    assert source, "tango-db/ holds no dsconfig file"
    assert sorted(copy) == sorted(source), REFRESH
    for name in source:
        assert copy[name] == source[name], f"{name} differs: {REFRESH}"


def test_chart_config_is_valid_dsconfig() -> None:
    assert load_servers(CHART_CONFIG) == load_servers(TANGO_DB)


def test_values_name_exactly_the_servers_of_tango_db() -> None:
    servers = chart_values()["deviceServers"]
    declared = {spec.name for spec in load_servers(TANGO_DB)}
    assert set(servers) == declared, (
        "charts/astrotango/values.yaml deviceServers must list the servers of tango-db/"
    )


def test_values_deploy_every_instance_of_tango_db_and_no_other() -> None:
    servers = chart_values()["deviceServers"]
    declared: dict[str, set[str]] = {}
    for spec in load_servers(TANGO_DB):
        declared.setdefault(spec.name, set()).add(spec.instance)
    for name, spec in servers.items():
        assert spec.get("enabled", True), f"{name} is disabled by default"
        assert {str(i) for i in spec["instances"]} == declared[name], name


def test_every_server_in_values_is_a_known_server_entry_point() -> None:
    from astrotango.devices.servers import SERVERS

    assert set(chart_values()["deviceServers"]) <= set(SERVERS)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_sync_script_check_mode_agrees() -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "tools" / "sync-chart-config.sh"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_tool_scripts_are_executable() -> None:
    for script in ("get-helm.sh", "sync-chart-config.sh"):
        assert os.access(ROOT / "tools" / script, os.X_OK), script
