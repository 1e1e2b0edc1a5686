"""Pages for facilitators and coordinators under /facilitate/.

Thin: each view looks the object up, asks one `can_*` function, and calls services (writes) or
selectors (reads). Visitors are sent to the login page; signed-in people without the right
get a 403. Forms post back to the same page (they work without JavaScript); htmx swaps only
the part that changed where it helps (attendance rows, the schedule preview).

By page area: `dashboard`, `groups` (groups and their schedules), `members` (members and
facilitators), `sessions` (one session: roster, attendance, note, room, cancel, move) and
`coordinators` (safety concerns, audit log, reported room messages); `common` has the access
decorator and look-ups they share. frontend/urls_facilitator.py maps the URLs to them.
"""
