"""Expansion (mission/000): one observation -> its tasks.

Tasks per request = observation iterations x request iterations x positions x instruments,
where positions are the tiles of an optical field (1 without a field), the sweep elements of
a radio map, and 1 otherwise. Tasks are listed by iteration, request, request iteration,
position, instrument; their ids encode that position, so the same document and observation
id always expand to the same ids.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Sequence

from astrotango.domain.errors import ExpansionError
from astrotango.domain.geometry import (
    SkyPosition,
    daisy_elements,
    raster_elements,
    tile_field,
)
from astrotango.domain.observation import OBSERVATION_ID_PATTERN, Observation
from astrotango.domain.requests import (
    CalibrationRequest,
    OpticalImagingRequest,
    RadioMappingRequest,
    RadioTrackingRequest,
    Request,
    RequestType,
)
from astrotango.domain.settings import AssignmentMode, DaisyPattern, TimeBasedTiming
from astrotango.domain.targets import GalacticTarget, IcrsTarget, Target
from astrotango.domain.tasks import (
    Overheads,
    RequestSetup,
    TaskPosition,
    TaskSpec,
    sync_group_id,
    task_id,
)

__all__ = [
    "DEFAULT_FOV_DEG",
    "expand_observation",
    "icrs_center",
    "request_pointings",
    "time_based_repeats",
]

#: Field of view assumed for tiling when the caller does not give the telescope's, degrees.
DEFAULT_FOV_DEG = 1.0

_ID_RE = re.compile(OBSERVATION_ID_PATTERN)


def icrs_center(target: IcrsTarget | GalacticTarget) -> SkyPosition:
    """A sidereal target's ICRS position (galactic converted with astropy, offline)."""
    if isinstance(target, IcrsTarget):
        return SkyPosition(target.ra_deg, target.dec_deg)
    from astropy import units
    from astropy.coordinates import SkyCoord

    import astrotango.astro  # noqa: F401  (configures astropy offline first)

    icrs = SkyCoord(l=target.l_deg * units.deg, b=target.b_deg * units.deg, frame="galactic").icrs
    return SkyPosition(float(icrs.ra.deg) % 360.0, float(icrs.dec.deg))


def _pointing(target: Target, position: SkyPosition) -> IcrsTarget:
    return IcrsTarget(
        name=target.label,
        ra_deg=position.ra_deg % 360.0,
        dec_deg=position.dec_deg,
        object_type=target.object_type,
    )


def request_pointings(
    request: Request, fov_deg: float, overheads: Overheads, index: int = 0
) -> list[tuple[Target | None, float]]:
    """The request's positions (tiles / sweep elements / one), each with its duration.

    Args:
        request: the request.
        fov_deg: the field of view used to tile optical fields, degrees.
        overheads: the fixed costs added to each task.
        index: the request's index, for error paths.

    Returns:
        ``(target, duration_s)`` per position, in tile / element order.

    Raises:
        ExpansionError: the field cannot be tiled (it reaches the pole).
    """
    pointing = overheads.slew_s + overheads.settle_s
    if isinstance(request, OpticalImagingRequest):
        duration = pointing + _imaging_s(request, overheads)
        if request.field is None:
            return [(request.target, duration)]
        assert isinstance(request.target, IcrsTarget | GalacticTarget)  # the model ensures it
        try:
            tiles = tile_field(icrs_center(request.target), request.field, fov_deg)
        except ValueError as exc:
            raise ExpansionError([(f"requests.{index}.field", str(exc))]) from None
        return [(_pointing(request.target, tile), duration) for tile in tiles]
    if isinstance(request, RadioTrackingRequest):
        return [(request.target, pointing + request.duration_s)]
    if isinstance(request, RadioMappingRequest):
        assert isinstance(request.target, IcrsTarget | GalacticTarget)  # the model ensures it
        center = icrs_center(request.target)
        pattern = request.pattern
        elements = (
            daisy_elements(center, pattern)
            if isinstance(pattern, DaisyPattern)
            else raster_elements(center, pattern)
        )
        return [
            (
                _pointing(request.target, e.center),
                pointing + request.duration_s * e.duration_fraction,
            )
            for e in elements
        ]
    return [(request.target, _calibration_s(request, overheads))]


def _sequence_s(request: OpticalImagingRequest, overheads: Overheads) -> float:
    total = sum(e.count * (e.exposure_s + overheads.readout_s) for e in request.exposures)
    filters = [e.filter for e in request.exposures]
    changes = sum(1 for a, b in itertools.pairwise(filters) if a != b)
    return total + changes * overheads.filter_change_s


def _wrap_s(request: OpticalImagingRequest, overheads: Overheads) -> float:
    """The filter change between one pass of the sequence and the next, if any."""
    first, last = request.exposures[0].filter, request.exposures[-1].filter
    return overheads.filter_change_s if first != last else 0.0


