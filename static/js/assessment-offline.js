// Assessments on a weak connection: never lose an answer.
//
// Without JavaScript every step is a plain form POST. With it, each answer picked is also kept in
// localStorage (key "assessment:<id>"), so a reload brings it back. "Save and continue" queues the
// step's answers and sends the queue, in order, as JSON to the page's save URL (CSRF token in the
// X-CSRFToken header). When that fails because the phone is offline, the page says the answers are
// kept on this phone and shows the next step from the questionnaire carried in the page; the queue
// is sent when the browser fires "online", or on the next page load. The server's save is
// idempotent, so sending a step twice is harmless. Once everything is sent the stored copy is
// removed; a submitted assessment's page removes it too.
(function () {
  "use strict";
  var node = document.getElementById("assessment-data");
  if (!node || !window.fetch || !window.JSON) return;
  var data = JSON.parse(node.textContent);
  var storage = usableStorage();
  if (!storage) return; // private mode or storage full: the plain forms still work
  var KEY = "assessment:" + data.id;

  if (data.finished) {
    storage.removeItem(KEY);
    return;
  }

  var form = document.querySelector("form[data-step-form]");
  var note = document.querySelector("[data-offline-note]");
  var state = load();
  var sending = null;

  function usableStorage() {
    try {
      var probe = "assessment:probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function load() {
    try {
      var saved = JSON.parse(storage.getItem(KEY) || "null");
      if (saved && typeof saved === "object") {
        return { pending: saved.pending || {}, queue: saved.queue || [] };
      }
    } catch (e) { /* a damaged copy is replaced below */ }
    return { pending: {}, queue: [] };
  }

  function persist() {
    if (!Object.keys(state.pending).length && !state.queue.length) {
      storage.removeItem(KEY);
    } else {
      storage.setItem(KEY, JSON.stringify(state));
    }
  }

  // Every answer this phone knows: the server's, then the queued steps in order, then picks.
  function known() {
    var all = {};
    var merge = function (answers) {
      Object.keys(answers).forEach(function (key) { all[key] = answers[key]; });
    };
    merge(data.answers || {});
    state.queue.forEach(function (item) { merge(item.answers); });
    merge(state.pending);
    return all;
  }

  function say(text, kind) {
    if (!note) return;
    note.textContent = text;
    note.className = "flash " + (kind || "warning");
    note.hidden = false;
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // A token from a fresh copy of this page, for when the page's token has expired.
  function refreshToken() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var match = /name="csrf_token"[^>]*value="([^"]+)"/.exec(html);
        var input = document.querySelector("input[name=csrf_token]");
        if (match && input) input.value = match[1];
        return Boolean(match);
      });
  }

  function post(item) {
    return fetch(data.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify({ step: item.step, answers: item.answers })
    });
  }

  function isJson(response) {
    return (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
  }

  // Send the queue in order. Resolves to "sent", "offline", "login" or {refused: message}.
  function flush() {
    if (sending) return sending;
    sending = sendNext(false).then(function (result) {
      sending = null;
      return result;
    });
    return sending;
  }

  function sendNext(retried) {
    if (!state.queue.length) return Promise.resolve("sent");
    var item = state.queue[0];
    return post(item).then(function (response) {
      if (response.ok && isJson(response)) {
        state.queue.shift();
        mergeServer(item.answers);
        persist();
        return sendNext(false);
      }
      if (!isJson(response)) return "login"; // the session ended: the login page answered
      if (response.status === 400 && !retried) {
        return refreshToken().then(function (ok) { return ok ? sendNext(true) : "login"; });
      }
      return response.json().then(function (body) {
        // Refused (submitted meanwhile, or not an option): keep the picks visible, stop sending.
        state.queue.shift();
        Object.keys(item.answers).forEach(function (k) { state.pending[k] = item.answers[k]; });
        persist();
        return { refused: body.message || String(response.status) };
      });
    }, function () {
      return "offline";
    });
  }

  function mergeServer(answers) {
    Object.keys(answers).forEach(function (key) {
      if (answers[key] === null) delete data.answers[key];
      else data.answers[key] = answers[key];
    });
  }

  function report(result) {
    if (result === "offline") say(data.texts.queued, "warning");
    else if (result === "login") say(data.texts.login, "error");
    else if (result && result.refused) say(data.texts.refused + " " + result.refused, "error");
  }

  // --- the step form -----------------------------------------------------------------------

  function currentStep() {
    return Number(form.getAttribute("data-step"));
  }

  function pillarOf(step) {
    return data.pillars[step - 1];
  }

  function stepAnswers(step) {
    var answers = {};
    pillarOf(step).questions.forEach(function (question) {
      var checked = form.querySelector('input[name="' + data.prefix + question.key + '"]:checked');
      if (checked) answers[question.key] = Number(checked.value);
    });
    return answers;
  }

  function showKnown() {
    var answers = known();
    pillarOf(currentStep()).questions.forEach(function (question) {
      if (!(question.key in answers)) return;
      var input = form.querySelector(
        'input[name="' + data.prefix + question.key + '"][value="' + answers[question.key] + '"]'
      );
      if (input) input.checked = true;
    });
  }

  function el(tag, className, text) {
    var made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  // Show step `step` from the questionnaire in the page (no server needed).
  function renderStep(step) {
    var pillar = pillarOf(step);
    var total = data.pillars.length;
    var box = form.querySelector("[data-questions]");
    box.textContent = "";
    pillar.questions.forEach(function (question) {
      var set = el("fieldset", "question");
      set.appendChild(el("legend", "", question.text));
      question.options.forEach(function (option) {
        var label = el("label", "option");
        var input = document.createElement("input");
        input.type = "radio";
        input.name = data.prefix + question.key;
        input.value = String(option.value);
        label.appendChild(input);
        label.appendChild(el("span", "", option.label));
        set.appendChild(label);
      });
      box.appendChild(set);
    });
    form.setAttribute("data-step", String(step));
    form.action = data.stepUrls[step - 1];
    form.querySelector("[data-pillar-name]").textContent = pillar.name;
    document.querySelector("[data-step-label]").textContent = data.texts.step
      .replace("{n}", step).replace("{total}", total);
    document.querySelector("[data-step-progress]").value = step;
    form.querySelector("[data-back]").hidden = step === 1;
    showKnown();
    window.history.replaceState(null, "", data.stepUrls[step - 1]);
    window.scrollTo(0, 0);
  }

  // The answers so far, with the unanswered ones marked, while the review cannot be loaded.
  function renderOfflineReview() {
    var answers = known();
    var box = form.querySelector("[data-questions]");
    box.textContent = "";
    data.pillars.forEach(function (pillar) {
      box.appendChild(el("h2", "", pillar.name));
      var list = el("ul", "answers");
      pillar.questions.forEach(function (question) {
        var chosen = question.options.filter(function (o) {
          return o.value === answers[question.key];
        })[0];
        var item = el("li", chosen ? "answered" : "unanswered");
        item.appendChild(el("span", "q", question.text));
        item.appendChild(el("span", "a", chosen ? chosen.label : data.texts.unanswered));
        list.appendChild(item);
      });
      box.appendChild(list);
    });
    form.setAttribute("data-step", String(data.pillars.length + 1));
    form.querySelector("[data-pillar-name]").textContent = "";
    form.querySelector(".next").hidden = true;
    say(data.texts.offlineReview, "warning");
  }

  function targetUrl(step, go) {
    if (go === "back" && step > 1) return data.stepUrls[step - 2];
    if (step >= data.pillars.length) return data.reviewUrl;
    return data.stepUrls[step];
  }

  function goOffline(step, go) {
    if (go === "back") {
      if (step > 1) renderStep(step - 1);
    } else if (step >= data.pillars.length) {
      renderOfflineReview();
      return;
    } else {
      renderStep(step + 1);
    }
    say(data.texts.queued, "warning");
  }

  function onSubmit(event) {
    var go = (event.submitter && event.submitter.value) || "next";
    var step = currentStep();
    event.preventDefault();
    if (step > data.pillars.length) { // the offline review's Back button
      form.querySelector(".next").hidden = false;
      renderStep(data.pillars.length);
      return;
    }
    var answers = stepAnswers(step);
    state.queue.push({ step: step, answers: answers });
    Object.keys(answers).forEach(function (key) { delete state.pending[key]; });
    persist();
    flush().then(function (result) {
      if (result === "sent") window.location.assign(targetUrl(step, go));
      else if (result === "offline") goOffline(step, go);
      else report(result);
    });
  }

  function onPick(event) {
    var input = event.target;
    if (input.type !== "radio" || input.name.indexOf(data.prefix) !== 0) return;
    state.pending[input.name.slice(data.prefix.length)] = Number(input.value);
    persist();
  }

  function onOnline() {
    if (!state.queue.length) return;
    flush().then(function (result) {
      if (result !== "sent") return report(result);
      if (form && currentStep() > data.pillars.length) {
        window.location.assign(data.reviewUrl);
        return;
      }
      say(data.texts.sent, "success");
    });
  }

  if (form) {
    showKnown();
    form.addEventListener("change", onPick);
    form.addEventListener("submit", onSubmit);
  }
  window.addEventListener("online", onOnline);
  if (state.queue.length) {
    // Sent on the next load: the review reloads to show what arrived.
    flush().then(function (result) {
      if (result === "sent" && !form) window.location.reload();
      else if (result === "sent") say(data.texts.sent, "success");
      else report(result);
    });
  }
})();
