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
 * A blog index can show counts without loading the widget at all: every
 *   <span data-caucus-count="some-slug"></span>
 * gets "12 comments", from one GET /api/counts for the whole page (window.caucus.count()
 * fills spans added later).
 *
 * While the widget loads, each thread's comments are already on their way: the loader asks
 * for them (the same request the widget would make: its order, its voter) and the widget
 * takes that answer instead of asking again (window.caucus.take). A request the widget would
 * make differently is not taken, and the widget makes its own.
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
        // For benchmarks and debugging: when the widget became ready, and its module.
        if (window.performance && performance.mark) performance.mark("caucus:ready");
        window.caucus.widget = m;
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

  function count() {
    var spans = document.querySelectorAll("[data-caucus-count]");
    var slugs = [];
    for (var i = 0; i < spans.length; i++) {
      var slug = spans[i].getAttribute("data-caucus-count");
      if (slug && slugs.indexOf(slug) < 0) slugs.push(slug);
    }
    // The server answers at most 100 slugs at once: one request per 100.
    var asked = [];
    for (var from = 0; from < slugs.length; from += 100) {
      var query = slugs.slice(from, from + 100).map(function (s) {
        return "slug=" + encodeURIComponent(s);
      }).join("&");
      asked.push(fetch(server + "/api/counts?" + query).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      }).then(function (counts) {
        for (var j = 0; j < spans.length; j++) {
          var n = counts[spans[j].getAttribute("data-caucus-count")];
          // Text only, like everything else here.
          if (typeof n === "number") spans[j].textContent = n + (n === 1 ? " comment" : " comments");
        }
      }));
    }
    // A count that cannot be had leaves the span as the page wrote it.
    return Promise.all(asked).catch(function () {});
  }

  // Requests for threads started before the widget is ready, by URL and voter, each taken once.
  var early = {};

  function stored(key) {
    try {
      return localStorage.getItem(key) || "";
    } catch (e) {
      return "";
    }
  }

  // As the widget encodes a slug's segment (api.rs, encode_segment): all but A-Z a-z 0-9 - _ . ~
  function segment(s) {
    return encodeURIComponent(s).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }

  function prefetch() {
    var els = document.querySelectorAll("[data-caucus-thread]:not([data-caucus-mounted])");
    var sorts = ["oldest", "newest", "top"];
    // A page of many threads loads each as it comes; only the first few are worth the head start.
    for (var i = 0; i < els.length && i < 4; i++) {
      var slug = els[i].getAttribute("data-caucus-thread");
      if (!slug) continue;
      var origin = (els[i].getAttribute("data-caucus-server") || "").trim() || server;
      origin = origin.replace(/\/+$/, "");
      // The order the reader picked on this site, else the element's, else the first.
      var sort = stored("caucus.sort").trim();
      if (sorts.indexOf(sort) < 0) sort = (els[i].getAttribute("data-caucus-sort") || "").trim();
      if (sorts.indexOf(sort) < 0) sort = sorts[0];
      var url = origin + "/api/threads/" + slug.split("/").map(segment).join("/") + "?sort=" + sort;
      var voter = stored("caucus.voter:" + origin);
      if (!voter.trim()) voter = "";
      var headers = { Accept: "application/json" };
      if (voter) headers["X-Caucus-Voter"] = voter;
      var key = url + " " + voter;
      if (early[key]) continue;
      early[key] = ask(url, headers);
    }
  }

  // Given up after 15 s, as the widget gives up on its own requests: then it says "timeout".
  // A request that fails otherwise says null, and the widget asks again itself.
  function ask(url, headers) {
    var controller = window.AbortController ? new AbortController() : null;
    var late = false;
    if (controller) {
      setTimeout(function () {
        late = true;
        controller.abort();
      }, 15000);
    }
    return fetch(url, { headers: headers, signal: controller && controller.signal }).catch(function () {
      return late ? "timeout" : null;
    });
  }

  // The answer to a request started early, once: a Promise of the Response, or of "timeout" or null (see ask).
  function take(url, voter) {
    var key = url + " " + (voter || "");
    var answer = early[key];
    delete early[key];
    return answer;
  }

  function start() {
    prefetch();
    mount();
    count();
  }

  window.caucus = { mount: mount, count: count, server: server, take: take };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
