"""gunicorn.conf.py: a worker takes a connection only when one of its threads is free, and closes it once
answered, whatever number of threads the command line gives (README, « Under load »)."""

import runpy
import types
from pathlib import Path

import pytest
from gunicorn.config import Config

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.mark.parametrize("threads", [2, 4])
def test_each_worker_accepts_as_many_connections_as_it_has_threads_and_keeps_none_alive(threads):
    cfg = Config()
    settings = runpy.run_path(str(CONF))
    for name, value in settings.items():  # as gunicorn reads its configuration file
        if name in cfg.settings:
            cfg.set(name, value)
    cfg.set("threads", threads)  # then the command line, as the Procfile's or bench/fault_rig.py's
    settings["on_starting"](types.SimpleNamespace(cfg=cfg))
    assert cfg.worker_connections == threads
    assert cfg.keepalive == 0
