/*! Caucus embed loader: the only script a host page includes.
 *
 *   <script src="https://comments.example.org/widget/embed.js" defer></script>
 *   <div data-caucus-thread="some-slug"></div>
 *
 * Every page load pays for this file, so it stays tiny and does nothing unless the page has a
 * thread element. It finds its own URL, loads the widget (caucus.js + caucus_bg.wasm) from
 * the same folder, and mounts a widget into every [data-caucus-thread] element. The server
 * defaults to this script's origin; data-caucus-server on the script tag (or on an element)
 * overrides it. window.caucus.mount() mounts elements added later (single-page sites).
 */
(function () {
  "use strict";
  // document.currentScript is only set while a classic script first runs: capture it now.
  var me = document.currentScript || document.querySelector('script[src$="/embed.js"]');
  if (!me || window.caucus) return;
  var base = new URL(".", me.src);
  var server = (me.getAttribute("data-caucus-server") || base.origin).replace(/\/+$/, "");
  var loading = null;

  function fail(err) {
    loading = null;
    var els = document.querySelectorAll("[data-caucus-thread]:not([data-caucus-mounted])");
    for (var i = 0; i < els.length; i++) {
      var box = document.createElement("p");
      box.setAttribute("role", "alert");
      box.setAttribute("data-caucus-load-error", "");
      // Text only: nothing from the network is ever parsed as HTML here.
      box.textContent = "The comments could not be loaded (" + (err && err.message || err) + "). ";
      var retry = document.createElement("button");
      retry.type = "button";
      retry.textContent = "Retry";
      retry.onclick = mount;
      box.appendChild(retry);
      els[i].replaceChildren(box);
    }
  }

  function mount() {
    if (!document.querySelector("[data-caucus-thread]:not([data-caucus-mounted])")) {
      return Promise.resolve(0);
    }
    loading = loading || import(new URL("caucus.js", base).href).then(function (m) {
      return m.default({ module_or_path: new URL("caucus_bg.wasm", base) }).then(function () {
        // For benchmarks and debugging: when the widget became ready, and its module.
        if (window.performance && performance.mark) performance.mark("caucus:ready");
        window.caucus.widget = m;
        return m;
      });
    });
    return loading.then(function (m) {
      return m.mount_all(server);
    }, fail);
  }

  window.caucus = { mount: mount, server: server };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
