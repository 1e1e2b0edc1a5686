"""Celery tasks: thin, primary keys only; the rules are in mail.services."""

from celery import shared_task

# As in sms.tasks: the services import this module, so this one reads `services.x` at run time.
from mail import checkins, services


@shared_task
def mail_sweep() -> dict:
    return services.mail_sweep()


@shared_task(acks_late=True)
def send_email_batch(outbound_ids: list[int]) -> list[str]:
    return [services.outbound_send(outbound_id=pk) for pk in outbound_ids]


@shared_task
def mail_check_ins() -> dict:
    return checkins.checkins_sweep()
