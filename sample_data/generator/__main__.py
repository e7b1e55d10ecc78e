"""Entry point for ``python -m sample_data.generator``."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
