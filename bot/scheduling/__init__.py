"""Scheduled messages: a planner and a dispatcher over the outbox, driven by APScheduler."""
