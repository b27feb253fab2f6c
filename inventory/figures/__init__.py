"""Stock figures per product and warehouse: computed in SQL, kept in StockSummary, read through indexes.

The stock page, its CSV export, the API and the daily digest all read these rows. The rules, in the
order they are applied to one product in one warehouse:

* **available** = on hand − allocated, over the warehouse's real locations (not its virtual TRANSIT one);
  a product with units only in transit to a warehouse has a row there, with nothing on hand;
* **inbound** = units still expected on open ASNs + units in transit to the warehouse;
* **30-day velocity** = units shipped from the warehouse (ledger SHIP rows) in the last 30 days;
* **days of cover** = available ÷ (velocity ÷ 30); empty when nothing sold;
* **reorder point / quantity**: the manager's ReorderSetting if there is one, else a default of
  velocity/day × (default lead time + default safety days) and velocity/day × cover days
  (the z·σ·√L suggestion lives in inventory.reorder, which needs the daily spread, not just the sum);
* **status**: *stock-out* when nothing is available; *dead* when units are on hand, none shipped in
  90 days and the stock has been here at least 90 days; *under* when available + inbound ≤ reorder
  point; *over* when available exceeds reorder point + reorder quantity (with a setting) or covers more
  than OVERSTOCK_COVER_DAYS (without one); else *healthy*.

**Why a summary table.** Filtering a million product × warehouse rows by status, or sorting them by a
figure, needs every row's figures; computing them per request took seconds at 100,000 SKUs × 10
warehouses (bench/stock_page.py). So one statement (refresh._figures_ctes) computes the figures of any set of
pairs and upserts them into StockSummary, and pages read StockSummary through its indexes:

1. every stock service (inventory.services, receiving, reorder settings) appends the pairs it touched to
   StockSummaryChange in its own transaction: a plain insert, so writers never wait on each other;
2. stock_summary_refresh_pending() takes queued pairs off (DELETE … RETURNING, SKIP LOCKED on
   PostgreSQL) and refreshes them in the same transaction. The page, the API and the digest call it before
   they read, so a user sees their own change at once; a Celery task drains the queue every minute too;
3. the 30- and 90-day windows slide with the calendar, not only with stock movements: every hour
   stock_summary_queue_aged() queues the pairs whose sales left a window or whose stock turned 90 days
   old in that hour, and nightly stock_summary_rebuild() recomputes every pair in chunks as a safety net,
   writing only rows whose figures changed.

The modules: table.py (StockSummary's figure columns and the SQL helpers), refresh.py (the thresholds and
defaults above, the queue, the refresh and the rebuild), read.py (filters, sort keys, pages and exports).
Import from the module itself; this package exports nothing.
"""
