// Dashboard filters, progressive enhancement (the server checks the same): a date typed in means a
// custom period, and a preset period clears the dates (they apply only to a custom one).
document.addEventListener("change", function (event) {
  var field = event.target;
  var period = document.getElementById("id_period");
  if (!period) {
    return;
  }
  if ((field.id === "id_date_from" || field.id === "id_date_to") && field.value) {
    period.value = "custom";
  } else if (field === period && period.value !== "custom") {
    ["id_date_from", "id_date_to"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input) {
        input.value = "";
      }
    });
  }
});
