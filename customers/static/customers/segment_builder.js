/* The segment builder: the rules' JSON textarea as rows of conditions (field, operator, value; "not"
   to invert one), written back to the textarea on every change, with a live count of the matching
   customers from the segment admin's count view. The rule language has one level: every condition is
   combined by the form's "match" (all / any); there are no nested groups. Without this script the
   textarea is the editor. Texts come translated in the page's JSON block (no inline script). */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") {
        node.textContent = attrs[key];
      } else if (key === "checked" || key === "multiple" || key === "hidden") {
        node[key] = Boolean(attrs[key]);
      } else if (attrs[key] !== undefined && attrs[key] !== null) {
        node.setAttribute(key, attrs[key]);
      }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function byValue(options, value) {
    for (var i = 0; i < options.length; i++) {
      if (options[i].value === value) { return options[i]; }
    }
    return null;
  }

  // A whole number as a number, anything else as typed: the server names what is wrong.
  function wholeOrRaw(text) {
    return /^\d{1,15}$/.test(text) ? parseInt(text, 10) : text;
  }

  function listOf(text, parse) {
    return text.split(",").map(function (item) { return item.trim(); })
      .filter(function (item) { return item !== ""; }).map(parse || function (item) { return item; });
  }

  var DEFAULTS = {
    attribute: function () { return { kind: "attribute", field: "orders_count", op: "gte", value: 1 }; },
    event: function () { return { kind: "event", type: ["add_to_cart"], within_days: 7 }; },
    purchases: function () { return { kind: "purchases", metric: "count", within_days: 90, op: "gte", value: 1 }; },
    consent: function () { return { kind: "consent", channel: "email" }; },
    discount_share: function () { return { kind: "discount_share", op: "gte", value: 50 }; },
    tag: function () { return { kind: "tag", any: [] }; },
    address: function () { return { kind: "address", province: [] }; },
  };

  function Builder(root) {
    this.root = root;
    this.schema = JSON.parse(root.querySelector('script[type="application/json"]').textContent);
    this.texts = this.schema.texts;
    this.textarea = root.querySelector("textarea");
    this.jsonBox = root.querySelector("[data-builder-json]");
    this.form = root.closest("form");
    this.match = this.form ? this.form.querySelector('[name="match"]') : null;
    this.countUrl = root.getAttribute("data-count-url");
    this.shop = root.getAttribute("data-shop");
    this.rules = [];
    this.errors = {};
    this.timer = null;
    this.request = 0;
    this.readJson();
    this.build();
  }

  Builder.prototype.readJson = function () {
    var text = this.textarea.value.trim();
    var parsed;
    try {
      parsed = text === "" ? [] : JSON.parse(text);
    } catch (error) {
      parsed = null;
    }
    var valid = Array.isArray(parsed) && parsed.every(function (rule) {
      return rule && typeof rule === "object" && !Array.isArray(rule);
    });
    if (valid) { this.rules = parsed; }
    return valid;
  };

  Builder.prototype.build = function () {
    var self = this;
    this.rows = el("ol", { class: "sc-builder-rows", "data-builder-rows": "" });
    this.summary = el("p", { class: "sc-muted sc-builder-match" });
    this.countLine = el("p", { class: "sc-builder-count", "data-builder-count": "", "aria-live": "polite" });
    this.jsonNote = el("p", { class: "sc-error", hidden: true, text: this.texts.badJson });
    var add = el("button", { type: "button", class: "sc-builder-add", "data-builder-add": "", text: "+ " + this.texts.add });
    var toggle = el("button", { type: "button", class: "sc-builder-toggle", "data-builder-toggle": "", text: this.texts.showJson });
    add.addEventListener("click", function () {
      self.rules.push(DEFAULTS.attribute());
      self.changed(true);
    });
    toggle.addEventListener("click", function () {
      var open = self.jsonBox.hidden;
      self.jsonBox.hidden = !open;
      toggle.textContent = open ? self.texts.hideJson : self.texts.showJson;
    });
    this.textarea.addEventListener("input", function () {
      var valid = self.readJson();
      self.jsonNote.hidden = valid;
      if (valid) { self.render(); self.scheduleCount(); }
    });
    [this.match, this.form && this.form.querySelector('[name="shop"]')].forEach(function (input) {
      if (input) { input.addEventListener("change", function () { self.renderSummary(); self.scheduleCount(); }); }
    });
    var panel = el("div", { class: "sc-builder-panel", "data-builder-panel": "" },
      [this.summary, this.rows, el("div", { class: "sc-builder-bar" }, [add, toggle]), this.countLine, this.jsonNote]);
    this.root.insertBefore(panel, this.jsonBox);
    this.jsonBox.hidden = true;
    this.render();
    this.count();
  };

  Builder.prototype.changed = function (structural) {
    this.textarea.value = JSON.stringify(this.rules, null, 2);
    this.jsonNote.hidden = true;
    if (structural) { this.render(); }
    this.scheduleCount();
  };

  Builder.prototype.renderSummary = function () {
    var any = this.match && this.match.value === "any";
    this.summary.textContent = this.rules.length ? (any ? this.texts.matchAny : this.texts.matchAll) : this.texts.noRules;
  };

  Builder.prototype.render = function () {
    var self = this;
    this.rows.textContent = "";
    this.rules.forEach(function (rule, index) { self.rows.appendChild(self.row(rule, index)); });
    this.renderSummary();
    this.showErrors();
  };

  Builder.prototype.row = function (rule, index) {
    var self = this;
    var row = el("li", { class: "sc-builder-row", "data-builder-row": String(index + 1) });
    var kind = this.select(this.schema.kinds, rule.kind, function (value) {
      self.rules[index] = DEFAULTS[value] ? DEFAULTS[value]() : { kind: value };
      if (rule.not) { self.rules[index].not = true; }
      self.changed(true);
    }, "kind");
    var negate = el("label", { class: "sc-builder-not", title: this.texts.notHelp }, [
      el("input", { type: "checkbox", "data-key": "not", checked: rule.not === true }),
      document.createTextNode(" " + this.texts.not),
    ]);
    negate.firstChild.addEventListener("change", function (event) {
      if (event.target.checked) { rule.not = true; } else { delete rule.not; }
      self.changed(false);
    });
    var remove = el("button", { type: "button", class: "sc-builder-remove", "data-builder-remove": "", title: this.texts.remove, text: "×" });
    remove.addEventListener("click", function () {
      self.rules.splice(index, 1);
      self.changed(true);
    });
    var controls = el("div", { class: "sc-builder-controls" }, [
      el("span", { class: "sc-builder-number", text: format(this.texts.row, { row: index + 1 }) }), negate, kind,
    ]);
    (this.parameters[rule.kind] || function () { return []; }).call(this, rule, index).forEach(function (control) {
      controls.appendChild(control);
    });
    controls.appendChild(remove);
    row.appendChild(controls);
    row.appendChild(el("p", { class: "sc-error sc-builder-error", "data-builder-error": "", hidden: true }));
    return row;
  };

  // --- Controls: each reads one key of the rule and writes it back --------------------------------

  Builder.prototype.select = function (options, value, onChange, key, multiple) {
    var values = multiple ? (Array.isArray(value) ? value : [value]) : [value];
    var select = el("select", { "data-key": key, multiple: multiple, "aria-label": key });
    if (!multiple && !byValue(options, value)) { select.appendChild(el("option", { value: "", text: "—" })); }
    options.forEach(function (option) {
      var node = el("option", { value: option.value, text: option.label });
      node.selected = values.indexOf(option.value) !== -1;
      select.appendChild(node);
    });
    select.addEventListener("change", function () {
      if (multiple) {
        onChange(Array.prototype.filter.call(select.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; }));
      } else {
        onChange(select.value);
      }
    });
    return select;
  };

  Builder.prototype.input = function (rule, key, options) {
    var self = this;
    var shown = rule[key] === undefined || rule[key] === null ? "" : rule[key];
    var input = el("input", {
      type: options.type || "text",
      "data-key": key,
      value: Array.isArray(shown) ? shown.join(", ") : String(shown),
      placeholder: options.placeholder || "",
      title: options.placeholder || "",
      "aria-label": options.placeholder || key,
      min: options.min, max: options.max,
      inputmode: options.numeric ? "numeric" : null,
      class: options.wide ? "sc-builder-wide" : null,
    });
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (text === "" && options.optional) {
        delete rule[key];
      } else {
        rule[key] = options.parse ? options.parse(text) : text;
      }
      self.changed(false);
    });
    return input;
  };

  // An input with its text beside it (numbers whose meaning a placeholder alone would not carry).
  Builder.prototype.labelled = function (text, control) {
    return el("label", { class: "sc-builder-labelled" }, [el("span", { text: text }), control]);
  };

  Builder.prototype.opSelect = function (rule, ops, onChange) {
    var labels = this.schema.ops;
    var options = ops.map(function (op) { return { value: op, label: labels[op] || op }; });
    return this.select(options, rule.op, onChange || function (value) { rule.op = value; this.changed(false); }.bind(this), "op");
  };

  Builder.prototype.attributeValue = function (rule, field) {
    var op = rule.op;
    var self = this;
    if (op === "is_set" || op === "is_not_set") { return null; }
    if (op === "within_days" || op === "older_than_days") {
      return this.input(rule, "value", { type: "number", min: 0, max: 3650, parse: wholeOrRaw, numeric: true });
    }
    if (op === "before" || op === "after") { return this.input(rule, "value", { type: "date" }); }
    if (field.type === "choice") {
      var many = op === "in" || op === "not_in";
      return this.select(field.choices, rule.value, function (value) { rule.value = value; self.changed(false); }, "value", many);
    }
    if (op === "in" || op === "not_in") {
      var parse = field.type === "number" ? function (text) { return listOf(text, wholeOrRaw); } : listOf;
      return this.input(rule, "value", { placeholder: this.texts.list, parse: parse, wide: true });
    }
    if (field.type === "number") {
      return this.input(rule, "value", { type: "number", min: field.min, max: field.max, parse: wholeOrRaw, numeric: true, placeholder: this.texts.value });
    }
    return this.input(rule, "value", { numeric: field.type === "money", placeholder: this.texts.value, wide: field.type === "text" });
  };

  function valueFits(field, op, value) {
    if (op === "is_set" || op === "is_not_set") { return true; }
    if (op === "in" || op === "not_in") { return Array.isArray(value); }
    if (field.type === "choice") { return typeof value === "string" && value !== ""; }
    return typeof value !== "object";
  }

  Builder.prototype.parameters = {
    attribute: function (rule, index) {
      var self = this;
      var field = byValue(this.schema.fields, rule.field);
      var fieldSelect = this.select(this.schema.fields, rule.field, function (value) {
        var next = byValue(self.schema.fields, value);
        self.rules[index] = { kind: "attribute", field: value, op: next.ops[0] };
        if (rule.not) { self.rules[index].not = true; }
        self.changed(true);
      }, "field");
      if (!field) { return [fieldSelect]; }
      var op = this.opSelect(rule, field.ops, function (value) {
        rule.op = value;
        if (!valueFits(field, value, rule.value) || /days$|^before$|^after$/.test(value)) { delete rule.value; }
        if (value === "is_set" || value === "is_not_set") { delete rule.value; }
        self.changed(true);
      });
      return [fieldSelect, op, this.attributeValue(rule, field)];
    },
    event: function (rule) {
      var self = this;
      return [
        this.select(this.schema.eventTypes, rule.type, function (value) { rule.type = value; self.changed(false); }, "type", true),
        this.labelled(this.texts.withinDays, this.input(rule, "within_days", { type: "number", min: 0, max: 3650, optional: true, parse: wholeOrRaw, numeric: true })),
        this.labelled(this.texts.minCount, this.input(rule, "min_count", { type: "number", min: 1, optional: true, parse: wholeOrRaw, numeric: true })),
        this.checkbox(rule, "after_last_order", this.texts.afterLastOrder),
      ];
    },
    purchases: function (rule) {
      var self = this;
      var parse = rule.metric === "count" ? wholeOrRaw : null;
      return [
        this.select(this.schema.metrics, rule.metric, function (value) {
          rule.metric = value;
          rule.value = value === "count" ? 1 : "1000000";
          self.changed(true);
        }, "metric"),
        this.labelled(this.texts.withinDays, this.input(rule, "within_days", { type: "number", min: 0, max: 3650, optional: true, parse: wholeOrRaw, numeric: true })),
        this.opSelect(rule, this.schema.numberOps),
        this.input(rule, "value", { parse: parse, numeric: true, placeholder: this.texts.value }),
      ];
    },
    consent: function (rule) {
      var self = this;
      return [this.select(this.schema.channels, rule.channel, function (value) { rule.channel = value; self.changed(false); }, "channel")];
    },
    discount_share: function (rule) {
      return [
        this.opSelect(rule, this.schema.numberOps),
        this.input(rule, "value", { type: "number", min: 0, max: 100, parse: wholeOrRaw, numeric: true, placeholder: "%" }),
      ];
    },
    tag: function (rule) {
      return [this.input(rule, "any", { parse: listOf, placeholder: this.texts.list, wide: true })];
    },
    address: function (rule) {
      return [this.input(rule, "province", { parse: listOf, placeholder: this.texts.list, wide: true })];
    },
  };

  Builder.prototype.checkbox = function (rule, key, label) {
    var self = this;
    var box = el("input", { type: "checkbox", "data-key": key, checked: rule[key] === true });
    box.addEventListener("change", function () {
      if (box.checked) { rule[key] = true; } else { delete rule[key]; }
      self.changed(false);
    });
    return el("label", { class: "sc-builder-check" }, [box, document.createTextNode(" " + label)]);
  };

  // --- The live count -----------------------------------------------------------------------------

  Builder.prototype.scheduleCount = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.count(); }, 400);
  };

  Builder.prototype.shopValue = function () {
    var field = this.form && this.form.querySelector('select[name="shop"], input[name="shop"]');
    return (field && field.value) || this.shop || "";
  };

  Builder.prototype.count = function () {
    var self = this;
    var number = ++this.request;
    var body = new FormData();
    var token = this.form && this.form.querySelector('[name="csrfmiddlewaretoken"]');
    body.append("rules", this.textarea.value);
    body.append("match", this.match ? this.match.value : "all");
    body.append("shop", this.shopValue());
    this.countLine.textContent = this.texts.counting;
    this.countLine.removeAttribute("data-count");
    fetch(this.countUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (answer) {
      if (number !== self.request) { return; }
      self.errors = {};
      if (answer.ok) {
        self.countLine.textContent = format(self.texts.count, { count: Number(answer.data.count).toLocaleString("vi-VN") });
        self.countLine.setAttribute("data-count", String(answer.data.count));
        self.countLine.classList.remove("sc-error");
      } else {
        var general = [];
        (answer.data.errors || []).forEach(function (entry, i) {
          if (entry.row) {
            (self.errors[entry.row] = self.errors[entry.row] || []).push(entry);
          } else {
            general.push((answer.data.messages || [])[i] || entry.message);
          }
        });
        self.countLine.textContent = general.join(" ") || answer.data.detail || self.texts.countFailed;
        self.countLine.classList.add("sc-error");
      }
      self.showErrors();
    }).catch(function () {
      if (number === self.request) {
        self.countLine.textContent = self.texts.countFailed;
        self.countLine.classList.add("sc-error");
      }
    });
  };

  Builder.prototype.showErrors = function () {
    var self = this;
    Array.prototype.forEach.call(this.rows.children, function (row) {
      var entries = self.errors[row.getAttribute("data-builder-row")] || [];
      var line = row.querySelector("[data-builder-error]");
      line.textContent = entries.map(function (e) { return (e.key ? e.key + ": " : "") + e.message; }).join(" ");
      line.hidden = entries.length === 0;
      row.classList.toggle("sc-builder-invalid", entries.length > 0);
      Array.prototype.forEach.call(row.querySelectorAll("[data-key]"), function (control) {
        var wrong = entries.some(function (e) { return e.key === control.getAttribute("data-key"); });
        control.classList.toggle("sc-builder-wrong", wrong);
      });
    });
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-segment-builder]"), function (root) {
      if (!root.hasAttribute("data-builder-ready")) {
        root.setAttribute("data-builder-ready", "");
        new Builder(root);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
