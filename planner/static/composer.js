// The composer's live character counter for the selected channel's network.
(function () {
  "use strict";
  const form = document.getElementById("composer");
  if (!form) return;
  const text = form.querySelector("textarea[name=text]");
  const channel = form.querySelector("select[name=channel_id]");
  const counter = document.getElementById("text-counter");
  const count = counter.querySelector("[data-count]");
  const limitText = counter.querySelector("[data-limit-text]");

  function update() {
    // Networks count characters as code points, not UTF-16 units (an emoji is one).
    const length = Array.from(text.value).length;
    const option = channel && channel.selectedOptions[0];
    const limit = option && option.dataset.limit ? Number(option.dataset.limit) : null;
    count.textContent = length.toLocaleString();
    if (limit) {
      const left = limit - length;
      limitText.textContent = " of " + limit.toLocaleString() + " for " + option.dataset.network +
        (left < 0 ? " — " + (-left).toLocaleString() + " too many" : " — " + left.toLocaleString() + " left");
      counter.classList.toggle("over", left < 0);
    } else {
      limitText.textContent = "";
      counter.classList.remove("over");
    }
  }
  text.addEventListener("input", update);
  if (channel) channel.addEventListener("change", update);
  update();

  // The live balance check: debounced, so it runs when the editor pauses, not per key.
  const panel = document.getElementById("draft-check");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  let timer = null;
  let latest = 0;

  function field(name) {
    const el = form.querySelector("[name=" + name + "]");
    return el ? el.value : "";
  }
  function chosenCategory() {
    const el = form.querySelector("input[name=category]:checked");
    return el ? el.value : null;
  }
  function item(text, cls) {
    const li = document.createElement("li");
    li.className = cls;
    li.textContent = text;
    return li;
  }
  function render(answer) {
    panel.replaceChildren();
    const s = answer.suggestion;
    if (s) {
      const p = document.createElement("p");
      const chosen = chosenCategory();
      p.textContent = "Suggested category: " + s.category + " (" + Math.round(s.confidence * 100) + "% sure)" +
        (chosen && chosen !== s.category ? " — you chose " + chosen + "." : ".");
      panel.appendChild(p);
      if (s.signals.length) {
        const ul = document.createElement("ul");
        s.signals.forEach((signal) => ul.appendChild(item(signal, "signal")));
        panel.appendChild(ul);
      }
    }
    if (answer.note) {
      const p = document.createElement("p"); p.className = "muted"; p.textContent = answer.note; panel.appendChild(p);
    }
    const changes = document.createElement("ul");
    answer.added.forEach((f) => changes.appendChild(item("Adds " + f.severity + ": " + f.message + " " + f.hint, "adds sev-" + f.severity)));
    answer.cleared.forEach((f) => changes.appendChild(item("Clears " + f.severity + ": " + f.message, "clears")));
    if (!answer.note && !answer.added.length && !answer.cleared.length) {
      changes.appendChild(item("Adds no finding to the plan and clears none.", "neutral"));
    }
    panel.appendChild(changes);
  }
  async function check() {
    const request = ++latest;
    const body = {
      post_id: form.dataset.postId || null, channel_id: field("channel_id"), text: text.value,
      category: chosenCategory(), date: field("date"), time: field("time"),
    };
    try {
      const response = await fetch(form.dataset.checkUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (request !== latest) return;  // a newer check is on its way
      if (!response.ok) throw new Error((answer.error && answer.error.message) || response.statusText);
      render(answer);
    } catch (error) {
      if (request === latest) panel.textContent = "The balance check is unavailable right now (" + error.message + "); you can still save.";
    }
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(check, 400); }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  if (text.value.trim()) schedule();
})();
