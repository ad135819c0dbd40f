// Selects that search (Tom Select):
// - a long select (core/widgets.py: SearchableSelect, SearchableSelectMultiple, the
//   `searchable` filter) filters its own options as one types;
// - the people select of a large company (organization/widgets.py: PeopleSelect, and
//   PeopleSelectMultiple for several) holds only the chosen people, and asks the server for
//   the people matching what is typed.
(function () {
  "use strict";
  // What a search that finds nothing says, in the page's language (base.html).
  var render = {
    no_results: function (data, escape) {
      var text = document.documentElement.getAttribute("data-no-results") || "Nothing matches.";
      return '<div class="no-results">' + escape(text) + "</div>";
    }
  };
  function searchPeople(select) {
    var url = select.getAttribute("data-people-search");
    var joiner = url.indexOf("?") < 0 ? "?" : "&";  // the URL may carry its own parameters
    var settings = {
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      maxOptions: 20,
      closeAfterSelect: !select.multiple,
      loadThrottle: 250,
      shouldLoad: function (query) { return query.trim().length > 0; },
      render: render,
      load: function (query, done) {
        fetch(url + joiner + "q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(done)
          .catch(function () { done(); });
      }
    };
    if (select.multiple) {
      settings.plugins = ["remove_button"];  // each chosen one is a tag with its own ×
      settings.hidePlaceholder = true;
    }
    new TomSelect(select, settings);
  }
  function searchOptions(select) {
    var settings = {
      maxOptions: null,          // every match, not the first 50
      closeAfterSelect: !select.multiple,
      allowEmptyOption: true,
      render: render,
      sortField: [{ field: "$order" }, { field: "$score" }]  // keep the tree's order
    };
    if (select.multiple) {
      settings.plugins = ["remove_button"];  // each chosen one is a tag with its own ×
      settings.hidePlaceholder = true;
    }
    new TomSelect(select, settings);
  }
  function enhance(root) {
    if (typeof TomSelect === "undefined") { return; }
    root.querySelectorAll("select[data-people-search], select[data-searchable]").forEach(
      function (select) {
        if (select.tomselect) { return; }
        if (select.hasAttribute("data-people-search")) { searchPeople(select); }
        else { searchOptions(select); }
      }
    );
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
