"""Read the dsconfig files of ``tango-db/``: which servers, instances and devices they declare."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "ServerSpec", "config_files", "load_servers", "validate_dsconfig"]


class ConfigError(ValueError):
    """A ``tango-db/`` file is malformed; the message names the file and the path in it."""


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """One device-server process: ``<name>/<instance>`` serving ``devices``."""

    name: str
    instance: str
    devices: tuple[str, ...]

    @property
    def key(self) -> str:
        """The Tango server name, ``Name/instance``."""
        return f"{self.name}/{self.instance}"


def config_files(config_dir: Path) -> list[Path]:
    """Return the ``*.json`` files of ``config_dir`` in name order.

    Raises:
        ConfigError: when the folder is missing or holds no JSON file.
    """
    files = sorted(config_dir.glob("*.json"))
    if not files:
        raise ConfigError(f"{config_dir}: no dsconfig *.json file")
    return files


def _check_values(where: str, props: Any) -> None:
    if not isinstance(props, dict):
        raise ConfigError(f"{where}: expected an object of properties")
    for key, value in props.items():
        if isinstance(value, dict):  # attribute_properties nest one level deeper
            _check_values(f"{where}.{key}", value)
        elif not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{where}.{key}: property values must be lists of strings")


def validate_dsconfig(data: Any, source: str) -> list[ServerSpec]:
    """Check one dsconfig document and return the servers it declares.

    Property values must be lists of strings: dsconfig silently splits a bare string into
    characters, so this refuses one.

    Raises:
        ConfigError: naming the file and the offending path.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a JSON object")
    specs: list[ServerSpec] = []
    for name, instances in data.get("servers", {}).items():
        for instance, classes in instances.items():
            devices: list[str] = []
            for cls, members in classes.items():
                for device, config in members.items():
                    where = f"{source}: servers.{name}.{instance}.{cls}.{device}"
                    if device.count("/") != 2:
                        raise ConfigError(f"{where}: device names are domain/family/member")
                    for section in ("properties", "attribute_properties"):
                        _check_values(f"{where}.{section}", config.get(section, {}))
                    devices.append(device.lower())
            specs.append(ServerSpec(name, instance, tuple(devices)))
    for cls, config in data.get("classes", {}).items():
        _check_values(f"{source}: classes.{cls}.properties", config.get("properties", {}))
    return specs


def load_servers(config_dir: Path) -> list[ServerSpec]:
    """Return every server declared by the files in ``config_dir``.

    Raises:
        ConfigError: on a malformed file or a server declared twice.
    """
    specs: dict[str, ServerSpec] = {}
    for path in config_files(config_dir):
        try:
            data = json.loads(path.read_text())
        except ValueError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc})") from exc
        for spec in validate_dsconfig(data, path.name):
            if spec.key in specs:
                raise ConfigError(f"{path.name}: server {spec.key} is declared twice")
            specs[spec.key] = spec
    return list(specs.values())
