// "Find a time" in the composer: asks the server for the next three times on the chosen
// channels that add no finding, and lets the editor click one to fill in the date and time.
// Without JavaScript the button posts the form, which comes back with the same proposals.
(function () {
  "use strict";
  const box = document.getElementById("find-time");
  const form = document.getElementById("composer");
  if (!box || !form) return;
  const button = document.getElementById("find-time-button");
  const out = document.getElementById("slot-proposals");
  const dateField = form.querySelector("input[name=date]");
  const timeField = form.querySelector("input[name=time]");

  function say(message, kind) {
    out.textContent = "";
    const p = document.createElement("p");
    p.textContent = message;
    if (kind) p.className = kind;
    out.appendChild(p);
  }

  function fill(slot) {
    dateField.value = slot.date;
    timeField.value = slot.time;
    [dateField, timeField].forEach((field) => {
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
    say("Date and time set to " + slot.label + ".");
    timeField.focus();
  }

  function show(answer) {
    if (!answer.slots.length) {
      say("No time in the next 14 days adds no finding on these channels.");
      return;
    }
    out.textContent = "";
    const intro = document.createElement("p");
    intro.textContent = "Pick one to fill in the date and time (" + answer.timezone + "):";
    const list = document.createElement("ul");
    list.className = "slot-list";
    answer.slots.forEach((slot) => {
      const item = document.createElement("li");
      const pick = document.createElement("button");
      pick.type = "button";
      pick.className = "slot-pick";
      pick.textContent = slot.label;
      pick.addEventListener("click", () => fill(slot));
      item.appendChild(pick);
      list.appendChild(item);
    });
    out.appendChild(intro);
    out.appendChild(list);
  }

  button.addEventListener("click", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    form.querySelectorAll("input[name=channel_ids]:checked").forEach((b) => params.append("channel", b.value));
    const single = form.querySelector("select[name=channel_id]");  // editing one post
    if (single && single.value) params.append("channel", single.value);
    if (box.dataset.postId) params.set("post_id", box.dataset.postId);
    const category = form.querySelector("input[name=category]:checked");
    if (category) params.set("category", category.value);
    say("Looking for a time…");
    button.disabled = true;
    fetch(box.dataset.slotsUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((response) => response.json().then((body) => ({ ok: response.ok, body })))
      .then(({ ok, body }) => {
        if (!ok) {
          say((body.error && body.error.message) || "Could not find a time.", "error");
          return;
        }
        show(body);
      })
      .catch(() => say("Could not reach the server; try again.", "error"))
      .finally(() => { button.disabled = false; });
  });
})();
