"""The live rooms' settings and their voice and video, read from the environment (docs/rooms.md,
docs/media.md, CONTRACT.md). config.settings takes every name here; it keeps the ones that
depend on other settings (ROOM_DB_THREADS, on the database)."""

import environ

_env = environ.Env()

# --- Crisis resources and the room ----------------------------------------------------------
# Shown privately in rooms. Empty: the built-in text for the US (988, 911), translated into
# each reader's language (rooms/selectors/crisis.py). An organisation
# elsewhere sets its own, in its own language.
CRISIS_RESOURCES_TEXT = _env.str("CRISIS_RESOURCES_TEXT", default="")
# Its numbers as tap-to-call / tap-to-text links: `116 123:call,85258:text,999:call`. Empty:
# every number written in CRISIS_RESOURCES_TEXT, to call (the built-in text: 988 call or
# text, 911 call).
CRISIS_RESOURCES_NUMBERS = _env.list("CRISIS_RESOURCES_NUMBERS", default=[])
ROOM_MESSAGE_RETENTION_HOURS = _env.int("ROOM_MESSAGE_RETENTION_HOURS", default=24)

# --- Live rooms (rooms) ----------------------------------------------------------
# Phrases that get the sender a private `support` frame and the facilitators an `alert`.
# Matched case- and accent-insensitively on word boundaries; the message is never blocked.
CRISIS_PHRASES = _env.list(
    "CRISIS_PHRASES",
    default=[
        "suicide",
        "suicidal",
        "kill myself",
        "killing myself",
        "end my life",
        "ending my life",
        "take my own life",
        "want to die",
        "wanna die",
        "better off dead",
        "no reason to live",
        "hurt myself",
        "hurting myself",
        "self harm",
        "self-harm",
        "cut myself",
        "overdose",
        "suicidio",
        "suicidarme",
        "matarme",
        "quitarme la vida",
        "quiero morir",
        "quiero morirme",
        "no quiero vivir",
        "hacerme dano",
        "lastimarme",
    ],
)
ROOM_OPEN_EARLY_MINUTES = _env.int("ROOM_OPEN_EARLY_MINUTES", default=15)
ROOM_MAX_MESSAGE_CHARS = _env.int("ROOM_MAX_MESSAGE_CHARS", default=2000)
# Larger frames get an `error` (too_long); the text limit above is what people meet.
ROOM_MAX_FRAME_BYTES = _env.int("ROOM_MAX_FRAME_BYTES", default=16 * 1024)
ROOM_WELCOME_MESSAGES = 50
# How many private-line messages (docs/rooms.md) a welcome replays.
ROOM_PRIVATE_HISTORY = 200
ROOM_RESUME_MAX_MESSAGES = _env.int("ROOM_RESUME_MAX_MESSAGES", default=1000)
# Chat: a burst of ROOM_CHAT_BURST, then ROOM_CHAT_PER_MINUTE; past it an `error` frame. Any
# frames past ROOM_FRAMES_HARD_LIMIT in ROOM_FRAMES_HARD_WINDOW seconds close with 4429.
ROOM_CHAT_BURST = _env.int("ROOM_CHAT_BURST", default=5)
ROOM_CHAT_PER_MINUTE = _env.int("ROOM_CHAT_PER_MINUTE", default=20)
ROOM_FRAMES_HARD_LIMIT = _env.int("ROOM_FRAMES_HARD_LIMIT", default=60)
ROOM_FRAMES_HARD_WINDOW = _env.int("ROOM_FRAMES_HARD_WINDOW", default=10)
# Chat counts per person and room, across connections and processes (rooms/limits.py). A person
# may hold this many connections to one room at once; another one closes their oldest (4430).
ROOM_MAX_CONNECTIONS_PER_PERSON = _env.int("ROOM_MAX_CONNECTIONS_PER_PERSON", default=3)
ROOM_TICKET_SECONDS = _env.int("ROOM_TICKET_SECONDS", default=60)
# Each Daphne process refreshes its connections' heartbeat this often; connections older than
# three beats (a killed process) no longer count as presence.
ROOM_HEARTBEAT_SECONDS = _env.int("ROOM_HEARTBEAT_SECONDS", default=20)
# --- Voice and video in the rooms (docs/media.md) ---------------------------------------------
# Unset JANUS_URL: a peer-to-peer mesh signalled over the room socket. Set: every room is a Janus
# VideoRoom on one of these Janus HTTP API URLs (comma-separated; a room is pinned to one by its
# id). Browsers reach the same URL, so it is added to connect-src below.
JANUS_URLS = _env.list("JANUS_URL", default=[])
JANUS_API_SECRET = _env.str("JANUS_API_SECRET", default="")
# The VideoRoom plugin's admin_key: only Hearth may create rooms.
JANUS_ADMIN_SECRET = _env.str("JANUS_ADMIN_SECRET", default="")
JANUS_TIMEOUT_SECONDS = _env.float("JANUS_TIMEOUT_SECONDS", default=3.0)
JANUS_MAX_PUBLISHERS = _env.int("JANUS_MAX_PUBLISHERS", default=50)
# TURN from coturn (use-auth-secret): credentials minted per person, valid until the session's
# end plus TURN_GRACE_MINUTES. STUN_URLS optional; with neither, host candidates only.
TURN_URLS = _env.list("TURN_URLS", default=[])
TURN_SECRET = _env.str("TURN_SECRET", default="")
TURN_GRACE_MINUTES = _env.int("TURN_GRACE_MINUTES", default=30)
STUN_URLS = _env.list("STUN_URLS", default=[])
# The mesh's caps (docs/benchmarks.md, Media): past MEDIA_MESH_MAX_VIDEO people with cameras a
# newcomer gets voice only; past MEDIA_MESH_MAX_PEOPLE, a clear `media_full` error.
MEDIA_MESH_MAX_PEOPLE = _env.int("MEDIA_MESH_MAX_PEOPLE", default=8)
MEDIA_MESH_MAX_VIDEO = _env.int("MEDIA_MESH_MAX_VIDEO", default=4)
# Signalling frames (offers, answers, ICE candidates) have their own hard limit per connection,
# since a mesh of twelve sends dozens of candidates at once.
MEDIA_SIGNAL_HARD_LIMIT = _env.int("MEDIA_SIGNAL_HARD_LIMIT", default=600)
