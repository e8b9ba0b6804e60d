"""Row ids as requests carry them: bounded, so a huge one is a 422 that names its field.

SQLite's INTEGER is 64-bit: an id of 2^63 reached the driver and raised OverflowError (a 500).
PostgreSQL's INTEGER, the ids' type there, is 32-bit: an id of 2^53 - 1, the bound before, was
"integer out of range" (a 500). The bound is 2^31 - 1, PostgreSQL's largest INTEGER: below
the largest integer a browser's JSON (the console, the kiosk) reads exactly, and one the
OpenAPI schema, which writes bounds as floats, keeps exact. Autoincrement ids of tickets come
nowhere near it (a province's 150 centers issue about 150,000 a day: forty years). Imports
annotated_types only (pydantic's own), so the wire protocol (server.protocol) uses it too.
"""

from typing import Annotated

from annotated_types import Gt, Le

MAX_ID = 2**31 - 1
# A row's id in a path, a query or a body; FastAPI and pydantic read the bounds alike.
ApiId = Annotated[int, Gt(0), Le(MAX_ID)]
