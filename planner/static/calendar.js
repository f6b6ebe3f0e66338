// Drag a post card to another day or hour slot; the keyboard path is each card's Move link.
(function () {
  "use strict";
  // "Show its posts" highlights a finding's evidence in place (the link works without JS).
  document.querySelectorAll(".show-posts").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const ids = link.dataset.posts.split(" ");
      document.querySelectorAll(".card.evidence").forEach((c) => c.classList.remove("evidence"));
      ids.forEach((id) => { const card = document.getElementById("post-" + id); if (card) card.classList.add("evidence"); });
      const first = document.getElementById("post-" + ids[0]);
      if (first) first.scrollIntoView({ block: "center" });
      const live = document.getElementById("live");
      const shown = ids.filter((id) => document.getElementById("post-" + id)).length;
      live.textContent = shown + " post" + (shown === 1 ? "" : "s") + " highlighted" +
        (shown < ids.length ? "; " + (ids.length - shown) + " in another week" : "") + ".";
    });
  });
})();

(function () {
  "use strict";
  const week = document.querySelector(".week");
  if (!week || week.dataset.canMove !== "yes") return;
  const live = document.getElementById("live");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const urlFor = (id) => week.dataset.reschedule.replace(/\/0\/reschedule$/, "/" + id + "/reschedule");
  const NOTICE = "planner-notice";

  function announce(message) { live.textContent = message; }
  const pending = sessionStorage.getItem(NOTICE);
  if (pending) { sessionStorage.removeItem(NOTICE); announce(pending); showFlash(pending, "error"); }

  function showFlash(message, kind) {
    const p = document.createElement("p");
    p.className = "flash " + kind;
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = message;
    document.querySelector("main").prepend(p);
  }

  // The same toast as after a cancel or a move by form (base.html): Undo for ten seconds.
  function showUndo(message, undo) {
    document.querySelectorAll(".toast").forEach((old) => old.remove());
    const toast = document.createElement("div");
    toast.className = "toast";
    toast.setAttribute("role", "status");
    toast.dataset.seconds = String(undo.seconds);
    const text = document.createElement("span");
    text.textContent = message;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Undo";
    const left = document.createElement("span");
    left.className = "hint toast-left";
    const seconds = document.createElement("span");
    seconds.className = "toast-seconds";
    seconds.textContent = String(undo.seconds);
    left.append(seconds, " s");
    button.addEventListener("click", async () => {
      button.disabled = true;
      const form = new URLSearchParams({ items: undo.items });
      let reply;
      try {
        reply = await fetch(undo.url, {
          method: "POST",
          headers: { "X-CSRFToken": token, "Accept": "application/json" },
          body: form,
          credentials: "same-origin",
        });
      } catch (error) {
        showFlash("Could not reach Planner; nothing was undone.", "error");
        button.disabled = false;
        return;
      }
      const answer = await reply.json().catch(() => ({}));
      if (!reply.ok) {
        toast.remove();
        showFlash((answer.error && answer.error.message) || "Could not undo.", "error");
        return;
      }
      // The plan changed back on the server: show it as it is now.
      sessionStorage.setItem(DONE, answer.message);
      window.location.reload();
    });
    toast.append(text, button, left);
    document.body.appendChild(toast);
    window.Planner.startToast(toast);
  }
  const DONE = "planner-done";
  const done = sessionStorage.getItem(DONE);
  if (done) { sessionStorage.removeItem(DONE); announce(done); showFlash(done, "success"); }

  let dragged = null;
  week.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.postId);
  });
  week.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    week.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
  });
  week.addEventListener("dragover", (event) => {
    const slot = event.target.closest(".slot");
    if (!slot || !dragged) return;
    event.preventDefault();
    week.querySelectorAll(".drop-target").forEach((el) => el !== slot && el.classList.remove("drop-target"));
    slot.classList.add("drop-target");
  });
  week.addEventListener("drop", async (event) => {
    const slot = event.target.closest(".slot");
    if (!slot || !dragged) return;
    event.preventDefault();
    slot.classList.remove("drop-target");
    const card = dragged;
    if (card.classList.contains("st-approved") &&
        !window.confirm("This post is approved. Moving it withdraws the approval and it must be approved again. Move it anyway?")) {
      announce("Not moved.");
      return;
    }
    const day = slot.closest(".day").dataset.date;
    const time = slot.dataset.hour + ":" + card.dataset.minute;
    await move(card, day, time, slot);
  });

  async function move(card, day, time, slot) {
    let response;
    try {
      response = await fetch(urlFor(card.dataset.postId), {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
        body: JSON.stringify({ version: Number(card.dataset.version), versions: card.dataset.versions || "", date: day, time: time }),
        credentials: "same-origin",
      });
    } catch (error) {
      announce("Could not reach Planner; the post was not moved.");
      showFlash("Could not reach Planner; the post was not moved. Check your connection.", "error");
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      card.dataset.version = body.version;
      if (body.versions !== undefined) card.dataset.versions = body.versions;
      slot.appendChild(card);
      const timeEl = card.querySelector("time");
      if (timeEl) timeEl.textContent = time;
      announce(body.message);
      if (body.undo) showUndo(body.message, body.undo); else showFlash(body.message, "success");
      return;
    }
    const message = (body.error && body.error.message) || "The post could not be moved.";
    if (response.status === 409) {
      // Someone else changed it: show why, then reload so the page shows the current plan.
      sessionStorage.setItem(NOTICE, message);
      announce(message);
      showFlash(message + " Reloading…", "error");
      setTimeout(() => window.location.reload(), 1500);
      return;
    }
    announce(message);
    showFlash(message, "error");
  }
})();

