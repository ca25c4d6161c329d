"""The floor for bench/load.py: a bare Flask app answering "ok", served by the same gunicorn
settings as the portal in the same run (`gunicorn bare_app:app`, from bench/)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok():
    return "ok"
