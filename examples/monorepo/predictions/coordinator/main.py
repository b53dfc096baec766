"""Coordinator: schedules batches and stages their output."""
import os

from flask import Flask, jsonify

from batch_staging_writer import BatchStagingWriter

app = Flask(__name__)
writer = BatchStagingWriter(os.environ.get("STAGING_TABLE", "staging"))


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.post("/run")
def run():
    # Imported here to keep start-up fast.
    from predictions.worker.data_loaders import load_games

    games = load_games("id,home\n1,x\n")
    return jsonify(written=writer.write(games))
