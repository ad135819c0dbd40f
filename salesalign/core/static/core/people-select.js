// The people select of a large company (organization/widgets.py: PeopleSelect): the page holds
// only the chosen person; Tom Select asks the server for the people matching what is typed.
(function () {
  "use strict";
  function enhance(root) {
    if (typeof TomSelect === "undefined") { return; }
    root.querySelectorAll("select[data-people-search]").forEach(function (select) {
      if (select.tomselect) { return; }
      var url = select.getAttribute("data-people-search");
      new TomSelect(select, {
        valueField: "value",
        labelField: "text",
        searchField: ["text"],
        maxOptions: 20,
        closeAfterSelect: true,
        loadThrottle: 250,
        shouldLoad: function (query) { return query.trim().length > 0; },
        load: function (query, done) {
          fetch(url + "?q=" + encodeURIComponent(query), {
            credentials: "same-origin",
            headers: { "Accept": "application/json" }
          })
            .then(function (response) { return response.ok ? response.json() : []; })
            .then(done)
            .catch(function () { done(); });
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
