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
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const question = form.dataset && form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

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
