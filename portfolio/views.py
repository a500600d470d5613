"""The read side: the portfolio, a startup's page, incubators and organisations.

It sits above every domain area (startups, indicators, committees) so that a page can show a startup's
phases, committees and indicators together while the domain areas keep their one-way imports.

Every page runs a fixed number of SQL statements whatever the size of the portfolio (tested in
tests/portfolio/test_query_count.py): lists are paginated, counts are GROUP BYs. Nothing is kept
between requests: an anonymous page is cached over HTTP (core/http_cache.py), never in the process.
"""

import dataclasses
import datetime as dt
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy.orm import joinedload, selectinload

from committees import due as committee_due
from core.db import db
from core.pagination import clamp, page_url, paginate
from core.text import whole_number
from core import clock
from portfolio import display
from indicators import queries as indicator_queries
from portfolio.forms import LATE_INDICATORS, PortfolioFilterForm
from startups import fiche_out, queries
from startups.models import Incubator, Startup
from startups.views import checked_id
from startups.phases import Phase
from users.permissions import public

bp = Blueprint("portfolio", __name__)
bp.add_app_template_global(tuple(Phase), "PHASES")
bp.add_app_template_global(committee_due.CommitteeDueStatus, "DUE_STATUSES")
bp.add_app_template_global(display.external_url, "external_url")
bp.add_app_template_filter(display.path_segment, "path_segment")
bp.add_app_template_global(display.phase_count_cells, "phase_count_cells")

PER_PAGE = 50
# Past this page a text search counts no further: 5 million startups, and (page + 2) × PER_PAGE stays far within
# SQL's integers (page=999999999999999999 overflowed the LIMIT).
MAX_SEARCHED_PAGE = 100_000


def show(template: str, context: dict, active_section: str) -> str:
    return render_template(template, active_section=active_section, **context)


def portfolio_args(**changes) -> dict:
    """The portfolio's current query string with changes; a new phase drops `active` (the two would
    contradict) and `page` (the new list starts at its first page)."""
    args = {key: value for key, value in request.args.items() if value and key not in ("page", "active")}
    args.update(changes)
    return args


def startups_page(filters: queries.PortfolioFilters, today: dt.date, number: int, counts: dict,
                  searched: queries.SearchCounts | None = None):
    """One page of (queries.ListRow, current phase, phase start) rows; their number comes from the page's counts
    per phase (count_by_phase with the same filters), or from a text search's (queries.search_counts)."""
    total = searched.total if searched else queries.total_from_counts(counts, filters)
    matching = searched.matching if searched else total
    in_name_order = queries.reads_in_name_order(filters, matching, clamp(number, total, PER_PAGE) * PER_PAGE)
    page = paginate(queries.list_query(filters, today, in_name_order), number, PER_PAGE, total=total,
                    at_least=bool(searched and searched.at_least))
    return dataclasses.replace(page, items=queries.list_rows(page.items))


def search_counted(number: int) -> int:
    """How many matches a text search's page counts, at most (queries.SEARCH_COUNTED, or enough for the page
    asked and the two after it): the pages beyond are reached one window at a time."""
    return max(queries.SEARCH_COUNTED, (min(number, MAX_SEARCHED_PAGE) + 2) * PER_PAGE)


def requested_page() -> tuple[int, list[str]]:
    """The page number of the query string; an invalid value shows the first page, with a warning."""
    value = request.args.get("page", "").strip()
    number = whole_number(value or "1")
    if number is not None and number >= 1:
        return number, []
    return 1, [f"« {value} » n'est pas un numéro de page : la première page est affichée."]


def beyond_end(page, requested: int) -> list[str]:
    if requested > page.number:
        return [f"La page {requested} n'existe pas : la dernière page ({page.number}) est affichée."]
    return []


@bp.get("/startups")
@public
def portfolio():
    return show("portfolio/portfolio.html", portfolio_context(), "startups")


