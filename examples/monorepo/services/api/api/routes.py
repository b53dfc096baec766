from flask import Flask, jsonify

from . import version


def register(app: Flask) -> None:
    @app.get("/version")
    def show_version():
        return jsonify(version=version.VERSION)
