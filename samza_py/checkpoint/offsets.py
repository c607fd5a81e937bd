"""Starting offsets, by Samza's rules (OffsetManager).

1. a checkpointed offset resumes at the offset after it, unless the stream sets ``samza.reset.offset``;
2. ``TaskContext.set_starting_offset`` in ``init`` overrides;
3. without either, ``samza.offset.default``: ``oldest`` or ``upcoming`` (Samza's default).
What happens when a checkpointed offset is out of range is the consumer's ``auto.offset.reset``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from samza_py.api import SystemStream, SystemStreamPartition
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.system.interfaces import SystemAdmin, SystemStreamPartitionMetadata


class OffsetResolutionError(Exception):
    pass


def checkpointed_offsets(
    checkpoint: Checkpoint | None, reset_offset: Callable[[SystemStream], bool]
) -> dict[SystemStreamPartition, str]:
    """The checkpoint's offsets that still count: not null and not on a stream that resets."""
    if checkpoint is None:
        return {}
    return {
        ssp: offset
        for ssp, offset in checkpoint.offsets.items()
        if offset is not None and not reset_offset(ssp.system_stream)
    }


def starting_offsets(
    ssps: frozenset[SystemStreamPartition],
    checkpointed: Mapping[SystemStreamPartition, str],
    overrides: Mapping[SystemStreamPartition, str],
    admins: Mapping[str, SystemAdmin],
    metadata: Mapping[SystemStreamPartition, SystemStreamPartitionMetadata],
    offset_default: Callable[[SystemStream], str],
) -> dict[SystemStreamPartition, str]:
    """The first offset to read for each SSP of one task."""
    result: dict[SystemStreamPartition, str] = {}
    by_system: dict[str, dict[SystemStreamPartition, str]] = {}
    for ssp in ssps:
        if ssp in overrides:
            result[ssp] = overrides[ssp]
        elif ssp in checkpointed:
            by_system.setdefault(ssp.system, {})[ssp] = checkpointed[ssp]
        else:
            meta = metadata.get(ssp)
            if meta is None:
                raise OffsetResolutionError(f"no partition metadata for {ssp}")
            default = offset_default(ssp.system_stream)
            if default == "oldest" and meta.oldest_offset is not None:
                result[ssp] = meta.oldest_offset
            elif default in ("oldest", "upcoming"):
                result[ssp] = meta.upcoming_offset
            else:
                raise OffsetResolutionError(f"samza.offset.default of {ssp.system}.{ssp.stream} is {default!r}")
    for system, offsets in by_system.items():
        result.update(admins[system].get_offsets_after(offsets))
    return result
