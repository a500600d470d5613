"""The garbage collector at safe points (core/collector.py): the workaround for CPython 3.11's memory fault."""

import gc
import subprocess
import sys
import threading
import weakref
from pathlib import Path

import pytest

from core import collector

ROOT = Path(__file__).resolve().parents[2]
on_311 = pytest.mark.skipif(not collector.needed(), reason="Python 3.12 and later keep their own collection")


def run_python(code: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "faulthandler", "-c", code], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@on_311
def test_an_application_collects_at_safe_points_only(app):
    assert collector.running()
    assert not gc.isenabled()


@on_311
def test_an_automatic_collection_turned_back_on_is_turned_off_again(app):
    gc.enable()
    turned_off = threading.Event()
    for _ in range(100):
        if not gc.isenabled():
            turned_off.set()
            break
        turned_off.wait(0.05)
    assert turned_off.is_set() and collector.running()


@on_311
def test_cycles_are_still_collected(app):
    """The automatic collection is off: the thread must free what only a collection frees."""
    freed = threading.Event()

    class Node:
        pass

    node = Node()
    node.itself = node
    watcher = weakref.ref(node, lambda _ref: freed.set())
    del node
    kept = []
    for _ in range(300):  # more pending objects than the threshold, so that collections are due (then older generations)
        kept.append([Node() for _ in range(1000)])
        if freed.wait(0.1):
            break
    assert freed.is_set() and watcher() is None


@on_311
def test_a_forked_child_collects_at_safe_points_too(tmp_path):
    """gunicorn --preload forks workers from a process that created the application: threads do not fork."""
    result = run_python(
        "import os, sys\n"
        "from core import collector\n"
        "collector.start()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os._exit(0 if collector.running() else 1)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n",
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_the_sequence_that_crashed_python_311_runs_to_its_end(tmp_path):
    """The sequence that made every 3.11 process die of a segmentation fault (README, Benchmarks): on a
    portfolio ten times the real one (built by another process, as bench/pages.py does, with bench/synthetic.py), the list pages, then
    « Mon espace » of a person who reaches 2,000 startups, sixty times in one process. With the collections at
    safe points it runs to its end."""
    database = tmp_path / "dix-fois.sqlite"
    prelude = (
        "import sys\n"
        "sys.path.insert(0, '.')\n"
        "import conventions.models\n"
        "sys.path.insert(1, 'bench')\n"
        "import pages, synthetic\n"
        "from core import clock\n"
        f"app = synthetic.make_app('sqlite:///{database}')\n"
    )
    built = run_python(
        prelude + "synthetic.prepare_database(app, False)\n"
        "with app.app_context():\n"
        "    synthetic.build_portfolio(synthetic.load_profile(), synthetic.load_profile().startups * 10, clock.today(), 1)\n"
        "    print(*pages.espace_person(clock.today()))\n",
        cwd=ROOT,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    person_id, version = built.stdout.split()
    result = run_python(
        prelude + "client = app.test_client()\n"
        "for label, page in pages.pages_to_measure(app, synthetic.load_profile()):\n"
        "    if pages.route_exists(app, page):\n"
        "        for _ in range(5):\n"
        "            client.get(synthetic.BARE_URL)\n"
        "            assert client.get(page).status_code == 200, page\n"
        "with client.session_transaction() as session:\n"
        f"    session['person_id'], session['session_version'] = {person_id}, {version}\n"
        "for _ in range(60):\n"
        "    client.get(synthetic.BARE_URL)\n"
        "    assert client.get('/espace/').status_code == 200\n"
        "print('fin')\n",
        cwd=ROOT,
    )
    assert result.returncode == 0 and "fin" in result.stdout, result.stderr[-3000:]
