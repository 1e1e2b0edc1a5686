from tests.rooms.conftest import enter


async def test_chat_roundtrip(room_world):
    w = room_world
    lead, welcome = await enter(w.session.pk, w.lead)
    ana, welcome_a = await enter(w.session.pk, w.ana)
    print(welcome_a)
    await ana.send({"type": "chat", "text": "hello", "client_id": "c1"})
    got = await lead.expect("chat")
    mine = await ana.expect("chat")
    print(got, mine)
    await ana.close()
    await lead.close()