def time_based_repeats(request: OpticalImagingRequest, overheads: Overheads) -> int:
    """How often a request's exposure sequence runs.

    Once, or for ``time_based`` timing as many whole passes as fit in ``duration_s``
    (exposures, readouts and filter changes all count as observing time), at least one. The
    estimate (:func:`request_pointings`) and the telescope's plan both use it, so a task
    takes the frames its block was planned for.
    """
    if not isinstance(request.timing, TimeBasedTiming):
        return 1
    one, wrap = _sequence_s(request, overheads), _wrap_s(request, overheads)
    return max(1, math.floor((request.timing.duration_s + wrap) / (one + wrap) + 1e-9))


def _imaging_s(request: OpticalImagingRequest, overheads: Overheads) -> float:
    repeats = time_based_repeats(request, overheads)
    return repeats * _sequence_s(request, overheads) + (repeats - 1) * _wrap_s(request, overheads)


def _calibration_s(request: CalibrationRequest, overheads: Overheads) -> float:
    frames = request.count * ((request.exposure_s or 0.0) + overheads.readout_s)
    slew = overheads.slew_s if request.target is not None else 0.0
    return slew + overheads.settle_s + frames


def _positions(observation: Observation) -> Iterator[tuple[int, int, int]]:
    for iteration in range(observation.iterations):
        for index, request in enumerate(observation.requests):
            for request_iteration in range(request.iterations):
                yield iteration, index, request_iteration


def expand_observation(
    observation: Observation,
    observation_id: str,
    *,
    fov_deg: float = DEFAULT_FOV_DEG,
    overheads: Overheads | None = None,
    setups: Sequence[RequestSetup | None] | None = None,
) -> list[TaskSpec]:
    """Expand an observation into its tasks.

    Args:
        observation: the validated document.
        observation_id: its id (see ``make_observation_id``); prefixes every task id.
        fov_deg: the square field of view optical fields are tiled with, degrees.
        overheads: fixed costs for duration estimates; ``Overheads()`` by default.
        setups: per request, what the telescopes that can take it imply: the field of view
            its field is tiled with (each tile records it) and the overheads of its
            estimate (``None`` or unset fields: ``fov_deg`` and ``overheads``).

    Returns:
        The tasks, ordered by iteration, request, request iteration, tile/element, instrument.

    Raises:
        ExpansionError: a field cannot be tiled (named ``requests.N.field``).
        ValueError: ``observation_id`` is not a readable id, or ``fov_deg`` is not positive.
    """
    if not _ID_RE.match(observation_id):
        raise ValueError(f"observation id {observation_id!r} must match {OBSERVATION_ID_PATTERN}")
    if fov_deg <= 0:
        raise ValueError("fov_deg must be positive")
    default = overheads if overheads is not None else Overheads()
    fovs = [fov_deg] * len(observation.requests)
    costs = [default] * len(observation.requests)
    for index, setup in enumerate(setups or ()):
        if setup is not None:
            fovs[index] = setup.fov_deg or fov_deg
            costs[index] = setup.overheads or default
    if any(fov <= 0 for fov in fovs):
        raise ValueError("fov_deg must be positive")
    pointings = [
        request_pointings(request, fovs[index], costs[index], index)
        for index, request in enumerate(observation.requests)
    ]
    tasks: list[TaskSpec] = []
    for iteration, index, request_iteration in _positions(observation):
        request = observation.requests[index]
        tiled = isinstance(request, OpticalImagingRequest)
        fielded = isinstance(request, OpticalImagingRequest) and request.field is not None
        tile_fov = fovs[index] if fielded else None
        for place, (target, duration_s) in enumerate(pointings[index]):
            for instrument in range(request.instruments):
                position = TaskPosition(
                    index,
                    iteration,
                    request_iteration,
                    place if tiled else 0,
                    0 if tiled else place,
                    instrument,
                )
                synchronized = request.assignment_mode is AssignmentMode.PARALLEL_SYNCHRONIZED
                tasks.append(
                    TaskSpec(
                        id=task_id(observation_id, position),
                        observation_id=observation_id,
                        request_index=index,
                        type=RequestType(request.type),
                        target=target,
                        iteration=iteration,
                        request_iteration=request_iteration,
                        tile_index=position.tile,
                        element_index=position.element,
                        instrument_index=instrument,
                        assignment_mode=request.assignment_mode,
                        sync_group=(
                            sync_group_id(observation_id, position) if synchronized else None
                        ),
                        duration_s=duration_s,
                        window=observation.window,
                        cancel_on=observation.cancel_on,
                        priority=observation.priority,
                        allow_reassignment=observation.allow_reassignment,
                        request=request,
                        tile_fov_deg=tile_fov,
                        passes=(
                            time_based_repeats(request, costs[index])
                            if isinstance(request, OpticalImagingRequest)
                            else 1
                        ),
                    )
                )
    return tasks
