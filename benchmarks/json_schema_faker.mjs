// Draw instances of one JSON Schema with json-schema-faker, timing the draws.
//
// Run by benchmarks/generation_peers.py as
//
//     node json_schema_faker.mjs PACKAGE_DIR SCHEMA_FILE COUNT SEED BUDGET OUTPUT
//
// PACKAGE_DIR is json-schema-faker's folder under node_modules (the peers are
// installed in .cache/bench-peers, not beside this script, so a bare import
// would not find it). Drawing stops after COUNT instances or BUDGET seconds.
// The instances go to OUTPUT, one JSON document a line; a draw that throws is
// counted, not written. Standard output gets one JSON object: the wall-clock
// seconds of the timed draws and the number of draws that threw.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// V8 compiles hot functions after a while: the first draws are left out of
// the timing, as the Python generators are timed after their schema is parsed.
const WARM_UP = 100;
// The generator's seed goes up by one a draw: rounds start this far apart so
// that they draw different instances, the warm-up near the end of the span.
const SEED_SPAN = 1_000_000;

async function loadFaker(packageDir) {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json")));
  const entry = manifest.exports["."].import.default;
  return import(pathToFileURL(join(packageDir, entry)).href);
}

function draw(generator, schema, count, budget) {
  const instances = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(budget * 1e9));
  let failed = 0;
  for (let index = 0; index < count; index += 1) {
    try {
      instances.push(generator.generate(schema));
    } catch {
      failed += 1;
    }
    if (process.hrtime.bigint() > deadline) {
      break;
    }
  }
  return { instances, failed };
}

async function main() {
  const [packageDir, schemaFile, count, seed, budget, output] =
    process.argv.slice(2);
  const faker = await loadFaker(packageDir);
  const schema = JSON.parse(readFileSync(schemaFile, "utf8"));

  const first = Number(seed) * SEED_SPAN;
  const warmUp = faker.createGeneratorSync({ seed: first + SEED_SPAN - WARM_UP });
  draw(warmUp, schema, WARM_UP, Number(budget));

  const generator = faker.createGeneratorSync({ seed: first });
  const started = process.hrtime.bigint();
  const drawn = draw(generator, schema, Number(count), Number(budget));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  const lines = drawn.instances.map((instance) => JSON.stringify(instance));
  writeFileSync(output, lines.map((line) => line + "\n").join(""));
  console.log(JSON.stringify({ seconds, failed: drawn.failed }));
}

await main();
