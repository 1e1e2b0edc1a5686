"""Celery tasks: thin wrappers that call services."""

from celery import shared_task

from sessions_app import services


@shared_task
def materialize_sessions() -> int:
    return services.sessions_materialize()


@shared_task
def expire_seat_offers() -> int:
    return services.seat_offers_expire()
