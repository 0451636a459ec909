/* Opsbook: launch timelines on checklist pages.
 *
 * The page already lists every item with its due offset (it works with JavaScript off). For
 * each `.ob-timeline[data-checklist]` this script adds a launch date and tier picker, writes
 * the calendar date into each item's `.ob-date`, hides the items outside the chosen tier,
 * makes the ticks work, and offers the list as Markdown tasks (for a GitHub issue) or CSV.
 *
 * Storage (localStorage, this browser only):
 *   opsbook.timeline.<checklist>.settings        {"launch": "YYYY-MM-DD" or "", "tier": id or ""}
 *   opsbook.timeline.<checklist>.ticks.<launch>  ["item-id", ...]  (<launch> is the launch
 *                                                date, or "undated" before one is picked)
 * Ticks are kept per launch date, so two launches planned from the same checklist keep
 * separate progress. `?launch=YYYY-MM-DD&tier=<id>` in the address picks both (links can be
 * shared) and wins over the stored settings.
 *
 * Pages without `.ob-timeline` are left alone. It runs once per page: on DOMContentLoaded,
 * and on each page that Material's instant navigation swaps in (`document$`), if enabled.
 */
(function () {
  "use strict";

  var DAY_MS = 86400000;
  var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
    "Dec"];
  var PREFIX = "opsbook.timeline.";

  function read(key) {
    try {
      var value = window.localStorage.getItem(key);
      return value ? JSON.parse(value) : null;
    } catch (e) {
      return null; // storage off (private mode, file://) or a value we did not write
    }
  }

  function write(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* storage full or off: ticks last until the page is left */
    }
  }

  /** "2027-03-01" -> milliseconds at UTC midnight, or null. UTC avoids daylight-saving gaps. */
  function parseDate(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    if (!m) return null;
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
    return iso(ms) === text ? ms : null;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function iso(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }

  /** "Mon 1 Mar 2027" */
  function label(ms) {
    var d = new Date(ms);
    return WEEKDAYS[d.getUTCDay()] + " " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " +
      d.getUTCFullYear();
  }

  function localToday() {
    var now = new Date();
    return Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  }

  function text(node) {
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function element(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function csvField(value) {
    var s = String(value);
    // A cell starting with = + - @ would run as a formula in a spreadsheet.
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return '"' + s.replace(/"/g, '""') + '"';
  }

  function setup(root) {
    if (root.getAttribute("data-ob-ready")) return;
    root.setAttribute("data-ob-ready", "yes");
    var id = root.getAttribute("data-checklist");
    var tierIds = (root.getAttribute("data-tiers") || "").split(" ").filter(Boolean);
    var tierNames = {};
    try {
      tierNames = JSON.parse(root.getAttribute("data-tier-names") || "{}");
    } catch (e) {
      tierNames = {};
    }
    var title = root.getAttribute("data-title") || id;
    // The items once (the timeline), and every row showing an item (the timeline and the
    // by-team view), which are kept in step.
    var items = Array.prototype.slice.call(root.querySelectorAll("tr.ob-item[data-item]"));
    var views = Array.prototype.filter.call(
      document.querySelectorAll(".ob-timeline, .ob-timeline-teams"),
      function (view) { return view.getAttribute("data-checklist") === id; });
    var rows = [];
    views.forEach(function (view) {
      rows = rows.concat(Array.prototype.slice.call(view.querySelectorAll("tr.ob-item[data-item]")));
    });
    var groups = [];
    views.forEach(function (view) {
      groups = groups.concat(Array.prototype.slice.call(
        view.querySelectorAll(".ob-phase, .ob-team-items")));
    });

    // -- controls ----------------------------------------------------------------------
    var dateInput = element("input", {type: "date", "class": "ob-launch", name: "launch"});
    var tierSelect = element("select", {"class": "ob-tier-pick", name: "tier"},
      [element("option", {value: ""}, ["All tiers"])]);
    tierIds.forEach(function (tier) {
      tierSelect.appendChild(element("option", {value: tier}, [tierNames[tier] || tier]));
    });
    var copyButton = element("button", {type: "button", "class": "md-button ob-copy"},
      ["Copy as Markdown tasks"]);
    var csvButton = element("button", {type: "button", "class": "md-button ob-csv"},
      ["Download CSV"]);
    var clearButton = element("button", {type: "button", "class": "md-button ob-clear"},
      ["Clear ticks"]);
    var status = element("p", {"class": "ob-timeline-status", role: "status",
      "aria-live": "polite"});
    var exportBox = element("textarea", {"class": "ob-timeline-export", readonly: "readonly",
      rows: "8", "aria-label": "The checklist as Markdown tasks"});
    exportBox.hidden = true;
    var controls = element("div", {"class": "ob-timeline-controls", role: "group",
      "aria-label": "Plan a launch"}, [
      element("label", {}, ["Launch date", dateInput]),
      element("label", {}, ["Tier", tierSelect]),
      element("span", {"class": "ob-timeline-actions"}, [copyButton, csvButton, clearButton]),
    ]);
    var help = root.querySelector(".ob-timeline-help");
    var anchor = help ? help.nextSibling : root.firstChild;
    root.insertBefore(controls, anchor);
    root.insertBefore(status, anchor);
    root.insertBefore(exportBox, anchor);

    // -- state -------------------------------------------------------------------------
    var state = read(PREFIX + id + ".settings") || {};
    var params = new URLSearchParams(window.location.search);
    if (params.has("launch")) state.launch = params.get("launch");
    if (params.has("tier")) state.tier = params.get("tier");
    if (parseDate(state.launch) === null) state.launch = "";
    if (tierIds.indexOf(state.tier) < 0) state.tier = "";
    var ticks = {};

    function ticksKey() {
      return PREFIX + id + ".ticks." + (state.launch || "undated");
    }

    function loadTicks() {
      ticks = {};
      (read(ticksKey()) || []).forEach(function (item) { ticks[item] = true; });
    }

    function saveTicks() {
      var ids = Object.keys(ticks).filter(function (k) { return ticks[k]; }).sort();
      write(ticksKey(), ids.length ? ids : null);
    }

    function saveSettings() {
      write(PREFIX + id + ".settings", {launch: state.launch, tier: state.tier});
      if (window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        if (state.launch) url.searchParams.set("launch", state.launch);
        else url.searchParams.delete("launch");
        if (state.tier) url.searchParams.set("tier", state.tier);
        else url.searchParams.delete("tier");
        window.history.replaceState(window.history.state, "", url.toString());
      }
    }

    function inTier(row) {
      return !state.tier ||
        (row.getAttribute("data-tiers") || "").split(" ").indexOf(state.tier) >= 0;
    }

    function dueMs(row) {
      var launch = parseDate(state.launch);
      return launch === null ? null : launch + Number(row.getAttribute("data-offset")) * DAY_MS;
    }

    // -- rendering ---------------------------------------------------------------------
    function render() {
      var today = localToday();
      rows.forEach(function (row) {
        var item = row.getAttribute("data-item");
        var due = dueMs(row);
        var cell = row.querySelector(".ob-date");
        if (cell) {
          cell.textContent = "";
          if (due !== null) {
            cell.appendChild(element("time", {datetime: iso(due)}, [label(due)]));
          }
        }
        var weekday = due === null ? -1 : new Date(due).getUTCDay();
        row.classList.toggle("ob-weekend", weekday === 0 || weekday === 6);
        if (cell) cell.title = weekday === 0 || weekday === 6 ? "Falls on a weekend" : "";
        row.classList.toggle("ob-hidden", !inTier(row));
        row.classList.toggle("ob-done", !!ticks[item]);
        row.classList.toggle("ob-late", due !== null && due < today && !ticks[item]);
        var box = row.querySelector("input.ob-tick");
        if (box) {
          box.disabled = false;
          box.checked = !!ticks[item];
        }
      });
      groups.forEach(function (group) {
        var shown = group.querySelector("tr.ob-item:not(.ob-hidden)");
        group.classList.toggle("ob-hidden", !shown);
      });
      dateInput.value = state.launch;
      tierSelect.value = state.tier;
      var chosen = items.filter(inTier);
      var done = chosen.filter(function (row) { return ticks[row.getAttribute("data-item")]; });
      var words = state.launch ? "Launch on " + label(parseDate(state.launch)) : "No launch date yet";
      words += " · " + (state.tier ? tierNames[state.tier] || state.tier : "All tiers") + ": " +
        chosen.length + " item" + (chosen.length === 1 ? "" : "s") + ", " + done.length + " done.";
      status.textContent = words;
    }

    // -- exports -----------------------------------------------------------------------
    function record(row) {
      var due = dueMs(row);
      var task = row.querySelector(".ob-task-text");
      return {
        phase: row.getAttribute("data-phase") || "",
        task: text(task),
        team: text(row.querySelector(".ob-team-cell")) || row.getAttribute("data-team"),
        offset: Number(row.getAttribute("data-offset")),
        offsetText: text(row.querySelector(".ob-offset")),
        date: due === null ? "" : iso(due),
        required: row.getAttribute("data-required") !== "no",
        tiers: (row.getAttribute("data-tiers") || "").split(" ").filter(Boolean)
          .map(function (t) { return tierNames[t] || t; }),
        done: !!ticks[row.getAttribute("data-item")],
      };
    }

    function markdown() {
      var lines = [];
      var heading = "[" + title + "](" + window.location.href + ")";
      heading += state.launch ? " for a launch on " + state.launch : "";
      heading += state.tier ? " (" + (tierNames[state.tier] || state.tier) + ")" : "";
      lines.push(heading);
      var phase = null;
      items.filter(inTier).map(record).forEach(function (r) {
        if (r.phase !== phase) {
          phase = r.phase;
          lines.push("", "### " + phase, "");
        }
        var when = r.date ? "due " + r.date : r.offsetText.toLowerCase();
        lines.push("- [" + (r.done ? "x" : " ") + "] " + r.task + " (" + r.team + ", " + when +
          (r.required ? "" : ", optional") + ")");
      });
      return lines.join("\n") + "\n";
    }

    function csv() {
      var out = [["Phase", "Task", "Team", "Due (days from launch)", "Due date", "Required",
        "Tiers", "Done"].map(csvField).join(",")];
      items.filter(inTier).map(record).forEach(function (r) {
        out.push([r.phase, r.task, r.team, r.offset, r.date, r.required ? "yes" : "no",
          r.tiers.join("; "), r.done ? "yes" : "no"].map(csvField).join(","));
      });
      return "\ufeff" + out.join("\r\n") + "\r\n"; // BOM: spreadsheets then read UTF-8
    }

    function showExport(value, message) {
      exportBox.value = value;
      exportBox.hidden = false;
      exportBox.focus();
      exportBox.select();
      status.textContent = message;
    }

    // -- events ------------------------------------------------------------------------
    dateInput.addEventListener("change", function () {
      state.launch = parseDate(dateInput.value) === null ? "" : dateInput.value;
      saveSettings();
      loadTicks();
      render();
    });
    tierSelect.addEventListener("change", function () {
      state.tier = tierSelect.value;
      saveSettings();
      render();
    });
    rows.forEach(function (row) {
      var box = row.querySelector("input.ob-tick");
      if (!box) return;
      box.addEventListener("change", function () {
        ticks[row.getAttribute("data-item")] = box.checked;
        saveTicks();
        render();
      });
    });
    clearButton.addEventListener("click", function () {
      ticks = {};
      saveTicks();
      render();
    });
    copyButton.addEventListener("click", function () {
      var value = markdown();
      var count = items.filter(inTier).length;
      var done = function () {
        exportBox.hidden = true;
        status.textContent = "Copied " + count + " tasks as Markdown: paste them into an issue.";
      };
      var manual = function () {
        showExport(value, "Copy the Markdown below (Ctrl+C or Cmd+C): it is selected.");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(done, manual);
      } else {
        manual();
      }
    });
    csvButton.addEventListener("click", function () {
      var blob = new Blob([csv()], {type: "text/csv;charset=utf-8"});
      var link = element("a", {
        href: URL.createObjectURL(blob),
        download: id + "-" + (state.launch || "undated") + (state.tier ? "-" + state.tier : "") +
          ".csv",
      });
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    });

    loadTicks();
    render();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".ob-timeline[data-checklist]"), setup);
  }

  // Material's instant navigation replaces the page without reloading scripts; `document$`
  // emits for each page (including the first). Pages are set up once either way.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
