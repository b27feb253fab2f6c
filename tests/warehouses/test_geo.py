"""Offline geodata: loaded when a worker's pool process starts, not on the first order it routes."""

from celery.signals import worker_process_init

from warehouses.geo import us_zip_coordinates, us_zip_info


def test_a_worker_pool_process_loads_the_zip_table_when_it_starts(monkeypatch):
    monkeypatch.setattr("core.handlers.collector_settle", lambda: None)  # not this test process's collector
    us_zip_info.cache_clear()

    worker_process_init.send(sender=None)

    assert us_zip_info.cache_info().currsize == 1


def test_a_military_zip_is_rated_from_its_gateway_not_from_zero_zero():
    assert us_zip_coordinates("09001") == (40.64, -73.78)  # AE: New York (JFK)
    assert us_zip_coordinates("96201") == (37.62, -122.38)  # AP: San Francisco


def test_a_zip_the_table_stores_without_a_position_has_no_coordinates(monkeypatch):
    monkeypatch.setattr("warehouses.geo.us_zip_info", lambda zip5: {"state": "NY", "lat": "0", "long": "0"})

    assert us_zip_coordinates("10001") is None
