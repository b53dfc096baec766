"""Grading service: grades yesterday's predictions against results."""
from flask import Flask, jsonify

from shared.logging_utils import get_logger
from predictions.shared.distributed_lock import DistributedLock

app = Flask(__name__)
log = get_logger(__name__)


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.post("/grade")
def grade():
    with DistributedLock("grading").hold():
        log.info("grading")
    return jsonify(graded=True)
