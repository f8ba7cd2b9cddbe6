// Emoticons and links (static/js/lib/emoticons.js), under Node's test runner.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";

import { EMOTICONS, emoticonUrl, parseEmoticons, parseMessage } from "../../../static/js/lib/emoticons.js";

const names = (segments) => segments.map((s) => (s.type === "text" ? s.text : s.type === "link" ? `<${s.href}>` : `[${s.name}]`));

test("MSN's classic set: at least 40 emoticons, each drawn, each code unique", () => {
  assert.ok(EMOTICONS.length >= 40, `${EMOTICONS.length} emoticons`);
  const codes = EMOTICONS.flatMap((e) => e.codes);
  assert.equal(new Set(codes).size, codes.length);
  for (const e of EMOTICONS) {
    assert.ok(existsSync(new URL(`../../../static${emoticonUrl(e.name, "/emoticons/")}`, import.meta.url)), e.name);
    assert.ok(e.label);
  }
});

test("codes become emoticons in plain text", () => {
  assert.deepEqual(names(parseMessage("hi :) (coffee) <:o) (brb)")), ["hi ", "[smile]", " ", "[coffee]", " ", "[party]", " ", "[brb]"]);
});

test("no emoticon inside a URL, an e-mail address or a path", () => {
  assert.deepEqual(names(parseMessage("see http://example.com/:p/ now :p")), ["see ", "<http://example.com/:p/>", " now ", "[tongue]"]);
  assert.deepEqual(names(parseMessage("mail me:D@example.com :D")), ["mail me:D@example.com ", "[grin]"]);
  assert.deepEqual(names(parseMessage("open C:\\Docs:Data please")), ["open C:\\Docs:Data please"]);
  assert.deepEqual(names(parseMessage("in /home/me:(/x ok")), ["in /home/me:(/x ok"]);
  assert.deepEqual(names(parseMessage("www.example.com/:) :)")), ["www.example.com/:) ", "[smile]"]);
});

test("only http and https URLs become links, without the sentence's full stop", () => {
  assert.deepEqual(names(parseMessage("read https://example.com/a?b=1.")), ["read ", "<https://example.com/a?b=1>", "."]);
  assert.deepEqual(names(parseMessage("ftp://example.com and www.example.com and javascript:alert(1)")), [
    "ftp://example.com and www.example.com and javascript:alert(1)",
  ]);
});

test("the show-emoticons switch off leaves codes as typed; links stay", () => {
  assert.deepEqual(names(parseMessage(":) https://x.example", { emoticons: false })), [":) ", "<https://x.example>"]);
});

test("parseEmoticons keeps its text/emoticon shape; HTML stays text", () => {
  const hostile = "<img src=x onerror=alert(1)>";
  assert.deepEqual(parseEmoticons(hostile), [{ type: "text", text: hostile }]);
  assert.ok(parseEmoticons("go to https://example.com/:) :)").every((s) => s.type !== "link"));
  assert.deepEqual(parseEmoticons(""), []);
});
