"""Rendered pages kept between requests, keyed by everything they show.

The read pages (the portfolio, a startup, incubators, organisations, the API's lists) show the same thing
to everybody who sees the same data on the same day, and rendering them is most of their time. A page's
own blocks (title, breadcrumb, content) are kept, in each process, under a key made of:

- the page: host, path and query string, plus what the caller adds (the viewer, for pages whose buttons
  depend on permissions);
- today's date (times in phase, due dates move with it);
- a local generation, taken when the request starts (before it reads anything), that any write of this
  process moves — when it is flushed, committed or rolled back: a change made here shows here at once,
  and a page read on data older than a commit, or inside a transaction that wrote (or was rolled back),
  is never served to anybody else. A request during which this process wrote uses no cache at all;
- the data version: a token, one row in the database, that every committing transaction which wrote
  anything replaces, in that same transaction. Each process reads it at most once per
  PAGE_CACHE_CHECK_SECONDS (1 by default), and at every request of a person who wrote within that time:
  a change made by another process (another web worker, the scheduler, an import) shows at once to the
  person who made it, and within that time to everybody else.

The layout around the blocks (header, navigation, flashed messages) is rendered at every request: a hit
runs no SQL for an anonymous reader. Writes made outside the application (by hand in psql) are not seen
until the next write through it; `flask cache clear` replaces the token, which makes every process
forget every page.
"""
import collections
import itertools
import secrets
import threading
import time
from typing import Callable, TypeVar

import click
import sqlalchemy as sa
from flask import Flask, before_render_template, current_app, has_request_context, request, session, template_rendered
from flask.cli import with_appcontext
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock
from core.db import Base, db

T = TypeVar("T")

# The blocks of a page template that are cached; the layout's other blocks (header tools) are per person.
CACHED_BLOCKS = ("title", "head", "breadcrumb", "content", "scripts")
_WROTE = "jalons.cache.wrote"  # connection.info flag: this transaction wrote something
_TOKEN_WRITE = "jalons_token_write"  # execution option of the token's own UPDATE, which is not a data write
_TOKEN = "jalons.cache.token"  # request.environ memo: the data version, read once per request
_WROTE_IN_REQUEST = "jalons.cache.wrote_in_request"  # request.environ flag: this request committed a write
_WROTE_AT = "jalons.wrote_at"  # session key: when this person last committed a write (epoch seconds)
_COMMITTING_WRITE = "jalons.cache.committing_write"  # session.info flag, from before_commit to after_commit
_START = "jalons.cache.generation"  # request.environ: the generation when the request started
_generation = itertools.count()
_current_generation = next(_generation)


class DataVersion(Base):
    """One row: a token that changes with every committed write (see the module docstring)."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))


class PageCache:
    """A least-recently-used map bounded by the characters it holds (about the memory it takes)."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.chars = 0
        self.token: str | None = None  # the data version last read, and when (time.monotonic())
        self.token_read_at = float("-inf")
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry[0]
            return None

    def put(self, key, value) -> None:
        size = _size(value)
        if size > self.max_chars:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.chars -= old[1]
            self._entries[key] = (value, size)
            self.chars += size
            while self.chars > self.max_chars:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.chars -= evicted

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.chars = 0
            self.token = None

    def __len__(self) -> int:
        return len(self._entries)


def _size(value) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_size(k) + _size(v) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return sum(_size(v) for v in value)
    return 16


def init_app(app: Flask) -> None:
    """PAGE_CACHE_MB (default 32) bounds each process's cache; 0 turns it off."""
    megabytes = float(app.config.get("PAGE_CACHE_MB", 32))
    app.extensions["jalons.page_cache"] = PageCache(int(megabytes * 1_000_000)) if megabytes > 0 else None
    _listen()
    app.before_request(_note_generation)
    app.after_request(_remember_write)
    app.cli.add_command(cache_cli)


def _note_generation() -> None:
    """The generation before the request reads anything: its key (see _usable_cache)."""
    request.environ[_START] = _current_generation


def _remember_write(response):
    """The person who just wrote reads the data version at every request for a while (read your writes,
    whichever process serves the next request)."""
    if request.environ.get(_WROTE_IN_REQUEST):
        session[_WROTE_AT] = time.time()
    return response


cache_cli = click.Group("cache", help="Le cache des pages lues (core/cache.py).")


@cache_cli.command("clear")
@with_appcontext
def clear_command() -> None:
    """Fait oublier toutes les pages à tous les processus (après une modification faite hors de Jalons)."""
    bump_token(db.session.connection())
    db.session.commit()
    click.echo("Cache des pages vidé : chaque page sera recalculée à sa prochaine lecture.")


def page_cache(app: Flask | None = None) -> PageCache | None:
    return (app or current_app).extensions.get("jalons.page_cache")


def clear(app: Flask | None = None) -> None:
    cache = page_cache(app)
    if cache is not None:
        cache.clear()


# --- The data version ------------------------------------------------------------------------------------

_TOKEN_QUERY = sa.select(DataVersion.token).where(DataVersion.id == 1)


def data_token() -> str:
    """The data version this request sees: read from the database (one SQL statement) when the process's
    copy is older than PAGE_CACHE_CHECK_SECONDS, or when this person wrote within that time."""
    environ = request.environ
    if _TOKEN not in environ:
        store = page_cache()
        check = float(current_app.config.get("PAGE_CACHE_CHECK_SECONDS", 1))
        now = time.monotonic()
        wrote_at = session.get(_WROTE_AT) if check > 0 else None
        if (store.token is None or now - store.token_read_at >= check
                or (isinstance(wrote_at, (int, float)) and time.time() - wrote_at < check)):
            store.token, store.token_read_at = db.session.scalar(_TOKEN_QUERY) or "", now
        environ[_TOKEN] = store.token
    return environ[_TOKEN]


