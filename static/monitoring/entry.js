/* The entry page of a form: autosave a few seconds after typing stops and on leaving a section or
   the page, a copy of unsaved input in this browser (restored after a lost session), checks as you
   type, merged and conflicting edits of colleagues, the live indicators, file uploads.

   The page works without this script: every button is a plain form post. The sentences shown come
   translated from the page (#entry-config); nothing is loaded from elsewhere. */
(function () {
  "use strict";

  var configNode = document.getElementById("entry-config");
  if (!configNode || !window.fetch || !window.FormData) return;
  var config = JSON.parse(configNode.textContent);
  var T = config.texts;
  var KEY = "mcok-entry:" + config.submission;
  var DELAY = 2500; // ms after the last keystroke
  var RETRY = 20000; // ms between attempts while offline or logged out

  var storage = (function () {
    try {
      window.localStorage.setItem("mcok-test", "1");
      window.localStorage.removeItem("mcok-test");
      return window.localStorage;
    } catch (error) {
      return null;
    }
  })();

  function readCopy() {
    if (!storage) return null;
    try {
      return JSON.parse(storage.getItem(KEY) || "null");
    } catch (error) {
      return null;
    }
  }

  function dropCopy() {
    if (storage) storage.removeItem(KEY);
  }

  var pageErrors = document.getElementById("page-errors");
  if (pageErrors) pageErrors.focus(); // a refused submit: its problems first

  var form = document.getElementById("entry-form");
  if (!config.editable || !form) {
    dropCopy(); // the answers can no longer change here: a kept copy could never be saved
    return;
  }

  var status = document.getElementById("save-status");
  var baseInput = document.getElementById("base-revision");
  var base = config.revision;
  var state = {
    dirty: false, // input not yet stored on the server
    saving: false,
    again: false,
    paused: false, // after a conflict or a refusal: only the «Save draft» button saves
    leaving: false, // a plain post (Submit) is under way
    timer: null,
    retry: null,
    note: "",
  };
  var counter = 0;
  var edits = {}; // question code -> number of its last edit
  var clientErrors = {};

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  function fmt(text, values) {
    return String(text).replace(/%\((\w+)\)[sd]/g, function (whole, name) {
      return values[name] === undefined || values[name] === null ? "" : values[name];
    });
  }

  function csrfToken() {
    // Read at each request: logging in again in another tab rotates the token.
    var prefix = config.csrfCookie + "=";
    var cookies = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < cookies.length; i++) {
      var cookie = cookies[i].trim();
      if (cookie.indexOf(prefix) === 0) return decodeURIComponent(cookie.slice(prefix.length));
    }
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function headers() {
    return { "X-CSRFToken": csrfToken(), Accept: "application/json", "X-Requested-With": "XMLHttpRequest" };
  }

  function isLogin(response) {
    return response.redirected && response.url.indexOf(config.loginUrl) !== -1;
  }

  function setStatus(text, kind, withLogin) {
    status.className = "save-status" + (kind ? " is-" + kind : "");
    status.textContent = text;
    if (withLogin) {
      var link = document.createElement("a");
      link.href = config.loginUrl;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = T.login;
      status.appendChild(document.createTextNode(" "));
      status.appendChild(link);
    }
  }

  function setBase(revision) {
    base = revision;
    baseInput.value = String(revision);
  }

  // The answers on the page ------------------------------------------------------------------------

  function answerInputs() {
    return form.querySelectorAll("[name^='answer-']");
  }

  function codeOf(name) {
    return name.slice("answer-".length);
  }

  function snapshot() {
    var out = {};
    each(answerInputs(), function (el) {
      if (el.type === "file") return;
      if (!out[el.name]) out[el.name] = [];
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked && el.value) out[el.name].push(el.value);
      } else if (el.value.trim()) {
        out[el.name].push(el.value);
      }
    });
    return out;
  }

  function sameValues(a, b) {
    a = (a || []).map(function (v) { return String(v).trim(); }).filter(Boolean);
    b = (b || []).map(function (v) { return String(v).trim(); }).filter(Boolean);
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function toList(value) {
    if (value === null || value === undefined) return [];
    return Array.isArray(value) ? value.map(String) : [String(value)];
  }

  // A table's answer ({cells, na}, monitoring/tables.py) onto its inputs; cells typed since the last
  // save stay as typed.
  function setTable(code, value) {
    var question = document.getElementById("q-" + code);
    if (!question) return;
    var prefix = "answer-" + code + "__";
    var cells = (value && value.cells) || {};
    var marks = (value && value.na) || [];
    each(question.querySelectorAll("input[name='" + prefix + "na']"), function (box) {
      box.checked = marks.indexOf(box.value) !== -1;
    });
    each(question.querySelectorAll("input.table-cell"), function (input) {
      if (edits[codeOf(input.name)]) return;
      input.disabled = false;
      input.value = cells[input.name.slice(prefix.length)] || "";
    });
    question.dispatchEvent(new CustomEvent("table:refresh"));
  }

  function isTable(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function setAnswer(name, values) {
    each(form.querySelectorAll("[name='" + name + "']"), function (el) {
      if (el.type === "file") return;
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.length ? values.indexOf(el.value) !== -1 : el.value === "";
      } else {
        el.value = values.length ? values.join("; ") : "";
      }
    });
    var question = document.getElementById("q-" + codeOf(name));
    if (question) validateQuestion(question);
    var table = form.querySelector("[name='" + name + "']");
    var holder = table && table.closest ? table.closest(".question") : null;
    if (holder && holder.dataset.kind === "table") holder.dispatchEvent(new CustomEvent("table:refresh"));
  }

  function writeCopy() {
    if (!storage) return;
    try {
      storage.setItem(KEY, JSON.stringify({ base: base, at: Date.now(), answers: snapshot() }));
    } catch (error) {
      /* full or forbidden: the server copy is all there is */
    }
  }

  // Checks as you type --------------------------------------------------------------------------------

  function numberProblem(question, raw) {
    var text = raw.replace(/[\s\u00a0\u202f']/g, "").replace(/,/g, ".").replace(/\u2212/g, "-");
    if (!text) return "";
    if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text)) return T.number;
    var number = parseFloat(text);
    if (question.dataset.kind === "integer" && Math.floor(number) !== number) return T.whole;
    if (question.dataset.min && number < parseFloat(question.dataset.min)) return question.dataset.msgMin;
    if (question.dataset.max && number > parseFloat(question.dataset.max)) return question.dataset.msgMax;
    return "";
  }

  function validateQuestion(question) {
    var code = question.dataset.code;
    var input = question.querySelector("input.input-number");
    if (!input) return;
    var problem = numberProblem(question, input.value);
    if (problem === (clientErrors[code] || "")) return;
    clientErrors[code] = problem;
    showQuestionErrors(question, problem ? [problem] : []);
  }

  function showQuestionErrors(question, messages) {
    var box = document.getElementById("e-" + question.dataset.code);
    if (!box) return;
    box.textContent = "";
    messages.forEach(function (message) {
      var p = document.createElement("p");
      p.textContent = message;
      box.appendChild(p);
    });
    question.classList.toggle("has-error", messages.length > 0);
    each(question.querySelectorAll("input, textarea"), function (el) {
      if (el.type === "hidden" || el.type === "radio" || el.type === "checkbox") return;
      if (el.classList.contains("table-cell")) return; // each cell is checked on its own (table.js)
      if (messages.length) el.setAttribute("aria-invalid", "true");
      else el.removeAttribute("aria-invalid");
    });
  }

  // What the server answers -------------------------------------------------------------------------

  function showErrors(errors, ruleErrors) {
    each(form.querySelectorAll(".question"), function (question) {
      var code = question.dataset.code;
      var messages = (errors[code] || []).concat(ruleErrors[code] || []);
      if (clientErrors[code] && messages.indexOf(clientErrors[code]) === -1) messages.unshift(clientErrors[code]);
      showQuestionErrors(question, messages);
    });
  }

  function showFormErrors(messages) {
    var box = document.getElementById("form-errors");
    var list = document.getElementById("form-errors-list");
    if (!box || !list) return;
    list.textContent = "";
    messages.forEach(function (message) {
      var li = document.createElement("li");
      li.textContent = message;
      list.appendChild(li);
    });
    box.hidden = messages.length === 0;
  }

  function showIndicators(items) {
    var byCode = {};
    (items || []).forEach(function (item) { byCode[item.code] = item; });
    each(document.querySelectorAll("[data-indicator]"), function (li) {
      var item = byCode[li.dataset.indicator];
      var value = li.querySelector(".indicator-value");
      if (!item || !value) return;
      value.textContent = "";
      if (item.text) {
        value.textContent = item.text;
      } else {
        var none = document.createElement("span");
        none.className = "muted";
        none.textContent = T.no_value;
        value.appendChild(none);
      }
    });
  }

  function showProblems(problems) {
    var list = document.getElementById("submit-problems");
    if (!list) return;
    list.textContent = "";
    (problems || []).forEach(function (problem) {
      var li = document.createElement("li");
      if (problem.code) {
        var link = document.createElement("a");
        link.href = "#q-" + problem.code;
        link.textContent = problem.text;
        li.appendChild(link);
      } else {
        li.textContent = problem.text;
      }
      list.appendChild(li);
    });
    var intro = document.getElementById("submit-intro");
    var ok = document.getElementById("submit-ok");
    if (intro) intro.hidden = !problems.length;
    if (ok) ok.hidden = !!problems.length;
  }

  function showRequired(count) {
    var node = document.getElementById("required-answered");
    if (node && typeof count === "number") node.textContent = String(count);
  }

  function clearConflicts() {
    each(form.querySelectorAll(".question.is-conflict"), function (question) {
      question.classList.remove("is-conflict");
      var note = document.getElementById("c-" + question.dataset.code);
      if (note) {
        note.hidden = true;
        note.textContent = "";
      }
    });
  }

  function flash(question) {
    question.classList.add("is-merged");
    window.setTimeout(function () { question.classList.remove("is-merged"); }, 4000);
  }

  function applyState(json) {
    showErrors(json.errors || {}, json.rule_errors || {});
    showFormErrors(json.form_errors || []);
    showIndicators(json.indicators);
    showProblems(json.submit_problems || []);
    showRequired(json.required_answered);
  }

  function applied(json, sentAt) {
    setBase(json.revision);
    stopRetry();
    Object.keys(edits).forEach(function (code) {
      if (edits[code] <= sentAt) delete edits[code];
    });
    if (state.dirty) writeCopy();
    else dropCopy();
    clearConflicts();
    (json.merged || []).forEach(function (change) {
      if (isTable(change.value)) {
        setTable(change.code, change.value); // merged cell by cell on the server
      } else {
        if (edits[change.code]) return; // typed again meanwhile: the next save decides
        setAnswer("answer-" + change.code, toList(change.value));
      }
      var question = document.getElementById("q-" + change.code);
      if (question) flash(question);
    });
    applyState(json);
    var text = json.merged_text ? json.saved_text + " " + json.merged_text : json.saved_text;
    if (state.note) {
      text += " " + state.note;
      state.note = "";
    }
    setStatus(text, json.merged_text ? "warning" : "");
  }

  function conflict(json) {
    // Nothing was written. Where only the colleague changed an answer, theirs comes onto the page;
    // where both did, the person's input stays, marked, with theirs beside it. The base moves to
    // the current revision, so the next «Save draft» overwrites deliberately.
    setBase(json.revision);
    var theirs = json.theirs || {};
    var conflicts = json.conflicts || [];
    Object.keys(theirs).forEach(function (code) {
      if (conflicts.indexOf(code) !== -1) return;
      if (isTable(theirs[code])) setTable(code, theirs[code]);
      else if (!edits[code]) setAnswer("answer-" + code, toList(theirs[code]));
    });
    var first = null;
    conflicts.forEach(function (code) {
      var question = document.getElementById("q-" + code);
      if (!question) return;
      question.classList.add("is-conflict");
      var note = document.getElementById("c-" + code);
      if (note) {
        note.textContent = fmt(T.theirs, { value: (json.theirs_text || {})[code] || T.empty });
        note.hidden = false;
      }
      first = first || question;
    });
    state.paused = true;
    writeCopy();
    setStatus(json.error + " " + T.paused, "warning");
    if (first) first.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function expired() {
    state.dirty = true;
    writeCopy();
    setStatus(T.expired, "error", true);
    startRetry();
  }

  function startRetry() {
    if (!state.retry) {
      state.retry = window.setInterval(function () {
        if (state.dirty && !state.saving && !state.paused) save();
      }, RETRY);
    }
  }

  function stopRetry() {
    if (state.retry) window.clearInterval(state.retry);
    state.retry = null;
  }

  // Saving ------------------------------------------------------------------------------------------

  function body() {
    var data = new FormData(form);
    each(form.querySelectorAll("input[type=file], [data-remove-file]"), function (el) {
      data.delete(el.name);
    });
    data.delete("prefill");
    data.set("base_revision", String(base));
    data.set("csrfmiddlewaretoken", csrfToken());
    return data;
  }

  function handle(response, sentAt) {
    if (isLogin(response)) return expired();
    return response
      .json()
      .catch(function () { return null; })
      .then(function (json) {
        if (response.ok && json && json.ok) return applied(json, sentAt);
        if (response.status === 401 || (response.status === 403 && !(json && json.code === "forbidden"))) {
          return expired(); // logged out, or the page's token is stale after logging in again
        }
        state.dirty = true;
        writeCopy();
        if (response.status === 409 && json) return conflict(json);
        if (json && json.error) {
          state.paused = true; // refused (closed, already submitted): saving again changes nothing
          setStatus(json.error, "error");
          return;
        }
        setStatus(T.failed, "error");
        startRetry();
      });
  }

  function save(options) {
    options = options || {};
    window.clearTimeout(state.timer);
    if (state.paused && !options.force) return;
    if (state.saving) {
      state.again = true;
      return;
    }
    if (!state.dirty && !options.force) return;
    state.saving = true;
    state.dirty = false;
    state.paused = false;
    var sentAt = counter;
    setStatus(T.saving);
    fetch(config.saveUrl, {
      method: "POST",
      body: body(),
      credentials: "same-origin",
      headers: headers(),
      keepalive: !!options.keepalive,
    })
      .then(
        function (response) { return handle(response, sentAt); },
        function () {
          state.dirty = true;
          writeCopy();
          setStatus(T.offline, "error");
          startRetry();
        }
      )
      .then(function () {
        state.saving = false;
        if (state.again) {
          state.again = false;
          save();
        }
      });
  }

  function touched(code) {
    counter += 1;
    edits[code] = counter;
    var wasClean = !state.dirty;
    state.dirty = true;
    writeCopy();
    if (state.paused) return;
    if (wasClean && !state.saving && !state.retry) setStatus(T.unsaved);
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(save, DELAY);
  }

  // Files go one by one, as soon as they are chosen ----------------------------------------------------

  function fileProblem(input, file) {
    var max = parseInt(input.dataset.maxMb || "0", 10);
    var types = (input.getAttribute("accept") || "").split(",").filter(Boolean);
    var name = file.name.toLowerCase();
    var dot = name.lastIndexOf(".");
    var extension = dot === -1 ? "" : name.slice(dot);
    if (types.length && types.indexOf(extension) === -1) {
      return fmt(T.bad_type, { types: types.map(function (t) { return t.slice(1); }).join(", ") });
    }
    if (max && file.size > max * 1024 * 1024) return fmt(T.too_big, { size: max });
    return "";
  }

  function showFile(question, name, url) {
    var box = document.getElementById("f-" + question.dataset.code);
    if (!box) return;
    box.textContent = "";
    if (!name) return;
    var link = document.createElement("a");
    link.href = url;
    link.textContent = name;
    box.appendChild(link);
    var label = document.createElement("label");
    label.className = "file-remove";
    var box2 = document.createElement("input");
    box2.type = "checkbox";
    box2.name = "remove-" + question.dataset.code;
    box2.value = "1";
    box2.dataset.removeFile = question.dataset.code;
    label.appendChild(box2);
    label.appendChild(document.createTextNode(" " + T.remove));
    box.appendChild(document.createTextNode(" "));
    box.appendChild(label);
  }

  function sendFile(question, data, done) {
    data.append("field", question.dataset.code);
    data.append("csrfmiddlewaretoken", csrfToken());
    setStatus(T.uploading);
    fetch(config.fileUrl, { method: "POST", body: data, credentials: "same-origin", headers: headers() }).then(
      function (response) {
        if (isLogin(response)) return expired();
        return response
          .json()
          .catch(function () { return null; })
          .then(function (json) {
            if (response.ok && json && json.ok) {
              // Only this upload happened since the base: the base may move on.
              if (json.revision === base + 1 && !state.saving) setBase(json.revision);
              done(json);
              applyState(json);
              return;
            }
            if (response.status === 401 || response.status === 403) {
              if (json && json.code === "forbidden") return setStatus(json.error, "error");
              return expired();
            }
            var message = (json && json.error) || T.failed;
            showQuestionErrors(question, [message]);
            setStatus(message, "error");
          });
      },
      function () { setStatus(T.failed, "error"); }
    );
  }

  function upload(input) {
    var question = input.closest(".question");
    var file = input.files && input.files[0];
    if (!question || !file) return;
    var problem = fileProblem(input, file);
    if (problem) {
      showQuestionErrors(question, [problem]);
      input.value = "";
      return;
    }
    var data = new FormData();
    data.append("file", file);
    sendFile(question, data, function (json) {
      input.value = "";
      showFile(question, json.name, json.url);
      setStatus(fmt(T.uploaded, { name: json.name }));
    });
  }

  function removeFile(checkbox) {
    var question = checkbox.closest(".question");
    if (!question || !checkbox.checked) return;
    var data = new FormData();
    data.append("remove", "1");
    sendFile(question, data, function () {
      showFile(question, "", "");
      setStatus(T.removed);
    });
  }

  // The previous period ------------------------------------------------------------------------------

  function prefill() {
    var count = 0;
    each(form.querySelectorAll(".question[data-previous]"), function (question) {
      var input = question.querySelector("input.input-number");
      if (!input || input.value.trim()) return;
      input.value = question.dataset.previous;
      validateQuestion(question);
      flash(question);
      counter += 1;
      edits[question.dataset.code] = counter;
      count += 1;
    });
    var button = document.getElementById("prefill-button");
    if (button) button.disabled = true;
    if (!count) {
      setStatus(T.prefill_none, "warning");
      return;
    }
    state.dirty = true;
    state.note = fmt(T.prefilled, { count: count });
    writeCopy();
    save({ force: true });
  }

  // A copy kept in this browser ------------------------------------------------------------------------

  function offerRestore() {
    var copy = readCopy();
    if (!copy || !copy.answers) return;
    var current = snapshot();
    var differing = Object.keys(copy.answers).filter(function (name) {
      return name in current && !sameValues(copy.answers[name], current[name]);
    });
    if (!differing.length) {
      dropCopy();
      return;
    }
    var box = document.getElementById("restore-box");
    if (!box) return;
    box.textContent = "";
    var text = document.createElement("p");
    var when = new Date(copy.at).toLocaleString(document.documentElement.lang || undefined);
    text.textContent = fmt(T.restore, { time: when });
    var actions = document.createElement("div");
    actions.className = "notice-actions";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.textContent = T.restore_yes;
    var no = document.createElement("button");
    no.type = "button";
    no.className = "button-secondary";
    no.textContent = T.restore_no;
    actions.appendChild(yes);
    actions.appendChild(no);
    box.appendChild(text);
    box.appendChild(actions);
    box.hidden = false;
    yes.addEventListener("click", function () {
      differing.forEach(function (name) {
        setAnswer(name, copy.answers[name]);
        counter += 1;
        edits[codeOf(name)] = counter;
      });
      // Saved against the revision the copy was typed on: the server merges a colleague's later
      // changes, or names the questions both changed.
      if (typeof copy.base === "number") setBase(copy.base);
      box.hidden = true;
      state.dirty = true;
      state.note = T.restored;
      save({ force: true });
    });
    no.addEventListener("click", function () {
      dropCopy();
      box.hidden = true;
    });
  }

  // Events ----------------------------------------------------------------------------------------------

  var lastButton = null;
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (button) lastButton = button;
  });

  form.addEventListener("submit", function (event) {
    var button = event.submitter || lastButton;
    if (button && button.id === "save-button") {
      event.preventDefault();
      state.dirty = true;
      save({ force: true });
      return;
    }
    if (button && button.id === "prefill-button") {
      event.preventDefault();
      prefill();
      return;
    }
    state.leaving = true; // Submit: a plain post that saves what is on the page first
    window.clearTimeout(state.timer);
  });

  function onEdit(event) {
    var el = event.target;
    if (!el.name) return;
    if (el.type === "file") {
      if (event.type === "change") upload(el);
      return;
    }
    if (el.dataset.removeFile) {
      if (event.type === "change") removeFile(el);
      return;
    }
    if (el.name.indexOf("answer-") !== 0) return;
    var question = el.closest(".question");
    if (question) {
      // An error goes as soon as it is fixed; a new one shows on leaving the field.
      if (clientErrors[question.dataset.code]) validateQuestion(question);
      var note = document.getElementById("c-" + question.dataset.code);
      if (note && !note.hidden) question.classList.remove("is-conflict");
    }
    touched(codeOf(el.name));
  }

  form.addEventListener("input", onEdit);
  form.addEventListener("change", function (event) {
    // Typing, radios and check boxes report through «input»; here: files, and checks on leaving a field.
    if (event.target.type === "file" || event.target.dataset.removeFile) return onEdit(event);
    var question = event.target.closest(".question");
    if (question) validateQuestion(question);
  });

  // Leaving a section saves at once.
  form.addEventListener("focusout", function (event) {
    var from = event.target.closest(".entry-section");
    var to = event.relatedTarget && event.relatedTarget.closest ? event.relatedTarget.closest(".entry-section") : null;
    if (from && from !== to && state.dirty && !state.paused) save();
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && state.dirty && !state.leaving) save({ keepalive: true });
    if (document.visibilityState === "visible" && state.dirty && !state.saving && !state.paused) save();
  });

  window.addEventListener("pagehide", function () {
    if (state.dirty && !state.leaving) save({ keepalive: true });
  });

  window.addEventListener("beforeunload", function (event) {
    if (state.leaving || !(state.dirty || state.saving)) return;
    save({ keepalive: true });
    event.preventDefault();
    event.returnValue = ""; // the copy in this browser is kept whatever the person chooses
  });

  window.addEventListener("online", function () {
    if (state.dirty && !state.paused) save();
  });
  window.addEventListener("focus", function () {
    if (state.dirty && state.retry && !state.saving && !state.paused) save();
  });

  each(form.querySelectorAll(".question[data-kind='integer'], .question[data-kind='decimal']"), function (question) {
    var input = question.querySelector("input.input-number");
    if (input && input.value.trim()) validateQuestion(question);
  });
  offerRestore();
})();
