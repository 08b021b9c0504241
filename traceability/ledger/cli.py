"""`flask log …`: sequence and sign a checkpoint, run the monitor, show the public key."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
