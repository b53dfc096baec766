"""Prediction worker: pulls a batch, scores it, writes it."""
import logging
import sys

from predictions.shared.config import settings
from predictions.worker.data_loaders import load_games


def main() -> int:
    logging.basicConfig(level=logging.INFO)
    games = load_games(sys.stdin.read())
    logging.info("project=%s games=%d", settings["project"], len(games))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
