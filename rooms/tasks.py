"""Celery tasks of the rooms: thin wrappers that call services."""

from celery import shared_task

from rooms import services


@shared_task
def purge_room_messages() -> int:
    return services.room_messages_purge()
