// Reads iCalendar files with Mozilla's ical.js and prints, as JSON, each event's UID, STATUS,
// SUMMARY and its start and end in UTC (ISO 8601), the way a calendar app would place them.
// Usage: node read.mjs FILE... (tests/api/test_calendar_readers.py runs it).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const out = {};
for (const path of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  // A calendar app registers the feed's own VTIMEZONEs and resolves TZID= through them.
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtimezone);
  }
  out[path] = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      status: vevent.getFirstPropertyValue("status"),
      summary: event.summary,
      tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    };
  });
  ICAL.TimezoneService.reset();
}
process.stdout.write(JSON.stringify(out));
