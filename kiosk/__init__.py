"""The touchscreen kiosk: a static web app (kiosk/static) that the server serves at /kiosk.

Everything it shows or says is in one catalog, kiosk/static/messages.json (Vietnamese and
English); pictograms are SVG files in kiosk/static/pictograms, one per category pictogram name
and priority group. See server/kiosk_pages.py for the routes.
"""
