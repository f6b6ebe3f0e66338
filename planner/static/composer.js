// The composer: a live length counter per chosen channel (its own text or the shared one),
// the category suggestion applied until the editor picks one, and the live balance check.
(function () {
  "use strict";
  const form = document.getElementById("composer");
  if (!form) return;
  const text = form.querySelector("textarea[name=text]");
  const select = form.querySelector("select[name=channel_id]");  // editing one post
  const boxes = Array.from(form.querySelectorAll("input[name=channel_ids]"));  // a new group
  const counter = document.getElementById("text-counter");
  const count = counter.querySelector("[data-count]");
  const limitText = counter.querySelector("[data-limit-text]");

  // Networks count characters as code points, not UTF-16 units (an emoji is one); the
  // balance check answers with each network's own count (X weighs links and CJK).
  const length = (value) => Array.from(value).length;
  let serverLengths = {};

  function chosenChannels() {
    if (select) {
      const option = select.selectedOptions[0];
      return option ? [{ id: option.value, name: option.textContent, network: option.dataset.network,
        limit: option.dataset.limit ? Number(option.dataset.limit) : null }] : [];
    }
    return boxes.filter((b) => b.checked).map((b) => ({ id: b.value, name: b.dataset.name,
      network: b.dataset.network, limit: b.dataset.limit ? Number(b.dataset.limit) : null }));
  }
  function ownText(channelId) {
    const area = form.querySelector("textarea[name=variant-" + channelId + "]");
    return area && area.value.trim() ? area.value : null;
  }
  function describe(channel, value) {
    const measured = serverLengths[channel.id];
    const used = measured ? measured.count : length(value);
    const limit = measured ? measured.limit : channel.limit;
    if (!limit) return { text: used.toLocaleString() + " characters", over: false };
    const left = limit - used;
    const unit = measured && measured.unit ? " " + measured.unit : "";
    return { text: used.toLocaleString() + " of " + limit.toLocaleString() + unit +
      (left < 0 ? " — " + (-left).toLocaleString() + " too many" : " — " + left.toLocaleString() + " left"),
      over: left < 0 };
  }

  function update() {
    const channels = chosenChannels();
    count.textContent = length(text.value).toLocaleString();
    if (select) {
      const d = channels[0] ? describe(channels[0], text.value) : null;
      limitText.textContent = d && channels[0].limit ? " (" + d.text + " for " + channels[0].network + ")" : "";
      counter.classList.toggle("over", Boolean(d && d.over));
      return;
    }
    const sharing = channels.filter((c) => ownText(c.id) === null);
    const overs = sharing.filter((c) => describe(c, text.value).over).map((c) => c.name);
    limitText.textContent = overs.length ? " — too long for " + overs.join(", ") : "";
    counter.classList.toggle("over", overs.length > 0);
    form.querySelectorAll("details.variant").forEach((panel) => {
      const channel = channels.find((c) => c.id === panel.dataset.channel);
      panel.hidden = !channel;
      if (!channel) return;
      const d = describe(channel, ownText(channel.id) ?? text.value);
      const label = panel.querySelector("[data-counter-for]");
      label.textContent = " · " + d.text + (ownText(channel.id) === null ? " (shared text)" : "");
      panel.classList.toggle("over", d.over);
    });
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();

  // The category: the suggestion is applied until the editor picks one themselves.
  let editorChose = Boolean(form.querySelector("input[name=category]:checked"));
  let applied = null;
  form.querySelectorAll("input[name=category]").forEach((radio) => {
    radio.addEventListener("change", (event) => {
      if (event.isTrusted) { editorChose = true; markSuggested(null); }
    });
  });
  function markSuggested(value) {
    form.querySelectorAll("label.radio.suggested").forEach((l) => l.classList.remove("suggested"));
    if (value) {
      const radio = form.querySelector("input[name=category][value=" + value + "]");
      if (radio) radio.closest("label").classList.add("suggested");
    }
  }
  function applySuggestion(s) {
    if (editorChose) return;
    const chosen = form.querySelector("input[name=category]:checked");
    if (s && !s.abstained) {
      const radio = form.querySelector("input[name=category][value=" + s.category + "]");
      if (radio) { radio.checked = true; applied = s.category; markSuggested(s.category); }
    } else if (chosen && applied) {
      chosen.checked = false; applied = null; markSuggested(null);
    }
  }

  // The live balance check: debounced, so it runs when the editor pauses, not per key.
  const panel = document.getElementById("draft-check");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  let timer = null;
  let latest = 0;

  function field(name) {
    const el = form.querySelector("[name=" + name + "]");
    return el ? el.value : "";
  }
  function item(content, cls) {
    const li = document.createElement("li");
    li.className = cls;
    li.textContent = content;
    return li;
  }
  function render(answer) {
    panel.replaceChildren();
    const s = answer.suggestion;
    applySuggestion(s);
    if (s) {
      const p = document.createElement("p");
      const chosen = form.querySelector("input[name=category]:checked");
      const sure = Math.round(s.confidence * 100) + "% sure";
      p.textContent = s.abstained
        ? "No category suggested: it could be " + s.category + " (" + sure + "); pick one."
        : "Suggested category: " + s.category + " (" + sure + ")" +
          (editorChose && chosen && chosen.value !== s.category ? " — you chose " + chosen.value + "." :
           editorChose ? "." : " — applied; pick another if it is wrong.");
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
    const channels = chosenChannels();
    const variants = {};
    channels.forEach((c) => { const own = ownText(c.id); if (own !== null) variants[c.id] = own; });
    const picked = form.querySelector("input[name=category]:checked");
    const body = {
      post_id: form.dataset.postId || null,
      channel_ids: channels.map((c) => c.id),
      variants: variants,
      text: text.value,
      category: editorChose && picked ? picked.value : null,
      reply_to: field("reply_to"),
      thread: field("thread"),
      date: field("date"),
      time: field("time"),
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
      serverLengths = answer.lengths || {};
      update();
      render(answer);
    } catch (error) {
      if (request === latest) panel.textContent = "The balance check is unavailable right now (" + error.message + "); you can still save.";
    }
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(check, 400); }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  if (text.value.trim()) schedule();

  // The previews: each chosen channel's look, rendered by the server (the same template as the
  // page without JavaScript and the approver's view), shortly after each keystroke.
  const previewList = document.getElementById("previews-list");
  const showPreviews = document.getElementById("show-previews");
  if (previewList && form.dataset.previewsUrl) {
    if (showPreviews) showPreviews.hidden = true;  // live instead
    let previewTimer = null;
    let previewLatest = 0;
    async function refreshPreviews() {
      const request = ++previewLatest;
      const channels = chosenChannels();
      const variants = {};
      channels.forEach((c) => { const own = ownText(c.id); if (own !== null) variants[c.id] = own; });
      try {
        const response = await fetch(form.dataset.previewsUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
          body: JSON.stringify({ channel_ids: channels.map((c) => c.id), text: text.value,
            variants: variants, post_id: form.dataset.postId || null }),
        });
        const answer = await response.json();
        if (request !== previewLatest) return;  // a newer one is on its way
        if (!response.ok) throw new Error((answer.error && answer.error.message) || response.statusText);
        // Escaped by the server's template, like the page itself.
        previewList.innerHTML = answer.html;
        // The same counts as the draft check's, sooner: the counters beside the variants follow.
        if (answer.lengths) { serverLengths = answer.lengths; update(); }
        previewList.removeAttribute("aria-busy");
      } catch (error) {
        if (request === previewLatest) {
          const note = document.createElement("p");
          note.className = "muted";
          note.textContent = "Previews are unavailable right now (" + error.message + "); saving still works.";
          previewList.replaceChildren(note);
        }
      }
    }
    function schedulePreviews() {
      clearTimeout(previewTimer);
      previewList.setAttribute("aria-busy", "true");
      previewTimer = setTimeout(refreshPreviews, 150);
    }
    form.addEventListener("input", schedulePreviews);
    form.addEventListener("change", schedulePreviews);
  }
})();
