// Bootstrap's JavaScript with only the components the site uses:
// `node scripts/build-js.mjs`.
//
// The full bundle (bootstrap.bundle.min.js, 80 KiB) carries twelve components and
// Popper; the pages use four: the menu's collapse (base.html), the account
// dropdown (base.html), the search filters' offcanvas (directory/search.html) and
// the dismissible messages' alert (base.html). esbuild bundles those four from
// Bootstrap's ES modules in its npm package (each registers its data-bs-* handlers
// when imported, as in the full bundle), with Popper, which the dropdown imports,
// and minifies the result into build/static/js/bootstrap.min.js; Django's
// STATICFILES_DIRS serves it as /static/js/bootstrap.min.js.
//
// COMPONENTS is the list: a template that starts using another component (a modal,
// a tab, a tooltip) adds it here. `node scripts/build-js.mjs --check` fails when a
// template names a data-bs-toggle or data-bs-dismiss of a component left out.
//
// Run by `make deps` (and the Dockerfile's asset stage) whenever this script or
// the package changes.
import { mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUTPUT = join(ROOT, "build/static/js/bootstrap.min.js");
const FULL = join(ROOT, "node_modules/bootstrap/dist/js/bootstrap.bundle.min.js");

// Component name (as data-bs-toggle / data-bs-dismiss say it) to its class.
export const COMPONENTS = {
  alert: "Alert",
  collapse: "Collapse",
  dropdown: "Dropdown",
  offcanvas: "Offcanvas",
};

function* templates(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* templates(path);
    else if (name.endsWith(".html")) yield path;
  }
}

// Components the templates ask for that the bundle lacks.
export function missingComponents() {
  const missing = new Set();
  for (const path of templates(join(ROOT, "templates"))) {
    const text = readFileSync(path, "utf8");
    for (const [, name] of text.matchAll(/data-bs-(?:toggle|dismiss)="([a-z]+)"/g)) {
      if (!(name in COMPONENTS)) missing.add(`${name} (${relative(ROOT, path)})`);
    }
  }
  return [...missing];
}

async function main() {
  const missing = missingComponents();
  if (missing.length) {
    console.error(`scripts/build-js.mjs: add to COMPONENTS: ${missing.join(", ")}`);
    process.exit(1);
  }
  if (process.argv.includes("--check")) return;
  const entry = Object.values(COMPONENTS)
    .map((name) => `export { default as ${name} } from "bootstrap/js/src/${name.toLowerCase()}.js";`)
    .join("\n");
  mkdirSync(dirname(OUTPUT), { recursive: true });
  await build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: "bootstrap-site.js" },
    bundle: true,
    minify: true,
    format: "iife",
    // window.bootstrap, as the full bundle defines it.
    globalName: "bootstrap",
    target: ["es2019"],
    legalComments: "none",
    banner: { js: "/*! Bootstrap (MIT) and Popper (MIT), cut by scripts/build-js.mjs */" },
    outfile: OUTPUT,
    logLevel: "warning",
  });
  const after = statSync(OUTPUT).size;
  const before = statSync(FULL).size;
  console.log(
    `${relative(ROOT, OUTPUT)}: ${(after / 1024).toFixed(1)} KiB of Bootstrap's ` +
      `${(before / 1024).toFixed(1)} KiB bundle (${Object.values(COMPONENTS).join(", ")})`,
  );
}

await main();
