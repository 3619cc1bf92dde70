"""pytest plugin, emulator and contract suite for Sequence's Metadata Collections API.

Kept import-light on purpose: pytest imports the plugin on every run of every project that has it
installed, so heavy modules (httpx, starlette, jsonschema) load only when a fixture needs them.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
