import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from core.access import primary_role
from core.choices import Role
from core.decorators import role_required
from inventory.selectors import client_list
from orders.choices import OrderStatus
from orders.selectors import order_list
from reports.backlog import backlog_job_retry, backlog_read
from reports.charts import bar_chart
from reports.forms import KpiFilterForm
from reports.home import home_context
from reports.kpis import AGE_BUCKETS, KpiFilters, kpis_compute
from reports.rebalance import rebalance_suggestions
from warehouses.selectors import warehouse_list

CYCLE_BUCKETS = [("< 4 h", 0, 4), ("4–8 h", 4, 8), ("8–24 h", 8, 24), ("1–2 d", 24, 48), ("2–3 d", 48, 72),
                 ("> 3 d", 72, None)]


@login_required
def home(request):
    """A home page per role: what this person should do next."""
    role = primary_role(request.user)
    orders = order_list(user=request.user)
    counts = {row["status"]: row["n"] for row in _status_counts(orders)}
    context = {
        "role": role,
        "status_counts": [(status, label, counts.get(status, 0)) for status, label in OrderStatus.choices],
        "recent_orders": orders.order_by("-received_at")[:10],
    }
    context.update(home_context(user=request.user, role=role))
    return render(request, "home.html", context)


def _status_counts(orders):
    return orders.order_by().values("status").annotate(n=Count("pk"))


def _cycle_histogram(hours: list[float]) -> list[int]:
    return [sum(1 for h in hours if h >= low and (high is None or h < high)) for _label, low, high in CYCLE_BUCKETS]


@login_required
@role_required(Role.MANAGER)
def dashboard_view(request):
    """The manager's dashboard: flow, backlog, speed and quality over a chosen period, as charts."""
    today = timezone.localdate()
    form = KpiFilterForm(request.GET or None, warehouses=warehouse_list(user=request.user),
                         clients=client_list(user=request.user),
                         initial={"date_from": today - datetime.timedelta(days=13), "date_to": today})
    filters = KpiFilters(date_from=today - datetime.timedelta(days=13), date_to=today)
    scope = {}
    if form.is_bound:
        if form.is_valid():
            filters = form.to_filters()
            scope = {"warehouse": form.cleaned_data.get("warehouse"), "client": form.cleaned_data.get("client")}
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    kpis = kpis_compute(user=request.user, filters=filters)
    day_labels = [d.strftime("%m-%d") for d, _ in kpis.received_per_day]
    charts = {
        "flow": bar_chart(categories=day_labels, title="Orders received and shipped per day", series={
            "Received": [n for _, n in kpis.received_per_day], "Shipped": [n for _, n in kpis.shipped_per_day]}),
        "backlog": bar_chart(categories=[b["label"] for b in kpis.backlog], stacked=True, width=480, height=250,
                             title="Open orders by status and age", series={
                                 label: [b["buckets"][i] for b in kpis.backlog]
                                 for i, (label, _low, _high) in enumerate(AGE_BUCKETS)}),
        "cycle": bar_chart(categories=[b[0] for b in CYCLE_BUCKETS], title="Cycle time, received → shipped",
                           width=480, height=250,
                           series={"Orders": _cycle_histogram(kpis.cycle_hours)}),
        "returns": bar_chart(categories=day_labels, stacked=True, width=480, height=250,
                             title="Returns opened per day", series={
                                 "Other returns": [n - wrong for _, n, wrong in kpis.returns_per_day],
                                 "With a wrong item": [wrong for _, _n, wrong in kpis.returns_per_day]}),
        "survey": bar_chart(categories=[w["date_from"].strftime("%m-%d") for w in kpis.survey_per_week],
                            title="Survey rating per week (1–5)", width=480, height=250, y_max=5, y_ticks=5,
                            value_labels=True, value_format=".1f",
                            series={"Average rating": [w["rating"] for w in kpis.survey_per_week]},
                            notes=[f"{w['responses']} answer{'' if w['responses'] == 1 else 's'}"
                                   for w in kpis.survey_per_week]),
    }
    return render(request, "reports/dashboard.html", {
        "form": form, "kpis": kpis, "filters": filters,
        "charts": {name: mark_safe(svg) for name, svg in charts.items()},  # noqa: S308 - escaped in charts.py
        "backlog_total": sum(b["total"] for b in kpis.backlog), **scope,
    })


@login_required
@role_required(Role.MANAGER)
def rebalance_view(request):
    return render(request, "reports/rebalance.html", {"suggestions": rebalance_suggestions(user=request.user)})


@login_required
@role_required(Role.MANAGER)
def backlog_view(request):
    """The work backlog: what waits, what runs, what failed; htmx reloads the backlog box every few seconds."""
    template = "reports/_backlog.html" if request.htmx else "reports/backlog.html"
    return render(request, template, {"backlog": backlog_read()})


@require_POST
@login_required
@role_required(Role.MANAGER)
def backlog_job_retry_view(request, pk: int):
    outcome = backlog_job_retry(job_id=pk)
    if outcome is None:
        messages.warning(request, f"Job {pk} is no longer failed: it was retried already, or it is done.")
    else:
        what = f"The job for {outcome.job.object_noun} {outcome.job.object_id} ({outcome.job.label})"
        if outcome.state == "failed":
            messages.error(request, f"{what} failed again: {outcome.last_error}")
        elif outcome.state == "done":
            messages.success(request, f"{what} ran again and is done.")
        elif outcome.attempts:
            messages.warning(request, f"{what} failed again and will be retried automatically: {outcome.last_error}")
        else:
            messages.success(request, f"{what} is queued again and runs in a moment.")
    return redirect("reports:backlog")
