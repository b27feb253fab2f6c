from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.choices import Role
from inventory.selectors import client_list
from reports.api.serializers import BacklogSerializer, JobRetrySerializer
from reports.backlog import backlog_job_retry, backlog_read
from reports.forms import KpiFilterForm
from reports.kpis import kpis_compute
from warehouses.selectors import warehouse_list


class KpiView(APIView):
    """The dashboard's KPIs for a period (date_from, date_to: ISO dates), optionally one warehouse or client.

    Rates (on_time_rate, return_rate) are fractions; pick_errors_per_1000_lines (caught at packing) and
    wrong_item_returns_per_1000_lines are per 1,000 order lines shipped; survey_rating is the 1–5 average.
    A figure that cannot be computed is null, with the reason under no_data_yet.
    """

    read_roles = frozenset({Role.MANAGER})

    @extend_schema(parameters=[
        OpenApiParameter("date_from", str, description="ISO date; default 13 days before date_to"),
        OpenApiParameter("date_to", str, description="ISO date; default today"),
        OpenApiParameter("warehouse", int), OpenApiParameter("client", int),
    ], responses={200: dict})
    def get(self, request):
        form = KpiFilterForm(request.query_params, warehouses=warehouse_list(user=request.user),
                             clients=client_list(user=request.user))
        if not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        return Response(kpis_compute(user=request.user, filters=form.to_filters()).as_dict())


class BacklogView(APIView):
    """The work backlog (managers): each kind of background work with its waiting (due now), running and
    failed jobs and the age of its oldest due job; whether anything needs attention; the latest 100 failed jobs.
    """

    read_roles = frozenset({Role.MANAGER})

    @extend_schema(responses={200: BacklogSerializer})
    def get(self, request):
        return Response(BacklogSerializer(backlog_read()).data)


class JobRetryView(APIView):
    """Put a failed job back in the queue (managers). 404 when the job is not failed (any more)."""

    write_roles = frozenset({Role.MANAGER})

    @extend_schema(request=None, responses={200: JobRetrySerializer})
    def post(self, request, pk: int):
        outcome = backlog_job_retry(job_id=pk)
        if outcome is None:
            raise NotFound("No failed job with this id: it was retried already, or it is done.")
        return Response(JobRetrySerializer(outcome).data)
