"""The yardstick of ``python -m certify.bench verify``: a bare Flask app returning a small JSON
document, served by gunicorn with certify's own settings."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():
    return jsonify(state="VALID", valid=True, serial="K7QM-3XDA-9PFT",
                   holder="María José Ñancupil Huenchumán", hours="120")
