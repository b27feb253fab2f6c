"""Stock control: receiving against ASNs, cycle counts and transfers between warehouses.

receiving.py, counting.py and transfers.py (the writes), views.py, forms.py and urls.py (the pages under
/stock/, templates in templates/inventory/control/), api.py (/api/v1/inbound/, cycle-counts/, transfers/).
The models, selectors and FilterSets stay in the app's models.py, selectors.py and filters.py.
"""
