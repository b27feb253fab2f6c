"""Printing at the pack station: labels as raw ZPL to a station's thermal printer (TCP port 9100, or a CUPS
raw queue), pick lists and packing slips to its laser printer through CUPS (`lp -d <queue>`).

Every print is a PrintJob row queued as durable work (core.work) in the transaction that asks for it. The
job reads the document when it runs (a label's ZPL is rendered then if the label task has not yet), sends
it, and records the attempt on the row the pack page shows: a printer that is off leaves the job
`retrying`, and core.work runs it again with growing delays; the last attempt leaves it `failed`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.work import work_enqueue_many
from shipping.choices import PrinterConnection, PrinterPurpose, PrintJobStatus
from shipping.document_store import document_bytes
from shipping.documents import PACKING_SLIP
from shipping.exceptions import PrinterUnreachable, PrintingError
from shipping.labels import package_label_zpl
from shipping.models import Package, PackStation, PickList, Printer, PrintJob, Shipment
from shipping.pdf import PICK_LIST_PDF
from shipping.task_names import PRINT_JOB_TASK

OPEN_JOB_STATUSES = (PrintJobStatus.QUEUED, PrintJobStatus.RETRYING)


@dataclass(frozen=True)
class Printable:
    """A document a printer can take: which kind of printer, and its bytes for a job."""

    label: str
    purpose: str
    data: Callable[[PrintJob], bytes]
    title: Callable[[PrintJob], str]


PRINTABLES: dict[str, Printable] = {
    "label": Printable("Label", PrinterPurpose.LABEL,
                       data=lambda job: package_label_zpl(package=job.package).encode("utf-8"),
                       title=lambda job: f"label-{job.package.tracking_number}"),
    "packing_slip": Printable("Packing slip", PrinterPurpose.DOCUMENT,
                              data=lambda job: document_bytes(PACKING_SLIP, job.shipment_id),
                              title=lambda job: f"packing-slip-{job.shipment.order.order_number}"),
    "pick_list": Printable("Pick list", PrinterPurpose.DOCUMENT,
                           data=lambda job: document_bytes(PICK_LIST_PDF, job.pick_list_id),
                           title=lambda job: job.pick_list.number),
}


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


def lp_available() -> bool:
    """Whether this machine can print through CUPS (the `lp` command is installed)."""
    return shutil.which("lp") is not None


def station_printer(*, warehouse_id: int, station: str, purpose: str) -> Printer | None:
    """The active printer of that purpose at the named station of the warehouse, if there is one."""
    if not station:
        return None
    return (Printer.objects.select_related("station")
            .filter(station__warehouse_id=warehouse_id, station__code__iexact=station, station__is_active=True,
                    purpose=purpose, is_active=True).first())


def _queue(jobs: list[PrintJob]) -> list[PrintJob]:
    work_enqueue_many(PRINT_JOB_TASK, [job.pk for job in jobs])
    return jobs


def shipment_labels_print(*, shipment: Shipment, user=None) -> list[PrintJob]:
    """Queue every label of a shipment on its station's label printer, in the caller's transaction.

    Returns the jobs; none when the shipment's station has no label printer."""
    printer = station_printer(warehouse_id=shipment.warehouse_id, station=shipment.station,
                              purpose=PrinterPurpose.LABEL)
    if printer is None:
        return []
    packages = shipment.packages.filter(tracking_number__gt="").order_by("number")
    return _queue([PrintJob.objects.create(printer=printer, document="label", package=p, shipment=shipment,
                                           created_by=_user_or_none(user)) for p in packages])


def package_label_reprint(*, package: Package, user=None) -> PrintJob:
    """Send a package's label to its station's label printer again.

    Raises PrintingError without a label or without a label printer at the station."""
    shipment = package.shipment
    if not package.tracking_number:
        raise PrintingError(f"Package {package.number} has no label yet.")
    printer = station_printer(warehouse_id=shipment.warehouse_id, station=shipment.station,
                              purpose=PrinterPurpose.LABEL)
    if printer is None:
        raise PrintingError(f"Station “{shipment.station or '—'}” has no label printer; a manager adds one under "
                            "Packing → Printers.")
    return _queue([PrintJob.objects.create(printer=printer, document="label", package=package, shipment=shipment,
                                           created_by=_user_or_none(user))])[0]


def document_print(*, document: str, printer: Printer, shipment: Shipment | None = None,
                   pick_list: PickList | None = None, user=None) -> PrintJob:
    """Send a packing slip (give `shipment`) or a pick list (give `pick_list`) to a laser printer through CUPS.

    Raises PrintingError when the printer is not a laser printer of that warehouse or `lp` is not installed."""
    printable = PRINTABLES.get(document)
    owner = shipment if document == "packing_slip" else pick_list if document == "pick_list" else None
    if printable is None or printable.purpose != PrinterPurpose.DOCUMENT or owner is None:
        raise PrintingError("Only packing slips and pick lists go to a laser printer.", field="document")
    if printer.purpose != PrinterPurpose.DOCUMENT or not printer.is_active \
            or printer.station.warehouse_id != owner.warehouse_id:
        raise PrintingError("Choose an active laser printer of this warehouse.", field="printer")
    if not lp_available():
        raise PrintingError("Printing to CUPS is unavailable: this machine has no lp command.", field="printer")
    return _queue([PrintJob.objects.create(printer=printer, document=document, shipment=shipment,
                                           pick_list=pick_list, created_by=_user_or_none(user))])[0]


def print_jobs_cancel(*, packages: list[Package]) -> int:
    """Cancel the label jobs not yet printed of these packages (their label was voided)."""
    return PrintJob.objects.filter(package__in=packages, status__in=OPEN_JOB_STATUSES).update(
        status=PrintJobStatus.CANCELLED, updated_at=timezone.now())


