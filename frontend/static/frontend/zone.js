// The browser's time zone, so times are right from the first page (no sign-up needed):
// - fills a form's hidden timezone field (the sign-up page) where it is still empty;
// - keeps a hearth_tz cookie, so pages for visitors show times in their zone too.
// The server checks the name against its list of zones and ignores anything else.
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  if (!/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var fill = function () {
    var fields = document.querySelectorAll("input[type=hidden][name=timezone][data-browser-zone]");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].value) fields[i].value = zone;
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
  var current = document.cookie.match(/(?:^|;\s*)hearth_tz=([^;]*)/);
  if (!current || current[1] !== zone) {
    document.cookie =
      "hearth_tz=" + zone + "; path=/; max-age=31536000; samesite=lax" +
      (location.protocol === "https:" ? "; secure" : "");
  }
})();
