// Drag a post's files into a new order (the up/down buttons are the path without a mouse or
// without JavaScript). The order goes to the server as JSON; the page then reloads, so every
// form on it carries the post's new version.
(function () {
  "use strict";
  var list = document.getElementById("media-list");
  if (!list || !list.dataset.orderUrl) return;
  var live = document.getElementById("media-live");
  var token = document.querySelector('meta[name="csrf-token"]');
  var dragged = null;

  function items() {
    return Array.prototype.slice.call(list.querySelectorAll(".media-item"));
  }

  function say(text) {
    if (live) live.textContent = text;
  }

  list.addEventListener("dragstart", function (event) {
    dragged = event.target.closest(".media-item");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.mediaId);
  });

  list.addEventListener("dragover", function (event) {
    if (!dragged) return;
    event.preventDefault();
    var over = event.target.closest(".media-item");
    if (!over || over === dragged) return;
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });

  list.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
  });

  list.addEventListener("drop", function (event) {
    event.preventDefault();
    var order = items().map(function (item) { return Number(item.dataset.mediaId); });
    say("Saving the new order…");
    fetch(list.dataset.orderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": token ? token.content : ""
      },
      body: JSON.stringify({ version: Number(list.dataset.version), order: order })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (answer.ok) {
        say("Order saved.");
        window.location.reload();
      } else {
        say(answer.body.error ? answer.body.error.message : "The order could not be saved.");
        var problem = document.createElement("p");
        problem.className = "error";
        problem.setAttribute("role", "alert");
        problem.textContent = answer.body.error ? answer.body.error.message : "The order could not be saved; reload the page.";
        list.parentNode.insertBefore(problem, list);
      }
    }).catch(function () {
      say("The order could not be saved; check the connection and reload the page.");
    });
  });
})();
