"""Channel-neutral outputs for facilitators and organisers: charts, spreadsheets, HTML, QR."""
