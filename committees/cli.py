from flask import Flask


def register(app: Flask) -> None:
    """Click commands of this area."""
