"""Observing policies and queues (mission/004), and checking a submission against them.

A queue names a policy; the observation's ``queue`` selects it. A policy restricts what may be
submitted (request types, target position / coordinate / catalog object types, data policy,
hidden observation or telemetry) and carries the operational rules the controller and
scheduler apply: the constraint devices that gate execution (observatory level, and per
telescope on top), the retry limit per task, and whether tasks sharing a target are batched.
``None`` in an ``allowed_*`` field means "any".
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field

from astrotango.domain.errors import FieldError, PolicyViolation
from astrotango.domain.observation import DataPolicy, Observation
from astrotango.domain.requests import RequestType
from astrotango.domain.targets import CatalogObjectType, CoordinateType, TargetPositionType

__all__ = [
    "DEFAULT_POLICIES",
    "DEFAULT_QUEUES",
    "ObservingPolicy",
    "Queue",
    "policy_for_queue",
    "validate_against_policy",
]


class ObservingPolicy(BaseModel):
    """What a queue accepts, and the operational rules its observations run under."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    allowed_request_types: frozenset[RequestType] = frozenset(RequestType)
    allowed_target_position_types: frozenset[TargetPositionType] | None = None
    allowed_coordinate_types: frozenset[CoordinateType] | None = None
    allowed_catalog_object_types: frozenset[CatalogObjectType] | None = None
    allowed_data_policies: frozenset[DataPolicy] = frozenset(DataPolicy)
    allow_hidden_observation: bool = False
    allow_hidden_telemetry: bool = False
    data_public_after_s: float | None = Field(default=None, ge=0.0)
    observatory_constraints: tuple[str, ...] = Field(
        default=(), description="Constraint device names that gate every telescope."
    )
    telescope_constraints: Mapping[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Telescope device name -> constraint device names layered on top.",
    )
    retry_limit: int = Field(default=3, ge=0, le=100, description="Failures per task allowed.")
    batch_shared_targets: bool = True

    def constraints_for(self, telescope: str) -> tuple[str, ...]:
        """Every constraint device that must report OK before ``telescope`` runs a task."""
        return self.observatory_constraints + tuple(self.telescope_constraints.get(telescope, ()))