# --- sending -----------------------------------------------------------------------------------------------

def _timeout() -> float:
    return float(getattr(settings, "DOCKHAND_PRINTER_TIMEOUT_SECONDS", 10))


def raw_tcp_send(*, host: str, port: int, data: bytes) -> None:
    """Write the bytes to a printer's raw port (9100) and close. Raises PrinterUnreachable."""
    try:
        with socket.create_connection((host, port), timeout=_timeout()) as conn:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
    except OSError as exc:
        raise PrinterUnreachable(f"{host}:{port} did not take the job: {exc.strerror or exc}") from exc


def cups_send(*, queue: str, data: bytes, title: str, raw: bool) -> None:
    """Hand the bytes to CUPS with `lp -d <queue>` (raw for ZPL). Raises PrintingError without lp,
    PrinterUnreachable when lp fails."""
    lp = shutil.which("lp")
    if lp is None:
        raise PrintingError("Printing to CUPS is unavailable: this machine has no lp command.")
    args = [lp, "-d", queue, "-t", title[:100]] + (["-o", "raw"] if raw else [])
    try:
        done = subprocess.run(args, input=data, capture_output=True, timeout=_timeout() * 3, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrinterUnreachable(f"lp -d {queue}: {exc}") from exc
    if done.returncode != 0:
        problem = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise PrinterUnreachable(f"lp -d {queue}: {problem}"[:500])


def print_job_send(*, job_id: int, final: bool = False) -> PrintJob | None:
    """Send one print job to its printer and record the attempt on the job.

    A job already printed or cancelled is left alone. Raises PrinterUnreachable (after recording it) when the
    printer did not take the job and this is not the final attempt, so its durable work retries; the final
    attempt leaves the job `failed`. A document that cannot be rendered raises as it is."""
    job = (PrintJob.objects.select_related("printer", "package", "shipment__order", "pick_list")
           .filter(pk=job_id).first())
    if job is None or job.status not in OPEN_JOB_STATUSES:
        return job
    PrintJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)
    job.refresh_from_db(fields=["attempts"])
    printable = PRINTABLES[job.document]
    printer = job.printer
    try:
        data = printable.data(job)
        if printer.connection == PrinterConnection.RAW_TCP:
            raw_tcp_send(host=printer.host, port=printer.port, data=data)
        else:
            cups_send(queue=printer.queue, data=data, title=printable.title(job),
                      raw=printer.purpose == PrinterPurpose.LABEL)
    except PrinterUnreachable as exc:
        problem, retry = exc.message, not final
    except PrintingError as exc:
        problem, retry = exc.message, False
    else:
        job.status, job.printed_at, job.last_error = PrintJobStatus.PRINTED, timezone.now(), ""
        job.save(update_fields=["status", "printed_at", "last_error", "updated_at"])
        return job
    job.status = PrintJobStatus.RETRYING if retry else PrintJobStatus.FAILED
    job.last_error = problem[:500]
    job.save(update_fields=["status", "last_error", "updated_at"])
    if retry:
        raise PrinterUnreachable(problem)
    return job


def print_job_failed(job_id: int, message: str) -> bool:
    """core.work's failure recorder: the job's own row shows the failure on the pack page."""
    PrintJob.objects.filter(pk=job_id, status__in=OPEN_JOB_STATUSES).update(
        status=PrintJobStatus.FAILED, last_error=message[:500], updated_at=timezone.now())
    return True


# --- stations and printers (the managers' settings page) -----------------------------------------------------

def pack_station_create(*, warehouse, code: str, name: str = "") -> PackStation:
    """Register a pack station at a warehouse. Raises PrintingError when the code is taken there."""
    code = code.strip()
    if not code:
        raise PrintingError("Give the station a code.", field="code")
    if PackStation.objects.filter(warehouse=warehouse, code__iexact=code).exists():
        raise PrintingError(f"{warehouse.code} already has a station {code}.", field="code")
    return PackStation.objects.create(warehouse=warehouse, code=code[:40], name=name.strip()[:100])


@transaction.atomic
def printer_register(*, station: PackStation, purpose: str, connection: str, host: str = "", port: int = 9100,
                     queue: str = "", name: str = "") -> Printer:
    """Register a station's label or laser printer, replacing (deactivating) the one it had for that purpose.

    Raises PrintingError for an incomplete connection or a laser printer that is not a CUPS queue."""
    host, queue = host.strip(), queue.strip()
    if connection == PrinterConnection.RAW_TCP:
        if purpose != PrinterPurpose.LABEL:
            raise PrintingError("Laser printers are reached through a CUPS queue.", field="connection")
        if not host:
            raise PrintingError("Give the printer's host name or IP address.", field="host")
        if not 1 <= port <= 65535:
            raise PrintingError("The port is a number from 1 to 65535 (9100 for raw ZPL).", field="port")
        queue = ""
    elif connection == PrinterConnection.CUPS:
        if not queue or any(c.isspace() for c in queue):
            raise PrintingError("Give the CUPS queue's name (as lpstat -p lists it).", field="queue")
        host = ""
    else:
        raise PrintingError("Choose how the printer is reached.", field="connection")
    Printer.objects.select_for_update().filter(station=station, purpose=purpose, is_active=True).update(
        is_active=False, updated_at=timezone.now())
    return Printer.objects.create(station=station, purpose=purpose, connection=connection, host=host[:255],
                                  port=port, queue=queue[:127], name=name.strip()[:100])


def printer_deactivate(*, printer: Printer) -> Printer:
    """Stop printing to a printer; its jobs keep their history."""
    printer.is_active = False
    printer.save(update_fields=["is_active", "updated_at"])
    return printer