def portfolio_context() -> dict:
    today = clock.today()
    form = PortfolioFilterForm(request.args, incubators=queries.incubator_choices(), find_sponsor=queries.find_sponsor)
    form.validate()
    filters = form.filters()
    within = []
    if form.valid("committee"):
        within.append(committee_due.with_status(today, form.valid("committee")))
    if form.valid("indicateurs") == LATE_INDICATORS:
        within.append(Startup.id.in_(indicator_queries.late_startups(today)))
    if within:
        filters = dataclasses.replace(filters, within=sa.and_(*within))
    counts = searched = None
    if len(within) == 1 and form.valid("committee"):
        counts = committee_due.kept_counts_with_status(today, form.valid("committee"), filters)
    if counts is None and filters.text and filters.text.strip():
        searched = queries.search_counts(today, filters, search_counted(form.page_number))
        counts = searched.counts
    if counts is None:
        counts = queries.count_by_phase(today, filters)
    page = startups_page(filters, today, form.page_number, counts, searched)
    warnings = [f"{form[name].label.text} : {' '.join(form[name].errors)}" for name in form.errors if name != "page"]
    warnings += form.page.errors + beyond_end(page, form.page_number)
    # A fresh installation: say the portfolio is not loaded (and, to an admin, how to load it) rather than
    # that no startup matches the filters. One more statement, on an empty page only.
    no_startup_at_all = page.total == 0 and db.session.scalar(sa.select(Startup.id).limit(1)) is None
    return dict(
        no_startup_at_all=no_startup_at_all,
        form=form,
        filters=filters,
        counts=counts,
        counted=searched is None or searched.complete,
        search_counted=search_counted(form.page_number),
        page=page,
        page_url=page_url,
        phase_url=lambda value: f"{url_for('portfolio.portfolio')}?{urlencode(portfolio_args(phase=value))}",
        sort_label=queries.SORTS[filters.sort] + (" (ordre décroissant)" if filters.descending else ""),
        warnings=warnings,
        today=today,
        dues=page_dues(page, today),
    )


def page_dues(page, today: dt.date) -> dict:
    """{startup id: CommitteeDue} of a page's active startups: their kept due dates, or one statement that
    reads only theirs."""
    return committee_due.page_due_rows(today, [row[0] for row in page.items])


@bp.get("/startups/<startup_id>")
@public
def startup(startup_id: str):
    return show("portfolio/startup.html", startup_context(startup_id), "startups")


def startup_context(startup_id: str) -> dict:
    today = clock.today()
    startup = db.session.execute(
        sa.select(Startup)
        .where(Startup.id == checked_id(startup_id))
        .options(
            joinedload(Startup.incubator),
            selectinload(Startup.sponsors),
            selectinload(Startup.periods),
            selectinload(Startup.events),
        )
    ).scalar_one_or_none()
    if startup is None:
        abort(404)
    return dict(
        startup=startup,
        status=display.phase_status(startup, today),
        timeline=display.timeline(startup, today),
        links=display.links(startup),
        today=today,
        committee_due=committee_due.committee_due_of(startup, today),
        fiche_diff=fiche_out.diff(startup),
    )


@bp.get("/incubators")
@public
def incubators():
    return show("portfolio/incubators.html", incubators_context(), "incubators")


def incubators_context() -> dict:
    today = clock.today()
    incubators = db.session.execute(
        sa.select(Incubator)
        .where(Incubator.archived_at.is_(None))
        .options(joinedload(Incubator.owner))
        .order_by(sa.func.lower(Incubator.name), Incubator.id)
    ).scalars().all()
    return dict(
        incubators=incubators,
        counts=queries.count_by_phase_per_incubator(today),
    )


@bp.get("/incubators/<incubator_id>")
@public
def incubator(incubator_id: str):
    return show("portfolio/incubator.html", incubator_context(incubator_id), "incubators")


def incubator_context(incubator_id: str) -> dict:
    today = clock.today()
    incubator = db.session.execute(
        sa.select(Incubator).where(Incubator.id == checked_id(incubator_id)).options(joinedload(Incubator.owner))
    ).scalar_one_or_none()
    if incubator is None:
        abort(404)
    filters = queries.PortfolioFilters(incubator_id=incubator.id)
    number, warnings = requested_page()
    counts = queries.count_by_phase(today, filters)
    page = startups_page(filters, today, number, counts)
    return dict(
        incubator=incubator,
        counts=counts,
        page=page,
        page_url=page_url,
        warnings=warnings + beyond_end(page, number),
        today=today,
    )


@bp.get("/organisations")
@public
def organisations():
    return show("portfolio/organisations.html", organisations_context(), "organisations")


def organisations_context() -> dict:
    today = clock.today()
    return dict(organisations=queries.organisations_with_incubators(), counts=queries.count_by_phase_per_sponsor(today))


@bp.get("/organisations/<organisation_id>")
@public
def organisation(organisation_id: str):
    return show("portfolio/organisation.html", organisation_context(organisation_id), "organisations")


def organisation_context(organisation_id: str) -> dict:
    today = clock.today()
    organisation, owned = queries.organisation_and_incubators(checked_id(organisation_id))
    if organisation is None:
        abort(404)
    filters = queries.PortfolioFilters(sponsor_id=organisation.id)
    number, warnings = requested_page()
    counts = queries.count_by_phase(today, filters)
    page = startups_page(filters, today, number, counts)
    return dict(
        organisation=organisation,
        incubators=owned,
        counts=counts,
        page=page,
        page_url=page_url,
        warnings=warnings + beyond_end(page, number),
        today=today,
    )
