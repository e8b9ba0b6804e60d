"""Ticket printing for ESC/POS thermal printers: layout, ESC/POS bytes, connections, print jobs.

Device code: nothing here imports the server. The server composes a `layout.TicketPrint`, calls
`layout.render`, `escpos_out.encode_image`, and hands the bytes to a `jobs.PrintQueue` built on a
transport from `connections.open_printer`.
"""
