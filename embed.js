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
 *
 * All widgets share one wasm instance, and a Rust panic leaves an instance dead. When one
 * panics (it fires "caucus-panic" on window), every widget is mounted again, each in a fresh
 * instance of its own (caucus.js?instance=N is a new module): the others come back, and a
 * widget that panics again breaks only itself.
 */
(function () {
  "use strict";
  // document.currentScript is only set while a classic script first runs: capture it now.
  var me = document.currentScript || document.querySelector('script[src$="/embed.js"]');
  if (!me || window.caucus) return;
  var base = new URL(".", me.src);
  var server = (me.getAttribute("data-caucus-server") || base.origin).replace(/\/+$/, "");
  var loading = null;
  var isolated = false;
  var instances = 0;

  function load(url) {
    return import(url).then(function (m) {
      return m.default({ module_or_path: new URL("caucus_bg.wasm", base) }).then(function () {
        return m;
      });
    });
  }

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
    if (isolated) return mountIsolated();
    loading = loading || load(new URL("caucus.js", base).href);
    return loading.then(function (m) {
      return m.mount_all(server);
    }, fail);
  }

  function mountIsolated() {
    var els = document.querySelectorAll("[data-caucus-thread]:not([data-caucus-mounted])");
    var jobs = [];
    for (var i = 0; i < els.length; i++) {
      instances += 1;
      var url = new URL("caucus.js", base);
      url.searchParams.set("instance", String(instances));
      jobs.push(load(url.href).then(mountInto(els[i]), fail));
    }
    return Promise.all(jobs).then(function () {
      return els.length;
    });
  }

  function mountInto(el) {
    return function (m) {
      m.mount_element(el, server);
    };
  }

  window.addEventListener("caucus-panic", function () {
    // Once isolated, a widget that panics has already replaced itself with a message.
    if (isolated) return;
    isolated = true;
    // Later, once the panicking call has unwound out of the dead instance.
    setTimeout(function () {
      var els = document.querySelectorAll("[data-caucus-mounted]");
      for (var i = 0; i < els.length; i++) els[i].removeAttribute("data-caucus-mounted");
      mountIsolated();
    }, 0);
  });

  window.caucus = { mount: mount, server: server };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
