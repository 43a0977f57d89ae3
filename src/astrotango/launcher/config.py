"""Read the dsconfig files of ``tango-db/``: which servers, instances and devices they declare."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ConfigError",
    "ServerSpec",
    "check_safety_scopes",
    "config_files",
    "load_servers",
    "validate_dsconfig",
]


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
        ConfigError: on a malformed file, a server declared twice, or interlocks and
            telescopes that disagree on their scope (:func:`check_safety_scopes`).
    """
    specs: dict[str, ServerSpec] = {}
    documents: list[Any] = []
    for path in config_files(config_dir):
        try:
            data = json.loads(path.read_text())
        except ValueError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc})") from exc
        for spec in validate_dsconfig(data, path.name):
            if spec.key in specs:
                raise ConfigError(f"{path.name}: server {spec.key} is declared twice")
            specs[spec.key] = spec
        documents.append(data)
    check_safety_scopes(documents)
    return list(specs.values())


def devices_of(documents: list[Any], tango_class: str) -> dict[str, dict[str, Any]]:
    """Every device of ``tango_class`` the documents declare, lower-cased: its properties.

    The properties are the documents' own mappings (a device without any gets an empty one),
    so a caller may edit them in place.
    """
    found = {}
    for data in documents:
        for instances in data.get("servers", {}).values():
            for classes in instances.values():
                for device, config in classes.get(tango_class, {}).items():
                    found[device.lower()] = config.setdefault("properties", {})
    return found


def real_hardware(config_dir: Path) -> list[str]:
    """The devices of ``config_dir`` that drive real hardware (a Driver or weather Source)."""
    documents = [json.loads(path.read_text()) for path in config_files(config_dir)]
    telescopes = devices_of(documents, "Telescope")
    stations = devices_of(documents, "WeatherStation")
    return sorted(
        [d for d, p in telescopes.items() if _first(p, "Driver", "simulator") != "simulator"]
        + [d for d, p in stations.items() if _first(p, "Source", "scenario") != "scenario"]
    )


def _first(props: dict[str, Any], name: str, default: str) -> str:
    values = props.get(name) or [default]
    return str(values[0]).strip().lower() or default


def check_safety_scopes(documents: list[Any]) -> None:
    """Interlocks and telescopes declared together agree on who covers whom.

    An interlock's ``Telescopes`` makes them safe when it fires; a telescope's ``Interlocks``
    is what it refuses to open, unpark, slew or expose under. The two must name each other:
    a telescope missing from one side would be opened in the rain by its own guard's leave, or
    left open by the interlock. A side declared elsewhere (another host's file) is not judged.

    Raises:
        ConfigError: naming the interlock, the telescope and the property that lacks the other.
    """
    interlocks = devices_of(documents, "ShutdownInterlock")
    telescopes = devices_of(documents, "Telescope")
    for interlock, props in interlocks.items():
        for telescope in (t.lower() for t in props.get("Telescopes", [])):
            named = {i.lower() for i in telescopes.get(telescope, {}).get("Interlocks", [])}
            if telescope in telescopes and interlock not in named:
                raise ConfigError(
                    f"{interlock} makes {telescope} safe, but {telescope}'s Interlocks "
                    "property does not name it"
                )
    for telescope, props in telescopes.items():
        for interlock in (i.lower() for i in props.get("Interlocks", [])):
            covered = {t.lower() for t in interlocks.get(interlock, {}).get("Telescopes", [])}
            if interlock in interlocks and telescope not in covered:
                raise ConfigError(
                    f"{telescope} names {interlock} in Interlocks, but {interlock}'s "
                    "Telescopes property does not cover it"
                )
