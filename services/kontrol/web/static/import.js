/*
 * Import of a register-match list (POST /api/v1/register-match-lists/files, multipart): the API validates the
 * whole file first and answers 422 with one error per line and field (/file/lines/N/cpr); the page lists them.
 * Also the imported lists (GET /api/v1/register-match-lists) and the criteria (GET /api/v1/register-match-criteria).
 */
(function () {
  "use strict";
  var el = KK.el;
  var COLUMNS = {
    liste_id: "Liste-id",
    kriterie: "Kriterie",
    udtraeksdato: "Udtræksdato",
    cpr: "CPR-nummer",
    bemaerkning: "Bemærkning",
  };
  var criteria = {};

  /** "/file/lines/7/cpr" -> {line: 7, column: "CPR-nummer"}; "/file" -> the whole file. */
  function place(pointer) {
    var match = /^\/file\/lines\/(\d+)(?:\/([^/]+))?$/.exec(pointer || "");
    if (!match) return { line: null, column: "Hele filen" };
    return { line: +match[1], column: match[2] ? COLUMNS[match[2]] || match[2] : "Hele linjen" };
  }

  function renderLineErrors(problem) {
    var section = document.querySelector("[data-line-errors-section]");
    var rows = problem.errors.map(function (e) { var p = place(e.field); p.message = e.message; p.code = e.code; return p; });
    var lines = {};
    rows.forEach(function (r) { if (r.line !== null) lines[r.line] = true; });
    document.querySelector("[data-line-errors-summary]").textContent = problem.message + " Fejlene står i " +
      Object.keys(lines).length + " linjer. Ret filen, og indlæs den igen.";
    KK.table(document.querySelector("[data-line-errors]"), {
      caption: "Fejl linje for linje",
      captionHidden: true,
      rows: rows,
      rowAttrs: function (r) { return { "data-error-line": r.line === null ? "" : r.line, "data-error-code": r.code }; },
      columns: [
        { label: "Linje", value: function (r) { return r.line === null ? "–" : String(r.line); } },
        { label: "Felt", value: function (r) { return r.column; } },
        { label: "Fejl", class: "cell--wrap", value: function (r) { return r.message; } },
      ],
    });
    section.hidden = false;
    return rows.length;
  }

  function renderBatches(batches) {
    KK.table(document.querySelector("[data-batches]"), {
      caption: "Indlæste lister, nyeste først",
      captionHidden: true,
      empty: "Der er ikke indlæst nogen lister.",
      rows: batches,
      rowAttrs: function (b) { return { "data-batch": b.list_id }; },
      columns: [
        { label: "Liste-id", value: function (b) { return el("span", { class: "code" }, b.list_id); } },
        { label: "Kriterie", value: function (b) { return criteria[b.criterion_code] || b.criterion_code; } },
        { label: "Udtræksdato", value: function (b) { return KK.format.date(b.extracted_on); } },
        { label: "Linjer", value: function (b) { return KK.format.number(b.row_count); } },
        { label: "Nye kandidater", value: function (b) { return KK.format.number(b.created_count); } },
        { label: "Kendte", value: function (b) { return KK.format.number(b.existing_count); } },
        { label: "Indlæst", value: function (b) { return KK.format.dateTime(b.imported_at) + " af " + b.imported_by; } },
      ],
    });
  }

  function loadBatches() {
    return KK.api("/api/v1/register-match-lists", { query: { limit: 20 } }).then(renderBatches);
  }

  function loadCriteria() {
    return KK.api("/api/v1/register-match-criteria").then(function (items) {
      items.forEach(function (c) { criteria[c.code] = c.label; });
      KK.table(document.querySelector("[data-criteria]"), {
        caption: "Kriterier, der kan stå i kolonnen kriterie",
        captionHidden: true,
        rows: items,
        columns: [
          { label: "Kode", value: function (c) { return el("span", { class: "code" }, c.code); } },
          { label: "Kriterie", value: function (c) { return c.label; } },
          { label: "Beskrivelse", class: "cell--wrap", value: function (c) { return c.description; } },
        ],
      });
    });
  }

  function showResult(batch) {
    var text = batch.already_imported
      ? "Listen " + batch.list_id + " var allerede indlæst " + KK.format.dateTime(batch.imported_at) + ". Intet er ændret."
      : "Listen " + batch.list_id + " er indlæst: " + batch.row_count + " linjer, " + batch.created_count +
        " nye kandidater og " + batch.existing_count + " kendte. Oplysningerne indhentes nu automatisk.";
    var box = KK.clear(document.querySelector("[data-import-result]"));
    box.appendChild(el("p", { class: "result result--ok", "data-import-done": batch.list_id }, text));
    KK.status(text);
  }

  KK.page.ready(function () {
    var form = document.querySelector('[data-kk-form="list-upload"]');
    var input = form.querySelector('input[type="file"]');
    KK.form.bind(form, function () {
      var data = new FormData();
      if (input.files && input.files[0]) data.append("file", input.files[0]);
      KK.clear(document.querySelector("[data-import-result]"));
      document.querySelector("[data-line-errors-section]").hidden = true;
      return KK.api("/api/v1/register-match-lists/files", { method: "POST", body: data })
        .then(function (batch) {
          showResult(batch);
          form.reset();
          return loadBatches();
        }, function (error) {
          if (!(error instanceof KK.Problem) || error.status !== 422 || !error.errors.length) throw error;
          var fileLevel = error.errors.every(function (e) { return e.field === "/file"; });
          if (fileLevel) throw error; // e.g. no file chosen: the message belongs next to the file field
          var count = renderLineErrors(error);
          var summary = new KK.Problem(422, {
            detail: error.message,
            errors: [{ field: "/file", code: "invalid_lines", message: "Filen har " + count + " fejl. Se listen under »Fejl i filen«." }],
          });
          throw summary;
        });
    });
    loadCriteria().catch(function () { /* the codes are shown instead of the labels */ })
      .then(loadBatches)
      .catch(function (error) { if (error.status !== 401) KT.showError(document.querySelector("[data-batches]"), error); });
  });
})();