class Queue(BaseModel):
    """A submission queue: its policy, and a priority weight (1 low .. 10 high)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    policy: str = Field(min_length=1, max_length=100)
    priority: int = Field(default=5, ge=1, le=10)


def _names(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


def validate_against_policy(observation: Observation, policy: ObservingPolicy) -> None:
    """Refuse an observation its policy does not allow.

    Raises:
        PolicyViolation: naming every refused field, e.g. ``requests.1.type: request type
            'radio_mapping' is not allowed by policy 'outreach' (allowed: optical_imaging)``.
    """
    errors: list[FieldError] = []
    by = f"policy {policy.name!r}"

    def refuse(field: str, what: str, value: str, allowed: frozenset[str]) -> None:
        reason = f"{what} '{value}' is not allowed by {by} (allowed: {_names(allowed)})"
        errors.append(FieldError(field, reason))

    if observation.data_policy not in policy.allowed_data_policies:
        refuse("data_policy", "data policy", observation.data_policy, policy.allowed_data_policies)
    if observation.hidden and not policy.allow_hidden_observation:
        errors.append(FieldError("hidden", f"hidden observations are not allowed by {by}"))
    if observation.hidden_telemetry and not policy.allow_hidden_telemetry:
        errors.append(FieldError("hidden_telemetry", f"hidden telemetry is not allowed by {by}"))
    for index, request in enumerate(observation.requests):
        path = f"requests.{index}"
        if request.type not in policy.allowed_request_types:
            refuse(f"{path}.type", "request type", request.type, policy.allowed_request_types)
        target = request.target
        if target is None:
            continue
        allowed_positions = policy.allowed_target_position_types
        if allowed_positions is not None and target.position_type not in allowed_positions:
            kind = "target position type"
            refuse(f"{path}.target", kind, target.position_type, allowed_positions)
        allowed_frames = policy.allowed_coordinate_types
        if allowed_frames is not None and target.coordinate_type not in allowed_frames:
            refuse(f"{path}.target.kind", "coordinate type", target.coordinate_type, allowed_frames)
        allowed_objects = policy.allowed_catalog_object_types
        if allowed_objects is None:
            continue
        if target.object_type is None:
            reason = f"{by} needs an object_type (allowed: {_names(allowed_objects)})"
            errors.append(FieldError(f"{path}.target.object_type", reason))
        elif target.object_type not in allowed_objects:
            field = f"{path}.target.object_type"
            refuse(field, "catalog object type", target.object_type, allowed_objects)
    if errors:
        raise PolicyViolation(errors)


def policy_for_queue(
    queue_name: str,
    queues: Mapping[str, Queue] | None = None,
    policies: Mapping[str, ObservingPolicy] | None = None,
) -> ObservingPolicy:
    """The policy that governs a queue (the defaults unless given).

    Raises:
        PolicyViolation: naming ``queue`` when the queue or its policy is unknown.
    """
    queues = DEFAULT_QUEUES if queues is None else queues
    policies = DEFAULT_POLICIES if policies is None else policies
    queue = queues.get(queue_name)
    if queue is None:
        known = _names(frozenset(queues))
        raise PolicyViolation([("queue", f"unknown queue {queue_name!r} (known: {known})")])
    policy = policies.get(queue.policy)
    if policy is None:
        raise PolicyViolation([("queue", f"queue {queue_name!r} names unknown policy")])
    return policy


_WEATHER = (
    "astro/constraint/wind",
    "astro/constraint/rain",
    "astro/constraint/clouds",
    "astro/constraint/humidity",
)
_HOST = ("astro/constraint/battery", "astro/constraint/storage")
_SUN = "astro/constraint/sun_altitude"
#: Telescope-level gates of the default observatory: optical telescopes need the sun down
#: (radio dishes observe by day); every mount keeps away from the sun; t1's camera is cooled.
_TELESCOPE_GATES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "astro/telescope/t1": (
            _SUN,
            "astro/constraint/sun_separation_t1",
            "astro/constraint/camera_temperature",
        ),
        "astro/telescope/t2": (_SUN, "astro/constraint/sun_separation_t2"),
        "astro/telescope/r1": ("astro/constraint/sun_separation_r1",),
        "astro/telescope/r2": ("astro/constraint/sun_separation_r2",),
    }
)

#: The policies a fresh installation has.
DEFAULT_POLICIES: Mapping[str, ObservingPolicy] = MappingProxyType(
    {
        p.name: p
        for p in (
            ObservingPolicy(
                name="research",
                description="Science: every request type; strict gates; no hidden observations.",
                allowed_data_policies=frozenset({DataPolicy.PROPRIETARY, DataPolicy.PUBLIC}),
                data_public_after_s=365 * 86_400.0,
                observatory_constraints=(*_WEATHER, *_HOST),
                telescope_constraints=_TELESCOPE_GATES,
                retry_limit=3,
                batch_shared_targets=True,
            ),
            ObservingPolicy(
                name="maintenance",
                description="Engineering and calibration: anything goes, no operational gates.",
                allow_hidden_observation=True,
                allow_hidden_telemetry=True,
                retry_limit=1,
                batch_shared_targets=False,
            ),
            ObservingPolicy(
                name="outreach",
                description="Public imaging of well-known sidereal and solar-system objects.",
                allowed_request_types=frozenset({RequestType.OPTICAL_IMAGING}),
                allowed_target_position_types=frozenset(
                    {TargetPositionType.SIDEREAL, TargetPositionType.SOLAR_SYSTEM}
                ),
                allowed_coordinate_types=frozenset({CoordinateType.ICRS, CoordinateType.EPHEMERIS}),
                allowed_catalog_object_types=frozenset(
                    {
                        CatalogObjectType.GALAXY,
                        CatalogObjectType.NEBULA,
                        CatalogObjectType.CLUSTER,
                        CatalogObjectType.STAR,
                        CatalogObjectType.DOUBLE_STAR,
                        CatalogObjectType.PLANET,
                        CatalogObjectType.MOON,
                    }
                ),
                allowed_data_policies=frozenset({DataPolicy.PUBLIC}),
                data_public_after_s=0.0,
                observatory_constraints=_WEATHER,
                telescope_constraints=_TELESCOPE_GATES,
                retry_limit=2,
            ),
        )
    }
)

#: The queues a fresh installation has, each named after its policy.
DEFAULT_QUEUES: Mapping[str, Queue] = MappingProxyType(
    {
        q.name: q
        for q in (
            Queue(name="research", policy="research", priority=5),
            Queue(name="maintenance", policy="maintenance", priority=3),
            Queue(name="outreach", policy="outreach", priority=2),
        )
    }
)
