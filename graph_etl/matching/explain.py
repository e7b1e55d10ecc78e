"""Why two records matched: each compared field's level and match weight.

A pair's explanation depends only on its comparison vector (one level per field),
so each distinct vector is explained once and shared by every pair that has it.
Weights are in bits (log2 of m/u): positive is evidence for the same person,
negative against; the pair's probability combines them with the prior.
"""

from __future__ import annotations

from typing import Any

from graph_etl.matching.comparisons import reason_for


class Explainer:
    def __init__(self, names: list[str], weights: dict[str, dict[int, float]]) -> None:
        self.names = names
        self.weights = weights
        self._cache: dict[Any, tuple[list[str], list[dict[str, Any]]]] = {}
        self._by_pattern: dict[int, tuple[list[str], list[dict[str, Any]]]] = {}

    def pattern(
        self, number: int, patterns: list[tuple[tuple[int, ...], tuple[float, ...] | None]]
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """(reasons, explanation) of pattern `number` of a scored-pairs table."""
        found = self._by_pattern.get(number)
        if found is None:
            found = self._by_pattern[number] = self(*patterns[number])
        return found

    def __call__(
        self, gammas: tuple[int, ...], adjustments: tuple[float, ...] | None = None
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """(reasons, explanation) for one comparison vector and its term-frequency
        adjustments (rare names count more); shared, read-only lists."""
        key = (gammas, adjustments)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._build(gammas, adjustments)
        return found

    def _build(
        self, gammas: tuple[int, ...], adjustments: tuple[float, ...] | None
    ) -> tuple[list[str], list[dict[str, Any]]]:
        explanation: list[dict[str, Any]] = []
        said: list[tuple[float, str]] = []
        extra = adjustments or (0.0,) * len(gammas)
        for name, gamma, adjustment in zip(self.names, gammas, extra, strict=True):
            label, sentence = reason_for(name, gamma)
            weight = round(self.weights[name].get(gamma, 0.0) + adjustment, 2)
            explanation.append({"field": name, "level": label, "weight": weight})
            if gamma >= 0 and sentence not in (text for _, text in said):
                said.append((weight, sentence))
        reasons = [text for _, text in sorted(said, key=lambda item: -item[0])]
        return reasons, explanation
