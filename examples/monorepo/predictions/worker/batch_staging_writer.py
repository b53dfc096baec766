"""Writes prediction batches to the staging table.

Copied flat into the coordinator image, next to its main.py.
"""
import json
import logging

from distributed_lock import DistributedLock

log = logging.getLogger(__name__)


class BatchStagingWriter:
    def __init__(self, table: str) -> None:
        self.table = table
        self.lock = DistributedLock(f"staging:{table}")

    def write(self, rows: list[dict]) -> int:
        with self.lock.hold():
            log.info("writing %d rows to %s", len(rows), self.table)
            return len(json.dumps(rows))
