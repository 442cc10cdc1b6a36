"""The global random generator: seeding, state save/restore, and draws for tensors and dropout.

All randomness in treenet (initializers, dropout masks, shuffling helpers) comes from this one
numpy Generator, drawn in the order ops are recorded, so batched and eager runs agree exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_generator = np.random.Generator(np.random.PCG64(0))


def manual_seed(seed: int) -> None:
    """Reset the global generator to a seed."""
    global _generator
    _generator = np.random.Generator(np.random.PCG64(seed))


def generator() -> np.random.Generator:
    """The global generator (draws on the CPU; results move to the device afterwards)."""
    return _generator


def get_rng_state() -> dict[str, Any]:
    """The generator's state as a JSON-serializable dict."""
    state = _generator.bit_generator.state
    return {"bit_generator": state["bit_generator"], "state": dict(state["state"]),
            "has_uint32": state["has_uint32"], "uinteger": state["uinteger"]}


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state returned by get_rng_state()."""
    if state.get("bit_generator") != "PCG64":
        raise ValueError("set_rng_state: expected a PCG64 state, "
                         f"got {state.get('bit_generator')!r}")
    _generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": int(state["state"]["state"]), "inc": int(state["state"]["inc"])},
        "has_uint32": int(state["has_uint32"]),
        "uinteger": int(state["uinteger"]),
    }
