// Copy buttons (data-copy="<input id>", data-what="the token"): the value goes to the
// clipboard and the live region says so; where the clipboard is refused, the text is selected.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const input = document.getElementById(button.dataset.copy);
      const live = document.getElementById("live");
      const what = button.dataset.what || "text";
      try {
        await navigator.clipboard.writeText(input.value);
        live.textContent = "Copied the " + what + ".";
      } catch (error) {
        input.select();
        live.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected " + what + ".";
      }
    });
  });
})();
