/* Exam page: autosave each answer as it changes and show the server's clock. No inline script needed
   (CSP-friendly); without JavaScript the page works with its "保存答案" button and the server hands in. */
(function () {
  "use strict";
  var form = document.getElementById("exam-form");
  var clock = document.getElementById("exam-clock");
  var status = document.getElementById("save-status");
  if (!form || !clock) { return; }
  var remaining = parseInt(clock.getAttribute("data-remaining"), 10) || 0;
  var endsAt = Date.now() + remaining * 1000;
  var text = document.getElementById("clock-text");

  function show(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    text.textContent = (h ? h + "小时" : "") + m + "分" + (s < 10 ? "0" : "") + s + "秒";
    clock.classList.toggle("low", seconds < 300);
  }
  function tick() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    show(left);
    if (left <= 0) {
      window.clearInterval(timer);
      status.textContent = "考试时间已到，正在交卷…";
      window.location.reload();  /* the server hands the paper in on the next request */
    }
  }
  var timer = window.setInterval(tick, 1000);
  tick();

  function answeredCount() {
    var n = 0;
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      if (fs.querySelector("input:checked")) { n += 1; }
    });
    var el = document.getElementById("answered-count");
    if (el && form.querySelectorAll("fieldset.question").length > 1) { el.textContent = n; }
  }

  function save(fieldset) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    var item = fieldset.getAttribute("data-item");
    data.append("items", item);
    fieldset.querySelectorAll("input:checked").forEach(function (input) { data.append(input.name, input.value); });
    status.textContent = "正在保存…";
    status.classList.remove("save-error");
    /* form.action would be the button named "action": read the attribute */
    return fetch(form.getAttribute("action"), {method: "POST", body: data, credentials: "same-origin",
                               headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (typeof body.remaining === "number") { endsAt = Date.now() + body.remaining * 1000; }
        if (body.saved) {
          status.textContent = "已自动保存 " + body.saved_at;
          answeredCount();
        } else {
          status.textContent = body.error;
          status.classList.add("save-error");
          if (body.status && body.status !== "in_progress") { window.setTimeout(function () { window.location.reload(); }, 1500); }
        }
      })
      .catch(function () {
        status.textContent = "网络中断，答案暂未保存；恢复连接后请再次选择或点击“保存答案”。";
        status.classList.add("save-error");
      });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (fieldset) { save(fieldset); }
  });
  form.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
}());
