"""The Channels tutorial's chat consumer, speaking the benchmark's frame format.

Same shape as https://channels.readthedocs.io/en/stable/tutorial/part_3.html: join the
group ``chat_<room>``, ``group_send`` every incoming message, and each consumer
JSON-encodes and ``send``s the event it receives (one layer message, one handler
dispatch and one JSON encode per recipient). Only the field names differ:
``{"type": "chat", "text": ...}`` instead of ``{"message": ...}``.
"""

import json

from channels.generic.websocket import AsyncWebsocketConsumer


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room_name = self.scope["url_route"]["kwargs"]["room_name"]
        self.room_group_name = f"chat_{self.room_name}"
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, close_code):
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        data = json.loads(text_data)
        await self.channel_layer.group_send(
            self.room_group_name, {"type": "chat.message", "text": data["text"]}
        )

    async def chat_message(self, event):
        await self.send(text_data=json.dumps({"type": "chat", "text": event["text"]}))
