"""Local AWS for the demo, the benchmark and the tests: moto with Steward's extension, and fleets."""

import sys
from pathlib import Path

# Lambda puts the layer's python/ on sys.path (/opt/python); here the layer's source plays that part.
_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "steward")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
