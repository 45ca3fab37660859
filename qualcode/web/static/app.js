/* qualcode review: the transcript view (no dependencies, no network beyond this app).
 *
 * The server renders the transcript cut into segments (<span class="seg" data-s="OFFSET">);
 * offsets are Unicode code points, so a selection is turned back into offsets by
 * counting code points (not UTF-16 units) inside the segments it touches.
 */
(function () {
  "use strict";
  var dataEl = document.getElementById("page-data");
  if (!dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var docId = data.document;
  var transcript = document.getElementById("transcript");
  var codings = data.codings;
  var focusKey = null;
  var selection = null;
  var HEADERS = {"Content-Type": "application/json", "X-Qualcode-Request": "1"};

  function $(id) { return document.getElementById(id); }
  function cpLen(s) { var n = 0; for (var _c of s) { n++; } return n; }
  function keyOf(c) { return [c.code, c.start, c.end, c.coder].join("|"); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  var toastTimer = null;
  function toast(message, isError) {
    var t = $("toast");
    t.textContent = message;
    t.className = isError ? "show error" : "show";
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.className = ""; }, isError ? 6000 : 2500);
  }

  function post(url, body) {
    return fetch(url, {method: "POST", headers: HEADERS, credentials: "same-origin",
                       body: JSON.stringify(body)})
      .then(function (r) {
        return r.json().catch(function () { return {error: r.statusText}; }).then(function (j) {
          if (!r.ok) { throw new Error(j.error || ("HTTP " + r.status)); }
          return j;
        });
      });
  }

  function shown() {
    return ["human", "auto", "rejected"].filter(function (k) { return $("show-" + k).checked; });
  }

  function refresh() {
    var url = "/api/doc/" + encodeURIComponent(docId) + "?show=" + shown().join(",");
    return fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error("could not reload the transcript (HTTP " + r.status + ")"); }
      return r.json();
    }).then(function (j) {
      transcript.innerHTML = j.html;
      codings = j.codings;
      selection = null;
      renderSelection();
      renderLists();
      renderLegend(j.legend);
      markFocus(false);
      document.body.dataset.version = String(Number(document.body.dataset.version || 0) + 1);
    });
  }

  /* -- selection -> offsets ------------------------------------------------------------- */
  function currentSelection() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return null; }
    var range = sel.getRangeAt(0);
    if (!transcript.contains(range.commonAncestorContainer)) { return null; }
    var segs = Array.prototype.filter.call(transcript.querySelectorAll(".seg"), function (s) {
      return range.intersectsNode(s);
    });
    if (!segs.length) { return null; }
    var first = segs[0], last = segs[segs.length - 1];
    var start = Number(first.dataset.s);
    var end = Number(last.dataset.s) + cpLen(last.textContent);
    if (range.startContainer.nodeType === 3 && first.contains(range.startContainer)) {
      start += cpLen(range.startContainer.data.slice(0, range.startOffset));
    }
    if (range.endContainer.nodeType === 3 && last.contains(range.endContainer)) {
      end = Number(last.dataset.s) + cpLen(range.endContainer.data.slice(0, range.endOffset));
    } else if (range.endContainer === last && range.endOffset === 0) {
      end = Number(last.dataset.s);
    }
    if (end <= start) { return null; }
    return {start: start, end: end, text: range.toString()};
  }

  function renderSelection() {
    var info = $("selection-info");
    if (!selection) {
      info.textContent = "Select text in the transcript, then pick a code (/ to search, Enter to apply).";
      info.className = "muted";
      return;
    }
    var text = selection.text.replace(/\s+/g, " ").trim();
    info.textContent = "Selected " + selection.start + "–" + selection.end + ": “" +
      (text.length > 90 ? text.slice(0, 89) + "…" : text) + "”";
    info.className = "selected";
  }

  function captureSelection() {
    var s = currentSelection();
    if (s) { selection = s; renderSelection(); }
  }
  transcript.addEventListener("mouseup", function () { setTimeout(captureSelection, 0); });
  transcript.addEventListener("keyup", captureSelection);
  document.addEventListener("selectionchange", function () {
    var s = currentSelection();
    if (s) { selection = s; renderSelection(); }
  });

  /* -- code tree with search as you type ------------------------------------------------ */
  var treeItems = [];
  function buildTree() {
    var tree = $("code-tree");
    tree.textContent = "";
    treeItems = [];
    Object.keys(data.tree).forEach(function (book) {
      var head = el("li", "book", book);
      tree.appendChild(head);
      data.tree[book].forEach(function (code) {
        var li = el("li", "code-item");
        li.tabIndex = -1;
        li.style.paddingLeft = (0.3 + 1.1 * code.depth) + "rem";
        li.title = code.description || code.name;
        li.dataset.code = code.name;
        li.dataset.codebook = book;
        var sw = el("span", "swatch");
        sw.style.background = code.color;
        li.appendChild(sw);
        li.appendChild(el("span", "label", code.label));
        li.appendChild(el("code", "small", code.name));
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { applyCode(code.name, book); });
        tree.appendChild(li);
        treeItems.push({li: li, code: code, book: book, head: head});
      });
    });
  }

  function filterTree() {
    var q = $("code-search").value.trim().toLowerCase();
    var words = q.split(/\s+/).filter(Boolean);
    var keep = {};
    var firstHit = null;
    treeItems.forEach(function (it) {
      var hay = (it.code.label + " " + it.code.name + " " + it.code.description).toLowerCase();
      var hit = words.every(function (w) { return hay.indexOf(w) >= 0; });
      if (hit && !firstHit) { firstHit = it; }
      if (hit) {
        keep[it.book + "/" + it.code.name] = true;
        var parent = it.code.parent;
        var guard = 0;
        while (parent && guard++ < 50) {
          keep[it.book + "/" + parent] = true;
          var p = treeItems.filter(function (x) { return x.book === it.book && x.code.name === parent; })[0];
          parent = p ? p.code.parent : null;
        }
      }
    });
    var books = {};
    treeItems.forEach(function (it) {
      var visible = !words.length || keep[it.book + "/" + it.code.name];
      it.li.hidden = !visible;
      it.li.classList.remove("active");
      if (visible) { books[it.book] = true; }
    });
    treeItems.forEach(function (it) { it.head.hidden = !books[it.book]; });
    if (firstHit && words.length) { firstHit.li.classList.add("active"); }
  }
  function visibleItems() { return treeItems.filter(function (it) { return !it.li.hidden; }); }

  $("code-search").addEventListener("input", filterTree);
  $("code-search").addEventListener("keydown", function (e) {
    var items = visibleItems();
    var i = items.findIndex(function (it) { return it.li.classList.contains("active"); });
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (i >= 0) { items[i].li.classList.remove("active"); }
      i = e.key === "ArrowDown" ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1);
      if (items[i]) { items[i].li.classList.add("active"); items[i].li.scrollIntoView({block: "nearest"}); }
    } else if (e.key === "Enter") {
      e.preventDefault();
      var it = items[i >= 0 ? i : 0];
      if (it) { applyCode(it.code.name, it.book); }
    } else if (e.key === "Escape") {
      e.target.value = "";
      filterTree();
      e.target.blur();
    }
  });

  function applyCode(code, book) {
    captureSelection();
    if (!selection) { toast("Select some text in the transcript first.", true); return; }
    var body = {document: docId, code: code, codebook: book, start: selection.start, end: selection.end};
    post("/api/apply", body).then(function () {
      toast("Applied " + code + " (u to undo)");
      window.getSelection().removeAllRanges();
      return refresh();
    }).catch(function (err) { toast(err.message, true); });
  }

  /* -- lists of codings ----------------------------------------------------------------- */
  function autoCodings() { return codings.filter(function (c) { return c.auto; }); }

  function renderLists() {
    var autoList = $("auto-list"), humanList = $("human-list");
    autoList.textContent = "";
    humanList.textContent = "";
    var autos = autoCodings();
    var pending = autos.filter(function (c) { return c.status === "pending"; }).length;
    $("auto-count").textContent = pending + " pending of " + autos.length;
    autos.forEach(function (c) {
      var li = el("li", "coding status-" + c.status);
      li.dataset.key = keyOf(c);
      var sw = el("span", "swatch");
      sw.style.background = c.color;
      li.appendChild(sw);
      li.appendChild(el("b", "", c.label));
      li.appendChild(el("span", "badge " + c.status, c.status === "pending" ? "pending" : c.status + "ed"));
      li.appendChild(el("div", "small muted", c.coder + (c.rule ? " · rule " + c.rule : "") +
                        (c.notes.length ? " · " + c.notes.join(", ") : "")));
      li.appendChild(el("div", "snippet", c.text));
      li.addEventListener("click", function () { focusKey = keyOf(c); markFocus(true); });
      autoList.appendChild(li);
    });
    codings.filter(function (c) { return !c.auto; }).forEach(function (c) {
      var li = el("li", "coding" + (c.mine ? " mine" : ""));
      li.dataset.key = keyOf(c);
      var sw = el("span", "swatch");
      sw.style.background = c.color;
      li.appendChild(sw);
      li.appendChild(el("b", "", c.label));
      li.appendChild(el("span", "small muted", " " + c.coder + " · " + c.created));
      if (c.memo) { li.appendChild(el("div", "small muted", c.memo)); }
      li.appendChild(el("div", "snippet", c.text));
      if (c.mine) {
        var rm = el("button", "remove", "×");
        rm.title = "Remove this coding (undo with u)";
        rm.addEventListener("click", function (e) {
          e.stopPropagation();
          post("/api/remove", {coding_id: c.id}).then(function () {
            toast("Removed " + c.code + " (u to undo)");
            return refresh();
          }).catch(function (err) { toast(err.message, true); });
        });
        li.appendChild(rm);
      }
      li.addEventListener("click", function () { focusKey = keyOf(c); markFocus(true); });
      humanList.appendChild(li);
    });
  }

  function renderLegend(legend) {
    var box = $("legend");
    box.textContent = "";
    legend.forEach(function (e) {
      var a = el("a", "chip");
      a.href = "/code/" + encodeURIComponent(e.code);
      var sw = el("span", "swatch");
      sw.style.background = e.color;
      a.appendChild(sw);
      a.appendChild(document.createTextNode(e.label + " " + e.count));
      box.appendChild(a);
    });
  }

  function focused() {
    return codings.filter(function (c) { return keyOf(c) === focusKey; })[0] || null;
  }

  function markFocus(scroll) {
    Array.prototype.forEach.call(document.querySelectorAll(".focus"), function (n) {
      n.classList.remove("focus");
    });
    var c = focused();
    if (!c) { return; }
    var li = document.querySelector('.coding[data-key="' + CSS.escape(focusKey) + '"]');
    if (li) { li.classList.add("focus"); if (scroll) { li.scrollIntoView({block: "nearest"}); } }
    var firstSeg = null;
    Array.prototype.forEach.call(transcript.querySelectorAll(".seg"), function (s) {
      var at = Number(s.dataset.s);
      if (at >= c.start && at < c.end) {
        s.classList.add("focus");
        if (!firstSeg) { firstSeg = s; }
      }
    });
    if (firstSeg && scroll) { firstSeg.scrollIntoView({block: "center"}); }
  }

  function move(step, pendingOnly) {
    var list = autoCodings().filter(function (c) { return !pendingOnly || c.status === "pending"; });
    if (!list.length) { toast(pendingOnly ? "No pending auto codings." : "No auto codings."); return; }
    var all = autoCodings();
    var at = all.findIndex(function (c) { return keyOf(c) === focusKey; });
    var next;
    if (pendingOnly) {
      next = all.slice(at + 1).filter(function (c) { return c.status === "pending"; })[0] || list[0];
    } else {
      next = all[at < 0 ? 0 : Math.max(0, Math.min(all.length - 1, at + step))];
    }
    focusKey = keyOf(next);
    markFocus(true);
  }

  function review(decision) {
    var c = focused();
    if (!c || !c.auto) { toast("Pick an auto coding first (j / k).", true); return; }
    var body = {document: docId, code: c.code, start: c.start, end: c.end,
                auto_coder: c.coder, decision: decision};
    if (decision === "adjust") {
      captureSelection();
      if (!selection) { toast("Select the new span in the transcript, then press s.", true); return; }
      body.new_start = selection.start;
      body.new_end = selection.end;
    }
    post("/api/review", body).then(function () {
      toast((decision === "accept" ? "Accepted " : decision === "reject" ? "Rejected " : "Adjusted ") +
            c.code + " (u to undo)");
      return refresh();
    }).then(function () {
      if (decision !== "adjust") { move(1, true); }
    }).catch(function (err) { toast(err.message, true); });
  }

  function undo() {
    post("/api/undo", {}).then(function (j) {
      toast(j.action ? "Undid " + j.action.action + " " + j.action.code : "Nothing to undo.");
      return refresh();
    }).catch(function (err) { toast(err.message, true); });
  }

  $("btn-next").addEventListener("click", function () { move(1, false); });
  $("btn-prev").addEventListener("click", function () { move(-1, false); });
  $("btn-accept").addEventListener("click", function () { review("accept"); });
  $("btn-reject").addEventListener("click", function () { review("reject"); });
  $("btn-adjust").addEventListener("mousedown", function (e) { e.preventDefault(); });
  $("btn-adjust").addEventListener("click", function () { review("adjust"); });
  $("btn-undo").addEventListener("click", undo);
  ["human", "auto", "rejected"].forEach(function (k) {
    $("show-" + k).addEventListener("change", function () {
      refresh().catch(function (err) { toast(err.message, true); });
    });
  });

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
              t.isContentEditable)) { return; }
    var actions = {
      j: function () { move(1, false); }, k: function () { move(-1, false); },
      n: function () { move(1, true); }, a: function () { review("accept"); },
      r: function () { review("reject"); }, s: function () { review("adjust"); },
      u: undo,
      "/": function () { $("code-search").focus(); },
      Escape: function () { selection = null; renderSelection(); window.getSelection().removeAllRanges(); }
    };
    var fn = actions[e.key];
    if (fn) { e.preventDefault(); fn(); }
  });

  buildTree();
  renderLists();
  renderLegend(data.legend);
  document.body.dataset.ready = "true";
})();
