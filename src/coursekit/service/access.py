"""Who a hub user is to coursekit, from the user model the hub gives for their token.

A learner reads and writes their own work only. A branch secretary is a
member of the hub group ``coursekit-branch-<branch>`` whose token carries the
custom scope ``custom:coursekit:branch``: they read the work of the members
the roster puts in that branch. An organisation trainer's token carries
``custom:coursekit:trainer``: they read everything. Nobody writes another
person's work.

The hub puts a token's own scopes in the model (``scopes``) and the user's
groups (``groups``, which every token of the user may read): a custom scope
reaches the service only in a token that carries it, so a secretary's
kernel needs the ``server`` role to include ``custom:coursekit:branch``
(the hub grants a server token only what its owner has).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "BRANCH_SCOPE",
    "GROUP_PREFIX",
    "TRAINER_SCOPE",
    "Caller",
    "caller_from",
    "read_refusal",
]

TRAINER_SCOPE = "custom:coursekit:trainer"
BRANCH_SCOPE = "custom:coursekit:branch"
GROUP_PREFIX = "coursekit-branch-"

Role = Literal["learner", "secretary", "trainer"]


@dataclass(frozen=True)
class Caller:
    """The hub user behind a request: their hub name, their role, their branches."""

    name: str
    role: Role
    branches: frozenset[str] = frozenset()


def caller_from(model: dict[str, Any]) -> Caller:
    """The caller a hub user model describes (see the module's docstring)."""
    scopes = set(model.get("scopes") or ())
    groups = model.get("groups") or ()
    branches = frozenset(
        g.removeprefix(GROUP_PREFIX)
        for g in groups
        if isinstance(g, str) and g.startswith(GROUP_PREFIX) and len(g) > len(GROUP_PREFIX)
    )
    name = str(model["name"])
    if TRAINER_SCOPE in scopes:
        return Caller(name, "trainer", branches)
    if BRANCH_SCOPE in scopes and branches:
        return Caller(name, "secretary", branches)
    return Caller(name, "learner", branches)


def read_refusal(caller: Caller, learner: str, branch: str | None) -> str | None:
    """Why ``caller`` may not read ``learner``'s work (in ``branch``), or None if they may."""
    if learner == caller.name or caller.role == "trainer":
        return None
    if caller.role == "secretary":
        if branch is not None and branch in caller.branches:
            return None
        shown = ", ".join(sorted(caller.branches))
        return f"{learner!r} is not a member of your branch ({shown})"
    return f"a learner reads only their own work, not {learner!r}'s"
