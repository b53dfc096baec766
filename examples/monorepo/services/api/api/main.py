from flask import Flask, jsonify

from api.routes import register

app = Flask(__name__)
register(app)


@app.get("/health")
def health():
    return jsonify(status="ok")
