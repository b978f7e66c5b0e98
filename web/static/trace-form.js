// A refused post shows the event's page again (422, everything typed kept). Make that history entry
// a plain GET of the page, so that the back button after the event is recorded never asks the
// browser to send the refused form again ("Confirm form resubmission").
(function () {
  "use strict";
  if (document.querySelector("[data-testid=error-summary]") && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.href);
  }
  var summary = document.querySelector("[data-testid=error-summary]");
  if (summary) { summary.focus(); }
})();
