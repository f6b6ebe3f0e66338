// What every page shares: menus that close like menus, confirmations, the Undo toast.
// Everything here works without JavaScript too (details/summary menus, plain forms); the
// script only makes it behave as people expect.
(function () {
  "use strict";
  const menus = () => document.querySelectorAll("details.menu[open]");

  // One menu open at a time; a click elsewhere or Escape closes it.
  document.addEventListener("click", (event) => {
    menus().forEach((menu) => { if (!menu.contains(event.target)) menu.open = false; });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    menus().forEach((menu) => {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });

  // <form data-confirm="Cancel this post?">: ask before an action that is hard to take back.
  // The button may ask instead of its form (<button data-confirm="...">).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const button = event.submitter;
    const question = (button && button.dataset.confirm) || (form.dataset && form.dataset.confirm);
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // The calendar's selection: how many posts are ticked, and the actions only when some are.
  const bar = document.querySelector(".select-bar");
  if (bar) {
    const ticked = () => document.querySelectorAll('input.pick[form="bulk-posts"]:checked');
    const count = bar.querySelector(".select-n");
    const rest = bar.querySelector(".select-rest");
    const clear = bar.querySelector(".select-clear");
    const actions = bar.querySelectorAll("button[name=action]");
    const update = () => {
      const n = ticked().length;
      count.textContent = n ? n + (n === 1 ? " post" : " posts") + " selected" : "Tick posts";
      rest.textContent = n ? ":" : " to act on several at once:";
      actions.forEach((button) => { button.disabled = n === 0; });
      clear.hidden = n === 0;
      bar.classList.toggle("active", n > 0);
    };
    document.addEventListener("change", (event) => {
      if (event.target.matches && event.target.matches("input.pick")) update();
    });
    clear.addEventListener("click", () => {
      ticked().forEach((box) => { box.checked = false; });
      update();
    });
    bar.addEventListener("submit", (event) => {
      const day = bar.querySelector("input[name=to]");
      if (event.submitter && event.submitter.value === "move" && day && !day.value) {
        event.preventDefault();
        day.setCustomValidity("Pick the day the first selected post moves to.");
        day.reportValidity();
        day.addEventListener("input", () => day.setCustomValidity(""), { once: true });
      }
    });
    update();
  }

  // The Undo toast: offered for ten seconds, then it goes (the history keeps the change).
  // A pointer or focus inside keeps it while the person is reaching for the button.
  document.querySelectorAll(".toast[data-seconds]").forEach(startToast);

  function startToast(toast) {
    let left = Number(toast.dataset.seconds) || 10;
    const counter = toast.querySelector(".toast-seconds");
    let held = false;
    toast.addEventListener("pointerenter", () => { held = true; });
    toast.addEventListener("pointerleave", () => { held = false; });
    toast.addEventListener("focusin", () => { held = true; });
    toast.addEventListener("focusout", () => { held = false; });
    const timer = setInterval(() => {
      if (held) return;
      left -= 1;
      if (counter) counter.textContent = String(Math.max(left, 0));
      if (left <= 0) {
        clearInterval(timer);
        toast.remove();
      }
    }, 1000);
  }

  window.Planner = { startToast };
})();
