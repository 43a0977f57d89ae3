"""The tango-db/ files: valid dsconfig, every value a list of strings, every server known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from astrotango.launcher import ConfigError, check_safety_scopes, load_servers, validate_dsconfig

ROOT = Path(__file__).resolve().parents[3]


def test_the_shipped_configuration_is_valid_and_every_server_exists() -> None:
    from astrotango.devices.servers import SERVERS

    specs = load_servers(ROOT / "tango-db")
    assert specs, "tango-db declares at least one server"
    for spec in specs:
        assert spec.name in SERVERS, f"{spec.key}: no such server in astrotango.devices.servers"
        assert spec.devices
    for path in (ROOT / "tango-db").glob("*.json"):
        data = json.loads(path.read_text())
        for instances in data["servers"].values():
            for classes in instances.values():
                for cls in classes:
                    served = {c.__name__ for group in SERVERS.values() for c in group}
                    assert cls in served, f"{path.name}: unknown device class {cls}"


def config(props: object) -> dict[str, object]:
    return {"servers": {"S": {"1": {"C": {"a/b/c": {"properties": props}}}}}}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (config({"Horizon": "10"}), "Horizon: property values must be lists of strings"),
        (config({"Horizon": [10]}), "Horizon: property values must be lists of strings"),
        ({"servers": {"S": {"1": {"C": {"a/b": {}}}}}}, "domain/family/member"),
        ([], "expected a JSON object"),
    ],
)
def test_malformed_configuration_is_refused_naming_the_path(document: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        validate_dsconfig(document, "x.json")


def test_a_server_declared_twice_is_refused(tmp_path: Path) -> None:
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(config({"P": ["1"]})))
    with pytest.raises(ConfigError, match="declared twice"):
        load_servers(tmp_path)


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no dsconfig"):
        load_servers(tmp_path)


def _safety_pair(covers: list[str], names: list[str]) -> list[dict[str, object]]:
    interlock = {"ShutdownInterlock": {"a/interlock/rain": {"properties": {"Telescopes": covers}}}}
    telescope = {"Telescope": {"a/telescope/t1": {"properties": {"Interlocks": names}}}}
    return [{"servers": {"I": {"1": interlock}}}, {"servers": {"T": {"1": telescope}}}]


def test_the_shipped_interlocks_and_telescopes_name_each_other() -> None:
    documents = [json.loads(p.read_text()) for p in (ROOT / "tango-db").glob("*.json")]
    check_safety_scopes(documents)  # load_servers does the same; this names the rule


@pytest.mark.parametrize(
    ("covers", "names", "message"),
    [
        (["a/telescope/t1"], [], "a/telescope/t1's Interlocks property does not name it"),
        ([], ["a/interlock/rain"], "a/interlock/rain's Telescopes property does not cover it"),
    ],
)
def test_an_interlock_and_a_telescope_that_disagree_on_their_scope_are_refused(
    tmp_path: Path, covers: list[str], names: list[str], message: str
) -> None:
    for number, document in enumerate(_safety_pair(covers, names)):
        (tmp_path / f"{number}.json").write_text(json.dumps(document))
    with pytest.raises(ConfigError, match=message):
        load_servers(tmp_path)


def test_a_scope_declared_elsewhere_is_not_judged() -> None:
    interlock_only, _ = _safety_pair(["a/telescope/t1"], [])
    check_safety_scopes([interlock_only])
    check_safety_scopes(_safety_pair(["A/Telescope/T1"], ["a/interlock/RAIN"]))
