"""Tracking to the door: services.py (carrier events by webhook or poll, deliveries, exceptions), views.py and
urls.py (the carriers' webhook and the managers' deliveries page, templates in templates/shipping/tracking/).
"""
