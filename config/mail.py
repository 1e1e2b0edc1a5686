"""The mail backend of a production server started without EMAIL_URL: nothing is sent and
nothing is printed (a password-reset mail carries a working link), and each refusal is logged
without its content. See docs/decisions.md (Layout: mail)."""

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("hearth.mail")


class MailOffBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        count = len(list(email_messages))
        if count:
            logger.error("%d mail(s) not sent: EMAIL_URL is not set (docs/deploy.md).", count)
        return 0
