from flask import Flask


def register(app: Flask) -> None:
    """No commands yet."""
