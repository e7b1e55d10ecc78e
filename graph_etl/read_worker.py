"""A worker process reading one extract (`graph_etl.read_pool`).

Run as `python -m graph_etl.read_worker FD`: it reads the pickled `ReadJob` from its
standard input and writes its pickled answers to the file descriptor FD."""

from __future__ import annotations

import os
import pickle
import sys

from graph_etl.read_pool import Answer, work


def main(argv: list[str]) -> int:
    job = pickle.load(sys.stdin.buffer)  # noqa: S301 (from the process that started this one)
    with os.fdopen(int(argv[0]), "wb") as channel:

        def send(answer: Answer) -> None:
            pickle.dump(answer, channel, protocol=pickle.HIGHEST_PROTOCOL)
            channel.flush()

        work(job, send)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
