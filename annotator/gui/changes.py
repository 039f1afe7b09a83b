"""What an op changed, as the window's change stream carries it."""

from __future__ import annotations

from annotator.ops import Op, OpChanges


def changes_of(op: Op, undone: bool) -> OpChanges:
    """What running (or, with ``undone``, undoing) ``op`` changed.

    An op that changes something yet cannot list it in values says
    "everything": every view reloads rather than showing stale data.
    """
    changes = op.changed()
    if changes.empty and op.changes:
        return OpChanges.all()
    return changes.reversed() if undone else changes
