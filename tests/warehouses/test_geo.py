"""Offline geodata: loaded when a worker's pool process starts, not on the first order it routes."""

from celery.signals import worker_process_init

from warehouses.geo import us_zip_info


def test_a_worker_pool_process_loads_the_zip_table_when_it_starts():
    us_zip_info.cache_clear()

    worker_process_init.send(sender=None)

    assert us_zip_info.cache_info().currsize == 1
