"""At least 30 refused observation documents, each with the field its error must name.

Each case is ``(case id, mutation of a valid document, expected field path, queue policy)``;
a policy of ``None`` means the document is refused by ``parse_observation`` alone, a policy
name means it parses but that policy refuses it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]

VALID: Doc = {
    "name": "M31 mosaic",
    "owner": "org-astro",
    "queue": "research",
    "priority": 5,
    "iterations": 1,
    "window": {"start": "2026-12-15T18:00:00Z", "end": "2026-12-16T07:00:00Z"},
    "cancel_on": "2026-12-20T00:00:00Z",
    "allow_reassignment": True,
    "monitoring": {"cadence_s": 86400, "max_observations": 10, "end": "2027-01-31T00:00:00Z"},
    "requests": [
        {
            "type": "optical_imaging",
            "target": {"name": "M31", "ra_deg": 10.6847, "dec_deg": 41.2690},
            "field": {"width_deg": 3.0, "height_deg": 2.0, "overlap": 0.1},
            "exposures": [{"filter": "r", "exposure_s": 120, "count": 3}],
            "iterations": 1,
            "assignment_mode": "single",
            "constraints": {"max_airmass": 2.0, "min_moon_separation_deg": 30},
        },
        {
            "type": "radio_mapping",
            "target": {"name": "W51", "ra_deg": 290.92, "dec_deg": 14.51},
            "pattern": {"kind": "daisy", "radius_deg": 1.0, "petals": 6, "elements": 4},
            "frequency_ghz": 1.4,
            "duration_s": 600,
            "assignment_mode": "parallel",
            "instruments": 2,
        },
        {
            "type": "radio_tracking",
            "target": {"name": "Cas A", "ra_deg": 350.85, "dec_deg": 58.815},
            "frequency_ghz": 1.42,
            "duration_s": 1800,
            "assignment_mode": "parallel_synchronized",
            "instruments": 2,
        },
        {"type": "calibration", "kind": "flat", "filter": "r", "count": 10},
    ],
}


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _drop(path: str) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return mutate


def _all(*mutations: Callable[[Doc], None]) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        for mutation in mutations:
            mutation(doc)

    return mutate


_T0 = "requests.0.target"
_R1 = "requests.1"

#: (id, mutation, field the error must name, policy that refuses it or None)
BAD_DOCUMENTS: list[tuple[str, Callable[[Doc], None], str, str | None]] = [
    ("missing name", _drop("name"), "name", None),
    ("empty name", _set("name", ""), "name", None),
    ("missing owner", _drop("owner"), "owner", None),
    ("queue with spaces", _set("queue", "Research Queue"), "queue", None),
    ("priority as string", _set("priority", "5"), "priority", None),
    ("priority zero", _set("priority", 0), "priority", None),
    ("priority eleven", _set("priority", 11), "priority", None),
    ("iterations float", _set("iterations", 1.5), "iterations", None),
    ("iterations negative", _set("iterations", -1), "iterations", None),
    ("missing window", _drop("window"), "window", None),
    ("window end before start", _set("window.end", "2026-12-15T17:00:00Z"), "window.end", None),
    ("window naive time", _set("window.start", "2026-12-15T18:00:00"), "window.start", None),
    ("window start not a date", _set("window.start", "tonight"), "window.start", None),
    ("cancel_on before window", _set("cancel_on", "2026-12-01T00:00:00Z"), "cancel_on", None),
    ("allow_reassignment string", _set("allow_reassignment", "yes"), "allow_reassignment", None),
    ("unknown top-level field", _set("colour", "red"), "colour", None),
    ("cadence negative", _set("monitoring.cadence_s", -60), "monitoring.cadence_s", None),
    (
        "monitoring unbounded",
        lambda d: d.__setitem__("monitoring", {"cadence_s": 3600}),
        "monitoring.max_observations",
        None,
    ),
    (
        "monitoring end before window",
        _set("monitoring.end", "2026-01-01T00:00:00Z"),
        "monitoring.end",
        None,
    ),
    ("no requests", _set("requests", []), "requests", None),
    ("requests not a list", _set("requests", {"type": "calibration"}), "requests", None),
    ("unknown request type", _set("requests.3.type", "spectroscopy"), "requests.3.type", None),
    ("request without type", _drop("requests.3.type"), "requests.3.type", None),
    ("dec 95", _set(f"{_T0}.dec_deg", 95), f"{_T0}.dec_deg", None),
    ("ra 360", _set(f"{_T0}.ra_deg", 360.0), f"{_T0}.ra_deg", None),
    ("ra as string", _set(f"{_T0}.ra_deg", "10h42m"), f"{_T0}.ra_deg", None),
    ("target without coordinates", _set(_T0, {"name": "M31"}), _T0, None),
    ("unknown target kind", _set(_T0, {"kind": "hadec", "name": "x"}), f"{_T0}.kind", None),
    ("unknown body", _set(_T0, {"body": "pluto"}), f"{_T0}.body", None),
    (
        "negative exposure",
        _set("requests.0.exposures.0.exposure_s", -5),
        "requests.0.exposures.0.exposure_s",
        None,
    ),
    ("zero count", _set("requests.0.exposures.0.count", 0), "requests.0.exposures.0.count", None),
    ("no exposures", _set("requests.0.exposures", []), "requests.0.exposures", None),
    ("overlap one", _set("requests.0.field.overlap", 1.0), "requests.0.field.overlap", None),
    (
        "negative field width",
        _set("requests.0.field.width_deg", -3),
        "requests.0.field.width_deg",
        None,
    ),
    (
        "airmass below one",
        _set("requests.0.constraints.max_airmass", 0.5),
        "requests.0.constraints.max_airmass",
        None,
    ),
    (
        "unknown twilight",
        _set("requests.0.constraints.twilight", "dusk"),
        "requests.0.constraints.twilight",
        None,
    ),
    ("field on a planet", _set(_T0, {"body": "jupiter"}), "requests.0.field", None),
    ("negative radio duration", _set(f"{_R1}.duration_s", -600), f"{_R1}.duration_s", None),
    ("zero frequency", _set(f"{_R1}.frequency_ghz", 0), f"{_R1}.frequency_ghz", None),
    ("unknown pattern", _set(f"{_R1}.pattern.kind", "spiral"), f"{_R1}.pattern.kind", None),
    (
        "more elements than petals",
        _set(f"{_R1}.pattern.elements", 7),
        f"{_R1}.pattern.elements",
        None,
    ),
    ("parallel with one instrument", _set(f"{_R1}.instruments", 1), f"{_R1}.instruments", None),
    (
        "single with two instruments",
        _set("requests.0.instruments", 2),
        "requests.0.instruments",
        None,
    ),
    (
        "unknown assignment mode",
        _set(f"{_R1}.assignment_mode", "broadcast"),
        f"{_R1}.assignment_mode",
        None,
    ),
    (
        "time based radio",
        _set("requests.2.timing", {"mode": "time_based", "duration_s": 10}),
        "requests.2.timing.mode",
        None,
    ),
    (
        "fixed time outside window",
        _set("requests.2.timing", {"mode": "fixed_time", "start_at": "2027-01-01T00:00:00Z"}),
        "requests.2.timing.start_at",
        None,
    ),
    ("unknown calibration kind", _set("requests.3.kind", "arc"), "requests.3.kind", None),
    ("dark without exposure", _set("requests.3.kind", "dark"), "requests.3.exposure_s", None),
    ("pointing without target", _set("requests.3.kind", "pointing"), "requests.3.target", None),
    ("extra request field", _set("requests.3.colour", "red"), "requests.3.colour", None),
    ("unknown data policy", _set("data_policy", "secret"), "data_policy", None),
    # parses, but the queue's policy refuses it
    ("radio on outreach", _set("queue", "outreach"), "requests.1.type", "outreach"),
    ("hidden on research", _set("hidden", True), "hidden", "research"),
    (
        "hidden telemetry on research",
        _set("hidden_telemetry", True),
        "hidden_telemetry",
        "research",
    ),
    ("private data on research", _set("data_policy", "private"), "data_policy", "research"),
    ("no object type on outreach", _set("queue", "outreach"), f"{_T0}.object_type", "outreach"),
    (
        "galactic on outreach",
        _all(
            _set("queue", "outreach"),
            _set(_T0, {"kind": "galactic", "name": "x", "l_deg": 10, "b_deg": 0}),
        ),
        f"{_T0}.kind",
        "outreach",
    ),
]


def bad_document(mutation: Callable[[Doc], None]) -> Doc:
    """A fresh copy of the valid document with ``mutation`` applied."""
    doc = copy.deepcopy(VALID)
    mutation(doc)
    return doc
