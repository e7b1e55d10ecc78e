"""Progress lines for long-running commands, on stderr so stdout stays clean."""

from __future__ import annotations

import sys
import time


class Progress:
    """Counts work done towards a total and prints at most every `interval` seconds."""

    def __init__(
        self, label: str, total: int | None = None, interval: float = 2.0, quiet: bool = False
    ) -> None:
        self.label, self.total, self.interval, self.quiet = label, total, interval, quiet
        self.done = 0
        self.started = self._last = time.monotonic()

    def __call__(self, amount: int = 1) -> None:
        self.done += amount
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._print()

    def _print(self, final: bool = False) -> None:
        if self.quiet:
            return
        elapsed = time.monotonic() - self.started
        of = f"/{self.total:,}" if self.total else ""
        pct = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        end = " done" if final else ""
        print(
            f"  {self.label}: {self.done:,}{of}{pct} in {elapsed:.1f}s{end}",
            file=sys.stderr,
            flush=True,
        )

    def finish(self) -> None:
        self._print(final=True)
