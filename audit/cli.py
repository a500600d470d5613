from flask import Flask


def register(app: Flask) -> None:
    """No commands: the log is written by services, never by hand."""
