// Builds the web app's front-end assets into webapp/static/vendor (git-ignored).
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const modules = join(root, "node_modules");
const out = join(root, "webapp", "static", "vendor");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "govuk", "assets"), { recursive: true });

const css = sass.compile(join(root, "webapp", "assets", "app.scss"), {
  loadPaths: [modules],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "app.css"), css.css);

const govuk = join(modules, "govuk-frontend", "dist", "govuk");
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk", "govuk-frontend.min.js"));
// Images only: the GDS Transport font files are for GOV.UK services, not councils.
cpSync(join(govuk, "assets", "images"), join(out, "govuk", "assets", "images"), { recursive: true });
cpSync(join(modules, "cytoscape", "dist", "cytoscape.min.js"), join(out, "cytoscape.min.js"));
cpSync(join(modules, "axe-core", "axe.min.js"), join(out, "axe.min.js"));
console.log(`front-end assets built into ${out}`);
