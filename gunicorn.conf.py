"""gunicorn's settings for Jalons, read by every `gunicorn` started in the project's folder (the Procfile's web
process, the README's, the benches'); the workers and threads stay on the command line.

A worker takes a connection only when one of its threads is free (worker_connections = threads), and closes
it once answered (no keep-alive). The requests that find every thread busy then wait in the kernel's queue
of the listening socket, shared by all the workers, and the first free thread of any worker takes the
oldest. With gunicorn's defaults (1,000 connections a worker, kept alive), a busy worker went on accepting
connections and queued them behind its own two threads while another sat idle: under load the p95 was two
to five times the median (bench/load.py; 1.2–1.3 times with this file). Behind nginx nothing is lost: with the README's configuration it
opens a connection per request to gunicorn anyway (HTTP/1.0, no upstream keep-alive).
"""

keepalive = 0


def on_starting(server):
    # After the command line: --threads given there counts (bench/fault_rig.py runs 2 workers × 4 threads).
    server.cfg.set("worker_connections", server.cfg.threads)