def _next_generation() -> None:
    global _current_generation
    _current_generation = next(_generation)


# Writes are seen where they all pass, on the connection: ORM flushes, ORM bulk statements and Core
# statements alike (not raw SQL text). The flag lives on the connection until its transaction ends.

def _after_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete) \
            and not context.execution_options.get(_TOKEN_WRITE):
        conn.info[_WROTE] = True
        _next_generation()


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the token changes once, when the transaction commits
        return
    # The commit's own flush runs after this hook: pending changes are flushed here, so that they count.
    session.flush()
    connection = session.connection()
    if connection.info.pop(_WROTE, False):
        bump_token(connection)
        session.info[_COMMITTING_WRITE] = True


def _after_session_commit(session: Session) -> None:
    # Now that the write is visible to every connection: a page read by a request that started before
    # this point (on a snapshot that may predate the commit) must not be kept for later requests.
    if session.info.pop(_COMMITTING_WRITE, False):
        _next_generation()


def bump_token(connection: sa.Connection) -> None:
    """A new data version, in the connection's transaction."""
    table = DataVersion.__table__
    token = secrets.token_hex(16)
    options = {_TOKEN_WRITE: True}  # per statement: Connection.execution_options() would change the connection
    if connection.execute(sa.update(table).where(table.c.id == 1).values(token=token),
                          execution_options=options).rowcount == 0:
        connection.execute(sa.insert(table).values(id=1, token=token), execution_options=options)
    if has_request_context():
        request.environ[_WROTE_IN_REQUEST] = True


def _wrote(conn, forget: bool) -> bool:
    """Whether the connection's transaction wrote. These listeners run after a commit or a rollback, also
    on a connection the database dropped, whose .info raises: they must never raise themselves (an error
    here turned the error page into a raw one). When in doubt, count it as a write (forget every page)."""
    try:
        return bool(conn.info.pop(_WROTE, False) if forget else conn.info.get(_WROTE))
    except Exception:
        return True


def _after_commit(conn) -> None:
    _wrote(conn, forget=True)


def _after_rollback(conn) -> None:
    # Pages read inside a transaction that wrote, then rolled back, must not be served again.
    if _wrote(conn, forget=True):
        _next_generation()


def _after_rollback_savepoint(conn, name, context) -> None:
    if _wrote(conn, forget=False):
        _next_generation()


_listening = False


def _listen() -> None:
    global _listening
    if not _listening:
        sa.event.listen(sa.Engine, "after_cursor_execute", _after_cursor_execute)
        sa.event.listen(sa.Engine, "commit", _after_commit)
        sa.event.listen(sa.Engine, "rollback", _after_rollback)
        sa.event.listen(sa.Engine, "rollback_savepoint", _after_rollback_savepoint)
        sa.event.listen(Session, "before_commit", _before_commit)
        sa.event.listen(Session, "after_commit", _after_session_commit)
        _listening = True


# --- Caching ---------------------------------------------------------------------------------------------

def _unwritten() -> bool:
    """True while this process has not written since the request started."""
    return request.environ.get(_START, _current_generation) == _current_generation


def _usable_cache() -> PageCache | None:
    """The cache, unless this process wrote since the request started: what the request reads may then be
    older or newer than any key says, so it neither reads nor keeps a page (checked again before keeping)."""
    cache = page_cache()
    return cache if cache is not None and _unwritten() else None


def _full_key(key: tuple) -> tuple:
    # The generation of the request's start: any write of this process after it (committed or not) makes
    # the key one no later request uses.
    return (request.root_url, request.path, tuple(sorted(request.args.items(multi=True))), key, clock.today(),
            data_token(), request.environ.get(_START, _current_generation))


def cached(key: tuple, build: Callable[[], T]) -> T:
    """build(), or what it returned for the same page, key, day, data version and generation."""
    cache = _usable_cache()
    if cache is None:
        return build()
    full_key = _full_key(key)
    value = cache.get(full_key)
    if value is None:
        value = build()
        if _unwritten():
            cache.put(full_key, value)
    return value


def render_page(template_name: str, build: Callable[[], dict], key: tuple = (), **context) -> str:
    """Renders a page template that extends base.html. Its own blocks come from the cache when they are
    there; otherwise build() — the database work, returning the template's context — runs, and the blocks
    rendered are kept. `context` holds what the layout needs at every request (active_section)."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(template_name)
    own = [name for name in CACHED_BLOCKS if name in template.blocks]
    cache = _usable_cache()
    full_key = _full_key((template_name, *key)) if cache is not None else None
    blocks = cache.get(full_key) if cache is not None else None
    if blocks is None:
        context.update(build())
    app.update_template_context(context)
    before_render_template.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    page_context = template.new_context(context)
    recorded: dict[str, str] = {}
    for name in own:
        if blocks is None:
            page_context.blocks[name][0] = _recorder(name, page_context.blocks[name][0], recorded)
        else:
            page_context.blocks[name][0] = _replayer(blocks.get(name, ""))
    try:
        html = template.environment.concat(template.root_render_func(page_context))
    except Exception:
        template.environment.handle_exception()
    if blocks is None and cache is not None and _unwritten():
        cache.put(full_key, recorded)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return html


def _recorder(name: str, block, recorded: dict):
    def record(context):
        text = context.environment.concat(block(context))
        recorded.setdefault(name, text)
        yield text
    return record


def _replayer(text: str):
    def replay(context):
        yield text
    return replay
