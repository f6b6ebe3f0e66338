// Parses iCalendar documents with Mozilla's ical.js (the parser Thunderbird uses) for the
// feed tests. Reads one JSON string (a document) per line on stdin and writes one JSON line
// per document: {"calendar": {...}, "events": [...]} or {"error": "..."}.
import readline from "node:readline";
import ICAL from "ical.js";

function text(component, name) {
  const value = component.getFirstPropertyValue(name);
  return value === null ? null : value.toString();
}

function parse(ics) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const organizer = vevent.getFirstProperty("organizer");
    const categories = vevent.getFirstProperty("categories");
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      dtstart: event.startDate.toJSDate().toISOString(),
      dtstart_utc: event.startDate.zone === ICAL.Timezone.utcTimezone,
      dtend: event.endDate.toJSDate().toISOString(),
      dtstamp: vevent.getFirstPropertyValue("dtstamp").toJSDate().toISOString(),
      last_modified: vevent.getFirstPropertyValue("last-modified").toJSDate().toISOString(),
      sequence: event.sequence,
      status: text(vevent, "status"),
      transp: text(vevent, "transp"),
      categories: categories ? categories.getValues() : [],
      url: text(vevent, "url"),
      organizer: organizer ? organizer.getFirstValue() : null,
      organizer_cn: organizer ? organizer.getParameter("cn") : null,
    };
  });
  const refresh = calendar.getFirstProperty("refresh-interval");
  return {
    calendar: {
      prodid: text(calendar, "prodid"),
      version: text(calendar, "version"),
      calscale: text(calendar, "calscale"),
      method: text(calendar, "method"),
      name: text(calendar, "name"),
      x_wr_calname: text(calendar, "x-wr-calname"),
      x_wr_timezone: text(calendar, "x-wr-timezone"),
      refresh_interval: refresh ? refresh.getFirstValue().toString() : null,
      refresh_interval_type: refresh ? refresh.type : null,
      x_published_ttl: text(calendar, "x-published-ttl"),
      uid: text(calendar, "uid"),
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
