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
})();
