"""Picking and sorting: release pick lists, walk them with a scanner, report short picks, sort batches.

Where the units are, at every moment:
- On release nothing moves: each stop (PickListLine) links to the orders' reservations
  (orders.Allocation of an order line at a pick-location StockLevel) through PickListAllocation.
- Each confirmed unit is moved in the ledger from the pick location to the list's packing area with
  inventory.services.stock_move(kind=PICK, allocated=True), so it stays reserved, and the order's
  Allocation row is re-pointed at the packing-area StockLevel (orders.reservations.allocation_relocate).
  After picking, therefore, an order's Allocation rows say exactly which packing-area StockLevel holds
  its units: packing and shipping remove them from there with stock_remove(allocated=True).
- A unit that is not found is removed from the pick location as SHORT_PICK, its reservation shrinks,
  and the order is allocated again elsewhere in the warehouse (a new stop on the same list) or, failing
  that, backordered or put on hold (ShortPickRule of the client) with the reason on its timeline.

Locks: the pick list first (shipping.locks), then orders (order_transition), then stock levels
(inventory.services). Every status change of an order goes through orders.services.order_transition.

The modules, in the order they build on one another: lists.py (settings, the list's status step
pick_list_transition, the packing area), release.py (single, batch, wave and periodic release; withdrawing a
list), drop.py (an order taken off a list), scan.py (start, scan, confirm, complete), short.py (short picks),
sort.py (sorting batch and wave lists). Import from the module itself; this package exports nothing.
"""

