// Parses iCalendar documents with node-ical (the parser of MagicMirror's calendar, Home
// Assistant's Node-RED nodes and many Node.js apps) for the feed tests. Reads one JSON
// string (a document) per line on stdin and writes one JSON line per document:
// {"calendar": {...}, "events": [...]} or {"error": "..."}.
import readline from "node:readline";
import ical from "node-ical";

function iso(value) {
  return value instanceof Date ? value.toISOString() : null;
}

// A property with parameters comes as {params, val}; without, as its value.
function plain(value) {
  return value !== null && typeof value === "object" && "val" in value ? value.val : value;
}

function parse(ics) {
  const data = ical.sync.parseICS(ics);
  const events = Object.values(data)
    .filter((item) => item && item.type === "VEVENT")
    .map((event) => ({
      uid: event.uid,
      // Absent (null) when node-ical skipped the line: it does, silently, for a line it
      // cannot match.
      summary: plain(event.summary) ?? null,
      description: plain(event.description) ?? null,
      dtstart: iso(event.start),
      dtstart_tz: event.start && event.start.tz ? event.start.tz : null,
      dtend: iso(event.end),
      dtstamp: iso(event.dtstamp),
      last_modified: iso(event.lastmodified),
      sequence: event.sequence ?? null,
      status: event.status ?? null,
      transp: event.transparency ?? null,
      categories: event.categories ?? [],
      url: plain(event.url) ?? null,
      organizer: event.organizer ? plain(event.organizer) : null,
      organizer_cn:
        event.organizer && event.organizer.params ? String(event.organizer.params.CN) : null,
    }));
  const calendar = data.vcalendar || {};
  return {
    calendar: {
      prodid: calendar.prodid ?? null,
      version: calendar.version ?? null,
      calscale: calendar.calscale ?? null,
      method: calendar.method ?? null,
      x_wr_calname: calendar["WR-CALNAME"] ?? null,
    },
    events,
  };
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
for await (const line of lines) {
  let answer;
  try {
    answer = parse(JSON.parse(line));
  } catch (error) {
    answer = { error: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
