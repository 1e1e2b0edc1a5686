"""Celery tasks: thin, primary keys only; the rules are in services."""

from celery import shared_task

# The services import this module to hand rows to the workers. So this one takes the services
# module, never names from it, and reads `services.x` only when a task runs: either module may
# be imported first, and neither needs an import inside a function.
from sms import services


@shared_task
def send_due_reminders() -> dict:
    return services.reminders_sweep()


@shared_task(acks_late=True)
def send_outbound(outbound_id: int) -> str:
    return services.outbound_send(outbound_id=outbound_id)


@shared_task(acks_late=True)
def send_outbound_batch(outbound_ids: list[int]) -> list[str]:
    return [services.outbound_send(outbound_id=pk) for pk in outbound_ids]


@shared_task
def send_check_ins() -> dict:
    return services.checkins_sweep()
