"""Free disk space on the observatory host."""

from __future__ import annotations

from typing import ClassVar

from astrotango.domain.constraints.base import ConstraintModel, ConstraintType

__all__ = ["StorageConstraint"]


class StorageConstraint(ConstraintModel):
    """Gate on free storage, gigabytes (default: at least 10 GB free)."""

    constraint_type: ClassVar[ConstraintType] = ConstraintType.STORAGE
    unit: ClassVar[str] = "GB"
    physical_min: ClassVar[float] = 0.0
    physical_max: ClassVar[float] = 1e9

    min_value: float | None = 10.0
