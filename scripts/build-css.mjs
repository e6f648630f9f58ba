// Bootstrap with only the rules the site uses: `node scripts/build-css.mjs`.
//
// PurgeCSS reads Bootstrap's compiled CSS from its npm package and keeps a rule
// only when every class, id and element it names appears somewhere in the site:
// our templates, the templates of the packages that render HTML for us (crispy's
// Bootstrap 5 pack, allauth), the Python code and our JavaScript. Classes that
// are put together at run time, or added by Bootstrap's own JavaScript, are kept
// by the safelist below: add to it when you build a class name from pieces.
//
// Run by `make deps` (and the Dockerfile's asset stage) whenever a template, a
// Python file or the package changes; the result goes to build/static/, which
// Django's STATICFILES_DIRS serves as /static/css/bootstrap.min.css.
//
// PYTHON_SITE_PACKAGES names the folder of the installed Python packages; by
// default the one in .venv.
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { PurgeCSS } from "purgecss";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = join(ROOT, "node_modules/bootstrap/dist/css/bootstrap.min.css");
const OUTPUT = join(ROOT, "build/static/css/bootstrap.min.css");
// Folders of ours that hold no markup, or only someone else's.
const SKIP = new Set([
  ".git", ".venv", "node_modules", "build", "staticfiles", "media", "tests", "bench",
  "docs", "deploy", ".local", "backups", "test-results", "__pycache__",
]);
// The package that renders our forms with Bootstrap's classes: its templates and
// the classes its Python code puts in them. (allauth's own templates carry no
// classes: ours in templates/allauth/elements do.)
const PACKAGES = [
  ["crispy_bootstrap5", [".html", ".py"]],
  ["crispy_forms", [".py"]],
];
// crispy's layout objects that no form of ours uses (our forms import only
// FormHelper, Layout and InlineRadios), their templates and the modules defining
// them: reading them would keep Bootstrap's accordion, modal and tabs although no
// page shows one. Using one of these layout objects means taking it off this list.
const UNUSED_PACKAGE_FILES = new Set([
  "accordion.html", "accordion-group.html", "modal.html", "tab.html", "tab-link.html",
  "floating_field.html", "switch.html", "alert.html", "bootstrap.py", "bootstrap5.py",
]);

export const SAFELIST = {
  standard: [
    // Added by Bootstrap's JavaScript (collapse, dropdown, offcanvas, alerts).
    "show", "showing", "hiding", "collapsing", "fade", "offcanvas-backdrop",
    // Element selectors of Bootstrap's reboot: Markdown in blog posts, reviews and
    // course texts may produce any of them.
    "html", "body", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "p", "abbr", "address", "ol", "ul",
    "dl", "dt", "dd", "li", "blockquote", "b", "strong", "small", "mark", "sub", "sup", "a", "pre",
    "code", "kbd", "samp", "figure", "img", "svg", "table", "caption", "th", "td", "thead", "tbody",
    "tfoot", "tr", "label", "button", "input", "optgroup", "select", "textarea", "fieldset", "legend",
    "output", "iframe", "summary", "progress", "main", "details", "em", "hgroup",
  ],
  // alert-{{ message.tags }} (base.html) and the other per-state variants a
  // template or form can pick at run time.
  greedy: [/^alert-/, /^text-bg-/, /^is-(in)?valid$/, /(in)?valid-(feedback|tooltip)$/, /data-bs-popper/],
};

function* files(folder, extensions, skip = SKIP) {
  for (const name of readdirSync(folder)) {
    if (skip.has(name)) continue;
    const path = join(folder, name);
    const stat = statSync(path);
    if (stat.isDirectory()) yield* files(path, extensions, skip);
    else if (extensions.some((extension) => name.endsWith(extension))) yield path;
  }
}

function sitePackages() {
  if (process.env.PYTHON_SITE_PACKAGES) return process.env.PYTHON_SITE_PACKAGES;
  const lib = join(ROOT, ".venv/lib");
  const python = readdirSync(lib).find((name) => name.startsWith("python"));
  return join(lib, python, "site-packages");
}

export function contentFiles() {
  const ours = [...files(ROOT, [".html", ".py", ".js"])];
  const theirs = PACKAGES.flatMap(([folder, extensions]) => [
    ...files(join(sitePackages(), folder), extensions, UNUSED_PACKAGE_FILES),
  ]);
  return [...ours, ...theirs];
}

async function main() {
  const content = contentFiles();
  const [result] = await new PurgeCSS().purge({
    content,
    css: [SOURCE],
    safelist: SAFELIST,
    // Keyframes and font faces stay (Bootstrap's few are all small).
  });
  mkdirSync(dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, result.css);
  const before = statSync(SOURCE).size;
  const after = Buffer.byteLength(result.css);
  console.log(
    `${relative(ROOT, OUTPUT)}: ${(after / 1024).toFixed(1)} KiB of Bootstrap's ` +
      `${(before / 1024).toFixed(1)} KiB (${content.length} files scanned)`,
  );
}

await main();
