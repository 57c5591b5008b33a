"""The figures published for Hòa Bình (a copy of shared/domain/published-figures.json).

The demo data is built to reproduce them; reports must compute them from records, and tests
compare what the reports compute with these numbers.
"""

import json
from pathlib import Path

PUBLISHED = json.loads((Path(__file__).parent / "data" / "published-figures.json").read_text(encoding="utf-8"))