// Drag across empty hours of a day to plan a post there: the composer opens at the first hour
// of the stretch (a post has one time; where the drag ended only shows what was picked). A
// click on an empty hour still follows its link, and keyboard users have the same links.
(function () {
  "use strict";
  const week = document.querySelector(".week");
  if (!week || !week.querySelector(".slot.empty .add")) return;
  const live = document.getElementById("live");
  let start = null;   // the slot the drag began in
  let current = null; // the slot under the pointer now
  let moved = false;

  function slotsOf(day) { return Array.from(day.querySelectorAll(".slot")); }

  function stretch() {
    const slots = slotsOf(start.closest(".day"));
    const a = slots.indexOf(start), b = slots.indexOf(current);
    return slots.slice(Math.min(a, b), Math.max(a, b) + 1);
  }

  function paint() {
    week.querySelectorAll(".drag-range").forEach((el) => el.classList.remove("drag-range"));
    stretch().forEach((el) => el.classList.add("drag-range"));
  }

  function finish() {
    week.classList.remove("creating");
    week.querySelectorAll(".drag-range").forEach((el) => el.classList.remove("drag-range"));
    document.removeEventListener("pointermove", onMove);
    document.removeEventListener("pointerup", onUp);
    document.removeEventListener("pointercancel", onCancel);
    start = current = null;
  }

  function onMove(event) {
    const under = document.elementFromPoint(event.clientX, event.clientY);
    const slot = under && under.closest(".slot");
    // Only the hours of the day the drag began in.
    if (!slot || slot.closest(".day") !== start.closest(".day") || slot === current) return;
    current = slot;
    moved = moved || slot !== start;
    paint();
  }

  function onUp() {
    if (!start) return;
    if (!moved) { finish(); return; } // a click: the link does the rest
    const first = stretch()[0];
    const link = (first.querySelector(".add") || start.querySelector(".add"));
    const label = link.querySelector(".visually-hidden");
    if (live && label) live.textContent = label.textContent + "…";
    finish();
    window.location.assign(link.href);
  }

  function onCancel() { moved = false; finish(); }

  week.addEventListener("pointerdown", (event) => {
    // Mouse and pen only: on a touch screen a finger on the grid scrolls, and a tap is a click.
    if (event.button !== 0 || event.pointerType === "touch") return;
    const link = event.target.closest(".slot.empty .add");
    if (!link) return;
    // No native drag of the link and no text selection while sweeping over the hours.
    event.preventDefault();
    start = current = link.closest(".slot");
    moved = false;
    week.classList.add("creating");
    paint();
    document.addEventListener("pointermove", onMove);
    document.addEventListener("pointerup", onUp);
    document.addEventListener("pointercancel", onCancel);
  });

  // A drag that ended on its own slot's link would also click it; the navigation is ours.
  week.addEventListener("click", (event) => {
    if (moved && event.target.closest(".add")) { event.preventDefault(); moved = false; }
  }, true);
})();
