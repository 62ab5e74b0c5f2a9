"""Channel-neutral files for facilitators and organisers: QR posters, charts, exports."""
