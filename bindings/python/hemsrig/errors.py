"""The exceptions the rig raises in Python.

Every error the C++ rig reports as a value becomes one of these, carrying the
rig's own message: a domain refusal is a :class:`Refused` with the DOMAIN rule
it cites (``R72``) and the stable error code (``scene_name_digit``).
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional


class HemsrigError(Exception):
    """Something the rig could not do; ``code`` is the rig's stable error code."""

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Refused(HemsrigError):
    """A simulated side said no, as the real service would (a rule of DOMAIN.md).

    ``rule`` is the rule the message cites ("R53"), or None when it cites none;
    ``message`` is the text the user would see.
    """

    def __init__(self, rule: Optional[str], code: str, message: str) -> None:
        super().__init__(message, code)
        self.rule = rule

    def __repr__(self) -> str:
        return f"Refused(rule={self.rule!r}, code={self.code!r}, message={self.message!r})"


class Diagnostic(NamedTuple):
    """One error of a world or scenario file, at file:line:column."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class WorldFileError(HemsrigError):
    """A world (or scenario) file that cannot be loaded; one diagnostic per error."""

    def __init__(self, message: str, diagnostics: List[Diagnostic]) -> None:
        super().__init__(message, "world_file")
        self.diagnostics = list(diagnostics)
        first = self.diagnostics[0] if self.diagnostics else None
        self.file = first.file if first else None
        self.line = first.line if first else 0
        self.column = first.column if first else 0


class NotFound(HemsrigError, KeyError):
    """An id (appliance, unit, channel) that names nothing in the world."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message
