"""The packing area: the pack station, labels, hand-over and manifests, with the box types, rate cards,
caught mis-picks and shipment notifications pages the packers and managers use.

services.py (every write, from a picked order to a shipped one), views.py and urls.py (the /packing/ pages,
templates in templates/shipping/packing/), api.py (shipments, box types, manifests, an order's rates).
"""
