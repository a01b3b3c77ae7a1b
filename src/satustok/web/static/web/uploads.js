// The upload form (no inline script under the CSP): a file over the size limit is refused
// here, before it is sent, with the page's own words; the server refuses it too (and a proxy
// in front may cut the request off before the hub could answer in words).
(function () {
  "use strict";

  function setup() {
    var form = document.getElementById("upload-form");
    if (!form) { return; }
    var input = form.querySelector("input[type=file][data-max-bytes]");
    var warning = document.getElementById("file-too-big");
    var submit = form.querySelector("button[type=submit]");
    if (!input || !warning || !submit) { return; }
    var most = parseInt(input.dataset.maxBytes, 10);
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var tooBig = Boolean(file) && file.size > most;
      warning.hidden = !tooBig;
      submit.disabled = tooBig;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
