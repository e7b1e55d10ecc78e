"""Deterministic synthetic county generator: agency extracts plus ground truth.

Use :func:`generate` from code, or ``python -m sample_data.generator`` from a shell.
"""

from __future__ import annotations

from .runner import DEFAULT_AS_OF, MAX_PEOPLE, GenerationSummary, generate

__all__ = ["DEFAULT_AS_OF", "MAX_PEOPLE", "GenerationSummary", "generate"]
