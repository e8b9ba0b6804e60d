"""The staff's browser pages: the counter console (/console, with the entrance-desk mode) and
the center's admin (/admin). Static HTML, CSS and JS in server/web/static with one message
catalog (messages.json, Vietnamese and English); their data comes from the REST API and
/ws/events, which hold the permissions. Routes: server/web/pages.py.
"""
