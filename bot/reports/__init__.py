"""Channel-neutral outputs for facilitators and organisers: files and figures (no aiogram)."""
