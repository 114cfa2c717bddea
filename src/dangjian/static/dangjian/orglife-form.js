// Attendance by tapping names: each tap moves a member on present → leave → absent → not
// recorded. A leave shows the reason box (the server refuses a leave without a reason).
(function () {
  "use strict";
  var order = ["present", "leave", "absent", ""];
  var labels = { present: "出席", leave: "请假", absent: "缺席", "": "未登记" };

  function show(item, status) {
    var input = item.querySelector("input[type=hidden]");
    var button = item.querySelector(".attendance-toggle");
    var reason = item.querySelector(".leave-reason");
    input.value = status;
    button.className = "attendance-toggle att-" + (status || "none");
    button.querySelector(".state").textContent = labels[status];
    reason.classList.toggle("d-none", status !== "leave");
    if (status === "leave" && !reason.value) { reason.focus(); }
  }

  function summarize() {
    var counts = { present: 0, leave: 0, absent: 0 };
    document.querySelectorAll(".attendance-item input[type=hidden]").forEach(function (input) {
      if (counts[input.value] !== undefined) { counts[input.value] += 1; }
    });
    var target = document.querySelector("[data-att-summary]");
    if (target) { target.textContent = "出席" + counts.present + " · 请假" + counts.leave + " · 缺席" + counts.absent; }
  }

  document.querySelectorAll(".attendance-item").forEach(function (item) {
    item.querySelector(".attendance-toggle").addEventListener("click", function () {
      var current = item.querySelector("input[type=hidden]").value;
      show(item, order[(order.indexOf(current) + 1) % order.length]);
      summarize();
    });
  });
  var allPresent = document.querySelector("[data-all-present]");
  if (allPresent) {
    allPresent.addEventListener("click", function () {
      document.querySelectorAll(".attendance-item").forEach(function (item) { show(item, "present"); });
      summarize();
    });
  }
  summarize();
}());
