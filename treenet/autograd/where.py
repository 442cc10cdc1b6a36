"""Locating the user's line: the innermost stack frame outside the treenet package."""

from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_location(skip: int = 1) -> str:
    """'file:line' of the innermost caller frame that is not treenet's own code."""
    frame = sys._getframe(skip)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<treenet>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"
