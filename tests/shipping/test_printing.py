"""Printing at the pack station: the exact ZPL bytes a label printer receives over TCP, retries while it is
off, reprints, and pick lists and packing slips through CUPS's lp."""

from __future__ import annotations

import contextlib
import socket
import stat
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from core.choices import JobState, Role
from core.models import Job
from core.work import job_run
from shipping.choices import PrinterConnection, PrinterPurpose, PrintJobStatus, ShipmentStatus
from shipping.exceptions import PrintingError
from shipping.models import PackStation, Printer, PrintJob
from shipping.packing.services import shipment_label, shipment_label_void
from shipping.picking.release import pick_list_release_single
from shipping.printing import document_print, package_label_reprint
from shipping.task_names import PRINT_JOB_TASK
from tests.conftest import run_due_work
from tests.factories import LocationFactory, WarehouseFactory, make_user
from tests.shipping.factories import allocated_order, product
from tests.shipping.test_packing import packed_shipment

pytestmark = pytest.mark.django_db


class FakePrinter:
    """A TCP listener standing in for a Zebra's port 9100: it keeps every connection's bytes."""

    def __init__(self, port: int = 0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._arrived = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            with self._arrived:
                self.received.append(b"".join(chunks))
                self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """What arrived, once `count` connections have (or the timeout has passed): a sender returns when its
        bytes are sent, a moment before this thread has accepted and read them."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)

    def close(self):
        # shutdown wakes the accept() that the thread is blocked in; close alone would leave it blocked
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def fake_printer():
    printer = FakePrinter()
    yield printer
    printer.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def order(boxed_order):
    return boxed_order


def label_printer(order, port: int) -> Printer:
    station = PackStation.objects.create(warehouse=order.warehouse, code="PACK-01")
    return Printer.objects.create(station=station, purpose=PrinterPurpose.LABEL,
                                  connection=PrinterConnection.RAW_TCP, host="127.0.0.1", port=port)


def packed_at_station(order, station="pack-01"):
    shipment = packed_shipment(order)
    shipment.station = station
    shipment.save(update_fields=["station"])
    return shipment


def run_print_job(job: PrintJob) -> None:
    job_run(PRINT_JOB_TASK, job.pk, limit=1)


def test_a_bought_label_goes_to_the_stations_printer_as_exact_zpl(order, fake_printer):
    # Given a label printer at the station the shipment was packed at (codes match whatever their case)
    label_printer(order, fake_printer.port)
    shipment = packed_at_station(order)

    # When the label is bought, a print job is queued as durable work in the same transaction
    shipment_label(shipment=shipment)
    job = PrintJob.objects.get()
    assert job.status == PrintJobStatus.QUEUED
    assert Job.objects.filter(task=PRINT_JOB_TASK, object_id=job.pk, state=JobState.PENDING).exists()
    run_print_job(job)

    # Then the printer received exactly the package's ZPL, once
    package = shipment.packages.get()
    package.refresh_from_db()
    assert fake_printer.wait_for(1) == [package.label_zpl.encode("utf-8")]
    zpl = fake_printer.received[0].decode()
    lines = zpl.splitlines()
    assert lines[0] == "^XA"
    assert lines[-1] == "^XZ"
    assert "^PW812" in lines
    assert "^LL1218" in lines
    assert f"^FO60,{_barcode_y(lines)}^BY3,3,200^BCN,200,N,N,N^FD{package.tracking_number}^FS" in lines
    assert all(line.startswith("^") and line.endswith("^FS") for line in lines[5:-1])
    job.refresh_from_db()
    assert (job.status, job.attempts, job.last_error) == (PrintJobStatus.PRINTED, 1, "")
    assert not Job.objects.filter(task=PRINT_JOB_TASK).exists()
    # and the label counts as printed once the printer took it
    assert package.label_printed_at is not None
    assert shipment.order.events.filter(note__startswith="Label printed:").exists()


def _barcode_y(lines):
    line = next(x for x in lines if "^BC" in x)
    return line.split(",")[1].split("^")[0]


def test_a_printer_that_is_off_is_retried_with_backoff_until_it_is_on(order):
    # Given a label printer whose port nothing listens on (it is off)
    port = free_port()
    label_printer(order, port)
    shipment = packed_at_station(order)
    shipment_label(shipment=shipment)
    job = PrintJob.objects.get()

    # When the job runs, it is kept for a retry a minute later, and the page shows why
    before = timezone.now()
    run_print_job(job)
    job.refresh_from_db()
    assert job.status == PrintJobStatus.RETRYING
    assert job.attempts == 1
    assert f"127.0.0.1:{port}" in job.last_error
    work = Job.objects.get(task=PRINT_JOB_TASK, object_id=job.pk)
    assert work.state == JobState.PENDING
    assert work.run_after >= before + timedelta(seconds=55)

    # Then, once the printer is on, the sweep's retry prints it
    printer = FakePrinter(port)
    try:
        run_due_work()
        arrived = printer.wait_for(1)
    finally:
        printer.close()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (PrintJobStatus.PRINTED, 2)
    assert arrived == [shipment.packages.get().label_zpl.encode("utf-8")]


def test_the_last_attempt_leaves_the_job_failed(order):
    label_printer(order, free_port())
    shipment_label(shipment=packed_at_station(order))
    job = PrintJob.objects.get()

    run_due_work(max_rounds=10)

    job.refresh_from_db()
    assert job.status == PrintJobStatus.FAILED
    assert job.attempts == 6
    assert not Job.objects.filter(task=PRINT_JOB_TASK).exists()  # the job's own row records the failure


def test_reprint_sends_the_same_label_again(order, fake_printer):
    label_printer(order, fake_printer.port)
    shipment = shipment_label(shipment=packed_at_station(order))
    run_print_job(PrintJob.objects.get())
    package = shipment.packages.get()

    reprint = package_label_reprint(package=package)
    run_print_job(reprint)

    first, second = fake_printer.wait_for(2)
    assert first == second


def test_no_printer_at_the_station_prints_nothing_and_reprint_says_why(order):
    shipment = shipment_label(shipment=packed_at_station(order, station="BENCH-9"))
    assert not PrintJob.objects.exists()
    with pytest.raises(PrintingError, match="has no label printer"):
        package_label_reprint(package=shipment.packages.get())


def test_voiding_the_label_cancels_prints_not_yet_sent(order):
    label_printer(order, free_port())
    shipment = shipment_label(shipment=packed_at_station(order))
    run_print_job(PrintJob.objects.get())  # the printer is off: retrying

    voided = shipment_label_void(shipment=shipment)

    assert voided.status == ShipmentStatus.PACKED
    assert PrintJob.objects.get().status == PrintJobStatus.CANCELLED
    run_due_work()
    assert PrintJob.objects.get().status == PrintJobStatus.CANCELLED


@pytest.fixture
def fake_lp(tmp_path, monkeypatch):
    """An `lp` on PATH that keeps its arguments and the bytes it was given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "lp"
    script.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/lp-args\n/bin/cat > {tmp_path}/lp-data\n'
                      'echo "request id is laser-1 (1 file(s))"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}")
    return tmp_path


def laser_printer(order, queue="office_laser") -> Printer:
    station, _ = PackStation.objects.get_or_create(warehouse=order.warehouse, code="PACK-01")
    return Printer.objects.create(station=station, purpose=PrinterPurpose.DOCUMENT,
                                  connection=PrinterConnection.CUPS, queue=queue)


def test_a_packing_slip_goes_to_the_laser_printer_through_lp(order, fake_lp):
    shipment = shipment_label(shipment=packed_at_station(order))
    job = document_print(document="packing_slip", printer=laser_printer(order), shipment=shipment)

    run_print_job(job)

    job.refresh_from_db()
    assert job.status == PrintJobStatus.PRINTED
    assert (fake_lp / "lp-args").read_text().split() == [
        "-d", "office_laser", "-t", f"packing-slip-{order.order_number}"]
    assert (fake_lp / "lp-data").read_bytes().startswith(b"%PDF")


def test_a_pick_list_goes_to_the_laser_printer_through_lp(order, fake_lp):
    warehouse = order.warehouse
    jacket = product(client=order.channel.client, sku="PRN-JKT-1")
    released = allocated_order(warehouse, [(jacket, LocationFactory(warehouse=warehouse, code="P-01-01-A"), 2)],
                               client=order.channel.client, order_number="#PRN-1")
    pick_list = pick_list_release_single(order=released)
    job = document_print(document="pick_list", printer=laser_printer(order), pick_list=pick_list)

    run_print_job(job)

    job.refresh_from_db()
    assert job.status == PrintJobStatus.PRINTED
    assert (fake_lp / "lp-args").read_text().split() == ["-d", "office_laser", "-t", pick_list.number]
    assert (fake_lp / "lp-data").read_bytes().startswith(b"%PDF")


def test_without_lp_printing_to_cups_is_unavailable(order, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    shipment = shipment_label(shipment=packed_at_station(order))
    with pytest.raises(PrintingError, match="no lp command"):
        document_print(document="packing_slip", printer=laser_printer(order), shipment=shipment)


def test_a_label_printer_cannot_take_a_packing_slip(order, fake_lp):
    shipment = shipment_label(shipment=packed_at_station(order))
    with pytest.raises(PrintingError, match="laser printer"):
        document_print(document="packing_slip", printer=label_printer(order, 9100), shipment=shipment)


# --- pages ---------------------------------------------------------------------------------------------------

@pytest.fixture
def station(order):
    return PackStation.objects.create(warehouse=order.warehouse, code="PACK-01")


@pytest.mark.parametrize(("fields", "error"), [
    ({"purpose": "label", "connection": "raw_tcp", "host": "", "port": 9100}, "host name"),
    ({"purpose": "label", "connection": "raw_tcp", "host": "zebra-1", "port": 70000}, "65535"),
    ({"purpose": "document", "connection": "raw_tcp", "host": "laser", "port": 9100}, "CUPS queue"),
    ({"purpose": "document", "connection": "cups", "queue": "two words"}, "queue"),
    ({"purpose": "label", "connection": "carrier pigeon"}, "connection"),
])
def test_bad_printer_settings_are_refused_on_the_page(client, station, fields, error):
    manager = make_user(Role.MANAGER)
    client.force_login(manager)

    response = client.post("/packing/printers/", {"form": "printer", "station": station.pk, **fields})

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Printer.objects.exists()


def test_a_new_printer_replaces_the_stations_printer_of_that_kind(client, station):
    client.force_login(make_user(Role.MANAGER))
    for host in ("zebra-1", "zebra-2"):
        response = client.post("/packing/printers/", {"form": "printer", "station": station.pk, "purpose": "label",
                                                      "connection": "raw_tcp", "host": host, "port": 9100})
        assert response.status_code == 302
    assert list(Printer.objects.filter(is_active=True).values_list("host", flat=True)) == ["zebra-2"]
    assert "zebra-2:9100" in client.get("/packing/printers/").content.decode()


def test_only_managers_see_the_printer_settings(client, station):
    client.force_login(make_user(Role.PACKER, warehouses=[station.warehouse]))
    assert client.get("/packing/printers/").status_code == 403


def test_the_pack_page_shows_print_jobs_and_reprints(client, order, fake_printer):
    label_printer(order, fake_printer.port)
    shipment = shipment_label(shipment=packed_at_station(order))
    packer = make_user(Role.PACKER, warehouses=[order.warehouse])
    client.force_login(packer)

    page = client.get(f"/packing/{shipment.pk}/").content.decode()
    assert "Reprint label on PACK-01" in page
    assert "Queued" in page
    response = client.post(f"/packing/packages/{shipment.packages.get().pk}/reprint/")

    assert response.status_code == 302
    assert PrintJob.objects.count() == 2
    other = make_user(Role.PACKER, warehouses=[WarehouseFactory(code="RNO")])
    client.force_login(other)
    assert client.post(f"/packing/packages/{shipment.packages.get().pk}/reprint/").status_code == 404


def test_the_pack_page_voids_a_label_and_cancels_its_prints(client, order):
    label_printer(order, free_port())
    shipment = shipment_label(shipment=packed_at_station(order))
    client.force_login(make_user(Role.PACKER, warehouses=[order.warehouse]))

    response = client.post(f"/packing/{shipment.pk}/void-label/")

    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
    assert shipment.packages.get().tracking_number == ""
    assert PrintJob.objects.get().status == PrintJobStatus.CANCELLED
    assert "Buy label" in client.get(f"/packing/{shipment.pk}/").content.decode()
