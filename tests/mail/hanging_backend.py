"""A mail server that takes the message and never answers: the sender blocks until killed."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class HangingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        Path(os.environ["HANGING_BACKEND_MARKER"]).write_text("sending")
        while True:
            time.sleep(1)
