"""The official Go client test starts standalone servers the way the emulator tests do (one place)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "emulator"))
