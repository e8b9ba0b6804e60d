"""Ticket printing for ESC/POS thermal printers: layout, ESC/POS bytes, connections, print jobs;
and the appointment slip (slip.py), drawn and printed the same way.

Device code: nothing here imports the server. The server composes a `layout.TicketPrint`, calls
`layout.render`, `escpos_out.encode_image`, and sends the bytes through a transport from
`connections.open_printer`, which says whether the printer confirmed them. The print queue itself
(rows in the database, one worker per printer) is the server's: `server/printing.py`.
"""
