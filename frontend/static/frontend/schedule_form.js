// The schedule form's preview when the page opens with a first date already there (editing a
// schedule, the form sent back with errors, or typed in before htmx had loaded on a slow
// connection). This was an htmx trigger filter, `load[...]`, which htmx evaluates as code: the
// Content-Security-Policy allows no eval, so the test is here, in a file. Loaded after htmx
// (both deferred, in document order).
"use strict";

htmx.onLoad(function (element) {
  const form = element.querySelector ? element.querySelector("#schedule-form") : null;
  if (form && form.elements.first_date && form.elements.first_date.value.length > 0) {
    htmx.trigger(form, "schedule:filled");
  }
});
